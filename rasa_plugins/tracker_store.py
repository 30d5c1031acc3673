"""Rasa's SQL tracker store, plus forget-me.

Selected in the endpoints file (deploy/endpoints.py) as
`type: rasa_plugins.tracker_store.ForgettingSQLTrackerStore`; Rasa builds it with the same
settings as its own `SQL` store (dialect, db, host, port, username, password).

Rasa saves a conversation after each turn by appending the events that are not in
the database yet (it counts the stored rows). A custom action can therefore not
delete the conversation itself: the save at the end of its turn would write the
rows back. Instead, when the turn just handled ran `action_forget_conversation`,
save() deletes every stored event of that sender (all sessions) and stores
nothing of the turn. The next message then starts a new conversation.
"""
import logging
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


class ForgettingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose save() deletes a conversation the patient asked to forget."""

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
