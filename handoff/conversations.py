"""What the inbox does to a conversation, done the way Rasa itself does it.

Events are appended under the conversation's lock (Rasa's lock store: Redis
across replicas) and saved to the tracker store, exactly as Rasa's own
"append events" API does; messages go out through the output channel of the
channel the patient last wrote on (app.ctx.input_channels), or, for the website
widget, into its queue (outbox.py). A staff reply is stored as a bot message
with `metadata.handoff = "staff"`, so the transcript, the staff report and a
later reader all see who wrote it.

Also here: what the channels do after a turn in which the bot said nothing
(`handle_silent_turn`): while staff have the conversation that is expected,
so no apology is sent, but a red flag still gets the emergency answer first.
"""
import json
import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa
from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, BotUttered, ConversationPaused, ConversationResumed, Event, Restarted,
    SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from common.languages import DEFAULT_LANGUAGE, conversation_language
from connectors import formatting
from connectors.platform_api import SEND_ERRORS, PlatformOutput, describe
from handoff.outbox import WidgetOutbox, WidgetOutboxOutput
from handoff.store import HandoffStore, HandoffStoreUnavailable

logger = logging.getLogger(__name__)

STAFF = "staff"
WIDGET_CHANNEL = "rest"  # the widget talks over the REST channel
# Red flags are answered even while staff have the conversation (data/rules.yml).
RED_FLAG_RESPONSES = {"report_emergency_symptoms": "utter_emergency", "express_crisis": "utter_crisis",
                      "report_symptoms_after_treatment": "utter_symptoms_after_treatment"}
CHANNEL_LABELS = {
    "rest": "Website chat", "twilio": "SMS / WhatsApp", "facebook": "Messenger",
    "telegram": "Telegram", "slack": "Slack", "chatwoot": "Chatwoot",
}


class NoChannel(Exception):
    """The patient's channel is not enabled on this server (message: the channel's name)."""


class NotDelivered(Exception):
    """The platform refused or did not answer (message: kind or status only)."""


def channel_label(channel: Optional[str]) -> str:
    return CHANNEL_LABELS.get(channel or "", channel or "unknown")


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
async def current_tracker(agent: Any, sender_id: str) -> Optional[DialogueStateTracker]:
    return await agent.tracker_store.retrieve(sender_id)


def transcript(tracker: DialogueStateTracker, after: float = 0.0) -> List[Dict[str, Any]]:
    """The session's messages (and hand-over points) after the `after` timestamp, oldest first."""
    entries: List[Dict[str, Any]] = []
    for event in tracker.events:
        if event.timestamp <= after:
            continue
        entry: Optional[Dict[str, Any]] = None
        if isinstance(event, UserUttered) and event.text:
            entry = {"from": "patient", "text": event.text}
        elif isinstance(event, BotUttered) and (event.text or event.data.get("buttons")):
            metadata = event.metadata or {}
            entry = {"from": "bot", "text": formatting.plain_text(event.text or "")}
            if metadata.get("handoff") == STAFF:
                entry = {"from": STAFF, "text": event.text or "", "name": metadata.get("staff_name") or ""}
            titles = [b["title"] for b in formatting.usable_buttons(event.data.get("buttons"))]
            if titles:
                entry["options"] = titles
        elif isinstance(event, ConversationPaused):
            entry = {"from": "system", "text": "The assistant stopped: staff have this conversation."}
        elif isinstance(event, ConversationResumed):
            entry = {"from": "system", "text": "The assistant answers again."}
        if entry is not None:
            entry["at"] = event.timestamp
            entries.append(entry)
    return entries


def _sql_store(agent: Any) -> Any:
    """Rasa's SQL tracker store behind the agent (unwrapped from FailSafe), or None."""
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
    return store if hasattr(store, "SQLEvent") and hasattr(store, "session_scope") else None


