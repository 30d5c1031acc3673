"""The messaging channels: unit tests, then end to end on the shared running assistant.

End to end, the shared stack (tests/conftest.py) runs every channel; the
platforms' APIs are a fake (tests/fake_platforms.py), so each test signs a
webhook call like the platform would and reads the reply the bot sent back to
the platform's API.
"""
import json
import re
import time
from typing import Any, Dict, Optional
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from common.paths import ROOT
from connectors import formatting, guard
from connectors.facebook import FacebookChannel
from connectors.settings import (
    OPTIONAL_SETTINGS, REQUIRED_SETTINGS, ChannelConfigError, enabled_channels,
)
from connectors.slack import SlackChannel
from connectors.telegram import TelegramChannel
from connectors.twilio import TwilioChannel
from connectors.webhook import MalformedPayload
from deploy import telegram_webhook
from tests.fake_platforms import FakePlatforms
from tests.platforms import (
    ALL_PLATFORMS, FACEBOOK_VERIFY, QUESTION, SLACK_SECRET, TELEGRAM_SECRET, TELEGRAM_TOKEN,
    TWILIO_PUBLIC_URL, WITH_BUTTONS, Sms, Slack, about_migraine, slack_headers,
)

pytestmark = pytest.mark.unit

# ---------------------------------------------------------------------------
# Configuration (no server)
# ---------------------------------------------------------------------------
TWILIO_ENV = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_NUMBER": "+1555"}


def test_no_channel_is_enabled_without_its_secrets():
    assert enabled_channels({}) == {}
    assert enabled_channels({"TWILIO_PUBLIC_URL": "https://x.example"}) == {}


def test_a_fully_configured_channel_is_enabled_with_references_not_secrets():
    entries = enabled_channels({**TWILIO_ENV, "TWILIO_PUBLIC_URL": "https://x.example/w"})
    assert entries == {"connectors.twilio.TwilioChannel": {
        "account_sid": "${TWILIO_ACCOUNT_SID}",
        "auth_token": "${TWILIO_AUTH_TOKEN}",
        "twilio_number": "${TWILIO_NUMBER}",
        "public_url": "${TWILIO_PUBLIC_URL}",
    }}


# Written out, not read from the code: a deployment's environment depends on these names.
EVERY_CHANNEL_VARIABLE = {
    "connectors.twilio.TwilioChannel": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER"),
    "connectors.facebook.FacebookChannel": ("FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET",
                                            "FACEBOOK_PAGE_ACCESS_TOKEN"),
    "connectors.telegram.TelegramChannel": ("TELEGRAM_ACCESS_TOKEN", "TELEGRAM_SECRET_TOKEN"),
    "connectors.slack.SlackChannel": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "connectors.chatwoot.ChatwootChannel": ("CHATWOOT_BOT_TOKEN", "CHATWOOT_WEBHOOK_SECRET",
                                            "CHATWOOT_ACCOUNT_ID"),
}


def test_every_channel_can_be_enabled_together():
    environ = {variable: "set" for variables in EVERY_CHANNEL_VARIABLE.values() for variable in variables}
    enabled = enabled_channels(environ)
    assert set(enabled) == set(EVERY_CHANNEL_VARIABLE)
    for class_path, variables in EVERY_CHANNEL_VARIABLE.items():
        assert sorted(enabled[class_path].values()) == sorted("${" + v + "}" for v in variables)


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
    assert set(entries) == set(EVERY_CHANNEL_VARIABLE)
    for class_path, variables in EVERY_CHANNEL_VARIABLE.items():
        assert sorted(entries[class_path].values()) == sorted("${" + v + "}" for v in variables)
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
                 query_string: str = "", ip: str = "127.0.0.1") -> None:
        self.body, self.headers, self.content_type = body, headers or {}, content_type
        self.url, self.query_string, self.args, self.ip = url, query_string, {}, ip
        self.path = urlsplit(url).path


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
    return [(m.sender_id, m.text, m.reply_to, m.kind)
            for m in channel.read_messages(StubRequest(json.dumps(payload).encode()))]


