"""Twilio (SMS and WhatsApp), Facebook Messenger, Telegram and Slack channels.

Rasa's stock connectors trust unsigned requests (Telegram, Twilio), answer
malformed payloads with a 500, call Telegram's setWebhook at start-up and
answer inside the webhook call, so a slow answer makes the platform retry and
the patient gets it twice. Each channel here instead:

- verifies the platform's signature and answers 403 to forged or unsigned calls;
- answers 400 to a payload that lacks what the platform always sends;
- puts every message through the input guard (connectors/guard.py), like the
  REST channel: empty and over-long messages get a clear reply instead of an
  answer, control characters are removed, intent syntax ("/intent{...}") only
  passes as the exact payload of a button the bot just offered, and each sender
  is rate limited (one "slow down" reply, then silence until the window passes).
  Calls come from the platform's servers, so there is no per-IP limit here: it
  would throttle every patient at once (forged calls stop at the signature);
- acknowledges at once and answers in the background;
- adds each medical answer's "Source: …" line, and apologises with the clinic's
  phone number when the bot could not answer, like the REST channel;
- lays messages out for the platform (length limits; buttons, or numbered
  options on SMS and WhatsApp, mapped back from the bot's last message in the
  tracker store, so a reply may reach any replica);
- sends over plain HTTP to a configurable `api_base`, so tests can use a fake;
- logs kinds of events only: never message text, names or phone numbers.

The credentials entries are documented in credentials.channels.yml;
`enabled_channels` builds them from the environment for a start script.
"""
import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text
from urllib.parse import parse_qs, urlsplit

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from connectors import formatting, guard
from connectors.formatting import Button
from connectors.provenance import with_source_line
from connectors.rest import RESPONSE_TIMEOUT_SECONDS, apology, run_turn

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Configuration from the environment
# ---------------------------------------------------------------------------
CHANNEL_CLASSES = {
    "twilio": "connectors.channels.TwilioChannel",
    "facebook": "connectors.channels.FacebookChannel",
    "telegram": "connectors.channels.TelegramChannel",
    "slack": "connectors.channels.SlackChannel",
}

# Credential key -> environment variable. A channel runs only when all are set.
REQUIRED_SETTINGS: Dict[str, Dict[str, str]] = {
    "twilio": {
        "account_sid": "TWILIO_ACCOUNT_SID",
        "auth_token": "TWILIO_AUTH_TOKEN",
        "twilio_number": "TWILIO_NUMBER",
    },
    "facebook": {
        "verify_token": "FACEBOOK_VERIFY_TOKEN",
        "app_secret": "FACEBOOK_APP_SECRET",
        "page_access_token": "FACEBOOK_PAGE_ACCESS_TOKEN",
    },
    "telegram": {
        "access_token": "TELEGRAM_ACCESS_TOKEN",
        "secret_token": "TELEGRAM_SECRET_TOKEN",
    },
    "slack": {
        "bot_token": "SLACK_BOT_TOKEN",
        "signing_secret": "SLACK_SIGNING_SECRET",
    },
}

# Credential key -> environment variable, used when set.
OPTIONAL_SETTINGS: Dict[str, Dict[str, str]] = {
    "twilio": {
        "whatsapp_number": "TWILIO_WHATSAPP_NUMBER",
        "public_url": "TWILIO_PUBLIC_URL",
        "api_base": "TWILIO_API_BASE",
    },
    "facebook": {"api_base": "FACEBOOK_API_BASE"},
    "telegram": {"api_base": "TELEGRAM_API_BASE"},
    "slack": {"api_base": "SLACK_API_BASE"},
}

CHANNEL_SECRETS: Dict[str, List[str]] = {
    channel: list(settings.values()) for channel, settings in REQUIRED_SETTINGS.items()
}


