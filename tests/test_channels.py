"""The messaging channels: unit tests, then end to end on a real Rasa server.

End to end, one Rasa server and one action server run on loopback with every
channel enabled; the platforms' APIs are a fake (tests/fake_platforms.py), so
each test signs a webhook call like the platform would and reads the reply the
bot sent back to the platform's API.
"""
import hashlib
import hmac
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlencode

import pytest
import requests
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from connectors import channels, formatting
from connectors.channels import (
    CHANNEL_CLASSES, CHANNEL_SECRETS, OPTIONAL_SETTINGS, REQUIRED_SETTINGS, ChannelConfigError,
    FacebookChannel, MalformedPayload, SlackChannel, TelegramChannel, TwilioChannel,
    enabled_channels,
)
from tests.fake_platforms import FakePlatforms
from tests.servers import ROOT, Patient, action_server, rasa_server
from tools import telegram_webhook

QUESTION = "Does Botox help migraines?"

TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-test-auth-token"
TWILIO_NUMBER = "+15550001111"
# Twilio signs the URL configured at Twilio; behind a proxy Rasa sees another.
TWILIO_PUBLIC_URL = "https://clinic.example.org/webhooks/twilio/webhook"
FACEBOOK_VERIFY = "facebook-verify-token"
FACEBOOK_SECRET = "facebook-app-secret"
FACEBOOK_PAGE_TOKEN = "facebook-page-token"
TELEGRAM_TOKEN = "123456:telegram-bot-token"
TELEGRAM_SECRET = "telegram-secret_token-1"
SLACK_TOKEN = "xoxb-slack-bot-token"
SLACK_SECRET = "slack-signing-secret"


# ---------------------------------------------------------------------------
# Configuration (no server)
# ---------------------------------------------------------------------------
TWILIO_ENV = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_NUMBER": "+1555"}


def test_no_channel_is_enabled_without_its_secrets():
    assert enabled_channels({}) == {}
    assert enabled_channels({"TWILIO_PUBLIC_URL": "https://x.example"}) == {}


def test_a_fully_configured_channel_is_enabled_with_references_not_secrets():
    entries = enabled_channels({**TWILIO_ENV, "TWILIO_PUBLIC_URL": "https://x.example/w"})
    assert entries == {"connectors.channels.TwilioChannel": {
        "account_sid": "${TWILIO_ACCOUNT_SID}",
        "auth_token": "${TWILIO_AUTH_TOKEN}",
        "twilio_number": "${TWILIO_NUMBER}",
        "public_url": "${TWILIO_PUBLIC_URL}",
    }}


def test_every_channel_can_be_enabled_together():
    environ = {variable: "set" for variables in CHANNEL_SECRETS.values() for variable in variables}
    assert set(enabled_channels(environ)) == set(CHANNEL_CLASSES.values())


def test_a_half_configured_channel_is_an_error_naming_what_is_missing():
    with pytest.raises(ValueError) as error:
        enabled_channels({"TELEGRAM_ACCESS_TOKEN": "123:abc"})
    assert str(error.value) == "telegram is half-configured: TELEGRAM_SECRET_TOKEN is not set"
    with pytest.raises(ValueError, match="slack is half-configured: SLACK_SIGNING_SECRET is not set"):
        enabled_channels({**TWILIO_ENV, "SLACK_BOT_TOKEN": "xoxb", "SLACK_SIGNING_SECRET": "  "})
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN, TWILIO_NUMBER are not set"):
        enabled_channels({"TWILIO_ACCOUNT_SID": "AC1"})


def test_the_example_credentials_match_the_channels():
    text = (ROOT / "credentials.channels.yml").read_text()
    entries = yaml.load(text, Loader=yaml.BaseLoader)  # no env-var expansion: the text as written
    assert set(entries) == set(CHANNEL_CLASSES.values())
    for channel, class_path in CHANNEL_CLASSES.items():
        assert entries[class_path] == {key: "${" + var + "}" for key, var in REQUIRED_SETTINGS[channel].items()}
    documented = set(re.findall(r"\$\{(\w+)\}", text))
    known = {var for settings_ in [*REQUIRED_SETTINGS.values(), *OPTIONAL_SETTINGS.values()]
             for var in settings_.values()}
    assert documented == known