def test_what_each_platform_hands_to_rasa_and_what_it_ignores():
    telegram = TelegramChannel("1:a", "s")
    chat = {"id": 42, "type": "private"}
    assert read(telegram, {"update_id": 1, "message": {"chat": chat, "text": "/start"}}) == [
        ("42", "hi", "42", "message")]
    assert read(telegram, {"update_id": 2, "edited_message": {"chat": chat, "text": "x"}}) == []
    assert read(telegram, {"update_id": 3, "message": {"chat": chat, "new_chat_title": "x"}}) == []

    facebook = FacebookChannel("v", "s", "p")
    echo = {"sender": {"id": "page"}, "message": {"text": "our own reply", "is_echo": True}}
    delivery = {"sender": {"id": "7"}, "delivery": {"watermark": 1}}
    postback = {"sender": {"id": "7"}, "postback": {"payload": "/greet"}}
    assert read(facebook, {"object": "page", "entry": [{"messaging": [echo, delivery, postback]}]}) == [
        ("7", "/greet", "7", "postback")]

    slack = SlackChannel("x", "s")
    event = {"type": "message", "user": "U1", "channel": "C1", "text": "a &amp; b"}
    assert read(slack, {"type": "event_callback", "event": {**event, "channel_type": "channel"}}) == []
    assert read(slack, {"type": "event_callback", "event": {**event, "channel_type": "im"}}) == [
        ("U1", "a & b", "C1", "direct message")]
    mention = {**event, "type": "app_mention", "text": "<@U0BOT> does it hurt?"}
    assert read(slack, {"type": "event_callback", "event": mention}) == [("U1", "does it hurt?", "C1", "mention")]


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
        return asyncio.run(guard.guard_message(agent, sender, text, channel.options_for_numbers))

    asyncio.run(store.save(tracker))
    assert verdict("2").text == '/ask_location{"location": "back_bay"}'
    for reply in (" 1. ", "#1", "option 1", "Option #1", "one", "One."):
        assert verdict(reply).text == "/ask_onset", reply
    assert verdict("3").refusal == "Reply with a number from 1 to 2, or type your question."
    assert verdict("three").problem == "no_such_option"
    assert verdict("3 more questions").text == "3 more questions", "not a number reply: read as typed"
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
        request = StubRequest(body, content_type="application/x-www-form-urlencoded")
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if fields.get("From") and "Body" in fields:
            [message] = channel.read_messages(request)
            assert (message.sender_id, message.text) == (fields["From"], fields["Body"])
        else:
            with pytest.raises(MalformedPayload):
                channel.read_messages(request)


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
# End to end, on the shared stack
# ---------------------------------------------------------------------------
HOURS_QUESTION = "what are your opening hours?"


def about_hours(reply) -> bool:
    return "open" in reply.text.lower()


def assert_only_the_valid_message_is_answered(platform, sender: str, fake: FakePlatforms) -> None:
    """Sends a valid question after refused ones, waits for its answer, then checks
    that nothing answered the refused hours questions (which came first)."""
    assert platform.post(platform.message(sender, QUESTION)).status_code == 200
    fake.wait_for(platform.name, platform.reply_recipient(sender), about_migraine)
    replies = fake.received(platform.name, platform.reply_recipient(sender))
    assert replies and not [r for r in replies if about_hours(r) and not about_migraine(r)]


@pytest.mark.e2e
def test_the_server_never_registers_the_telegram_webhook(stack):
    assert not [r for r in stack.fake.received("telegram") if r.path.endswith("/setWebhook")]


@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_a_signed_question_is_answered_with_its_source(platform_class, stack):
    platform = platform_class(stack.url)
    sender = platform.new_sender()
    assert platform.post(platform.message(sender, QUESTION)).status_code == 200
    reply = stack.fake.wait_for(platform.name, platform.reply_recipient(sender), about_migraine)
    assert "\nSource: " in reply.text
    assert len(reply.text) <= platform.limit
    platform.check_reply(reply)


@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_forged_and_unsigned_calls_are_rejected_and_not_answered(platform_class, stack):
    platform = platform_class(stack.url)
    sender = platform.new_sender()
    assert platform.post(platform.message(sender, HOURS_QUESTION), forged=True).status_code in (401, 403)
    assert platform.post(platform.message(sender, HOURS_QUESTION), signed=False).status_code in (401, 403)
    assert_only_the_valid_message_is_answered(platform, sender, stack.fake)