def enabled_channels(environ: Mapping[str, str]) -> Dict[str, Dict[str, str]]:
    """Credentials entries for the channels whose environment variables are all set.

    For example {"connectors.channels.TelegramChannel": {"access_token":
    "${TELEGRAM_ACCESS_TOKEN}", "secret_token": "${TELEGRAM_SECRET_TOKEN}"}}.
    Values are Rasa's `${VAR}` references, not the secrets, so a credentials
    file written from this holds no secret: Rasa reads the variables when it
    loads the file. Optional settings are included when their variable is set.
    An empty variable counts as not set. Raises ValueError naming what is
    missing when a channel has only some of its variables set.
    """

    def is_set(variable: str) -> bool:
        return bool((environ.get(variable) or "").strip())

    entries: Dict[str, Dict[str, str]] = {}
    problems = []
    for channel, settings in REQUIRED_SETTINGS.items():
        missing = [variable for variable in settings.values() if not is_set(variable)]
        if len(missing) == len(settings):
            continue  # not wanted
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            problems.append(f"{channel} is half-configured: {', '.join(missing)} {verb} not set")
            continue
        optional = {key: var for key, var in OPTIONAL_SETTINGS[channel].items() if is_set(var)}
        entries[CHANNEL_CLASSES[channel]] = {
            key: "${" + variable + "}" for key, variable in {**settings, **optional}.items()
        }
    if problems:
        raise ValueError("; ".join(problems))
    return entries


class ChannelConfigError(RasaException):
    """A channel's credentials entry is incomplete or unsafe."""


def _optional(credentials: Dict[Text, Any], key: str) -> Optional[str]:
    value = credentials.get(key)
    if value is not None and not isinstance(value, str):
        # e.g. an unquoted +15551230000, which YAML reads as a number without its "+"
        raise ChannelConfigError(f"'{key}' must be a string: quote it in the credentials file.")
    return value.strip() if value and value.strip() else None


def _required(credentials: Dict[Text, Any], key: str, channel: str) -> str:
    value = _optional(credentials, key)
    if value is None:
        raise ChannelConfigError(f"The {channel} channel needs '{key}' in its credentials.")
    return value


def _api_base(credentials: Dict[Text, Any], default: str, channel: str) -> str:
    """The platform's API base URL; plain http only for a loopback fake."""
    base = (_optional(credentials, "api_base") or default).rstrip("/")
    parts = urlsplit(base)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        # Tokens travel with every reply; never send them in clear over the internet.
        raise ChannelConfigError(f"The {channel} channel's api_base must be an https:// URL.")
    return base


# ---------------------------------------------------------------------------
# Sending replies
# ---------------------------------------------------------------------------
SEND_TIMEOUT = aiohttp.ClientTimeout(total=15)


class PlatformError(Exception):
    """The platform refused a reply. The message holds a status or error code only."""


SEND_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, PlatformError)


def describe(error: Exception) -> str:
    """A send error for the log. Other errors' text can hold the URL, and with it a token."""
    return str(error) if isinstance(error, PlatformError) else type(error).__name__


async def post_to_platform(
    url: str,
    *,
    json_body: Optional[Dict[str, Any]] = None,
    form: Optional[Dict[str, str]] = None,
    params: Optional[Dict[str, str]] = None,
    headers: Optional[Dict[str, str]] = None,
    auth: Optional[aiohttp.BasicAuth] = None,
) -> Dict[str, Any]:
    """POSTs to a platform API and returns its JSON answer ({} if it sent none)."""
    headers = dict(headers or {})
    data: Any = form
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    # One session per reply: no session lifecycle to manage, and a clinic's
    # traffic is far too low for connection reuse to matter.
    async with aiohttp.ClientSession(timeout=SEND_TIMEOUT) as session:
        async with session.post(url, data=data, params=params, headers=headers, auth=auth) as reply:
            if reply.status >= 300:
                raise PlatformError(f"HTTP {reply.status}")
            try:
                answer = await reply.json(content_type=None)
            except ValueError:
                return {}
            return answer if isinstance(answer, dict) else {}