def test_channels_are_built_from_credentials_and_refuse_unsafe_ones():
    twilio = TwilioChannel.from_credentials(
        {"account_sid": "AC1", "auth_token": "t", "twilio_number": "+1555"})
    assert twilio.api_base == "https://api.twilio.com" and twilio.name() == "twilio"
    with pytest.raises(ChannelConfigError, match="quote it"):  # YAML read +15551230000 as a number
        TwilioChannel.from_credentials({"account_sid": "AC1", "auth_token": "t", "twilio_number": 15551230000})
    with pytest.raises(ChannelConfigError, match="'secret_token'"):
        TelegramChannel.from_credentials({"access_token": "1:a", "secret_token": ""})
    with pytest.raises(ChannelConfigError, match="https"):
        SlackChannel.from_credentials({"bot_token": "x", "signing_secret": "y",
                                       "api_base": "http://slack.example.com/api"})


class StubRequest:
    """The parts of a Sanic request the channels read."""

    def __init__(self, body: bytes, headers: Optional[Dict[str, str]] = None,
                 content_type: str = "application/json", url: str = "http://127.0.0.1/webhook",
                 query_string: str = "") -> None:
        self.body, self.headers, self.content_type = body, headers or {}, content_type
        self.url, self.query_string, self.args = url, query_string, {}


def test_twilio_checks_the_public_url_when_configured_else_the_called_one():
    direct = TwilioChannel("AC1", "token", "+1555")
    proxied = TwilioChannel("AC1", "token", "+1555", public_url=TWILIO_PUBLIC_URL)
    request = StubRequest(b"", url="http://10.0.0.5:5005/webhooks/twilio/webhook?x=1", query_string="x=1")
    assert direct.signed_url(request) == request.url
    assert proxied.signed_url(request) == TWILIO_PUBLIC_URL + "?x=1"


def test_twilio_signatures_cover_blank_fields():
    # Twilio sends and signs empty fields; Sanic's request.form would drop them.
    form = {"From": "+15551234567", "Body": "hi", "FromCity": ""}
    body = urlencode(form).encode()
    signature = RequestValidator("token").compute_signature("http://h/webhook", form)
    channel = TwilioChannel("AC1", "token", "+1555")
    headers = {"X-Twilio-Signature": signature}
    assert channel.has_valid_signature(StubRequest(body, headers, url="http://h/webhook"))
    tampered = urlencode({**form, "Body": "hello"}).encode()
    assert not channel.has_valid_signature(StubRequest(tampered, headers, url="http://h/webhook"))


def test_slack_rejects_old_timestamps_even_when_signed():
    now = 1_700_000_000
    channel = SlackChannel("xoxb", SLACK_SECRET, clock=lambda: now)
    body = b'{"type":"event_callback"}'
    assert channel.has_valid_signature(StubRequest(body, slack_headers(body, now - 299)))
    assert not channel.has_valid_signature(StubRequest(body, slack_headers(body, now - 301)))
    assert not channel.has_valid_signature(StubRequest(body, {"X-Slack-Request-Timestamp": str(now)}))


def read(channel, payload: Any):
    return [(m.sender_id, m.text, m.reply_to, m.is_payload)
            for m in channel.read_messages(StubRequest(json.dumps(payload).encode()))]


