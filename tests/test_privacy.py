"""Forget-me through the real servers (the shared stack): the conversation's rows
really leave the tracker store, and the next message starts a new conversation."""
import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from deploy.endpoints import endpoints
from rasa_plugins.tracker_store import ForgettingSQLTrackerStore, forget_requested
from tests.servers import Patient

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def server(stack):
    """The shared stack: (its URL, its SQLite conversation store's URL)."""
    return stack.url, f"sqlite:///{stack.tracker_db}"


def stored_events(tracker_url: str, sender: str) -> int:
    engine = sa.create_engine(tracker_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :sender"),
                {"sender": sender},
            ).scalar()
    finally:
        engine.dispose()


def test_the_endpoints_file_selects_the_forgetting_store():
    config = endpoints({"TRACKER_STORE_URL": "sqlite:////tmp/x.db"})
    assert config["tracker_store"]["type"] == "rasa_plugins.tracker_store.ForgettingSQLTrackerStore"


def test_forget_is_detected_only_in_the_latest_turn():
    def tracker(*events):
        return DialogueStateTracker.from_events("s", list(events))

    forget = ActionExecuted("action_forget_conversation")
    assert forget_requested(tracker(UserUttered("x"), forget, BotUttered("done")))
    assert not forget_requested(tracker(UserUttered("x"), forget, UserUttered("hi")))
    assert not forget_requested(tracker(UserUttered("x"), ActionExecuted("utter_greet")))


@pytest.mark.e2e
def test_forgetting_deletes_the_conversation_and_starts_afresh(server):
    url, tracker_url = server
    patient = Patient(url, sender=f"forget-{uuid.uuid4()}")
    assert "sweating" in patient.say_text("I sweat a lot, can botox help?").lower()
    assert stored_events(tracker_url, patient.sender) > 0

    assert "Delete it?" in patient.say_text("please erase my data")
    done = patient.say_text("yes")
    assert "deleted our conversation" in done
    assert "stays with" in done and "+1 617-555-0142" in done
    assert stored_events(tracker_url, patient.sender) == 0

    # A follow-up no longer knows the earlier condition.
    follow_up = patient.say_text("how long does it last?")
    assert "sweating" not in follow_up.lower()


@pytest.mark.e2e
def test_declining_keeps_the_conversation(server):
    url, tracker_url = server
    patient = Patient(url, sender=f"keep-{uuid.uuid4()}")
    patient.say_text("I sweat a lot, can botox help?")
    assert "Delete it?" in patient.say_text("delete my conversation")
    assert "haven't deleted anything" in patient.say_text("no")
    assert stored_events(tracker_url, patient.sender) > 0
    assert "sweating" in patient.say_text("how long does it last?").lower()


@pytest.mark.e2e
def test_forgetting_one_conversation_leaves_the_others(server):
    url, tracker_url = server
    other = Patient(url, sender=f"other-{uuid.uuid4()}")
    other.say_text("does botox help migraines?")
    patient = Patient(url, sender=f"forget-{uuid.uuid4()}")
    patient.say_text("I'd like to book a consultation")
    patient.say_text("forget everything I said")  # mid-booking: the form stops first
    patient.say_text("yes")
    assert stored_events(tracker_url, patient.sender) == 0
    assert stored_events(tracker_url, other.sender) > 0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.system)])
def forgetting_store(request, tmp_path: Path):
    """The store as Rasa builds it from the endpoints file, on each database."""
    if request.param == "sqlite":
        store = ForgettingSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "c.db"))
        yield store, f"sqlite:///{tmp_path / 'c.db'}"
        return
    url = request.getfixturevalue("postgres_server")
    parsed = sa.engine.make_url(url)
    store = ForgettingSQLTrackerStore(dialect="postgresql", host=parsed.host, port=parsed.port,
                                      db=parsed.database, username=parsed.username)
    yield store, url
    store.engine.dispose()


def test_the_store_deletes_every_session_of_the_sender_only(forgetting_store):
    store, url = forgetting_store
    first_turn = [UserUttered("my details"), ActionExecuted("utter_greet"), BotUttered("hi")]
    for sender in ("patient", "someone-else"):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, first_turn)))
    assert stored_events(url, "patient") == 3

    forgetting = first_turn + [UserUttered("yes"), ActionExecuted("action_forget_conversation"),
                               ActionExecuted("utter_conversation_forgotten"), BotUttered("done")]
    asyncio.run(store.save(DialogueStateTracker.from_events("patient", forgetting)))

    assert stored_events(url, "patient") == 0
    assert stored_events(url, "someone-else") == 3