class PlatformOutput(OutputChannel):
    """Sends bot messages to one platform, each with its "Source: …" line."""

    channel_name = "platform"

    @classmethod
    def name(cls) -> Text:
        return cls.channel_name

    def __init__(self, reply_to: Optional[str] = None) -> None:
        # Where answers go when it is not the sender (Slack: the channel).
        self.reply_to = reply_to
        self.messages_sent = 0

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        """Sends one bot message, laid out for the platform."""
        raise NotImplementedError

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        message = with_source_line(message)
        text = str(message.get("text") or "").strip()
        if message.get("image"):  # no media upload here, but a link still reaches the patient
            text = f"{text}\n{message['image']}".strip()
        buttons = formatting.usable_buttons(message.get("buttons") or message.get("quick_replies"))
        if text or buttons:
            await self._send(recipient_id, text, buttons)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text, [])

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, formatting.usable_buttons(buttons))

    async def _send(self, recipient_id: str, text: str, buttons: List[Button]) -> None:
        self.messages_sent += 1
        try:
            await self.deliver(self.reply_to or recipient_id, text, buttons)
        except SEND_ERRORS as error:
            logger.error("%s: sending a reply failed (%s)", self.name(), describe(error))


# ---------------------------------------------------------------------------
# Receiving webhooks
# ---------------------------------------------------------------------------
class MalformedPayload(Exception):
    """A signed webhook call without what the platform always sends. Never holds content."""


@dataclass(frozen=True)
class IncomingMessage:
    sender_id: str  # the conversation in Rasa: phone number, page-scoped id, chat id, Slack user
    text: str
    reply_to: str  # where answers go: the sender, or the Slack channel
    kind: str = "message"  # for logs, which never get the content
    is_payload: bool = False  # a tapped button's payload, e.g. "/ask_onset" (still guarded)
    callback_query_id: Optional[str] = None  # Telegram: the tapped button, to stop its spinner


def typed_text(text: str) -> str:
    """What a patient typed, with Rasa's intent syntax disarmed.

    Rasa reads text starting with "/" as an intent with entities (e.g.
    '/book_consultation{"name": …}'), which skips NLU and form validation;
    only the payloads of the bot's own buttons may do that (see guard.check_message).
    """
    return guard.disarm(text)


def _json_object(request: Request) -> Dict[str, Any]:
    try:
        payload = json.loads(request.body or b"")
    except ValueError:  # includes undecodable bytes
        raise MalformedPayload("the body is not JSON")
    if not isinstance(payload, dict):
        raise MalformedPayload("the body is not a JSON object")
    return payload