def test_what_each_platform_hands_to_rasa_and_what_it_ignores():
    telegram = TelegramChannel("1:a", "s")
    chat = {"id": 42, "type": "private"}
    assert read(telegram, {"update_id": 1, "message": {"chat": chat, "text": "/start"}}) == [
        ("42", "hi", "42", False)]
    assert read(telegram, {"update_id": 2, "edited_message": {"chat": chat, "text": "x"}}) == []
    assert read(telegram, {"update_id": 3, "message": {"chat": chat, "sticker": {}}}) == []

    facebook = FacebookChannel("v", "s", "p")
    echo = {"sender": {"id": "page"}, "message": {"text": "our own reply", "is_echo": True}}
    delivery = {"sender": {"id": "7"}, "delivery": {"watermark": 1}}
    postback = {"sender": {"id": "7"}, "postback": {"payload": "/greet"}}
    assert read(facebook, {"object": "page", "entry": [{"messaging": [echo, delivery, postback]}]}) == [
        ("7", "/greet", "7", True)]

    slack = SlackChannel("x", "s")
    event = {"type": "message", "user": "U1", "channel": "C1", "text": "a &amp; b"}
    assert read(slack, {"type": "event_callback", "event": {**event, "channel_type": "channel"}}) == []
    assert read(slack, {"type": "event_callback", "event": {**event, "channel_type": "im"}}) == [
        ("U1", "a & b", "C1", False)]
    mention = {**event, "type": "app_mention", "text": "<@U0BOT> does it hurt?"}
    assert read(slack, {"type": "event_callback", "event": mention}) == [("U1", "does it hurt?", "C1", False)]


def test_typed_intent_syntax_is_disarmed():
    assert channels.typed_text('/book_consultation{"name": "x"}') == 'book_consultation{"name": "x"}'
    assert channels.typed_text("does it hurt?") == "does it hurt?"


def test_a_number_picks_from_the_bots_last_buttons_in_the_tracker_store_on_any_replica():
    import asyncio
    from types import SimpleNamespace

    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    sender = "+15551230001"
    buttons = [{"title": "How soon?", "payload": "/ask_onset"},
               {"title": "Where?", "payload": '/ask_location{"location": "back_bay"}'}]
    domain = Domain.from_yaml("intents: [ask_onset, ask_location, greet]")
    store = InMemoryTrackerStore(domain)
    tracker = DialogueStateTracker.from_events(sender, [
        UserUttered("migraine?"), BotUttered("Answer", data={"buttons": buttons})])
    agent = SimpleNamespace(tracker_store=store, domain=domain)

    def verdict(text: str):
        # A new channel object each time: like a reply reaching another replica.
        channel = TwilioChannel("AC1", "token", "+1555")
        message = channels.IncomingMessage(sender, text, sender)
        return asyncio.run(channel._guarded_text(message, agent))

    asyncio.run(store.save(tracker))
    assert verdict("2").text == '/ask_location{"location": "back_bay"}'
    assert verdict(" 1. ").text == "/ask_onset"
    assert verdict("3").text == "3", "no third option: passed on as typed"
    assert verdict('/ask_location{"location": "cambridge"}').problem == "disarmed"
    tracker.update(UserUttered("thanks"))
    asyncio.run(store.save(tracker))
    assert verdict("2").text == "2", "a newer message used the options up"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["object", "entry", "messaging", "sender", "id", "message", "text",
                         "update_id", "chat", "callback_query", "data", "from", "type", "event",
                         "user", "channel", "channel_type", "quick_reply", "payload", "postback"]),
        children, max_size=4),
    max_leaves=12,
)
JSON_READERS = [
    FacebookChannel("v", "s", "p"),
    TelegramChannel("1:a", "s"),
    SlackChannel("x", "s"),
]


@settings(max_examples=300, deadline=None)
@given(payload=JSON_VALUES)
def test_any_json_payload_is_read_or_rejected_as_malformed_never_crashes(payload: Any):
    body = json.dumps(payload).encode()
    for channel in JSON_READERS:
        try:
            messages = channel.read_messages(StubRequest(body))
        except MalformedPayload:
            continue
        assert all(isinstance(m.sender_id, str) and isinstance(m.text, str) for m in messages)


@settings(max_examples=100, deadline=None)
@given(form=st.dictionaries(st.sampled_from(["From", "Body", "To", "AccountSid"]), st.text(max_size=8)),
       junk=st.binary(max_size=20))
def test_any_twilio_form_is_read_or_rejected_as_malformed(form: Dict[str, str], junk: bytes):
    channel = TwilioChannel("AC1", "token", "+1555")
    for body in (urlencode(form).encode(), junk):
        try:
            channel.read_messages(StubRequest(body, content_type="application/x-www-form-urlencoded"))
        except MalformedPayload:
            pass


