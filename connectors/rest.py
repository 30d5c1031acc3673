"""The REST channel (POST /webhooks/rest/webhook) with provenance and input checks.

Rasa's stock RestInput hard-codes its output collector, accepts a missing
sender (merging strangers into one "default" conversation) and answers bad
JSON with a 500. This one answers 400 to malformed requests (415 to a body
that is not sent as JSON: a cross-site form or text/plain post), puts every
message through the input guard (connectors/guard.py: empty, too long, control
characters, forged intent payloads, rate limits), adds each medical answer's
status and sources to the reply, and apologises with the clinic's phone number
when the bot could not answer (an action failed or hung).

Answers the guard gives instead of the bot's (empty, too long) come as a
normal answer: a JSON list of bot messages. A rate-limited request gets HTTP
429 with such a list too, so the widget can show it.
"""
import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.languages import known_language
from common.pseudonyms import log_pseudonym
from connectors import guard
from connectors.hardening import install_on_start
from connectors.patient_language import reply_language
from connectors.provenance import provenance_of, with_source_line
from nlu_components import safety_notes

logger = logging.getLogger(__name__)

# A patient gets an answer within this many seconds, even if an action hangs.
RESPONSE_TIMEOUT_SECONDS = float(os.environ.get("BOT_RESPONSE_TIMEOUT_SECONDS", "10"))
# A bot message that says the conversation is with staff (actions/handoff.py) carries
# this key; the REST reply passes it on, so the widget knows to check for staff replies.
HANDOFF_MARKER = "handoff"
# Only if the clinic file or the wording cannot be read.
GENERIC_APOLOGY = {
    "en": "Sorry, something went wrong on our side. Please call the clinic, or try again in a moment.",
    "es": "Lo sentimos, algo falló de nuestro lado. Llame a la clínica, o vuelva a intentarlo en un momento.",
}


_turns_in_progress: Set["asyncio.Task[Any]"] = set()  # the loop keeps only weak references


def _log_late_failure(task: "asyncio.Task[Any]") -> None:
    _turns_in_progress.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("A turn that outlived the reply timeout failed: %s",
                     type(task.exception()).__name__)


