"""Messaging channels as the platforms really deliver (issue 17): retries and
duplicates, photos and files, start buttons, numbered options over SMS, a TLS
proxy in front, SharedKey signatures, status callbacks.

Each webhook call is built the way its platform builds it (tests/platforms.py:
twilio's RequestValidator and slack_sdk's SignatureVerifier sign where they
can) and sent to the shared stack (tests/conftest.py); answers are read from
the fake platform APIs (tests/fake_platforms.py) and, where it matters, from
the SQLite tracker store the stack writes. Unit tests of the pieces come first.
"""
import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from twilio.request_validator import RequestValidator

from connectors import formatting
from connectors.settings import ChannelConfigError, start_up_notes
from connectors.twilio import TwilioChannel
from tests.handoff_helpers import wait_until
from tests.platforms import (
    QUESTION, TWILIO_PUBLIC_URL, TWILIO_SHARED_KEY_SECRET, TWILIO_TOKEN, Facebook, Slack, Sms,
    Telegram, WhatsApp, about_migraine, twilio_shared_key_signature,
)

pytestmark = pytest.mark.unit

# Written out, not read from clinic/messages.yml: this is what patients must see.
MEDIA_ONLY = ("I can only read typed messages, so I can't see photos or files. Please don't send "
              "pictures of your health information here. Type your question instead.")
HOURS_QUESTION = "what are your opening hours?"


# ---------------------------------------------------------------------------
# Unit: numbered replies, the URL Twilio signed, SharedKey signatures, start-up notes
# ---------------------------------------------------------------------------
def test_the_ways_patients_type_an_options_number():
    for reply, number in [("2", 2), (" 3. ", 3), ("#2", 2), ("# 2", 2), ("2)", 2), ("option 2", 2),
                          ("Option #2", 2), ("number 4", 4), ("two", 2), ("Two.", 2), ("TWELVE", 12)]:
        assert formatting.option_number(reply) == number, reply
    for reply in ("2 please", "twenty two", "on", "option", "#", "2nd", "one two", "", "tw o"):
        assert formatting.option_number(reply) is None, reply


class ProxiedRequest:
    """The parts of a Sanic request TwilioChannel reads, as a proxy on `ip` forwards it."""

    def __init__(self, form: Dict[str, str], headers: Dict[str, str], ip: str,
                 url: str = "http://127.0.0.1:5005/webhooks/twilio/webhook") -> None:
        self.body = urlencode(form).encode()
        self.headers, self.ip, self.url = headers, ip, url
        self.path, self.query_string = urlsplit(url).path, urlsplit(url).query
        self.content_type = "application/x-www-form-urlencoded"


FORM = {"From": "+15551230009", "Body": "hi", "MessageSid": "SM1", "FromCity": ""}
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": "clinic.example.org"}


def signed_for_public_url(form: Dict[str, str]) -> Dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator("token").compute_signature(TWILIO_PUBLIC_URL, form)}


def test_behind_a_trusted_proxy_twilio_checks_the_url_the_proxy_was_called_at():
    channel = TwilioChannel.from_credentials({"account_sid": "AC1", "auth_token": "token",
                                              "twilio_number": "+1555", "trusted_proxies": "127.0.0.1, 10.0.0.0/8"})
    headers = {**PROXY_HEADERS, **signed_for_public_url(FORM)}
    for proxy in ("127.0.0.1", "10.1.2.3"):
        request = ProxiedRequest(FORM, headers, ip=proxy)
        assert channel.signed_url(request) == TWILIO_PUBLIC_URL
        assert channel.has_valid_signature(request)
    # The same headers from anyone else are not believed: the URL called is checked.
    outsider = ProxiedRequest(FORM, headers, ip="203.0.113.5")
    assert channel.signed_url(outsider) == outsider.url
    assert not channel.has_valid_signature(outsider)
    # X-Forwarded-Host wins over Host; the entry the nearest proxy added counts.
    both = ProxiedRequest(FORM, {"X-Forwarded-Proto": "http, https", "Host": "127.0.0.1:5005",
                                 "X-Forwarded-Host": "clinic.example.org"}, ip="127.0.0.1")
    assert channel.signed_url(both) == TWILIO_PUBLIC_URL


