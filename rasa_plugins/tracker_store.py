"""Rasa's SQL tracker store, plus forget-me, and SQLite in WAL mode.

Selected in the endpoints file (deploy/endpoints.py) as
`type: rasa_plugins.tracker_store.ForgettingSQLTrackerStore`; Rasa builds it with the same
settings as its own `SQL` store (dialect, db, host, port, username, password).

Rasa saves a conversation after each turn by appending the events that are not in
the database yet (it counts the stored rows). A custom action can therefore not
delete the conversation itself: the save at the end of its turn would write the
rows back. Instead, when the turn just handled ran `action_forget_conversation`,
save() deletes every stored event of that sender (all sessions) and stores
nothing of the turn. The next message then starts a new conversation.

On SQLite (the embedded default) the file is put in write-ahead-log mode with
synchronous=NORMAL: a commit appends to the log instead of rewriting pages and
waiting for two fsyncs, and readers no longer block the writer. Every committed
turn survives the Rasa process being killed (tests/test_faults.py kills it);
only a power cut or OS crash can lose the last turns committed before it.
PostgreSQL is left as Rasa configures it.
"""
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

FORGET_ACTION = "action_forget_conversation"  # actions/privacy.py


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

    async def save(self, tracker: DialogueStateTracker) -> None:
        if forget_requested(tracker):
            self.delete_conversation(tracker.sender_id)
            return
        await super().save(tracker)

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