def _field(container: Any, key: str, kind: Any, what: str) -> Any:
    """container[key] if it has the expected type, else MalformedPayload."""
    value = container.get(key) if isinstance(container, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MalformedPayload(f"{what} is missing")
    return value


def _identifier(container: Any, key: str, what: str) -> str:
    value = _field(container, key, (str, int), what)
    if not str(value).strip():
        raise MalformedPayload(f"{what} is missing")
    return str(value)


def _matches(expected: str, given: Optional[str]) -> bool:
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

    def chosen_option(self, message: IncomingMessage, offered: List[List[Button]]) -> Optional[str]:
        """The payload a typed reply picks from the bot's last options (SMS: "2"), if any."""
        return None

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
                if self._within_rate_limit(message):
                    self._answer_in_background(message, request.app.ctx.agent, on_new_message)
            return self.acknowledgement()

        return webhook

    def _within_rate_limit(self, message: IncomingMessage) -> bool:
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
            output = self.output_for(message.reply_to)
            self._run_in_background(output.send_text_message(message.reply_to, guard.reply("rate_limited")))
        return False

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

    async def _guarded_text(self, message: IncomingMessage, agent: Any) -> guard.Verdict:
        """The guard's verdict, with the bot's last buttons read from the conversation."""
        offered: List[List[Button]] = []
        if message.text.lstrip().startswith("/") or formatting.is_number_reply(message.text):
            offered = await guard.offered_buttons(agent, message.sender_id)
        chosen = self.chosen_option(message, offered)
        if chosen is not None:
            logger.info("%s: the %s chose an option", self.name(), message.kind)
        return guard.check_message(chosen if chosen is not None else message.text,
                                   guard.payloads(offered), guard.domain_intents(agent))

    async def _answer(
        self, message: IncomingMessage, agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        output = self.output_for(message.reply_to)
        await self.before_answering(message, output)
        verdict = await self._guarded_text(message, agent)
        if not verdict.accepted:
            logger.info("%s: answered a %s that was %s", self.name(), message.kind, verdict.problem)
            await output.send_text_message(message.reply_to, verdict.refusal)
            return
        if verdict.problem != "ok":
            logger.info("%s: a %s was %s", self.name(), message.kind, verdict.problem)
        user_message = UserMessage(verdict.text, output, message.sender_id, input_channel=self.name())
        try:
            await run_turn(on_new_message(user_message))
        except asyncio.TimeoutError:
            logger.error("%s: answering took over %ss", self.name(), RESPONSE_TIMEOUT_SECONDS)
        except Exception:
            logger.exception("%s: answering a %s failed", self.name(), message.kind)
        if output.messages_sent == 0:
            # Rasa answers nothing when an action fails; never leave a patient in silence.
            await output.send_text_message(message.reply_to, apology())


# ---------------------------------------------------------------------------
# Twilio: SMS and WhatsApp
# ---------------------------------------------------------------------------
WHATSAPP_PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioOutput(PlatformOutput):
    channel_name = "twilio"

    def __init__(self, channel: "TwilioChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        channel = self.channel
        # A reply "2" is mapped back from the tracker store (see TwilioChannel.chosen_option).
        body = formatting.with_numbered_options(text, buttons)
        if recipient.startswith(WHATSAPP_PREFIX):
            body, limit = formatting.whatsapp_text(body), formatting.WHATSAPP_LIMIT
            sender = WHATSAPP_PREFIX + channel.whatsapp_number.replace(WHATSAPP_PREFIX, "")
        else:
            body, limit = formatting.plain_text(body), formatting.SMS_LIMIT
            sender = channel.twilio_number
        url = f"{channel.api_base}/2010-04-01/Accounts/{channel.account_sid}/Messages.json"
        for part in formatting.split_message(body, limit):
            await post_to_platform(
                url,
                form={"To": recipient, "From": sender, "Body": part},
                auth=aiohttp.BasicAuth(channel.account_sid, channel.auth_token),
            )


class TwilioChannel(SignedWebhookChannel):
    """SMS and WhatsApp through Twilio; WhatsApp senders look like "whatsapp:+1…"."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            account_sid=_required(credentials, "account_sid", "twilio"),
            auth_token=_required(credentials, "auth_token", "twilio"),
            twilio_number=_required(credentials, "twilio_number", "twilio"),
            whatsapp_number=_optional(credentials, "whatsapp_number"),
            public_url=_optional(credentials, "public_url"),
            api_base=_api_base(credentials, "https://api.twilio.com", "twilio"),
        )

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        twilio_number: str,
        whatsapp_number: Optional[str] = None,
        public_url: Optional[str] = None,
        api_base: str = "https://api.twilio.com",
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.twilio_number = twilio_number
        self.whatsapp_number = whatsapp_number or twilio_number
        self.public_url = public_url
        self.api_base = api_base
        self.validator = RequestValidator(auth_token)

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return TwilioOutput(self, reply_to)

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public one behind a proxy, else the one called."""
        if not self.public_url:
            return request.url
        query = request.query_string
        return f"{self.public_url}?{query}" if query else self.public_url

    @staticmethod
    def form(request: Request) -> RequestParameters:
        # Not request.form: Sanic drops blank fields ("FromCity="), and Twilio signs them too.
        fields = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return RequestParameters(fields)

    def has_valid_signature(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        return self.validator.validate(self.signed_url(request), self.form(request), signature)

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        form = self.form(request)
        sender, body = form.get("From"), form.get("Body")
        if not sender or body is None:
            raise MalformedPayload("From and Body are required")
        # An empty body (e.g. a photo without a caption) gets the guard's "no message" reply.
        kind = "WhatsApp message" if sender.startswith(WHATSAPP_PREFIX) else "SMS"
        return [IncomingMessage(sender, body, sender, kind=kind)]

    def chosen_option(self, message: IncomingMessage, offered: List[List[Button]]) -> Optional[str]:
        # Numbers refer to the options listed under the bot's last message with buttons.
        return formatting.chosen_payload(message.text, offered[-1]) if offered else None

    def acknowledgement(self) -> HTTPResponse:
        # Empty TwiML: the answer is sent through the API, not in this response.
        return response.text(EMPTY_TWIML, content_type="text/xml")


# ---------------------------------------------------------------------------
# Facebook Messenger
# ---------------------------------------------------------------------------
class FacebookOutput(PlatformOutput):
    channel_name = "facebook"

    def __init__(self, channel: "FacebookChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        quick_replies = [
            {
                "content_type": "text",
                "title": formatting.shorten(button["title"], formatting.MESSENGER_QUICK_REPLY_TITLE_LIMIT),
                "payload": button["payload"][:1000],
            }
            for button in buttons[: formatting.MESSENGER_MAX_QUICK_REPLIES]
        ]
        # Quick replies need a text to hang on.
        parts = formatting.split_message(formatting.plain_text(text), formatting.MESSENGER_LIMIT)
        parts = parts or ["Please choose:"]
        for number, part in enumerate(parts, start=1):
            message: Dict[str, Any] = {"text": part}
            if quick_replies and number == len(parts):
                message["quick_replies"] = quick_replies
            await post_to_platform(
                f"{self.channel.api_base}/me/messages",
                params={"access_token": self.channel.page_access_token},
                json_body={
                    "recipient": {"id": recipient},
                    "messaging_type": "RESPONSE",
                    "message": message,
                },
            )


class FacebookChannel(SignedWebhookChannel):
    """Facebook Messenger, signed with the app secret (X-Hub-Signature-256)."""

    @classmethod
    def name(cls) -> Text:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            verify_token=_required(credentials, "verify_token", "facebook"),
            app_secret=_required(credentials, "app_secret", "facebook"),
            page_access_token=_required(credentials, "page_access_token", "facebook"),
            api_base=_api_base(credentials, "https://graph.facebook.com/v17.0", "facebook"),
        )

    def __init__(
        self,
        verify_token: str,
        app_secret: str,
        page_access_token: str,
        api_base: str = "https://graph.facebook.com/v17.0",
    ) -> None:
        super().__init__()
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.page_access_token = page_access_token
        self.api_base = api_base

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return FacebookOutput(self, reply_to)

    def verification_handshake(self, request: Request) -> HTTPResponse:
        """Facebook's subscription check: echo the challenge if the token matches."""
        if request.args.get("hub.mode") == "subscribe" and _matches(
            self.verify_token, request.args.get("hub.verify_token")
        ):
            return response.text(request.args.get("hub.challenge") or "")
        logger.warning("facebook: rejected a verification with a wrong token")
        return response.text("wrong verify token", status=403)

    def has_valid_signature(self, request: Request) -> bool:
        digest = hmac.new(self.app_secret.encode(), request.body or b"", hashlib.sha256)
        return _matches("sha256=" + digest.hexdigest(), request.headers.get("X-Hub-Signature-256"))

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        payload = _json_object(request)
        if payload.get("object") != "page":
            raise MalformedPayload("object must be 'page'")
        messages = []
        for entry in _field(payload, "entry", list, "entry"):
            # Entries without "messaging" (e.g. "standby") hold nothing to answer.
            events = entry.get("messaging", []) if isinstance(entry, dict) else None
            if not isinstance(events, list):
                raise MalformedPayload("entry is not an object with a messaging list")
            for event in events:
                message = self._read_event(event)
                if message:
                    messages.append(message)
        return messages

    @staticmethod
    def _read_event(event: Any) -> Optional[IncomingMessage]:
        sender = _identifier(_field(event, "sender", dict, "sender"), "id", "sender id")
        message, postback = event.get("message"), event.get("postback")
        if isinstance(message, dict):
            if message.get("is_echo"):
                return None  # the page's own reply, echoed back
            quick_reply = message.get("quick_reply")
            if isinstance(quick_reply, dict) and isinstance(quick_reply.get("payload"), str):
                return IncomingMessage(sender, quick_reply["payload"], sender,
                                       kind="quick reply", is_payload=True)
            if isinstance(message.get("text"), str):
                return IncomingMessage(sender, message["text"], sender)
            return None  # stickers, photos: nothing to read
        if isinstance(postback, dict) and isinstance(postback.get("payload"), str):
            return IncomingMessage(sender, postback["payload"], sender, kind="postback", is_payload=True)
        return None  # deliveries, reads, reactions

    def acknowledgement(self) -> HTTPResponse:
        return response.text("EVENT_RECEIVED")


# ---------------------------------------------------------------------------
# Telegram
# ---------------------------------------------------------------------------
class TelegramOutput(PlatformOutput):
    channel_name = "telegram"

    def __init__(self, channel: "TelegramChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    def _method_url(self, method: str) -> str:
        return f"{self.channel.api_base}/bot{self.channel.access_token}/{method}"

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        fitting = [b for b in buttons
                   if len(b["payload"].encode()) <= formatting.TELEGRAM_CALLBACK_DATA_LIMIT]
        if len(fitting) < len(buttons):
            logger.warning("telegram: left out %d buttons with too long a payload",
                           len(buttons) - len(fitting))
        # One button per row: titles are questions, too long to sit side by side.
        keyboard = [[{"text": b["title"], "callback_data": b["payload"]}] for b in fitting]
        # Plain text (no parse_mode): a message Telegram cannot parse is not sent at all.
        parts = formatting.split_message(formatting.plain_text(text), formatting.TELEGRAM_LIMIT)
        parts = parts or ["Please choose:"]
        for number, part in enumerate(parts, start=1):
            body: Dict[str, Any] = {"chat_id": recipient, "text": part}
            if keyboard and number == len(parts):
                body["reply_markup"] = {"inline_keyboard": keyboard}
            await post_to_platform(self._method_url("sendMessage"), json_body=body)

    async def acknowledge_button(self, callback_query_id: str) -> None:
        try:
            await post_to_platform(self._method_url("answerCallbackQuery"),
                                   json_body={"callback_query_id": callback_query_id})
        except SEND_ERRORS as error:
            logger.warning("telegram: acknowledging a button failed (%s)", describe(error))


class TelegramChannel(SignedWebhookChannel):
    """Telegram, with the webhook's secret token (X-Telegram-Bot-Api-Secret-Token).

    Unlike Rasa's TelegramInput this never calls setWebhook at start-up (which
    fails offline, and on every restart); run `python -m tools.telegram_webhook`.
    """

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            access_token=_required(credentials, "access_token", "telegram"),
            secret_token=_required(credentials, "secret_token", "telegram"),
            api_base=_api_base(credentials, "https://api.telegram.org", "telegram"),
        )

    def __init__(self, access_token: str, secret_token: str,
                 api_base: str = "https://api.telegram.org") -> None:
        super().__init__()
        self.access_token = access_token
        self.secret_token = secret_token
        self.api_base = api_base

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return TelegramOutput(self, reply_to)

    def has_valid_signature(self, request: Request) -> bool:
        return _matches(self.secret_token, request.headers.get("X-Telegram-Bot-Api-Secret-Token"))

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        update = _json_object(request)
        _field(update, "update_id", int, "update_id")
        if "callback_query" in update:
            return [self._read_button_tap(_field(update, "callback_query", dict, "callback_query"))]
        if "message" in update:
            message = _field(update, "message", dict, "message")
            chat_id = _identifier(_field(message, "chat", dict, "chat"), "id", "chat id")
            sender = message.get("from")
            if isinstance(sender, dict) and sender.get("is_bot"):
                return []
            text = message.get("text")
            if not isinstance(text, str):
                return []  # stickers, photos: nothing to read
            command = text.split(maxsplit=1)[0].split("@")[0] if text.strip() else ""
            if command == "/start":
                text = "hi"  # Telegram sends /start when a patient opens the bot
            return [IncomingMessage(chat_id, text, chat_id)]
        # Edited messages, membership changes, …: answering edits would answer twice.
        return []

    @staticmethod
    def _read_button_tap(tap: Dict[str, Any]) -> IncomingMessage:
        tap_id = _identifier(tap, "id", "callback_query id")
        payload = _field(tap, "data", str, "callback_query data")
        if isinstance(tap.get("message"), dict):
            chat_id = _identifier(_field(tap["message"], "chat", dict, "chat"), "id", "chat id")
        else:  # a message too old to be included: private chats share the user's id
            chat_id = _identifier(_field(tap, "from", dict, "from"), "id", "user id")
        return IncomingMessage(chat_id, payload, chat_id, kind="button tap",
                               is_payload=True, callback_query_id=tap_id)

    async def before_answering(self, message: IncomingMessage, output: PlatformOutput) -> None:
        if message.callback_query_id and isinstance(output, TelegramOutput):
            await output.acknowledge_button(message.callback_query_id)


# ---------------------------------------------------------------------------
# Slack
# ---------------------------------------------------------------------------
SLACK_MAX_SIGNATURE_AGE_SECONDS = 5 * 60
SLACK_BLOCKS_PER_MESSAGE = 10  # Slack allows 50; 10 keeps the fallback text under its limit
_SLACK_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")


def _slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class SlackOutput(PlatformOutput):
    channel_name = "slack"

    def __init__(self, channel: "SlackChannel", reply_to: Optional[str] = None) -> None:
        super().__init__(reply_to)
        self.channel = channel

    async def deliver(self, recipient: str, text: str, buttons: List[Button]) -> None:
        # Escaped before splitting, so the limit holds for what Slack counts. (Only a
        # word longer than a whole section could be cut inside an "&amp;".)
        parts = formatting.split_message(formatting.slack_mrkdwn(text), formatting.SLACK_SECTION_LIMIT)
        blocks: List[Dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": part}} for part in parts
        ]
        fitting = [b for b in buttons if len(b["payload"]) <= formatting.SLACK_BUTTON_VALUE_LIMIT]
        for start in range(0, len(fitting), formatting.SLACK_MAX_BUTTONS_PER_BLOCK):
            row = fitting[start:start + formatting.SLACK_MAX_BUTTONS_PER_BLOCK]
            blocks.append({"type": "actions", "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text",
                             "text": formatting.shorten(b["title"], formatting.SLACK_BUTTON_TEXT_LIMIT)},
                    "value": b["payload"],
                    "action_id": f"option_{start + number}",
                }
                for number, b in enumerate(row, start=1)
            ]})
        for start in range(0, len(blocks), SLACK_BLOCKS_PER_MESSAGE):
            batch = blocks[start:start + SLACK_BLOCKS_PER_MESSAGE]
            # The plain text is what notifications and screen readers show.
            fallback = "\n\n".join(b["text"]["text"] for b in batch if b["type"] == "section")
            answer = await post_to_platform(
                f"{self.channel.api_base}/chat.postMessage",
                headers={"Authorization": f"Bearer {self.channel.bot_token}"},
                json_body={"channel": recipient, "text": fallback or "Please choose:", "blocks": batch},
            )
            if answer.get("ok") is not True:  # Slack reports errors with HTTP 200
                raise PlatformError(f"Slack error {answer.get('error', 'unknown')}")