def recent_senders(agent: Any, since: float, limit: Optional[int] = None) -> List[Tuple[str, float]]:
    """(sender id, last event time) of conversations active since `since`, newest first.

    Read from Rasa's SQL tracker store; other stores give none.
    """
    store = _sql_store(agent)
    if store is None:
        return []
    events = store.SQLEvent
    last = sa.func.max(events.timestamp).label("last")
    with store.session_scope() as session:
        query = (session.query(events.sender_id, last).filter(events.timestamp >= since)
                 .group_by(events.sender_id).order_by(last.desc()))
        return [(row[0], float(row[1])) for row in (query.limit(limit) if limit else query).all()]


def latest_channels(agent: Any, sender_ids: List[str]) -> Dict[str, Optional[str]]:
    """The channel each conversation's latest patient message came from."""
    store = _sql_store(agent)
    if store is None or not sender_ids:
        return {}
    events = store.SQLEvent
    with store.session_scope() as session:
        newest = (session.query(sa.func.max(events.id))
                  .filter(events.sender_id.in_(sender_ids), events.type_name == UserUttered.type_name)
                  .group_by(events.sender_id))
        return {sender_id: _input_channel(data) for sender_id, data in
                session.query(events.sender_id, events.data).filter(events.id.in_(newest))}


def _input_channel(data: Optional[str]) -> Optional[str]:
    try:
        return (json.loads(data) or {}).get("input_channel") if data else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Changing: under the conversation's lock
# ---------------------------------------------------------------------------
async def append_events(agent: Any, sender_id: str, events: Iterable[Event]) -> DialogueStateTracker:
    """Appends events to a conversation as Rasa's own API does: locked, then saved."""
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.processor.fetch_tracker_with_initial_session(sender_id)
        for event in events:
            tracker.update(event, agent.domain)
        await agent.tracker_store.save(tracker)
    return tracker


def patient_language(tracker: Optional[DialogueStateTracker]) -> str:
    """The conversation's language ("en" or "es"): what the patient is told in."""
    return conversation_language(tracker) if tracker is not None else DEFAULT_LANGUAGE


def resume_events(tracker: Optional[DialogueStateTracker]) -> List[Event]:
    """Hands a paused conversation back to the bot, ready for the patient's next message.

    The trailing action_listen lets the next message match the rules, which expect
    the bot to have been listening; an open form is closed (staff answered instead).
    """
    events: List[Event] = [ConversationResumed()]
    if tracker is not None and tracker.active_loop_name:
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return events + [ActionExecuted("action_listen")]


def output_for(app: Any, channel: Optional[str], outbox: WidgetOutbox, *,
               staff_name: Optional[str] = None) -> OutputChannel:
    """Where a message to the patient goes: the widget's queue, or their messaging channel."""
    if channel in (None, WIDGET_CHANNEL):
        return WidgetOutboxOutput(outbox, sender=STAFF if staff_name else "bot", sender_name=staff_name)
    for input_channel in getattr(app.ctx, "input_channels", None) or []:
        if input_channel.name() == channel:
            output = input_channel.get_output_channel()
            if output is not None:
                return output
    raise NoChannel(channel)


async def send_bot_message(app: Any, sender_id: str, channel: Optional[str], outbox: WidgetOutbox,
                           text: str, buttons: Optional[List[Dict[str, str]]] = None,
                           before: Iterable[Event] = (), language: str = DEFAULT_LANGUAGE) -> None:
    """Appends `before` and a bot message to the conversation, then sends the message.

    `language` is the one `text` is in: the message carries it as the assistant's
    answers do (metadata.language), so SMS numbers its options in that language.
    """
    metadata = {"language": language}
    message = BotUttered(text, data={"buttons": buttons} if buttons else {}, metadata=metadata)
    await append_events(app.ctx.agent, sender_id, [*before, message])
    try:
        output = output_for(app, channel, outbox)
    except NoChannel:
        logger.error("Inbox: the %s channel is not enabled here; a bot message was stored only", channel)
        return
    await output.send_response(sender_id, {"text": text, "buttons": buttons or [], "metadata": metadata})


