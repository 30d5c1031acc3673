"""The conversation store (rasa_plugins/tracker_store.py) against Rasa's own SQLTrackerStore:
the same conversations leave the same rows, in the same order, with fewer queries."""
import asyncio
import copy
from pathlib import Path
from typing import Any, Callable, List, Tuple

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered,
)

from rasa_plugins.tracker_store import ForgettingSQLTrackerStore

pytestmark = pytest.mark.unit

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, ask_migraine, ask_duration]
slots:
  condition:
    type: text
    influence_conversation: true
    mappings: [{type: custom}]
""")

COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def session_start() -> List[Event]:
    """What Rasa's action_session_start adds (the condition slot carried over)."""
    return [ActionExecuted("action_session_start"), SessionStarted(),
            SlotSet("condition", "chronic_migraine"), ActionExecuted("action_listen")]


def turn(number: int) -> List[Event]:
    intent = {"name": "ask_migraine", "confidence": 0.93}
    return [UserUttered(f"message {number}", intent,
                        parse_data={"intent": intent, "entities": [], "text": f"message {number}"}),
            SlotSet("condition", "chronic_migraine"), ActionExecuted("utter_migraine"),
            BotUttered(f"answer {number}", {"buttons": [{"title": "When?", "payload": "/ask_onset"}]}),
            ActionExecuted("action_listen")]


# A conversation as the processor runs it: each message reads the tracker, adds
# the turn's events (a new session when the earlier one expired) and saves once.
CONVERSATION: List[Tuple[bool, List[Event]]] = [
    (True, session_start() + turn(1)), (False, turn(2)), (False, turn(3)),
    (True, session_start() + turn(4)), (False, turn(5)),
]


async def run_conversation(stores: List[Any], sender: str) -> None:
    """The conversation's turns, alternating between `stores` (replicas on one database)."""
    for number, (_, events) in enumerate(CONVERSATION):
        store = stores[number % len(stores)]
        tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
        for event in copy.deepcopy(events):  # the same timestamps for every store
            tracker.update(event)
        await store.save(tracker)


def rows(url: str) -> List[Tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(
                sa.text(f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY id"))]
    finally:
        engine.dispose()


def sqlite_store(cls: Callable, path: Path) -> Any:
    return cls(domain=DOMAIN, dialect="sqlite", db=str(path))


@pytest.mark.parametrize("replicas", [1, 2])
def test_a_conversation_is_stored_exactly_as_rasa_stores_it(tmp_path, replicas):
    rasa_store = sqlite_store(SQLTrackerStore, tmp_path / "rasa.db")
    ours = [sqlite_store(ForgettingSQLTrackerStore, tmp_path / "ours.db") for _ in range(replicas)]
    for sender in ("patient-a", "patient-b"):
        asyncio.run(run_conversation([rasa_store], sender))
        asyncio.run(run_conversation(ours, sender))

    expected = rows(f"sqlite:///{tmp_path / 'rasa.db'}")
    assert len(expected) == 2 * (4 + 5 * 5 + 4)  # two sessions' starts, five turns each
    assert rows(f"sqlite:///{tmp_path / 'ours.db'}") == expected

    for sender in ("patient-a", "patient-b"):
        for read in ("retrieve", "retrieve_full_tracker"):
            theirs = asyncio.run(getattr(rasa_store, read)(sender))
            mine = asyncio.run(getattr(ours[0], read)(sender))
            assert [e.as_dict() for e in mine.events] == [e.as_dict() for e in theirs.events]
    latest = asyncio.run(ours[0].retrieve("patient-a"))
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["message 4", "message 5"]


def test_a_turn_costs_one_read_and_one_write(tmp_path):
    store = sqlite_store(ForgettingSQLTrackerStore, tmp_path / "c.db")
    statements: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: statements.append(statement.split()[0]))

    async def new_conversation_then_a_turn() -> None:
        # A new conversation: Rasa reads, saves an empty tracker, then the first turn.
        tracker = await store.get_or_create_tracker("patient", append_action_listen=False)
        assert statements == ["SELECT"]  # the empty tracker's save wrote and asked nothing
        for event in session_start() + turn(1):
            tracker.update(event)
        await store.save(tracker)  # not read here: the stored events are counted once
        statements.clear()

        tracker = await store.get_or_create_tracker("patient", append_action_listen=False)
        for event in turn(2):
            tracker.update(event)
        await store.save(tracker)

    asyncio.run(new_conversation_then_a_turn())
    assert statements == ["SELECT", "INSERT"]  # Rasa's store: SELECT, SELECT count, 5 INSERTs


def test_a_tracker_saved_twice_stores_each_event_once(tmp_path):
    """The count noted at the read serves one save only; a later save of the same
    tracker counts the stored events as Rasa's store does."""
    store = sqlite_store(ForgettingSQLTrackerStore, tmp_path / "c.db")

    async def save_twice() -> None:
        await run_conversation([store], "patient")
        tracker = await store.retrieve("patient")
        for event in turn(6):
            tracker.update(event)
        await store.save(tracker)
        tracker.update(ActionExecuted("utter_greet"))
        await store.save(tracker)

    asyncio.run(save_twice())
    stored = rows(f"sqlite:///{tmp_path / 'c.db'}")
    assert len(stored) == 4 + 5 * 5 + 4 + 5 + 1
    assert len({row[5] for row in stored}) == len(stored)  # no event twice
    assert stored[-1][4] == "utter_greet"


def test_the_guard_reads_only_the_bots_latest_turn(tmp_path):
    from types import SimpleNamespace

    from rasa.core.tracker_store import FailSafeTrackerStore

    from connectors import guard

    store = sqlite_store(ForgettingSQLTrackerStore, tmp_path / "c.db")
    asyncio.run(run_conversation([store], "patient"))
    latest = asyncio.run(store.latest_turn_events("patient"))
    assert [e["event"] for e in latest] == ["slot", "action", "bot", "action"]
    assert latest[2]["text"] == "answer 5"

    # Through Rasa's wrapper, as the REST channel and the messaging channels call it.
    agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(store), domain=DOMAIN)
    statements: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: statements.append(statement.split()[0]))
    offered = asyncio.run(guard.offered_buttons(agent, "patient"))
    assert offered == [[{"title": "When?", "payload": "/ask_onset"}]]
    assert statements == ["SELECT"]
    full_read = asyncio.run(store.retrieve("patient"))
    assert offered == guard.latest_button_groups(full_read.events)
    assert asyncio.run(guard.offered_buttons(agent, "nobody")) == []