class SlackChannel(SignedWebhookChannel):
    """Slack Events API (direct messages and @mentions) and button taps (interactivity).

    Point both the Event Subscriptions and the Interactivity request URLs at
    /webhooks/slack/webhook.
    """

    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            bot_token=_required(credentials, "bot_token", "slack"),
            signing_secret=_required(credentials, "signing_secret", "slack"),
            api_base=_api_base(credentials, "https://slack.com/api", "slack"),
        )

    def __init__(self, bot_token: str, signing_secret: str,
                 api_base: str = "https://slack.com/api",
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.bot_token = bot_token
        self.signing_secret = signing_secret
        self.api_base = api_base
        self.clock = clock

    def output_for(self, reply_to: Optional[str]) -> PlatformOutput:
        return SlackOutput(self, reply_to)

    def has_valid_signature(self, request: Request) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp") or ""
        if not timestamp.isdigit():
            return False
        if abs(self.clock() - int(timestamp)) > SLACK_MAX_SIGNATURE_AGE_SECONDS:
            return False  # a replayed request
        signed = b"v0:" + timestamp.encode() + b":" + (request.body or b"")
        digest = hmac.new(self.signing_secret.encode(), signed, hashlib.sha256).hexdigest()
        return _matches("v0=" + digest, request.headers.get("X-Slack-Signature"))

    def early_response(self, request: Request) -> Optional[HTTPResponse]:
        if request.headers.get("X-Slack-Retry-Num"):
            # The first delivery was already acknowledged (and is being answered).
            logger.info("slack: ignored a retry (%s)", request.headers.get("X-Slack-Retry-Reason"))
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        try:
            payload = _json_object(request)
        except MalformedPayload:
            return None  # a button tap is form-encoded; read_messages judges the rest
        if payload.get("type") == "url_verification" and isinstance(payload.get("challenge"), str):
            return response.json({"challenge": payload["challenge"]})
        return None

    def read_messages(self, request: Request) -> List[IncomingMessage]:
        if (request.content_type or "").startswith("application/x-www-form-urlencoded"):
            return self._read_interaction(request)
        payload = _json_object(request)
        kind = _field(payload, "type", str, "type")
        if kind != "event_callback":
            return []
        event = _field(payload, "event", dict, "event")
        event_type = _field(event, "type", str, "event type")
        # Direct messages, and @mentions in channels. Channel messages are left
        # out even if subscribed: a mention would otherwise be answered twice.
        wanted = event_type == "app_mention" or (
            event_type == "message" and event.get("channel_type") == "im")
        if not wanted or event.get("bot_id") or event.get("subtype"):
            return []  # includes the bot's own messages, edits and deletions
        user = _identifier(event, "user", "event user")
        channel = _identifier(event, "channel", "event channel")
        text = _field(event, "text", str, "event text")
        text = _slack_unescape(_SLACK_MENTION.sub("", text)).strip()
        kind = "mention" if event_type == "app_mention" else "direct message"
        return [IncomingMessage(user, text, channel, kind=kind)]

    @staticmethod
    def _read_interaction(request: Request) -> List[IncomingMessage]:
        fields = parse_qs(request.body.decode("utf-8", errors="replace"))
        try:
            payload = json.loads(fields.get("payload", [""])[0])
        except ValueError:
            raise MalformedPayload("payload is not JSON")
        if _field(payload, "type", str, "payload type") != "block_actions":
            return []  # shortcuts, modals: not used by this bot
        user = _identifier(_field(payload, "user", dict, "user"), "id", "user id")
        channel = _identifier(_field(payload, "channel", dict, "channel"), "id", "channel id")
        actions = _field(payload, "actions", list, "actions")
        if not actions:
            raise MalformedPayload("actions is empty")
        value = _field(actions[0], "value", str, "action value")
        return [IncomingMessage(user, value, channel, kind="button tap", is_payload=True)]