@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_a_signed_payload_without_its_fields_gets_400(platform_class, stack):
    platform = platform_class(stack.url)
    assert platform.post(platform.incomplete()).status_code == 400
    if platform.name != "twilio":
        assert platform.post((b"{not json", "application/json")).status_code == 400
        assert platform.post(["a", "list"]).status_code == 400


@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", WITH_BUTTONS, ids=lambda c: c.__name__)
def test_a_tapped_button_sends_its_payload(platform_class, stack):
    platform = platform_class(stack.url)
    sender = platform.new_sender()
    assert platform.post(platform.button_tap(sender, "/ask_migraine")).status_code == 200
    reply = stack.fake.wait_for(platform.name, platform.reply_recipient(sender), about_migraine)
    assert "\nSource: " in reply.text
    if platform.name == "telegram":  # the button stops spinning
        stack.fake.wait_for("telegram", None, lambda r: r.path.endswith("/answerCallbackQuery")
                            and r.json == {"callback_query_id": "cb-" + sender}, timeout=5)


@pytest.mark.e2e
def test_sms_options_are_numbered_and_a_number_picks_that_buttons_payload(stack):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    sms.post(sms.message(sender, QUESTION))
    answer = stack.fake.wait_for("twilio", sender, about_migraine)
    options = re.findall(r"^(\d+)\. (.+)$", answer.text, re.MULTILINE)
    assert [number for number, _ in options] == [str(n) for n in range(1, len(options) + 1)]
    assert len(options) >= 2 and answer.text.endswith("\nReply with a number.")

    # What the second option's button gets over REST, in a conversation in the same state.
    patient = stack.patient("rest")
    buttons = next(m["buttons"] for m in patient.say(QUESTION) if "migraine" in m.get("text", "").lower())
    second_payload = next(b["payload"] for b in buttons if b["title"] == options[1][1])
    expected = formatting.plain_text(patient.say(second_payload)[0]["text"]).split("\n")[0]

    assert sms.post(sms.message(sender, "2")).status_code == 200
    reply = stack.fake.wait_for("twilio", sender, lambda r: expected[:80] in r.text)
    assert "\nSource: " in reply.text


@pytest.mark.e2e
def test_facebook_verification_handshake(stack):
    url = f"{stack.url}/webhooks/facebook/webhook"
    query = {"hub.mode": "subscribe", "hub.verify_token": FACEBOOK_VERIFY, "hub.challenge": "1158201444"}
    accepted = requests.get(url, params=query, timeout=10)
    assert accepted.status_code == 200 and accepted.text == "1158201444"
    refused = requests.get(url, params={**query, "hub.verify_token": "guess"}, timeout=10)
    assert refused.status_code == 403


@pytest.mark.e2e
def test_slack_handshake_stale_requests_and_bot_messages(stack):
    # Slack's retries are covered in tests/test_channel_deliveries.py.
    slack = Slack(stack.url)
    challenge = slack.post({"token": "legacy", "challenge": "3eZbrw1aB", "type": "url_verification"})
    assert challenge.status_code == 200 and challenge.json() == {"challenge": "3eZbrw1aB"}

    sender = slack.new_sender()
    body = json.dumps(slack.message(sender, HOURS_QUESTION)).encode()
    stale = requests.post(slack.url, data=body, timeout=10, headers={
        "Content-Type": "application/json", **slack_headers(body, int(time.time()) - 6 * 60)})
    assert stale.status_code == 403
    own = slack.post(slack.message(sender, HOURS_QUESTION, bot_id="B1", subtype="bot_message"))
    assert own.status_code == 200
    assert_only_the_valid_message_is_answered(slack, sender, stack.fake)


@pytest.mark.e2e
def test_logs_hold_no_message_text_or_phone_numbers(stack):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    sms.post(sms.message(sender, QUESTION))
    stack.fake.wait_for("twilio", sender, about_migraine)
    log = stack.logs()
    senders = {r.recipient for r in stack.fake.received("twilio")}
    assert sender in senders and not [s for s in senders if s.replace("whatsapp:", "") in log]
    assert QUESTION not in log