def test_the_telegram_webhook_command_registers_the_secret_token():
    with FakePlatforms() as fake:
        environ = {"TELEGRAM_ACCESS_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
                   "TELEGRAM_API_BASE": fake.api_base("telegram")}
        url = "https://clinic.example.org/webhooks/telegram/webhook"
        assert telegram_webhook.main(["--url", url], environ) == 0
        [call] = fake.received("telegram")
        assert call.path == f"/bot{TELEGRAM_TOKEN}/setWebhook"
        assert call.json["url"] == url and call.json["secret_token"] == TELEGRAM_SECRET
        # Refused before calling Telegram:
        assert telegram_webhook.main(["--url", "http://clinic.example.org/w"], environ) == 1
        assert telegram_webhook.main(["--url", url], {**environ, "TELEGRAM_SECRET_TOKEN": "a b"}) == 1
        assert len(fake.received("telegram")) == 1


# ---------------------------------------------------------------------------
# End to end
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fake() -> FakePlatforms:
    with FakePlatforms() as platforms:
        yield platforms


@pytest.fixture(scope="module")
def server(fake: FakePlatforms, artifacts: Path, tmp_path_factory) -> str:
    """A real Rasa server with every channel enabled, sending to the fake platforms."""
    workdir = tmp_path_factory.mktemp("channels")
    credentials = {
        "connectors.rest.SourcedRestInput": {},  # the readiness check uses it
        "connectors.channels.TwilioChannel": {
            "account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "twilio_number": TWILIO_NUMBER,
            "public_url": TWILIO_PUBLIC_URL, "api_base": fake.api_base("twilio"),
        },
        "connectors.channels.FacebookChannel": {
            "verify_token": FACEBOOK_VERIFY, "app_secret": FACEBOOK_SECRET,
            "page_access_token": FACEBOOK_PAGE_TOKEN, "api_base": fake.api_base("facebook", "/v17.0"),
        },
        "connectors.channels.TelegramChannel": {
            "access_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET,
            "api_base": fake.api_base("telegram"),
        },
        "connectors.channels.SlackChannel": {
            "bot_token": SLACK_TOKEN, "signing_secret": SLACK_SECRET, "api_base": fake.api_base("slack"),
        },
    }
    credentials_file = workdir / "credentials.yml"
    credentials_file.write_text(yaml.safe_dump(credentials))
    bookings = {"BOOKINGS_DATABASE_URL": f"sqlite:///{workdir / 'bookings.db'}"}
    with action_server(artifacts, env=bookings) as action_url:
        # A later --credentials wins over the one rasa_server passes.
        with rasa_server(artifacts, action_url, ["--credentials", str(credentials_file)]) as url:
            yield url


def slack_headers(body: bytes, timestamp: Optional[int] = None, secret: str = SLACK_SECRET) -> Dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


class Platform:
    """Sends webhook calls to one channel the way its platform does."""

    name = ""
    limit = 0

    def __init__(self, server: str) -> None:
        self.url = f"{server}/webhooks/{self.name}/webhook"

    def new_sender(self) -> str:
        return uuid.uuid4().hex[:12]

    def reply_recipient(self, sender: str) -> str:
        return sender

    def message(self, sender: str, text: str) -> Any:
        """The platform's payload for a text message."""
        raise NotImplementedError

    def incomplete(self) -> Any:
        """A payload without the fields the platform always sends."""
        raise NotImplementedError

    def encode(self, payload: Any) -> Tuple[bytes, str]:
        return json.dumps(payload).encode(), "application/json"

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        raise NotImplementedError

    def post(self, payload: Any, signed: bool = True, forged: bool = False) -> requests.Response:
        body, content_type = payload if isinstance(payload, tuple) else self.encode(payload)
        headers = {"Content-Type": content_type}
        if signed:
            headers.update(self.signature(body, forged))
        return requests.post(self.url, data=body, headers=headers, timeout=30)

    def check_reply(self, reply) -> None:
        """Platform-specific checks of a sent reply (auth, layout)."""


