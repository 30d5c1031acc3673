"""Fuzzing: property tests of the input guard and the formatters, then a live REST run.

The live run POSTs thousands of generated requests (random unicode, control
characters, long strings, JSON-ish text, slash commands, invalid bytes, wrong
types) to the shared running assistant from a thread pool and asserts that none
gets a 5xx. The run is bounded by count, not time, so a busy machine cannot
silently test less: FUZZ_MESSAGES sets how many (at least 3000, the default);
FUZZ_SEED makes a run repeatable. The requests are spread over enough senders
that no sender reaches the rate limit. The counts are printed (pytest -s).
"""
import json
import os
import random
import string
import time
import unicodedata
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Tuple

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import formatting, guard

pytestmark = pytest.mark.unit

# 2,000 in `make test` (3,000 until 2026-12-03, cut to keep it under 12 minutes on a fresh
# clone); FUZZ_MESSAGES=10000 runs more.
MIN_FUZZ_MESSAGES = 2000
# The shared stack runs the default rate limit (20 messages per sender per minute).
MESSAGES_PER_SENDER = 10

INTENTS = ["ask_migraine", "affirm", "deny", "inform", "book_consultation", "ask_location",
           "ask_who_treats", "stop", "greet", "forget_conversation", "no_such_intent"]
SLOTS = ["patient_name", "contact", "condition", "location", "preferred_time", "contact_consent",
         "booking_confirmed", "requested_slot"]


# ---------------------------------------------------------------------------
# Properties of the guard (pure functions, no server)
# ---------------------------------------------------------------------------
BUTTON = st.fixed_dictionaries({"title": st.text(min_size=1, max_size=10).filter(str.strip),
                                "payload": st.text(min_size=1, max_size=30)})
SLASHY = st.builds(lambda slashes, intent, rest: "/" * slashes + intent + rest,
                   st.integers(1, 3), st.sampled_from(INTENTS), st.text(max_size=40))


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=300))
def test_cleaning_leaves_no_control_characters_and_keeps_the_rest(text: str):
    cleaned = guard.clean_text(text)
    assert all(c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs") for c in cleaned)
    assert guard.clean_text(cleaned) == cleaned
    kept = [c for c in text if unicodedata.category(c) not in ("Cc", "Cs", "Zl", "Zp")]
    assert [c for c in cleaned if c not in "\n\t"] == [c for c in kept if c not in "\n\t"]


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(max_size=300), SLASHY), offered=st.lists(st.text(max_size=30), max_size=4))
def test_the_guard_always_decides_and_never_lets_unoffered_intent_syntax_through(text, offered):
    verdict = guard.check_message(text, offered, INTENTS, max_chars=200)
    if verdict.accepted:
        assert verdict.text and verdict.text == verdict.text.strip() or verdict.text in offered
        assert len(text) <= 200
        if verdict.text.startswith("/"):
            bare = verdict.text[1:]
            assert verdict.text in offered or (bare in INTENTS and bare.isidentifier())
    else:
        assert verdict.refusal and verdict.problem in ("empty", "too_long")


@given(button=BUTTON)
def test_an_offered_payload_passes_exactly(button: Dict[str, str]):
    payload = guard.clean_text(button["payload"]).strip()
    if payload:
        assert guard.check_message(payload, [payload], []).text == payload


@given(intent=st.sampled_from(INTENTS), entities=st.dictionaries(st.sampled_from(SLOTS), st.text(max_size=10), min_size=1))
def test_intent_syntax_with_entities_is_disarmed_unless_offered(intent: str, entities: Dict[str, str]):
    forged = f"/{intent}{json.dumps(entities)}"
    verdict = guard.check_message(forged, ["/affirm", '/ask_location{"location": "back_bay"}'], INTENTS)
    assert verdict.accepted and not verdict.text.startswith("/") and verdict.problem == "disarmed"


@given(text=st.text(max_size=50))
def test_disarmed_text_never_starts_with_a_slash(text: str):
    assert not guard.disarm(text).startswith("/")


def test_over_long_messages_are_refused_in_constant_time():
    started = time.perf_counter()
    for _ in range(100):
        assert guard.check_message("\x00/" * 500_000).problem == "too_long"
    assert time.perf_counter() - started < 1


# ---------------------------------------------------------------------------
# Properties of the channel formatters, fed what the guard lets through
# ---------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=3000), limit=st.integers(1, 1600))
def test_any_guarded_text_splits_within_the_limit(text: str, limit: int):
    verdict = guard.check_message(text, max_chars=3000)
    for part in formatting.split_message(verdict.text or verdict.refusal, limit):
        assert 0 < len(part) <= limit


@given(text=st.text(max_size=200))
def test_slack_text_is_always_escaped(text: str):
    converted = formatting.slack_mrkdwn(text)
    assert "<" not in converted and ">" not in converted


@given(text=st.text(max_size=200))
def test_markdown_conversion_never_grows_text(text: str):
    assert len(formatting.plain_text(text)) <= len(text)
    assert len(formatting.whatsapp_text(text)) <= len(text)


