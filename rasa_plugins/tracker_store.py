"""Rasa's SQL tracker store, plus forget-me, with fewer and cheaper queries per turn.

Selected in the endpoints file (deploy/endpoints.py) as
`type: rasa_plugins.tracker_store.ForgettingSQLTrackerStore`; Rasa builds it with the same
settings as its own `SQL` store (dialect, db, host, port, username, password).

Forget-me. Rasa saves a conversation after each turn by appending the events that
are not in the database yet. A custom action can therefore not delete the
conversation itself: the save at the end of its turn would write the rows back.
Instead, when the turn just handled ran `action_forget_conversation`, save()
deletes every stored event of that sender (all sessions) and stores nothing of
the turn. The next message then starts a new conversation.

Speed (the same rows as Rasa's store, in the same order; see README, "Speed"):

- Rasa's save() first counts the stored events of the latest session (a query
  with a subquery) to know which of the tracker's events are new. That count is
  the number of events the turn's read returned, since a conversation's turns
  run one at a time under the lock store's lock; so read() notes it on the
  tracker and save() skips the query. A tracker not read here (a new
  conversation, or one built elsewhere) is counted as before.
- A new conversation's empty tracker, which Rasa saves once before its first
  turn, has nothing to write: no query at all.
- Reads select the JSON column only and writes insert all of a turn's rows in
  one statement, through SQLAlchemy Core, instead of building an ORM object per
  row. The statements are built once (SQLAlchemy caches their compiled form).

Durability. Each turn is still one committed transaction. On SQLite (the
embedded default) the file is in write-ahead-log mode with synchronous=NORMAL:
a commit appends to the log instead of rewriting pages and waiting for two
fsyncs, and readers no longer block the writer. Every committed turn survives
the Rasa process being killed (tests/test_faults.py kills it); only a power cut
or an operating-system crash can lose the turns committed in the moments
before it (the database itself stays consistent). PostgreSQL is left as Rasa
configures it (every commit flushed to disk).
"""
import itertools
import json
import logging
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

FORGET_ACTION = "action_forget_conversation"  # actions/privacy.py

# Set by this store on a tracker it read: how many stored events of the latest
# session the tracker was built from (cleared by the save that uses it).
STORED_EVENTS_ATTRIBUTE = "_clinic_stored_session_events"


def forget_requested(tracker: DialogueStateTracker) -> bool:
    """Did the latest turn (events since the last user message) run the forget action?"""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == FORGET_ACTION:
            return True
    return False


def _sqlite_write_ahead_log(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def event_row(sender_id: Text, event: Event) -> Dict[Text, Any]:
    """The row Rasa's SQLTrackerStore.save() stores for an event, column by column."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class ForgettingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose save() deletes a conversation the patient asked to forget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy opens a new SQLite connection for every session by default
            # (NullPool); reusing a few saves the connect and the pragmas per query.
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, poolclass=sa.pool.QueuePool, pool_size=4,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._build_statements()

    def _build_statements(self) -> None:
        """Rasa's queries (SQLTrackerStore._event_query), as Core statements built once."""
        events = self.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        # The latest session: events from the latest SessionStarted on, or all of
        # them if the conversation has none (the same filter as Rasa's).
        session_start = (sa.select(sa.func.max(events.c.timestamp))
                         .where(events.c.sender_id == sender,
                                events.c.type_name == SessionStarted.type_name)
                         .scalar_subquery())
        in_latest_session = sa.and_(events.c.sender_id == sender,
                                    sa.or_(events.c.timestamp >= session_start,
                                           session_start.is_(None)))
        self._read_latest_session = (sa.select(events.c.data).where(in_latest_session)
                                     .order_by(events.c.id))
        self._read_all_sessions = (sa.select(events.c.data)
                                   .where(events.c.sender_id == sender).order_by(events.c.id))
        self._count_latest_session = sa.select(sa.func.count()).where(in_latest_session)
        self._insert_events = events.insert()
        # The events after the patient's latest message in the latest session (the
        # bot's latest turn), for the input guard.
        last_user_message = (sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))
                             .where(events.c.sender_id == sender,
                                    events.c.type_name == UserUttered.type_name)
                             .scalar_subquery())
        self._read_latest_turn = (sa.select(events.c.data)
                                  .where(in_latest_session, events.c.id > last_user_message)
                                  .order_by(events.c.id))

    async def latest_turn_events(self, sender_id: Text) -> List[Dict[Text, Any]]:
        """The events since the patient's latest message, as dicts: what the input
        guard needs to know which buttons the bot just offered (connectors/guard.py),
        without reading and replaying the whole conversation."""
        with self.session_scope() as session:
            rows = session.execute(self._read_latest_turn, {"sender_id": sender_id}).scalars()
            return [json.loads(row) for row in rows]

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        statement = (self._read_all_sessions if fetch_events_from_all_sessions
                     else self._read_latest_session)
        with self.session_scope() as session:
            rows = session.execute(statement, {"sender_id": sender_id}).scalars().all()
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(r) for r in rows],
                                                 self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED_EVENTS_ATTRIBUTE, len(rows))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        if forget_requested(tracker):
            self.delete_conversation(tracker.sender_id)
            return
        await self.stream_events(tracker)
        if not tracker.events:  # a new conversation's empty tracker: nothing to write
            return
        stored: Optional[int] = vars(tracker).pop(STORED_EVENTS_ATTRIBUTE, None)  # used once
        with self.session_scope() as session:
            if stored is None:
                stored = session.execute(self._count_latest_session,
                                         {"sender_id": tracker.sender_id}).scalar()
            rows: List[Dict[Text, Any]] = [
                event_row(tracker.sender_id, event)
                for event in itertools.islice(tracker.events, stored, None)]
            if rows:
                session.execute(self._insert_events, rows)
                session.commit()

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every stored event of one sender; returns how many rows went."""
        with self.session_scope() as session:
            deleted = session.execute(
                sa.delete(self.SQLEvent).where(self.SQLEvent.sender_id == sender_id)
            ).rowcount
            session.commit()
        # A count only: the sender id can be a phone number.
        logger.info("Deleted a conversation at the patient's request (%d events)", deleted)
        return deleted
