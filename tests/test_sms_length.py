"""Answers short enough for SMS: each, as actually sent, fits in 3 segments.

Every response variation Rasa can choose on the Twilio channel (its own
`channel: twilio` variations where a response has them), and what the custom
actions say, go through connectors/twilio.py's real sending code with the
Twilio API call captured. The bodies are counted in SMS segments by the GSM-7 /
UCS-2 rules, and must use only the GSM-7 alphabet.
"""
import asyncio
from typing import Any, Dict, List

import pytest

from common.paths import ROOT
from common import yaml_files
from connectors import twilio
from staff.content_check import (
    SMS_CHANNEL, action_messages, is_gsm7, non_gsm7_characters, slot_combinations, sms_answers, sms_body,
    sms_segments, variation_label,
)

pytestmark = pytest.mark.unit

MAX_SEGMENTS = 3
DOMAIN = yaml_files.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


# --- The segment rules, on texts worked out by hand -----------------------------------
@pytest.mark.parametrize("body, segments", [
    ("", 1),
    ("a" * 160, 1),                      # GSM-7: 160 in one message
    ("a" * 161, 2),                      # split: 153 a part
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("a" * 459, 3),
    ("a" * 460, 4),
    ("[" * 80, 1),                       # extension characters count twice: 160 septets
    ("[" * 81, 2),
    ("a" * 152 + "[" + "a" * 152, 3),    # 306 septets, but "[" can't be cut in two
    ("é ñ ü £ ¥ à", 1),                  # these are GSM-7
    ("’" + "a" * 69, 1),                 # one curly quote makes it UCS-2: 70 a message
    ("’" + "a" * 70, 2),                 # ... 67 a part when split
    ("—" + "a" * 200, 3),                # 201 UCS-2 units: 67 + 67 + 67
    ("—" + "a" * 201, 4),
    ("😀" * 35, 1),                      # 70 UTF-16 units
    ("😀" * 36, 2),
])
def test_segments_by_the_gsm7_and_ucs2_rules(body: str, segments: int):
    assert sms_segments(body) == segments


def test_the_gsm7_alphabet():
    assert is_gsm7("Call 911 now. Source: 988lifeline.org; Suicide & Crisis Lifeline (US) é ñ €")
    for character in "’‘“”—–…•\u00a0":
        assert not is_gsm7(f"a{character}b"), repr(character)
    assert set(non_gsm7_characters("It’s 9–5…")) == {"’", "–", "…"}


# --- What the Twilio channel really sends ------------------------------------------------
@pytest.fixture(scope="module")
def sent_over_sms():
    """A function: the SMS bodies connectors/twilio.py posts to Twilio for a bot message."""
    channel = twilio.TwilioChannel("AC" + "0" * 32, "token", "+15550001111", api_base="http://127.0.0.1:9")
    posted: List[Dict[str, str]] = []

    async def capture(url: str, **kwargs: Any) -> Dict[str, Any]:
        posted.append(kwargs["form"])
        return {}

    original, twilio.post_to_platform = twilio.post_to_platform, capture
    try:
        def send(message: Dict[str, Any], recipient: str = "+16175550123") -> List[str]:
            posted.clear()
            asyncio.run(twilio.TwilioOutput(channel).send_response(recipient, message))
            return [form["Body"] for form in posted]
        yield send
    finally:
        twilio.post_to_platform = original


def test_rasa_matches_channel_twilio_variations_against_this_output_channel():
    # Rasa picks `channel:` variations by the output channel's name().
    assert twilio.TwilioOutput.name() == "twilio" == SMS_CHANNEL


def test_the_staff_check_counts_what_twilio_is_sent(sent_over_sms):
    message = {"text": "Botox is **FDA-approved**.", "buttons": [{"title": "Side effects", "payload": "/x"}],
               "metadata": {"status": "FDA-approved", "sources": ["FDA label (Botox)"]}}
    assert sent_over_sms(message) == [sms_body(message)] == [
        "Botox is FDA-approved.\nSource: FDA label (Botox)\n\n1. Side effects\nReply with a number."]