async def send_staff_reply(app: Any, sender_id: str, channel: Optional[str], outbox: WidgetOutbox,
                           text: str, staff_name: str, reply_format: Optional[str] = None) -> None:
    """Stores a staff reply in the conversation, then sends it on the patient's channel.

    On a messaging channel it starts with who wrote it (`reply_format`, by default
    clinic/messages.yml's `handoff.staff_reply` in the conversation's language).

    Re-pauses the conversation if it had come back to the bot (e.g. a new Rasa
    session after an hour of silence) while its hand-off was still open.
    Raises NotDelivered or NoChannel; the reply stays in the conversation either way.
    """
    tracker = await current_tracker(app.ctx.agent, sender_id)
    events: List[Event] = [] if tracker is not None and tracker.is_paused() else [ConversationPaused()]
    events.append(BotUttered(text, metadata={"handoff": STAFF, "staff_name": staff_name}))
    await append_events(app.ctx.agent, sender_id, events)
    output = output_for(app, channel, outbox, staff_name=staff_name)
    if isinstance(output, WidgetOutboxOutput):
        await output.send_text_message(sender_id, text)
        return
    if reply_format is None:
        from clinic.config import messages

        reply_format = messages(patient_language(tracker))["handoff"]["staff_reply"]
    shown = reply_format.format(name=staff_name, text=text)
    if isinstance(output, PlatformOutput):
        try:
            await output.deliver(output.reply_to or sender_id, shown, [])
        except SEND_ERRORS as error:
            raise NotDelivered(describe(error)) from None
        return
    await output.send_text_message(sender_id, shown)


# ---------------------------------------------------------------------------
# After a turn in which the bot said nothing (used by the REST and messaging channels)
# ---------------------------------------------------------------------------
def paused_when_received(tracker: DialogueStateTracker, message_id: Optional[str]) -> Optional[UserUttered]:
    """The message with this id if the conversation was with staff when it arrived, else None.

    Judged from the events, not from the conversation's state now: staff may have
    handed it back in the meantime.
    """
    paused = False
    for event in tracker.events:
        if isinstance(event, ConversationPaused):
            paused = True
        elif isinstance(event, (ConversationResumed, SessionStarted, Restarted)):
            paused = False
        elif isinstance(event, UserUttered) and event.message_id == message_id:
            return event if paused else None
    return None


async def handle_silent_turn(agent: Any, sender_id: str, output: OutputChannel,
                             message_id: Optional[str]) -> bool:
    """After a turn in which the bot said nothing: True if the message went to staff
    (silence is expected, so the channel must not apologise).

    A red flag is still answered at once, and its hand-off marked urgent.
    """
    try:
        tracker = await current_tracker(agent, sender_id)
    except Exception:  # an unreachable store: the channel apologises as usual
        logger.exception("Could not read the conversation after a silent turn")
        return False
    message = paused_when_received(tracker, message_id) if tracker is not None else None
    if message is None:
        return False
    response = RED_FLAG_RESPONSES.get((message.intent or {}).get("name"))
    if response:
        try:
            await _answer_red_flag(agent, sender_id, tracker, response, output)
        except Exception:  # then the channel's apology, with the phone number, rather than silence
            logger.exception("Could not answer a red flag while staff have the conversation")
            return False
    return True


async def _answer_red_flag(agent: Any, sender_id: str, tracker: DialogueStateTracker,
                           response: str, output: OutputChannel) -> None:
    logger.warning("A red flag while staff have the conversation: sending %s", response)
    message = await agent.nlg.generate(response, tracker, output.name())
    if not message:
        return
    await output.send_response(sender_id, message)
    await append_events(agent, sender_id, [BotUttered(
        message.get("text"), data={"buttons": message.get("buttons")} if message.get("buttons") else {},
        metadata={"utter_action": response})])
    try:
        store = HandoffStore()
        active = store.active_for(sender_id)
        if active is not None:
            store.mark_urgent(active.id)
    except HandoffStoreUnavailable:
        pass  # logged by the store; the patient has the emergency answer