async def run_turn(turn: Awaitable[Any]) -> None:
    """Waits up to RESPONSE_TIMEOUT_SECONDS for Rasa to handle a message.

    On timeout the turn is not cancelled, only no longer awaited: cancelling
    could stop Rasa between answering and saving the conversation and lose the
    turn. It finishes (and is saved) in the background.
    """
    task = asyncio.ensure_future(turn)
    try:
        await asyncio.wait_for(asyncio.shield(task), RESPONSE_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        _turns_in_progress.add(task)
        task.add_done_callback(_log_late_failure)
        raise


def safety_note_line(kind: Text, language: Text = "en") -> Text:
    """The gentle line added after an answer when the NLU sensed distress (see
    nlu_components/safety_notes.py), in `language`; wording in clinic/messages.yml
    and clinic/messages_es.yml."""
    from clinic.config import messages

    return messages(language)["safety_notes"][kind]


async def log_silent_turn(agent: Any, sender_id: Text, channel: Text) -> None:
    """Logs, at ERROR, a turn that ended without a reply (an action failed or hung):
    the conversation's pseudonym, the intent and the last action, never the text."""
    intent, action = "unknown", "unknown"
    try:
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is not None:
            intent = (tracker.latest_message.intent or {}).get("name") or intent
            action = tracker.latest_action_name or action
    except Exception:  # the log line must not fail the apology
        logger.exception("Could not read the conversation to describe a silent turn")
    logger.error("%s: a turn ended without a reply (conversation %s, intent %s, last action %s)",
                 channel, log_pseudonym(sender_id), intent, action)


def apology(language: Text = "en") -> Text:
    """The clinic's phone number with an apology, for when the bot could not answer,
    in `language`."""
    try:
        from clinic.config import current_clinic, messages

        clinic = current_clinic()
        return messages(language)["failure"]["apology"].format(clinic=clinic.name, phone=clinic.phone)
    except Exception:  # a broken clinic file must not turn an apology into a crash
        logger.exception("Could not load the clinic's details for the apology")
        return GENERIC_APOLOGY.get(language, GENERIC_APOLOGY["en"])


async def after_the_answer(agent: Any, sender_id: Text, text: Text, notes: List[Text],
                           output: Any, reply_to: Text, apologise: bool,
                           channel_language: Optional[Text] = None) -> None:
    """What a channel adds after a turn, in the patient's language: the apology
    when the bot said nothing (`apologise`), then one line per safety note. Each
    carries metadata.language, as the answers do (the widget follows it)."""
    if not apologise and not notes:
        return  # the usual turn: no need to look the language up
    language = await reply_language(agent, sender_id, text, channel_language)
    lines = ([apology(language)] if apologise else []) + [safety_note_line(kind, language) for kind in notes]
    for line in lines:
        await output.send_response(reply_to, {"text": line, "metadata": {"language": language}})


class SourcedOutputChannel(CollectingOutputChannel):
    """Collects bot messages; medical answers get a "Source: …" line and metadata."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        provenance = provenance_of(message)
        first_new = len(self.messages)
        await super().send_response(recipient_id, with_source_line(message))
        metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
        language = metadata.get("language")
        for sent in self.messages[first_new:]:
            if provenance:
                sent["metadata"] = dict(provenance)
            if language:  # the widget follows the language of the answers
                sent.setdefault("metadata", {})["language"] = language
        if message.get(HANDOFF_MARKER):  # the widget starts checking for staff replies
            for sent in self.messages[first_new:]:
                sent[HANDOFF_MARKER] = message[HANDOFF_MARKER]


MAX_SENDER_CHARS = 128


def bad_request(reason: Text, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


def bot_reply(sender: Text, text: Text, status: int = 200, **headers: Text) -> HTTPResponse:
    """One bot-style message, shaped like the bot's own answers."""
    return response.json([{"recipient_id": sender, "text": text}], status=status, headers=headers)


def is_json_request(request: Request) -> bool:
    return (request.content_type or "").split(";")[0].strip().lower() == "application/json"


def valid_sender(sender: Any) -> bool:
    return (isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_CHARS
            and sender.strip() == sender and sender.isprintable())


class SourcedRestInput(RestInput):
    """Drop-in replacement for Rasa's `rest` channel."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Only the language the patient reads ("metadata": {"language": "es"}; the
        widget sends its page's), which a new conversation starts in. Nothing else a
        client sends reaches the conversation."""
        body = request.json if isinstance(request.json, dict) else {}
        metadata = body.get("metadata")
        language = known_language(metadata.get("language")) if isinstance(metadata, dict) else None
        return {"language": language} if language else None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not is_json_request(request):
                return bad_request("send the message as application/json", status=415)
            try:
                body = request.json
            except Exception:  # sanic raises on undecodable JSON (and invalid UTF-8)
                return bad_request("body must be JSON")
            if not isinstance(body, dict):
                return bad_request("body must be a JSON object")
            sender = body.get("sender")
            text = body.get("message")
            if not valid_sender(sender):
                return bad_request(f"'sender' must be a non-empty string of printable "
                                   f"characters, at most {MAX_SENDER_CHARS}")
            if not isinstance(text, str):
                return bad_request("'message' must be a string")

            agent = request.app.ctx.agent
            channel_language = (self.get_metadata(request) or {}).get("language")
            if not guard.rate_limits().allow(f"rest:{sender}", guard.ip_to_limit(request)):
                logger.warning("REST: refused a message over the rate limit")
                wait = guard.rate_limits().per_sender.retry_after(f"rest:{sender}") or 60
                language = await reply_language(agent, sender, text, channel_language)
                return bot_reply(sender, guard.reply("rate_limited", language), status=429,
                                 **{"Retry-After": str(wait)})
            verdict = await guard.guard_message(agent, sender, text, channel_language=channel_language)
            if not verdict.accepted:
                logger.info("REST: answered a message that was %s", verdict.problem)
                return bot_reply(sender, verdict.refusal)
            if verdict.problem != "ok":
                logger.info("REST: a message was %s", verdict.problem)
            return response.json(await self.answer(verdict.text, sender, request, on_new_message))

        install_on_start(webhook)
        return webhook

    async def answer(
        self, text: Text, sender: Text, request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> List[Dict[Text, Any]]:
        """The bot's messages for `text`, or the apology if it could not answer."""
        collector = SourcedOutputChannel()
        message = UserMessage(text, collector, sender, input_channel=self.name(),
                              metadata=self.get_metadata(request))
        with safety_notes.collecting() as notes:
            try:
                await run_turn(on_new_message(message))
            except asyncio.TimeoutError:
                logger.error("Answering a REST message took over %ss", RESPONSE_TIMEOUT_SECONDS)
            except Exception:
                # Never log the message itself: it may hold health details.
                logger.exception("Handling a REST message failed")
        agent = request.app.ctx.agent
        apologise = False
        if not collector.messages:
            from handoff.conversations import handle_silent_turn

            if await handle_silent_turn(agent, sender, collector, message.message_id):
                # With staff: the message is stored for them; no apology. A red flag was answered.
                if not collector.messages:
                    collector.messages.append({"recipient_id": sender, "text": "", HANDOFF_MARKER: "active"})
            else:
                # Rasa answers nothing when an action fails; never leave a patient in silence.
                await log_silent_turn(agent, sender, self.name())
                apologise = True
        await after_the_answer(agent, sender, text, notes, collector, sender, apologise,
                               (message.metadata or {}).get("language"))
        return collector.messages
