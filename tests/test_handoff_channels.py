"""Hand-off on every messaging channel, end to end on the shared stack.

Staff take a patient's conversation over from the inbox (over HTTP, as the
inbox's page does); their replies must reach the patient on the channel the
patient used, through that platform's API (the loopback fakes), and the
patient's answer must show in the inbox while the bot stays silent; handed
back, the bot answers again. The shared stack has no staff on duty
(tests/handoff_helpers.py), so a patient asking for a person gets the callback offer.
"""
import uuid
from typing import List

import pytest

from tests.handoff_helpers import Staff, conversation_key, signed_in_staff, wait_until
from tests.platforms import ALL_PLATFORMS, QUESTION, Sms, about_migraine

pytestmark = pytest.mark.e2e

STAFF_JOINED = "A member of our staff has joined this chat. They will reply here."
HANDED_BACK = "You're chatting with the assistant again. What else can I help with?"


@pytest.fixture(scope="module")
def staff(stack) -> Staff:
    return signed_in_staff(stack.url, stack.handoff_url, prefix="channels")


def texts_to(stack, platform, sender: str) -> List[str]:
    """Everything sent to the patient, in order (Slack: to the DM channel or the user)."""
    recipients = {sender, platform.reply_recipient(sender)}
    return [r.text for r in stack.fake.received(platform.name) if r.recipient in recipients]


def wait_for_text(stack, platform, sender: str, wanted) -> str:
    return wait_until(lambda: next((t for t in texts_to(stack, platform, sender) if wanted(t)), None),
                      timeout=60, what=f"a {platform.name} message")


@pytest.mark.parametrize("platform_class", ALL_PLATFORMS, ids=lambda c: c.__name__)
def test_staff_take_over_reply_on_the_patients_channel_and_hand_back(platform_class, stack, staff):
    platform = platform_class(stack.url)
    sender = platform.new_sender()
    key = conversation_key(stack.sender_hash_key_file, sender)
    assert platform.post(platform.message(sender, QUESTION)).status_code == 200
    wait_for_text(stack, platform, sender, lambda t: "migraine" in t.lower())

    staff.ok("take-over", key)
    wait_for_text(stack, platform, sender, lambda t: t == STAFF_JOINED)
    staff.ok("reply", key, text="Hello, this is Dana from the clinic. How can I help?")
    reply = wait_for_text(stack, platform, sender, lambda t: "this is Dana" in t)
    assert reply == "Dana (clinic staff): Hello, this is Dana from the clinic. How can I help?"

    assert platform.post(platform.message(sender, "I have a question about my bill")).status_code == 200
    wait_until(lambda: "I have a question about my bill" in staff.patient_texts(key), timeout=60,
               what="the patient's answer in the inbox")
    staff.ok("hand-back", key)
    wait_for_text(stack, platform, sender, lambda t: t == HANDED_BACK)
    assert platform.post(platform.message(sender, "does botox help with migraines?")).status_code == 200
    wait_until(lambda: sum(about_migraine_text(t) for t in texts_to(stack, platform, sender)) == 2,
               timeout=60, what="the bot's answer after the hand-back")

    # In order, and nothing from the bot to the message staff had (it came before the
    # hand-back, whose answer was waited for).
    sent = texts_to(stack, platform, sender)
    assert [classify(t) for t in sent] == ["bot: migraine", "staff joined", "staff: Dana", "handed back",
                                           "bot: migraine"], sent


def about_migraine_text(text: str) -> bool:
    return "migraine" in text.lower() and "(clinic staff)" not in text


def classify(text: str) -> str:
    if text == STAFF_JOINED:
        return "staff joined"
    if text == HANDED_BACK:
        return "handed back"
    if text.startswith("Dana (clinic staff): "):
        return "staff: Dana"
    return "bot: migraine" if "migraine" in text.lower() else f"other: {text[:40]}"


def test_outside_staff_hours_asking_for_a_person_offers_a_callback(stack):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    assert sms.post(sms.message(sender, "Can I talk to a real person please?")).status_code == 200
    offer = stack.fake.wait_for("twilio", sender, lambda r: "staff can't chat" in r.text)
    assert offer.text.startswith("Our staff can't chat right now.")
    assert "1. Ask for a call back" in offer.text
    assert sms.post(sms.message(sender, "1")).status_code == 200
    stack.fake.wait_for("twilio", sender, lambda r: "What name should the clinic use" in r.text)


def test_not_understood_twice_in_a_row_goes_to_staff_or_offers_a_callback(stack):
    patient = stack.patient("fallbacks")
    first = patient.say_text("xqzv plorth")
    assert "I'm sorry, I can't help with that" in first
    second = patient.say_text("blorf wuzzle")
    assert second.startswith("Our staff can't chat right now.")  # no one on duty in the shared stack
    assert "migraine" in patient.say_text("Does Botox help migraines?").lower()


def test_out_of_scope_then_not_understood_is_no_hand_off(stack):
    patient = stack.patient("scope")
    assert "can't help" in patient.say_text("can you recommend a good pizza place downtown?")
    second = patient.say_text("blorf wuzzle")
    assert "I'm sorry, I can't help with that" in second and "staff" not in second.split(".")[0]


def test_a_red_flag_is_answered_even_while_staff_have_the_conversation(stack, staff):
    patient = stack.patient("red-flag")
    patient.say_text("hi")
    key = conversation_key(stack.sender_hash_key_file, patient.sender)
    staff.ok("take-over", key)
    assert patient.say("thanks") == [{"recipient_id": patient.sender, "text": "", "handoff": "active"}]
    emergency = patient.say_text("I can't breathe after my injection")
    assert "Call 911" in emergency
    queued = {h["conversation"]: h for h in staff.queue()["handoffs"]}
    assert queued[key]["urgent"]
    staff.ok("resolve", key)


def test_the_widget_gets_staff_replies_from_its_queue(stack, staff):
    """The REST side of what the browser test shows: markers, the queue, the hand-back."""
    import requests

    patient = stack.patient("widget-queue")
    patient.say_text("hi")
    key = conversation_key(stack.sender_hash_key_file, patient.sender)
    queue_url = f"{stack.url}/webhooks/widget/messages"

    def queued(after: int = 0) -> dict:
        reply = requests.get(queue_url, params={"sender": patient.sender, "after": after}, timeout=30)
        assert reply.headers["Cache-Control"] == "no-store"
        return reply.json()

    assert queued() == {"messages": [], "handoff": None}
    staff.ok("take-over", key)
    staff.ok("reply", key, text="Hi, Dana here.")
    updates = queued()
    assert [(m["from"], m["text"]) for m in updates["messages"]] == [
        ("bot", STAFF_JOINED), ("staff", "Hi, Dana here.")]
    assert updates["messages"][1]["name"] == "Dana" and updates["handoff"] == "open"
    last = updates["messages"][-1]["id"]
    staff.ok("hand-back", key)
    assert [m["text"] for m in queued(last)["messages"]] == [HANDED_BACK]
    assert queued(last)["handoff"] is None
    assert requests.get(queue_url, params={"sender": "", "after": "x"}, timeout=30).status_code == 400
    stranger = requests.get(queue_url, params={"sender": f"stranger-{uuid.uuid4()}", "after": 0}, timeout=30)
    assert stranger.json() == {"messages": [], "handoff": None}  # each conversation sees its own only
