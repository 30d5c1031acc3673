"""The Rasa server's patches (rasa_plugins/server_patches.py) and the SQLite tracker store settings."""
import sqlite3

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins import server_patches
from rasa_plugins.tracker_store import ForgettingSQLTrackerStore

pytestmark = pytest.mark.unit

VALID = {"events": [{"event": "slot", "name": "clinic_name", "value": "Harbor View"},
                    {"event": "action", "name": "action_listen"}],
         "responses": [{"text": "hi"}]}
INVALID = [
    {"events": [{"event": "slot", "value": "no name"}]},
    {"events": "not a list"},
    {"responses": [42]},
    {"events": [{"event": "no_such_event"}]},
]


def unpatched_error(result) -> str:
    """What Rasa's own check (jsonschema.validate on every call) raises."""
    with pytest.raises(jsonschema.ValidationError) as error:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    return error.value.message


def test_the_patched_validation_accepts_and_rejects_as_before():
    server_patches.apply()
    action = RemoteAction("action_session_start", EndpointConfig("http://127.0.0.1:1/webhook"))
    assert action._validate_action_result(VALID) is True
    for result in INVALID:
        with pytest.raises(jsonschema.ValidationError) as error:
            action._validate_action_result(result)
        assert error.value.message.startswith(unpatched_error(result))
        assert "Failed to validate Action server response from API" in error.value.message


@pytest.mark.e2e
def test_the_patch_is_active_in_the_running_server(stack, patient):
    assert "deploy.rasa_server: applied rasa_plugins/server_patches.py" in stack.logs()
    # The session-start action and the contact action both go through the patched check.
    assert "+1 617-555-0142" in patient.say_text("what's your phone number?")


def test_sqlite_conversations_use_the_write_ahead_log_and_pooled_connections(tmp_path):
    store = ForgettingSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "conversations.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert type(store.engine.pool).__name__ == "QueuePool"
    with sqlite3.connect(tmp_path / "conversations.db") as other:  # the mode is in the file
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