def test_without_a_trusted_proxy_the_public_url_or_the_called_url_is_checked(caplog):
    direct = TwilioChannel("AC1", "token", "+1555")
    request = ProxiedRequest(FORM, {**PROXY_HEADERS, **signed_for_public_url(FORM)}, ip="127.0.0.1")
    assert not direct.has_valid_signature(request)
    assert "TWILIO_TRUSTED_PROXIES" in caplog.text, "the log says what to set"
    configured = TwilioChannel("AC1", "token", "+1555", public_url=TWILIO_PUBLIC_URL)
    assert configured.has_valid_signature(request)


def test_trusted_proxies_must_be_addresses():
    with pytest.raises(ChannelConfigError, match="trusted_proxies"):
        TwilioChannel.from_credentials({"account_sid": "AC1", "auth_token": "t", "twilio_number": "+1",
                                        "trusted_proxies": "proxy.example.org"})


def test_shared_key_signatures_are_checked_with_the_keys_secret():
    channel = TwilioChannel("AC1", "token", "+1555", public_url=TWILIO_PUBLIC_URL,
                            shared_key_secret=TWILIO_SHARED_KEY_SECRET)

    def valid(headers: Dict[str, str]) -> bool:
        return channel.has_valid_signature(ProxiedRequest(FORM, headers, ip="127.0.0.1"))

    assert valid(twilio_shared_key_signature(TWILIO_PUBLIC_URL, FORM))
    assert valid(twilio_shared_key_signature(TWILIO_PUBLIC_URL, FORM, algorithm="HMAC_SHA1"))
    assert not valid(twilio_shared_key_signature(TWILIO_PUBLIC_URL, FORM, secret="another-secret"))
    assert not valid(twilio_shared_key_signature(TWILIO_PUBLIC_URL, {**FORM, "Body": "changed"}))
    unknown = twilio_shared_key_signature(TWILIO_PUBLIC_URL, FORM)
    unknown["X-Twilio-Webhooks-Signature-Settings"] = unknown["X-Twilio-Webhooks-Signature-Settings"].replace(
        "HMAC_SHA256", "HMAC_MD5")
    assert not valid(unknown)
    # The auth token's signature stays valid without the settings header, not with it.
    assert valid(signed_for_public_url(FORM))
    assert not valid({**signed_for_public_url(FORM),
                      "X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=HMAC_SHA1"})
    without_secret = TwilioChannel("AC1", "token", "+1555", public_url=TWILIO_PUBLIC_URL)
    assert not without_secret.has_valid_signature(
        ProxiedRequest(FORM, twilio_shared_key_signature(TWILIO_PUBLIC_URL, FORM), ip="127.0.0.1"))


TWILIO_ENV = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_NUMBER": "+15550001111"}


def test_start_up_says_plainly_what_twilio_needs_behind_a_proxy():
    [proxy_note, dedup_note] = start_up_notes(TWILIO_ENV)
    assert "TWILIO_TRUSTED_PROXIES" in proxy_note and "TWILIO_PUBLIC_URL" in proxy_note
    assert "refused" in proxy_note
    assert "this process only" in dedup_note
    for setting in ("TWILIO_TRUSTED_PROXIES", "TWILIO_PUBLIC_URL"):
        notes = start_up_notes({**TWILIO_ENV, setting: "127.0.0.1" if "PROXIES" in setting else TWILIO_PUBLIC_URL})
        assert not [note for note in notes if "TWILIO" in note]
    shared = start_up_notes({**TWILIO_ENV, "TWILIO_PUBLIC_URL": TWILIO_PUBLIC_URL,
                             "LOCK_STORE_URL": "redis://redis.example:6379/1"})
    assert shared == ["Repeated deliveries from the platforms are recognised in Redis (LOCK_STORE_URL), "
                      "shared by every replica."]
    assert start_up_notes({}) == [], "no channel, nothing to say"


# ---------------------------------------------------------------------------
# End to end: helpers
# ---------------------------------------------------------------------------
def stored_user_texts(db: Path, sender: str) -> List[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' "
                                  "ORDER BY id", (sender,)).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]


def stored_event_data(db: Path, sender: str) -> str:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    return "\n".join(data for (data,) in rows)


def replies_to(stack, platform, sender: str) -> List[str]:
    return [r.text for r in stack.fake.received(platform.name, platform.reply_recipient(sender))]


def about_hours(reply) -> bool:
    return "open" in reply.text.lower() and not about_migraine(reply)


