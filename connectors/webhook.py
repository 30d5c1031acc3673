"""The shared webhook flow of the messaging channels (connectors/twilio.py,
facebook.py, telegram.py, slack.py). Rasa's stock connectors trust unsigned
requests (Telegram, Twilio), answer malformed payloads with a 500, call
Telegram's setWebhook at start-up and answer inside the webhook call, so a slow
answer makes the platform retry and the patient gets it twice. Each channel here:

- verifies the platform's signature and answers 403 to forged or unsigned calls;
- answers 400 to a payload that lacks what the platform always sends;
- puts every message through the input guard (connectors/guard.py), like the
  REST channel, and rate limits each sender (one "slow down" reply, then
  silence until the window passes). Calls come from the platform's servers,
  so there is no per-IP limit here: it would throttle every patient at once
  (forged calls stop at the signature);
- answers each delivery once: a platform's retry of a message already received
  (same Slack event_id, Messenger mid, Telegram update_id, Twilio MessageSid) is
  acknowledged and dropped (connectors/dedup.py);
- reads the text of a message with a photo or file (its caption), never the
  media itself; a message with no text gets one clear reply instead;
- acknowledges at once and answers in the background;
- adds each medical answer's "Source: …" line, and apologises with the clinic's
  phone number when the bot could not answer, like the REST channel;
- logs kinds of events only: never message text, names or phone numbers.
"""
import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import dedup, guard
from connectors.platform_api import PlatformOutput
from connectors.patient_language import reply_language
from connectors.rest import RESPONSE_TIMEOUT_SECONDS, after_the_answer, log_silent_turn, run_turn
from nlu_components import safety_notes

logger = logging.getLogger(__name__)

class MalformedPayload(Exception):
    """A signed webhook call without what the platform always sends. Never holds content."""


@dataclass(frozen=True)
class IncomingMessage:
    sender_id: str  # the conversation in Rasa: phone number, page-scoped id, chat id, Slack user
    text: str
    reply_to: str  # where answers go: the sender, or the Slack channel
    kind: str = "message"  # for logs, which never get the content
    callback_query_id: Optional[str] = None  # Telegram: the tapped button, to stop its spinner
    delivery_id: Optional[str] = None  # the platform's id of this delivery, to drop repeats
    has_media: bool = False  # a photo, file, sticker...: never read, stored or forwarded


def json_object(request: Request) -> Dict[str, Any]:
    try:
        payload = json.loads(request.body or b"")
    except ValueError:  # includes undecodable bytes
        raise MalformedPayload("the body is not JSON")
    if not isinstance(payload, dict):
        raise MalformedPayload("the body is not a JSON object")
    return payload


