"""The Rasa server's patches (rasa_plugins/server_patches.py) and the SQLite tracker store settings."""
import sqlite3
import tempfile
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import scipy.sparse
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins import server_patches
from tests.servers import MODEL
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


def test_weights_in_column_order_give_the_same_probabilities_to_the_last_bit():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(16)
    features = scipy.sparse.random(300, 5000, density=0.01, format="csr", random_state=16)
    classifier = LogisticRegression(max_iter=200).fit(features, rng.integers(0, 12, 300))
    messages = scipy.sparse.random(40, 5000, density=0.01, format="csr", random_state=17)
    before = classifier.predict_proba(messages)

    server_patches.weights_in_column_order(classifier)
    assert classifier.coef_.T.flags["C_CONTIGUOUS"]  # what scipy multiplies without a copy
    assert np.array_equal(classifier.predict_proba(messages), before)


def test_the_trained_classifier_loads_with_its_weights_in_column_order():
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    server_patches.apply()
    with tempfile.TemporaryDirectory() as unpacked:
        storage, metadata = LocalModelStorage.from_model_archive(Path(unpacked), MODEL)
        [(name, node)] = [(name, node) for name, node in metadata.predict_schema.nodes.items()
                          if node.uses.__name__ == "LogisticRegressionClassifier"]
        component = node.uses.load(node.config, storage, node.resource, ExecutionContext(
            metadata.predict_schema, metadata.model_id, node_name=name))
    assert component.clf.coef_.flags["F_CONTIGUOUS"]
    assert component.clf.coef_.shape[0] > 30  # the trained intents