class Sms(Platform):
    name, limit = "twilio", formatting.SMS_LIMIT

    def new_sender(self) -> str:
        return "+1555" + str(uuid.uuid4().int)[:7]

    def message(self, sender: str, text: str) -> Dict[str, str]:
        sid = "SM" + uuid.uuid4().hex
        return {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
                "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
                "FromCity": "", "Body": text, "FromCountry": "US", "To": TWILIO_NUMBER, "ToZip": "",
                "NumSegments": "1", "MessageSid": sid, "AccountSid": TWILIO_SID, "From": sender,
                "ApiVersion": "2010-04-01"}

    def incomplete(self) -> Dict[str, str]:
        return {"AccountSid": TWILIO_SID, "MessageSid": "SM" + uuid.uuid4().hex}

    def encode(self, payload: Dict[str, str]) -> Tuple[bytes, str]:
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        from urllib.parse import parse_qsl
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        validator = RequestValidator("not-the-auth-token" if forged else TWILIO_TOKEN)
        return {"X-Twilio-Signature": validator.compute_signature(TWILIO_PUBLIC_URL, form)}

    def check_reply(self, reply) -> None:
        assert reply.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
        assert reply.headers["authorization"] == requests.auth._basic_auth_str(TWILIO_SID, TWILIO_TOKEN)
        assert reply.form["From"] == TWILIO_NUMBER
        assert "**" not in reply.text, "SMS shows no Markdown"


class WhatsApp(Sms):
    def new_sender(self) -> str:
        return "whatsapp:" + super().new_sender()

    def message(self, sender: str, text: str) -> Dict[str, str]:
        return {**super().message(sender, text), "To": "whatsapp:" + TWILIO_NUMBER, "ProfileName": "Pat"}

    def check_reply(self, reply) -> None:
        assert reply.form["From"] == "whatsapp:" + TWILIO_NUMBER
        assert "Reply with a number." in reply.text


class Telegram(Platform):
    name, limit = "telegram", formatting.TELEGRAM_LIMIT

    def new_sender(self) -> str:
        return str(uuid.uuid4().int % 10**9)

    def message(self, sender: str, text: str) -> Dict[str, Any]:
        person = {"id": int(sender), "is_bot": False, "first_name": "Pat", "language_code": "en"}
        return {"update_id": 10**6, "message": {
            "message_id": 42, "from": person, "chat": {"id": int(sender), "first_name": "Pat", "type": "private"},
            "date": int(time.time()), "text": text}}

    def button_tap(self, sender: str, payload: str) -> Dict[str, Any]:
        person = {"id": int(sender), "is_bot": False, "first_name": "Pat"}
        return {"update_id": 10**6 + 1, "callback_query": {
            "id": "cb-" + sender, "from": person, "chat_instance": "1", "data": payload,
            "message": {"message_id": 43, "chat": {"id": int(sender), "type": "private"}, "date": 0}}}

    def incomplete(self) -> Dict[str, Any]:
        return {"update_id": 7, "message": {"message_id": 1, "text": "hi"}}

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        return {"X-Telegram-Bot-Api-Secret-Token": "guessed" if forged else TELEGRAM_SECRET}

    def check_reply(self, reply) -> None:
        assert reply.path == f"/bot{TELEGRAM_TOKEN}/sendMessage"
        keyboard = reply.json["reply_markup"]["inline_keyboard"]
        assert keyboard and all(button["callback_data"].startswith("/") for [button] in keyboard)