def follow_up_and_wait(stack, platform, sender: str) -> None:
    """Asks another question and waits for its answer: anything sent before it
    would have been answered by then."""
    assert platform.post(platform.message(sender, HOURS_QUESTION)).status_code == 200
    stack.fake.wait_for(platform.name, platform.reply_recipient(sender), about_hours, timeout=30)


ALL = [Sms, WhatsApp, Telegram, Facebook, Slack]


# ---------------------------------------------------------------------------
# 2. Retries and duplicates
# ---------------------------------------------------------------------------
@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", ALL, ids=lambda c: c.__name__)
def test_a_message_delivered_twice_is_answered_once(platform_class, stack):
    platform = platform_class(stack.url)
    sender = platform.new_sender()
    payload = platform.message(sender, QUESTION)
    assert platform.post(payload).status_code == 200
    # Slack marks its retries; the others send the same message id again.
    again = platform.retry_headers(1, "http_timeout") if isinstance(platform, Slack) else {}
    assert platform.post(payload, headers=again).status_code == 200
    first = stack.fake.wait_for(platform.name, platform.reply_recipient(sender), about_migraine)
    follow_up_and_wait(stack, platform, sender)
    assert replies_to(stack, platform, sender).count(first.text) == 1
    assert stored_user_texts(stack.tracker_db, sender).count(QUESTION) == 1


@pytest.mark.e2e
@pytest.mark.parametrize("reason", ["http_timeout", "connection_failed"])
def test_a_slack_retry_of_an_event_that_never_arrived_is_answered(reason, stack):
    slack = Slack(stack.url)
    sender = slack.new_sender()
    # The first delivery never reached the server; this retry is the first it sees.
    reply = slack.post(slack.message(sender, QUESTION), headers=slack.retry_headers(1, reason))
    assert reply.status_code == 200
    answer = stack.fake.wait_for("slack", slack.reply_recipient(sender), about_migraine)
    assert "\nSource: " in answer.text


@pytest.mark.e2e
def test_a_slack_button_tap_delivered_twice_is_answered_once(stack):
    slack = Slack(stack.url)
    sender = slack.new_sender()
    tap = slack.button_tap(sender, QUESTION)
    for _ in range(2):
        assert slack.post(tap).status_code == 200
    stack.fake.wait_for("slack", slack.reply_recipient(sender), about_migraine)
    follow_up_and_wait(stack, slack, sender)
    assert stored_user_texts(stack.tracker_db, sender).count(QUESTION) == 1
    # Another tap of the same button is another delivery.
    assert slack.post(slack.button_tap(sender, QUESTION)).status_code == 200
    wait_until(lambda: stored_user_texts(stack.tracker_db, sender).count(QUESTION) == 2,
               what="the second tap stored")


@pytest.mark.e2e
def test_the_same_text_in_two_messages_is_answered_twice(stack):
    """Only the platform's id makes a repeat: a patient asking again is answered again."""
    telegram = Telegram(stack.url)
    sender = telegram.new_sender()
    for _ in range(2):
        assert telegram.post(telegram.message(sender, QUESTION)).status_code == 200
    follow_up_and_wait(stack, telegram, sender)
    assert stored_user_texts(stack.tracker_db, sender).count(QUESTION) == 2


# ---------------------------------------------------------------------------
# 3. Photos and files: the caption or text is read, the media never
# ---------------------------------------------------------------------------
def media_only(platform, sender: str) -> Tuple[Any, List[str]]:
    """A photo (Slack: a file) without text, and the references to the media in it."""
    if isinstance(platform, Sms):
        payload = platform.photo(sender)
        return payload, [payload["MediaUrl0"]]
    if isinstance(platform, Telegram):
        payload = platform.photo(sender)
        return payload, [size["file_id"] for size in payload["message"]["photo"]]
    if isinstance(platform, Facebook):
        payload = platform.photo(sender)
        [attachment] = payload["entry"][0]["messaging"][0]["message"]["attachments"]
        return payload, [attachment["payload"]["url"]]
    payload = platform.file_share(sender)
    [file] = payload["event"]["files"]
    return payload, [file["id"], file["url_private"]]


def media_with_text(platform, sender: str, text: str) -> Any:
    if isinstance(platform, (Sms, Telegram)):
        return platform.photo(sender, text)
    return platform.file_share(sender, text)


