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


@pytest.mark.model  # loads the trained model
def test_the_trained_classifier_loads_with_its_weights_in_column_order():
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    server_patches.apply()
    with tempfile.TemporaryDirectory() as unpacked:
        storage, metadata = LocalModelStorage.from_model_archive(Path(unpacked), MODEL)
        [(name, node)] = [(name, node) for name, node in metadata.predict_schema.nodes.items()
                          if node.uses.__name__ == "TfidfLogisticRegressionClassifier"]
        component = node.uses.load(node.config, storage, node.resource, ExecutionContext(
            metadata.predict_schema, metadata.model_id, node_name=name))
    logistic_regression = component.clf[-1]  # the last step of the tf-idf pipeline
    assert logistic_regression.coef_.flags["F_CONTIGUOUS"]
    assert logistic_regression.coef_.shape[0] > 30  # the trained intents


@pytest.mark.model  # loads the trained model
def test_the_graph_runs_without_dask_with_the_same_results():
    import asyncio

    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    messages = ["Does Botox help migraines?", "how long does it last", "I can't breathe",
                "what are your opening hours", "/ask_onset", "asdf qwerty"]

    def parse_and_predict(agent: Agent):
        results = []
        for number, text in enumerate(messages):
            parsed = asyncio.run(agent.processor.parse_message(UserMessage(text)))
            tracker = DialogueStateTracker.from_events(
                f"patient-{number}", [ActionExecuted("action_listen"),
                                      UserUttered(text, parsed["intent"], parsed["entities"], parsed)],
                agent.domain.slots)
            prediction = agent.processor.predict_next_with_tracker(tracker)
            del prediction["tracker"]  # the events' timestamps differ from run to run
            results.append((parsed, prediction))
        return results

    agent = Agent.load(str(MODEL))
    dask_run = DaskGraphRunner.run
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DaskGraphRunner, "run", dask_run)
        with_dask = parse_and_predict(agent)
        patch.setattr(DaskGraphRunner, "run", server_patches.run_graph_directly)
        without_dask = parse_and_predict(agent)
    assert with_dask == without_dask
    assert with_dask[0][0]["intent"]["name"] == "ask_migraine"
    assert with_dask[0][1]["policy"] in ("RulePolicy", "MemoizationPolicy")
