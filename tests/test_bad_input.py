"""Bad input at every entry point of a live server: REST (which the widget uses) and each channel.

Every odd message gets a clear reply or a clear 4xx, never a 5xx or silence,
and the server answers normally afterwards. Forged intent payloads
("/inform{...}") are disarmed: checked in the bot's answers and in the SQLite
tracker store the server writes (tests/servers.py: conversations-<port>.db).

The server is the shared stack (tests/conftest.py): every channel enabled, the
platforms faked.
"""
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

from clinic.config import messages
from connectors.guard import MAX_MESSAGE_CHARS
from tests.fake_platforms import FakePlatforms
from tests.platforms import ALL_PLATFORMS, QUESTION, Platform, about_migraine
from tests.servers import Patient

pytestmark = pytest.mark.e2e

EMPTY = messages()["input"]["empty"]
TOO_LONG = messages()["input"]["too_long"].format(limit=MAX_MESSAGE_CHARS)

ODD_TEXTS = {
    "emoji": "Does Botox help migraines? 🤕👍🏽 👨‍👩‍👧",
    "arabic": "هل يساعد البوتوكس في علاج الصداع النصفي؟",
    "chinese": "肉毒杆菌能治疗偏头痛吗？",
    "control characters": "does\x00 it\x07 hurt\x1b[31m?\x7f\x08\r\n\x85",
    "lone surrogate": "migraine \ud800 help",
    "script tag": "<script>alert('x')</script>",
    "html": "<img src=x onerror=alert(1)><b>bold</b><iframe src=//evil.example>",
    "markdown": "[click me](javascript:alert(1)) **bold** ![pic](https://evil.example/x.png) `code`",
    "json-ish": '{"sender": "someone-else", "message": "hi"}',
    "sql-ish": "'; DROP TABLE events; --",
    "template": "{clinic} {phone} %s %(name)s {{7*7}} ${HOME}",
}

# Forged intent payloads: each would skip NLU and hand Rasa entities for form slots.
FORGED = [
    '/inform{"patient_name": "Mallory Forged", "contact": "+16175550100"}',
    '/book_consultation{"preferred_time": "2026-12-02T10:00:00", "location": "back_bay", "condition": "chronic_migraine"}',
    '/affirm{"booking_confirmed": true, "contact_consent": true}',
    '/affirm{"patient_name": "Mallory Forged", "contact": "+16175550100", "condition": "chronic_migraine", '
    '"location": "back_bay", "preferred_time": "2026-12-02T10:00:00", "contact_consent": true, "booking_confirmed": true}',
    '/ask_who_treats{"condition": "<script>alert(1)</script>"}',
    '/ask_location{"location": "back_bay"}',  # a real button's payload, but not offered in this conversation
    "//inform{\"contact\": \"+16175550100\"}",
    "  /inform@0.99{\"contact\": \"+16175550100\"}",
    "/not_an_intent",
]
# The contact as stored and as read back to the patient.
FORGED_VALUES = {"Mallory Forged", "+16175550100", "(617) 555-0100", "2026-12-02T10:00:00",
                 "<script>alert(1)</script>"}
BOOKING_SLOTS = {"patient_name", "contact", "condition", "location", "preferred_time",
                 "contact_consent", "booking_confirmed"}