class Facebook(Platform):
    name, limit = "facebook", formatting.MESSENGER_LIMIT

    def _event(self, sender: str, message: Dict[str, Any]) -> Dict[str, Any]:
        return {"object": "page", "entry": [{"id": "1029", "time": int(time.time() * 1000), "messaging": [
            {"sender": {"id": sender}, "recipient": {"id": "1029"}, "timestamp": int(time.time() * 1000),
             "message": message}]}]}

    def message(self, sender: str, text: str) -> Dict[str, Any]:
        return self._event(sender, {"mid": "m_" + uuid.uuid4().hex, "text": text})

    def button_tap(self, sender: str, payload: str) -> Dict[str, Any]:
        return self._event(sender, {"mid": "m_" + uuid.uuid4().hex, "text": "Migraine",
                                    "quick_reply": {"payload": payload}})

    def incomplete(self) -> Dict[str, Any]:
        return {"object": "page", "entry": [{"id": "1029", "messaging": [{"message": {"text": "hi"}}]}]}

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        secret = "not-the-app-secret" if forged else FACEBOOK_SECRET
        return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}

    def check_reply(self, reply) -> None:
        assert reply.path == "/v17.0/me/messages"
        assert reply.query == {"access_token": FACEBOOK_PAGE_TOKEN}
        assert reply.json["messaging_type"] == "RESPONSE"
        quick_replies = reply.json["message"]["quick_replies"]
        assert 0 < len(quick_replies) <= formatting.MESSENGER_MAX_QUICK_REPLIES
        assert all(len(q["title"]) <= formatting.MESSENGER_QUICK_REPLY_TITLE_LIMIT for q in quick_replies)


class Slack(Platform):
    name, limit = "slack", formatting.SLACK_SECTION_LIMIT

    def new_sender(self) -> str:
        return "U" + uuid.uuid4().hex[:10].upper()

    def reply_recipient(self, sender: str) -> str:
        return "D" + sender[1:]  # the direct-message channel with that user

    def message(self, sender: str, text: str, **event: Any) -> Dict[str, Any]:
        return {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                "event_id": "Ev" + uuid.uuid4().hex[:10], "event_time": int(time.time()),
                "event": {"type": "message", "user": sender, "text": text, "ts": f"{time.time():.6f}",
                          "team": "T1", "channel": self.reply_recipient(sender), "channel_type": "im",
                          **event}}

    def button_tap(self, sender: str, payload: str) -> Tuple[bytes, str]:
        interaction = {"type": "block_actions", "user": {"id": sender}, "team": {"id": "T1"},
                       "channel": {"id": self.reply_recipient(sender)},
                       "actions": [{"action_id": "option_1", "type": "button", "value": payload}]}
        return urlencode({"payload": json.dumps(interaction)}).encode(), "application/x-www-form-urlencoded"

    def incomplete(self) -> Dict[str, Any]:
        return {"type": "event_callback"}

    def signature(self, body: bytes, forged: bool = False) -> Dict[str, str]:
        return slack_headers(body, secret="not-the-signing-secret" if forged else SLACK_SECRET)

    def check_reply(self, reply) -> None:
        assert reply.path == "/chat.postMessage"
        assert reply.headers["authorization"] == f"Bearer {SLACK_TOKEN}"
        assert any(block["type"] == "actions" for block in reply.json["blocks"])


ALL_PLATFORMS = [Sms, WhatsApp, Telegram, Facebook, Slack]
WITH_BUTTONS = [Telegram, Facebook, Slack]


def about_migraine(reply) -> bool:
    return "migraine" in reply.text.lower()


def test_the_server_never_registers_the_telegram_webhook(server: str, fake: FakePlatforms):
    assert not [r for r in fake.received("telegram") if r.path.endswith("/setWebhook")]


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_a_signed_question_is_answered_with_its_source(platform_class, server, fake):
    platform = platform_class(server)
    sender = platform.new_sender()
    assert platform.post(platform.message(sender, QUESTION)).status_code == 200
    reply = fake.wait_for(platform.name, platform.reply_recipient(sender), about_migraine)
    assert "\nSource: " in reply.text
    assert len(reply.text) <= platform.limit
    platform.check_reply(reply)


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_forged_and_unsigned_calls_are_rejected_and_not_answered(platform_class, server, fake):
    platform = platform_class(server)
    sender = platform.new_sender()
    assert platform.post(platform.message(sender, QUESTION), forged=True).status_code in (401, 403)
    assert platform.post(platform.message(sender, QUESTION), signed=False).status_code in (401, 403)
    time.sleep(1.5)  # an accepted message would be answered within this (answers are asynchronous)
    assert fake.received(platform.name, platform.reply_recipient(sender)) == []


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_a_signed_payload_without_its_fields_gets_400(platform_class, server):
    platform = platform_class(server)
    assert platform.post(platform.incomplete()).status_code == 400
    if platform.name != "twilio":
        assert platform.post((b"{not json", "application/json")).status_code == 400
        assert platform.post(["a", "list"]).status_code == 400