def required_field(container: Any, key: str, kind: Any, what: str) -> Any:
    """container[key] if it has the expected type, else MalformedPayload."""
    value = container.get(key) if isinstance(container, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MalformedPayload(f"{what} is missing")
    return value


def identifier(container: Any, key: str, what: str) -> str:
    value = required_field(container, key, (str, int), what)
    if not str(value).strip():
        raise MalformedPayload(f"{what} is missing")
    return str(value)


def matches(expected: str, given: Optional[str]) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str (a forged header may hold any).
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


class SignedWebhookChannel(InputChannel):
    """The shared webhook flow: verify → read → acknowledge → answer in the background."""

    def __init__(self) -> None:
        self._answering: Set[asyncio.Task] = set()
        self._told_to_slow_down: Set[str] = set()  # senders already sent the rate-limit reply

    # -- what each platform provides ------------------------------------------
    def has_valid_signature(self, request: Request) -> bool:
        raise NotImplementedError

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        """The messages to answer in a signed call; raises MalformedPayload."""
        raise NotImplementedError

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        raise NotImplementedError

    def early_response(self, request: Request) -> Optional[HTTPResponse]:
        """An answer to a signed call that carries no message (e.g. Slack's handshake)."""
        return None

    def acknowledgement(self) -> HTTPResponse:
        return response.text("")

    def verification_handshake(self, request: Request) -> HTTPResponse:
        return response.text("Method not allowed", status=405)

    async def before_answering(self, message: IncomingMessage, output: PlatformOutput) -> None:
        pass

    # Set by channels whose typed replies pick one of the bot's last options by
    # number (SMS: "2"): (offered button groups) -> the options the numbers refer to.
    options_for_numbers: Optional[guard.NumberedOptions] = None

    # -- shared flow -----------------------------------------------------------
    def get_output_channel(self) -> OutputChannel:
        """For messages Rasa sends unprompted (reminders): they go to the sender."""
        return self.output_for(None)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"signed_{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def handshake(request: Request) -> HTTPResponse:
            return self.verification_handshake(request)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.has_valid_signature(request):
                logger.warning("%s: rejected a call without a valid signature", self.name())
                return response.json({"error": "invalid or missing signature"}, status=403)
            early = self.early_response(request)
            if early is not None:
                return early
            try:
                messages = self.read_messages(request)
            except MalformedPayload as problem:
                logger.warning("%s: rejected a malformed payload: %s", self.name(), problem)
                return response.json({"error": str(problem)}, status=400)
            for message in messages:
                logger.info("%s: received: %s", self.name(), message.kind)
                # Checked before acknowledging, so a retry that comes while the first
                # delivery is still being answered is dropped too.
                if not await dedup.first_delivery(self.name(), message.delivery_id):
                    logger.info("%s: dropped a repeated delivery of a %s", self.name(), message.kind)
                    continue
                if self._within_rate_limit(message, request.app.ctx.agent):
                    self._answer_in_background(message, request.app.ctx.agent, on_new_message)
            return self.acknowledgement()

        return webhook

    def _within_rate_limit(self, message: IncomingMessage, agent: Any) -> bool:
        """Counts the message; over the limit, the sender is told once and it goes unanswered."""
        key = f"{self.name()}:{message.sender_id}"
        if guard.rate_limits().per_sender.allow(key):
            self._told_to_slow_down.discard(key)
            return True
        logger.warning("%s: refused a %s over the rate limit", self.name(), message.kind)
        if key not in self._told_to_slow_down:
            if len(self._told_to_slow_down) > 10_000:  # bound memory
                self._told_to_slow_down.clear()
            self._told_to_slow_down.add(key)
            self._run_in_background(self._tell_to_slow_down(message, agent))
        return False

    async def _tell_to_slow_down(self, message: IncomingMessage, agent: Any) -> None:
        language = await reply_language(agent, message.sender_id, message.text)
        output = self.output_for(message.reply_to)
        await output.send_text_message(message.reply_to, guard.reply("rate_limited", language))

    def _answer_in_background(
        self, message: IncomingMessage, agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        # Platforms retry a webhook that is not acknowledged within seconds
        # (Slack: 3 s), and an answer can take longer than that.
        self._run_in_background(self._answer(message, agent, on_new_message))

    def _run_in_background(self, work: Awaitable[Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._answering.add(task)  # the event loop keeps only weak references to tasks
        task.add_done_callback(self._answering.discard)

    async def _answer(
        self, message: IncomingMessage, agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        output = self.output_for(message.reply_to)
        await self.before_answering(message, output)
        verdict = await guard.guard_message(agent, message.sender_id, message.text,
                                            self.options_for_numbers, has_media=message.has_media)
        if not verdict.accepted:
            logger.info("%s: answered a %s that was %s", self.name(), message.kind, verdict.problem)
            await output.send_text_message(message.reply_to, verdict.refusal)
            return
        if verdict.problem != "ok":  # e.g. "option": a numbered option was chosen
            logger.info("%s: a %s was %s", self.name(), message.kind, verdict.problem)
        user_message = UserMessage(verdict.text, output, message.sender_id, input_channel=self.name())
        with safety_notes.collecting() as notes:
            try:
                await run_turn(on_new_message(user_message))
            except asyncio.TimeoutError:
                logger.error("%s: answering took over %ss", self.name(), RESPONSE_TIMEOUT_SECONDS)
            except Exception:
                logger.exception("%s: answering a %s failed", self.name(), message.kind)
        apologise = False
        if output.messages_sent == 0:
            from handoff.conversations import handle_silent_turn

            if await handle_silent_turn(agent, message.sender_id, output, user_message.message_id):
                return  # with staff: silence is expected (a red flag was still answered)
            # Rasa answers nothing when an action fails; never leave a patient in silence.
            await log_silent_turn(agent, message.sender_id, self.name())
            apologise = True
        # The apology and the safety lines, in the patient's language.
        await after_the_answer(agent, message.sender_id, verdict.text, notes, output,
                               message.reply_to, apologise)