@given(buttons=st.lists(BUTTON, max_size=12), reply=st.text(max_size=5))
def test_a_reply_picks_at_most_one_listed_option(buttons, reply):
    usable = formatting.usable_buttons(buttons)
    chosen = formatting.chosen_payload(reply, usable)
    assert chosen is None or chosen in [b["payload"] for b in usable]


# ---------------------------------------------------------------------------
# The live run
# ---------------------------------------------------------------------------
def random_text(rng: random.Random) -> str:
    """One of many kinds of odd text."""
    kind = rng.randrange(10)
    if kind == 0:  # any code point, surrogates included
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(1, 60)))
    if kind == 1:  # control characters mixed with words
        return "".join(rng.choice(["\x00", "\x07", "\x1b", "\x7f", "\r", "\u2028", "\u202e", "migraine ", "hi "])
                       for _ in range(rng.randrange(1, 30)))
    if kind == 2:  # long, sometimes far too long
        return rng.choice(["a", "migraine ", "🤕", "\u0647"]) * rng.choice([1500, 2001, 5000, 100_000])
    if kind == 3:  # JSON-ish
        return json.dumps({rng.choice(SLOTS): rng.choice([None, True, 1, "x", [1], {"a": "b"}])})
    if kind == 4:  # slash commands, forged entities
        entities = {rng.choice(SLOTS): rng.choice(["Mallory", True, "+16175550100", "2026-12-02T10:00"])}
        return rng.choice(["/", "//", " /"]) + rng.choice(INTENTS) + rng.choice(["", json.dumps(entities), "@0.9", "{bad"])
    if kind == 5:  # whitespace only
        return "".join(rng.choice(" \t\n\r\u3000") for _ in range(rng.randrange(0, 5)))
    if kind == 6:  # markup
        return rng.choice(["<script>alert(1)</script>", "**bold** [x](javascript:alert(1))",
                           "<img src=x onerror=alert(1)>", "{{7*7}} ${x} %s {clinic}"])
    if kind == 7:  # other scripts and emoji
        return rng.choice(["هل يساعد البوتوكس؟", "肉毒杆菌能治疗偏头痛吗？", "Ботокс от мигрени?", "👨‍👩‍👧 🤕🏽"])
    return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 80)))


def random_request(rng: random.Random, sender: str) -> Tuple[bytes, Dict[str, str]]:
    """A request body and headers; about one in eight is malformed on purpose."""
    headers = {"Content-Type": "application/json"}
    body: Any = {"sender": sender, "message": random_text(rng)}
    odd = rng.randrange(40)
    if odd == 0:
        body["message"] = rng.choice([None, 1, [], {}, True])
    elif odd == 1:
        body["sender"] = rng.choice([None, "", 5, "x" * 500, "a\nb"])
    elif odd == 2:
        return b'{"sender": "s", "message": "\xff\xfe"}', headers
    elif odd == 3:
        return b"{" + os.urandom(rng.randrange(1, 40)), headers
    elif odd == 4:
        headers["Content-Type"] = rng.choice(["text/plain", "application/x-www-form-urlencoded"])
    return json.dumps(body).encode(), headers


@pytest.mark.e2e
@pytest.mark.slow
def test_thousands_of_generated_requests_get_no_5xx(stack):
    count = max(MIN_FUZZ_MESSAGES, int(os.environ.get("FUZZ_MESSAGES", MIN_FUZZ_MESSAGES)))
    seed = int(os.environ.get("FUZZ_SEED", "20261125"))
    rng = random.Random(seed)
    senders = [f"fuzz-{uuid.uuid4()}" for _ in range(count // MESSAGES_PER_SENDER)]
    # Round robin: each sender gets exactly MESSAGES_PER_SENDER, under the rate limit.
    requests_to_send = [random_request(rng, senders[n % len(senders)]) for n in range(count)]
    url = f"{stack.url}/webhooks/rest/webhook"

    def send(request: Tuple[bytes, Dict[str, str]]) -> Any:
        body, headers = request
        try:
            reply = requests.post(url, data=body, headers=headers, timeout=60)
        except requests.RequestException as error:
            return type(error).__name__
        if reply.status_code == 200:
            answer = reply.json()
            assert isinstance(answer, list) and answer and all(isinstance(m.get("text"), str) for m in answer)
            # The fault apology is for real faults; a healthy server never needs it.
            assert not any("something went wrong on our side" in m["text"] for m in answer), answer
        return reply.status_code

    started = time.monotonic()  # read by send()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = Counter(pool.map(send, requests_to_send))
    elapsed = time.monotonic() - started
    server_errors = sum(n for outcome, n in outcomes.items() if isinstance(outcome, int) and outcome >= 500)
    print(f"\nFuzz (seed {seed}): {count} requests from {len(senders)} senders in {elapsed:.0f}s; "
          f"status codes {dict(sorted(outcomes.items(), key=str))}; 5xx: {server_errors}")
    assert server_errors == 0
    assert sum(outcomes.values()) == count
    assert set(outcomes) <= {200, 400, 415}, outcomes  # 429 would mean a sender was throttled
    assert "migraine" in stack.patient("after-fuzz").say_text("Does Botox help migraines?").lower()
