"""Messages for the website widget that were not answers to its own requests.

The widget talks over the REST channel, which can only answer the request it
was sent: a staff reply, or the bot's note that a wait timed out, has no
request to ride on. They are queued here, in SQL (so any replica can hand them
out), and the widget fetches them from GET /webhooks/widget/messages, keyed by
its conversation id (connectors/widget.py). Rows are pruned after a day; the
conversation itself is in the tracker store.
"""
import json
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.channels.channel import OutputChannel

from connectors import formatting
from connectors.provenance import with_source_line
from handoff.database import Database, default_database
from handoff.store import HandoffStore, utc_now
from handoff.tables import widget_messages

KEEP_FOR = timedelta(days=1)
MAX_PER_FETCH = 50


class WidgetOutbox:
    def __init__(self, database: Optional[Database] = None) -> None:
        self.database = database or default_database()

    def add(self, sender_id: str, message: Dict[str, Any]) -> int:
        with self.database.write() as connection:
            return connection.execute(sa.insert(widget_messages).values(
                sender_id=sender_id, created_at=utc_now(),
                message=json.dumps(message))).inserted_primary_key[0]

    def after(self, sender_id: str, after_id: int) -> List[Dict[str, Any]]:
        """The conversation's queued messages with an id above `after_id`, oldest first."""
        with self.database.read() as connection:
            rows = connection.execute(
                sa.select(widget_messages.c.id, widget_messages.c.message)
                .where(widget_messages.c.sender_id == sender_id, widget_messages.c.id > after_id)
                .order_by(widget_messages.c.id).limit(MAX_PER_FETCH)).all()
        return [{"id": row.id, **json.loads(row.message)} for row in rows]

    def prune(self, now: Optional[datetime] = None) -> int:
        with self.database.write() as connection:
            return connection.execute(sa.delete(widget_messages).where(
                widget_messages.c.created_at < (now or utc_now()) - KEEP_FOR)).rowcount


class WidgetOutboxOutput(OutputChannel):
    """Rasa's output channel interface, writing to the widget's queue."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, outbox: WidgetOutbox, sender: str = "bot", sender_name: Optional[str] = None) -> None:
        self.outbox = outbox
        self.sender = sender  # "bot" or "staff": the widget labels staff replies
        self.sender_name = sender_name

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        message = with_source_line(message)
        text = str(message.get("text") or "")
        buttons = formatting.usable_buttons(message.get("buttons"))
        if text or buttons:
            self._add(recipient_id, text, buttons)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self._add(recipient_id, text, [])

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        self._add(recipient_id, text, formatting.usable_buttons(buttons))

    def _add(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        message: Dict[str, Any] = {"text": text, "from": self.sender}
        if buttons:
            message["buttons"] = buttons
        if self.sender_name:
            message["name"] = self.sender_name
        self.outbox.add(recipient_id, message)


def updates_for_widget(sender_id: str, after_id: int, database: Optional[Database] = None) -> Dict[str, Any]:
    """What GET /webhooks/widget/messages answers: the queued messages after `after_id`,
    and whether the conversation is with staff ("waiting", "open") or not (None)."""
    database = database or default_database()
    active = HandoffStore(database).active_for(sender_id)
    return {"messages": WidgetOutbox(database).after(sender_id, after_id),
            "handoff": active.status if active else None}