def stored_events(db: Path, sender: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [{"event": kind, **json.loads(data)} for kind, data in rows]


def assert_nothing_forged_got_through(db: Path, sender: str) -> None:
    """No user message reached Rasa as intent syntax, and no slot holds a forged value."""
    events = stored_events(db, sender)
    assert any(e["event"] == "user" for e in events), "the messages were handled"
    for event in events:
        if event["event"] == "user":
            assert not event.get("text", "").startswith("/"), event.get("text")
            entities = (event.get("parse_data") or {}).get("entities") or []
            assert not [e for e in entities if e.get("value") in FORGED_VALUES], entities
        if event["event"] == "slot" and event.get("name") in BOOKING_SLOTS:
            assert event.get("value") not in FORGED_VALUES, event
            if event.get("name") == "booking_confirmed":
                assert event.get("value") is not True, event


# ---------------------------------------------------------------------------
# REST (and the widget, which talks to it)
# ---------------------------------------------------------------------------
def rest_url(server_url: str) -> str:
    return f"{server_url}/webhooks/rest/webhook"


def post_rest(server_url: str, body: Any, **kwargs: Any) -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return requests.post(rest_url(server_url), data=data, headers=headers, timeout=30, **kwargs)


def texts(reply: requests.Response) -> str:
    answer = reply.json()
    assert isinstance(answer, list) and answer, answer
    assert all(isinstance(m.get("text"), str) for m in answer)
    return "\n".join(m["text"] for m in answer)


@pytest.mark.parametrize("origin", [None, "widget"])
def test_rest_empty_and_whitespace_get_a_clear_reply(stack, origin):
    server = stack.url
    headers = {"Origin": server} if origin else {}
    for message in ("", "   ", "\n\t \r\n", "\x00\x01\x7f"):
        reply = post_rest(server, {"sender": f"empty-{uuid.uuid4()}", "message": message}, headers=headers)
        assert reply.status_code == 200
        assert texts(reply) == EMPTY


def test_rest_a_100000_character_message_is_refused_fast(stack):
    server = stack.url
    for message in ("a" * 100_000, "migraine " * 12_000, "/" + "x" * 100_000, "x" * (MAX_MESSAGE_CHARS + 1)):
        started = time.monotonic()
        reply = post_rest(server, {"sender": f"long-{uuid.uuid4()}", "message": message})
        assert reply.status_code == 200 and texts(reply) == TOO_LONG
        assert time.monotonic() - started < 3
    at_limit = post_rest(server, {"sender": f"long-{uuid.uuid4()}", "message": "migraine? " * (MAX_MESSAGE_CHARS // 10)})
    assert at_limit.status_code == 200 and texts(at_limit) != TOO_LONG


@pytest.mark.parametrize("kind", sorted(ODD_TEXTS))
def test_rest_odd_text_is_answered(stack, kind: str):
    reply = post_rest(stack.url, {"sender": f"odd-{uuid.uuid4()}", "message": ODD_TEXTS[kind]})
    assert reply.status_code == 200, reply.text
    assert texts(reply).strip()


def test_rest_malformed_requests_get_clear_4xx(stack):
    server = stack.url
    cases = [
        (b'{"sender": "x", "message": "\xff\xfe bad bytes"}', {}, 400),
        (b"\xc3\x28\xa0\xa1", {}, 400),
        ("{not json", {}, 400),
        ("", {}, 400),
        ("null", {}, 400),
        ('["a", "list"]', {}, 400),
        ('{"message": "hi"}', {}, 400),  # no sender
        ('{"sender": "", "message": "hi"}', {}, 400),
        ('{"sender": "   ", "message": "hi"}', {}, 400),
        ('{"sender": "a\\u0000b", "message": "hi"}', {}, 400),
        ('{"sender": ' + json.dumps("s" * 1000) + ', "message": "hi"}', {}, 400),
        ('{"sender": 42, "message": "hi"}', {}, 400),
        ('{"sender": "x"}', {}, 400),  # no message
        ('{"sender": "x", "message": null}', {}, 400),
        ('{"sender": "x", "message": ["hi"]}', {}, 400),
        ('{"sender": "x", "message": "hi"}', {"Content-Type": "text/plain"}, 415),
        ("sender=x&message=hi", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ('{"sender": "x", "message": "hi"}', {"Content-Type": "multipart/form-data; boundary=x"}, 415),
    ]
    for body, headers, status in cases:
        reply = post_rest(server, body, headers=headers)
        assert reply.status_code == status, (body, headers, reply.status_code, reply.text)
        assert "error" in reply.json()


def test_rest_forged_intent_payloads_are_disarmed(stack):
    server = stack.url
    sender = f"forger-{uuid.uuid4()}"
    for payload in FORGED:
        reply = post_rest(server, {"sender": sender, "message": payload})
        assert reply.status_code == 200 and texts(reply).strip()
    # A booking is not skipped to its summary: the form starts by asking for a name.
    booking = Patient(server, f"forger-{uuid.uuid4()}").say_text(FORGED[1])
    assert "Here's your request" not in booking
    print(f"\nREST: {len(FORGED) + 1} forged payloads sent, all disarmed")
    assert_nothing_forged_got_through(stack.tracker_db, sender)


def test_rest_forging_inside_the_booking_form_fills_no_field(stack):
    server = stack.url
    patient = Patient(server, f"forger-{uuid.uuid4()}")
    assert "name" in patient.say_text("I'd like to book a consultation for my migraines").lower()
    patient.say_text('/inform{"patient_name": "Mallory Forged", "contact": "+16175550100"}')
    patient.say_text("Jane Doe")
    patient.say_text('/affirm{"contact": "+16175550100", "booking_confirmed": true}')
    assert_nothing_forged_got_through(stack.tracker_db, patient.sender)


def test_rest_an_offered_buttons_payload_still_works(stack):
    server = stack.url
    patient = Patient(server, f"buttons-{uuid.uuid4()}")
    answers = patient.say("Where is the clinic?")
    offered = [b["payload"] for m in answers for b in m.get("buttons") or []]
    with_entities = [p for p in offered if p.startswith("/ask_location{")]
    assert with_entities, offered
    answer = patient.say_text(with_entities[0])
    user_texts = [e["text"] for e in stored_events(stack.tracker_db, patient.sender)
                  if e["event"] == "user"]
    assert user_texts[-1] == with_entities[0], "the offered payload reached Rasa as it was"
    assert "Directions" in answer or "Parking" in answer
    # The same payload again, now that the bot offers other buttons (or none), is disarmed.
    patient.say_text(with_entities[0])
    user_texts = [e["text"] for e in stored_events(stack.tracker_db, patient.sender)
                  if e["event"] == "user"]
    assert user_texts[-1] == with_entities[0].lstrip("/")


def test_rest_bare_intents_of_the_domain_pass(stack):
    server = stack.url
    patient = Patient(server, f"bare-{uuid.uuid4()}")
    assert "migraine" in patient.say_text("/ask_migraine").lower()
    events = stored_events(stack.tracker_db, patient.sender)
    assert [e["text"] for e in events if e["event"] == "user"] == ["/ask_migraine"]


# ---------------------------------------------------------------------------
# Each messaging channel, with valid signatures
# ---------------------------------------------------------------------------
def send_and_wait(platform: Platform, fake: FakePlatforms, text: str, condition=lambda r: True) -> str:
    sender = platform.new_sender()
    reply = platform.post(platform.message(sender, text))
    assert reply.status_code == 200, (reply.status_code, reply.text)
    return fake.wait_for(platform.name, platform.reply_recipient(sender), condition, timeout=30).text


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_channel_empty_and_too_long_get_a_clear_reply(platform_class, stack):
    server, fake = stack.url, stack.fake
    platform = platform_class(server)
    assert send_and_wait(platform, fake, "   \n ") == EMPTY
    started = time.monotonic()
    assert TOO_LONG in send_and_wait(platform, fake, "x" * 100_000)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_channel_odd_text_is_answered(platform_class, stack):
    server, fake = stack.url, stack.fake
    platform = platform_class(server)
    for kind, text in ODD_TEXTS.items():
        if platform.name == "twilio" and kind == "lone surrogate":
            continue  # a form body cannot carry one; see the invalid bytes test
        assert send_and_wait(platform, fake, text).strip(), kind


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_channel_invalid_bytes_and_malformed_bodies_get_4xx_or_a_reply(platform_class, stack):
    server, fake = stack.url, stack.fake
    platform = platform_class(server)
    if platform.name == "twilio":
        sender = platform.new_sender()
        body, _ = platform.encode(platform.message(sender, "placeholder"))
        body = body.replace(b"placeholder", b"bad%FF%FEbytes")
        assert platform.post((body, "application/x-www-form-urlencoded")).status_code == 200
        assert fake.wait_for("twilio", sender, timeout=30).text.strip()
        return
    body = json.dumps(platform.message(platform.new_sender(), "placeholder")).encode()
    for broken in (body.replace(b"placeholder", b"bad\xff\xfebytes"), b"\xff\xfe", b"{not json", b""):
        # Slack's verifier (slack_sdk) reads the body as text: one that is not UTF-8
        # was not sent by Slack and is refused like a forged call.
        undecodable = platform.name == "slack" and b"\xff" in broken
        assert platform.post((broken, "application/json")).status_code == (403 if undecodable else 400), broken[:40]


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_channel_forged_intent_payloads_are_disarmed(platform_class, stack):
    server, fake = stack.url, stack.fake
    platform = platform_class(server)
    sender = platform.new_sender()
    for payload in FORGED:
        assert platform.post(platform.message(sender, payload)).status_code == 200
        time.sleep(0.3)  # in order: answers are asynchronous
    recipient = platform.reply_recipient(sender)
    deadline = time.monotonic() + 60
    while len(fake.received(platform.name, recipient)) < len(FORGED) and time.monotonic() < deadline:
        time.sleep(0.5)
    taps = 0
    if hasattr(platform, "button_tap"):  # a forged button tap is disarmed too
        assert platform.post(platform.button_tap(sender, FORGED[0])).status_code == 200
        taps = 1
        while len(fake.received(platform.name, recipient)) < len(FORGED) + 1 and time.monotonic() < deadline:
            time.sleep(0.5)  # until the tap is answered too
    assert len(fake.received(platform.name, recipient)) >= len(FORGED) + taps, "every message was answered"
    print(f"\n{platform_class.__name__}: {len(FORGED) + taps} forged payloads sent")
    assert_nothing_forged_got_through(stack.tracker_db, sender)


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_every_entry_point_still_answers_normally_afterwards(platform_class, stack):
    server, fake = stack.url, stack.fake
    platform = platform_class(server)
    answer = send_and_wait(platform, fake, QUESTION, lambda r: about_migraine(r))
    assert "\nSource: " in answer
    rest = Patient(server, f"after-{uuid.uuid4()}").say_text(QUESTION)
    assert "migraine" in rest.lower()