@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", ALL, ids=lambda c: c.__name__)
def test_a_photo_without_text_gets_one_clear_reply_and_is_never_kept(platform_class, stack):
    platform = platform_class(stack.url)
    sender = platform.new_sender()
    payload, media_references = media_only(platform, sender)
    assert platform.post(payload).status_code == 200
    stack.fake.wait_for(platform.name, platform.reply_recipient(sender), lambda r: r.text == MEDIA_ONLY)
    follow_up_and_wait(stack, platform, sender)
    assert replies_to(stack, platform, sender).count(MEDIA_ONLY) == 1
    assert stored_user_texts(stack.tracker_db, sender) == [HOURS_QUESTION], "only the typed question reached Rasa"
    # The media's address or id went nowhere: not into the conversation, not back out, not into the logs.
    stored = stored_event_data(stack.tracker_db, sender)
    sent = "\n".join(r.body.decode(errors="replace") for r in stack.fake.received(platform.name))
    logs = stack.logs()
    for reference in media_references:
        assert reference not in stored and reference not in sent and reference not in logs


@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", [Sms, Telegram, Slack], ids=lambda c: c.__name__)
def test_a_photos_caption_or_a_files_text_is_read_as_the_message(platform_class, stack):
    platform = platform_class(stack.url)
    sender = platform.new_sender()
    assert platform.post(media_with_text(platform, sender, QUESTION)).status_code == 200
    answer = stack.fake.wait_for(platform.name, platform.reply_recipient(sender), about_migraine)
    assert "\nSource: " in answer.text
    assert stored_user_texts(stack.tracker_db, sender) == [QUESTION]


@pytest.mark.e2e
def test_a_telegram_sticker_gets_the_same_reply(stack):
    telegram = Telegram(stack.url)
    sender = telegram.new_sender()
    assert telegram.post(telegram.sticker(sender)).status_code == 200
    stack.fake.wait_for("telegram", sender, lambda r: r.text == MEDIA_ONLY)


# ---------------------------------------------------------------------------
# 4. Messenger's "Get Started" button
# ---------------------------------------------------------------------------
@pytest.mark.e2e
def test_messengers_get_started_button_is_greeted_like_telegrams_start(stack):
    greeting = stack.patient("greeting").say("hi")[0]["text"]  # what "hi" gets over REST
    facebook, telegram = Facebook(stack.url), Telegram(stack.url)
    fb_sender, tg_sender = facebook.new_sender(), telegram.new_sender()
    assert facebook.post(facebook.postback(fb_sender, "GET_STARTED")).status_code == 200
    assert telegram.post(telegram.message(tg_sender, "/start")).status_code == 200
    expected = formatting.plain_text(greeting)[:80]
    stack.fake.wait_for("facebook", fb_sender, lambda r: r.text.startswith(expected))
    stack.fake.wait_for("telegram", tg_sender, lambda r: r.text.startswith(expected))


# ---------------------------------------------------------------------------
# 5. Numbered options over SMS
# ---------------------------------------------------------------------------
def numbered_options(stack, sms: Sms, sender: str) -> List[Tuple[str, str]]:
    """Asks the question over SMS; the options listed under its answer, as (number, title)."""
    assert sms.post(sms.message(sender, QUESTION)).status_code == 200
    answer = stack.fake.wait_for("twilio", sender, about_migraine)
    options = re.findall(r"^(\d+)\. (.+)$", answer.text, re.MULTILINE)
    assert len(options) >= 2
    return options


def what_the_option_gets(stack, title: str) -> Tuple[str, str]:
    """The payload of the option titled `title` and the first line of its answer,
    over REST in a conversation in the same state."""
    patient = stack.patient("rest")
    buttons = next(m["buttons"] for m in patient.say(QUESTION) if "migraine" in m.get("text", "").lower())
    payload = next(b["payload"] for b in buttons if b["title"] == title)
    return payload, without_emphasis(patient.say(payload)[0]["text"]).split("\n")[0]


def without_emphasis(text: str) -> str:
    """Text without Markdown asterisks (SMS drops them, WhatsApp keeps single ones)."""
    return text.replace("*", "")