ANSWERS = sms_answers()


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.name)
def test_each_answer_fits_in_3_segments_of_gsm7(answer, sent_over_sms):
    variation = find_variation(answer.name)
    [body] = sent_over_sms(fill_slots(variation))
    assert body == answer.body
    assert is_gsm7(body), f"not GSM-7: {non_gsm7_characters(body)}"
    assert sms_segments(body) <= MAX_SEGMENTS, f"{sms_segments(body)} segments, {len(body)} characters:\n{body}"


ACTION_MESSAGES = action_messages()


@pytest.mark.parametrize("message", ACTION_MESSAGES, ids=lambda m: m.name)
def test_each_clinic_and_booking_message_fits_in_3_segments_of_gsm7(message, sent_over_sms):
    buttons = [{"title": title, "payload": "/x"} for title in message.buttons]
    [body] = sent_over_sms({"text": message.text, "buttons": buttons})
    assert is_gsm7(body), f"not GSM-7: {non_gsm7_characters(body)}"
    assert sms_segments(body) <= MAX_SEGMENTS, f"{sms_segments(body)} segments:\n{body}"


def test_every_response_and_every_action_is_checked():
    checked = {answer.name.split("[")[0] for answer in ANSWERS}
    assert checked == set(DOMAIN["responses"])
    assert len(ACTION_MESSAGES) >= 40


# --- SMS gets the same answer, only shorter --------------------------------------------
def test_a_response_with_sms_variations_has_one_for_every_condition():
    # Rasa prefers a channel's unconditional variation to a matching conditional one
    # without a channel: a missing twin would swap a condition's answer for the general one.
    for name, variations in DOMAIN["responses"].items():
        on_sms = [v for v in variations if v.get("channel") == SMS_CHANNEL]
        if on_sms:
            everywhere = [v for v in variations if not v.get("channel")]
            key = lambda v: sorted((c["name"], str(c["value"])) for c in v.get("condition") or [])
            assert sorted(map(key, on_sms)) == sorted(map(key, everywhere)), name


def test_sms_keeps_the_status_and_the_condition_of_the_answer_it_replaces():
    from rasa.core.nlg.generator import ResponseVariationFilter

    chooser = ResponseVariationFilter(DOMAIN["responses"])
    for name in DOMAIN["responses"]:
        for slots in slot_combinations():
            web = chooser.responses_for_utter_action(name, "rest", slots)
            sms = chooser.responses_for_utter_action(name, SMS_CHANNEL, slots)
            assert [v.get("condition") for v in web] == [v.get("condition") for v in sms], (name, slots)
            assert [(v.get("metadata") or {}).get("status") for v in web] == \
                [(v.get("metadata") or {}).get("status") for v in sms], (name, slots)


# --- helpers -------------------------------------------------------------------------------
def find_variation(label: str) -> Dict[str, Any]:
    name = label.split("[")[0]
    return next(v for v in DOMAIN["responses"][name] if variation_label(name, v) == label)


def fill_slots(variation: Dict[str, Any]) -> Dict[str, Any]:
    from clinic.config import current_clinic

    clinic = current_clinic()
    values = {"clinic_name": clinic.name, "clinic_phone": clinic.phone, "clinic_email": clinic.email}
    return {**variation, "text": variation["text"].format(**values) if "{" in variation["text"] else variation["text"]}


# --- End to end: the running assistant picks the SMS variation on Twilio ------------------
@pytest.mark.e2e
def test_the_running_assistant_sends_the_short_variation_over_sms(stack):
    from connectors import formatting
    from tests.platforms import Sms

    question = "what are the side effects of botox?"
    sms = Sms(stack.url)
    sender = sms.new_sender()
    assert sms.post(sms.message(sender, question)).status_code == 200
    reply = stack.fake.wait_for("twilio", sender, lambda r: "911" in r.text)
    [short] = [v for v in DOMAIN["responses"]["utter_side_effects"]
               if v.get("channel") == SMS_CHANNEL and not v.get("condition")]
    assert reply.text.startswith(formatting.plain_text(short["text"]) + "\nSource: ")
    assert sms_segments(reply.text) <= MAX_SEGMENTS and is_gsm7(reply.text)
    on_the_web = stack.patient("rest").say_text(question)
    assert "911" in on_the_web and formatting.plain_text(short["text"]) not in on_the_web