@pytest.mark.parametrize("platform_class", WITH_BUTTONS, ids=lambda c: c.__name__)
def test_a_tapped_button_sends_its_payload(platform_class, server, fake):
    platform = platform_class(server)
    sender = platform.new_sender()
    assert platform.post(platform.button_tap(sender, "/ask_migraine")).status_code == 200
    reply = fake.wait_for(platform.name, platform.reply_recipient(sender), about_migraine)
    assert "\nSource: " in reply.text
    if platform.name == "telegram":  # the button stops spinning
        fake.wait_for("telegram", None, lambda r: r.path.endswith("/answerCallbackQuery")
                      and r.json == {"callback_query_id": "cb-" + sender}, timeout=5)


def test_sms_options_are_numbered_and_a_number_picks_that_buttons_payload(server, fake):
    sms = Sms(server)
    sender = sms.new_sender()
    sms.post(sms.message(sender, QUESTION))
    answer = fake.wait_for("twilio", sender, about_migraine)
    options = re.findall(r"^(\d+)\. (.+)$", answer.text, re.MULTILINE)
    assert [number for number, _ in options] == [str(n) for n in range(1, len(options) + 1)]
    assert len(options) >= 2 and answer.text.endswith("\nReply with a number.")

    # What the second option's button gets over REST, in a conversation in the same state.
    patient = Patient(server, f"rest-{uuid.uuid4()}")
    buttons = next(m["buttons"] for m in patient.say(QUESTION) if "migraine" in m.get("text", "").lower())
    second_payload = next(b["payload"] for b in buttons if b["title"] == options[1][1])
    expected = formatting.plain_text(patient.say(second_payload)[0]["text"]).split("\n")[0]

    assert sms.post(sms.message(sender, "2")).status_code == 200
    reply = fake.wait_for("twilio", sender, lambda r: expected[:80] in r.text)
    assert "\nSource: " in reply.text


def test_facebook_verification_handshake(server):
    url = f"{server}/webhooks/facebook/webhook"
    query = {"hub.mode": "subscribe", "hub.verify_token": FACEBOOK_VERIFY, "hub.challenge": "1158201444"}
    accepted = requests.get(url, params=query, timeout=10)
    assert accepted.status_code == 200 and accepted.text == "1158201444"
    refused = requests.get(url, params={**query, "hub.verify_token": "guess"}, timeout=10)
    assert refused.status_code == 403


def test_slack_handshake_retries_stale_requests_and_bot_messages(server, fake):
    slack = Slack(server)
    challenge = slack.post({"token": "legacy", "challenge": "3eZbrw1aB", "type": "url_verification"})
    assert challenge.status_code == 200 and challenge.json() == {"challenge": "3eZbrw1aB"}

    sender = slack.new_sender()
    body = json.dumps(slack.message(sender, QUESTION)).encode()
    stale = requests.post(slack.url, data=body, timeout=10, headers={
        "Content-Type": "application/json", **slack_headers(body, int(time.time()) - 6 * 60)})
    assert stale.status_code == 403
    retry = requests.post(slack.url, data=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout", **slack_headers(body)})
    assert retry.status_code == 200
    own = slack.post(slack.message(sender, QUESTION, bot_id="B1", subtype="bot_message"))
    assert own.status_code == 200
    time.sleep(1.5)
    assert fake.received("slack", slack.reply_recipient(sender)) == []


def test_logs_hold_no_message_text_or_phone_numbers(server, fake, artifacts):
    port = server.rsplit(":", 1)[1]
    log = (artifacts / f"rasa-server-{port}.log").read_text()
    senders = {r.recipient for r in fake.received("twilio")}
    assert senders and not [s for s in senders if s.replace("whatsapp:", "") in log]
    assert QUESTION not in log