@pytest.mark.e2e
@pytest.mark.parametrize("platform_class", [Sms, WhatsApp], ids=lambda c: c.__name__)
def test_a_number_with_no_option_says_which_numbers_there_are(platform_class, stack):
    sms = platform_class(stack.url)
    sender = sms.new_sender()
    options = numbered_options(stack, sms, sender)
    count = len(options)
    assert sms.post(sms.message(sender, str(count + 1))).status_code == 200
    stack.fake.wait_for("twilio", sender, lambda r: r.text == (
        f"Reply with a number from 1 to {count}, or type your question."))
    # The options still stand: a number that is listed now picks its option.
    payload, first_line = what_the_option_gets(stack, options[0][1])
    assert sms.post(sms.message(sender, "1")).status_code == 200
    stack.fake.wait_for("twilio", sender, lambda r: first_line[:80] in without_emphasis(r.text))
    assert stored_user_texts(stack.tracker_db, sender) == [QUESTION, payload], "the wrong number never reached NLU"


@pytest.mark.e2e
@pytest.mark.parametrize("reply", [" 2. ", "#2", "option 2", "two"])
def test_the_second_option_can_be_typed_many_ways(reply, stack):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    options = numbered_options(stack, sms, sender)
    payload, first_line = what_the_option_gets(stack, options[1][1])
    assert sms.post(sms.message(sender, reply)).status_code == 200
    stack.fake.wait_for("twilio", sender, lambda r: first_line[:80] in without_emphasis(r.text))
    assert stored_user_texts(stack.tracker_db, sender) == [QUESTION, payload]


# ---------------------------------------------------------------------------
# 6. Behind a TLS proxy (the stack trusts 127.0.0.1 as its proxy)
# ---------------------------------------------------------------------------
@pytest.mark.e2e
def test_through_the_proxy_the_public_url_is_checked_and_directly_the_called_one(stack):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    # Every Sms call in the tests comes "through the proxy", signed for the public URL.
    payload = sms.message(sender, HOURS_QUESTION)
    body = urlencode(payload).encode()
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    public_signature = {"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_PUBLIC_URL, form)}
    # Without the proxy's headers the URL seen is http://127.0.0.1:<port>/…: Twilio's signature fails.
    direct = requests.post(sms.url, data=body, timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded", **public_signature})
    assert direct.status_code == 403
    # A call signed for the URL it was made to (no proxy) passes.
    question = sms.message(sender, QUESTION)
    body = urlencode(question).encode()
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    local_signature = RequestValidator(TWILIO_TOKEN).compute_signature(sms.url, form)
    local = requests.post(sms.url, data=body, timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": local_signature})
    assert local.status_code == 200
    stack.fake.wait_for("twilio", sender, about_migraine)
    assert stored_user_texts(stack.tracker_db, sender) == [QUESTION], "the refused call went nowhere"


# ---------------------------------------------------------------------------
# 7. SharedKey (HMAC-SHA256) signatures
# ---------------------------------------------------------------------------
@pytest.mark.e2e
def test_a_shared_key_signed_message_is_answered_and_a_forged_one_refused(stack):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    forged = sms.message(sender, HOURS_QUESTION)
    signature = twilio_shared_key_signature(TWILIO_PUBLIC_URL, forged, secret="a-guessed-secret")
    assert sms.post(forged, signed=False, headers=signature).status_code == 403
    payload = sms.message(sender, QUESTION)
    signature = twilio_shared_key_signature(TWILIO_PUBLIC_URL, payload)
    assert sms.post(payload, signed=False, headers=signature).status_code == 200
    stack.fake.wait_for("twilio", sender, about_migraine)
    assert stored_user_texts(stack.tracker_db, sender) == [QUESTION]


# ---------------------------------------------------------------------------
# 8. Status callbacks
# ---------------------------------------------------------------------------
@pytest.mark.e2e
@pytest.mark.parametrize("status", ["sent", "delivered", "undelivered", "failed", "read"])
def test_a_status_callback_gets_200_and_no_reply(status, stack):
    sms = Sms(stack.url)
    patient = sms.new_sender()
    callback = sms.post(sms.status_callback(patient, status))
    assert callback.status_code == 200
    assert callback.headers["Content-Type"].startswith("text/xml") and "<Response></Response>" in callback.text
    assert sms.post(sms.message(patient, QUESTION)).status_code == 200
    stack.fake.wait_for("twilio", patient, about_migraine)
    first_reply = stack.fake.received("twilio", patient)[0]
    assert about_migraine(first_reply), "nothing was sent about the callback"
    assert stored_user_texts(stack.tracker_db, patient) == [QUESTION], "the callback reached nothing"
