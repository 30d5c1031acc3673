"""The hand-off across two Rasa replicas (PostgreSQL and Redis), with staff always on duty.

Two real Rasa servers share the conversations (PostgreSQL), the locks (Redis) and
the hand-off database (PostgreSQL), with one action server. A patient's turns and
the staff member's requests go to either replica: a hand-off requested on one
stays paused on the other, staff replies go out from either, staff are alerted
once (a real SMTP server and a Slack webhook fake), a wait nobody picks up times
out once, an SMS patient is served through the Twilio fake, and the Chatwoot
Agent Bot adapter works against a fake of Chatwoot's API.
"""
import uuid
from typing import List

import pytest
import requests
import sqlalchemy as sa

from tests.handoff_helpers import conversation_key, wait_until
from tests.platforms import Sms
from tests.replicas import CHATWOOT_TOKEN, STAFF_ADDRESS, Replicas
from tests.servers import Patient

# The replicas (tests/replicas.py) are shared with tests/test_replicas.py.
pytestmark = [pytest.mark.system, pytest.mark.xdist_group("replicas")]

WAITING = ("I'm passing you to a member of our staff. They will reply here, usually within 5 minutes. "
           "You can keep writing. They will see your messages.")


def handoff_row(replicas: Replicas, sender: str) -> dict:
    engine = sa.create_engine(replicas.handoff_url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(sa.text(
                "SELECT * FROM handoffs WHERE sender_id = :s ORDER BY id DESC LIMIT 1"), {"s": sender}).mappings().one())
    finally:
        engine.dispose()


def queued_for_widget(base: str, sender: str) -> dict:
    return requests.get(f"{base}/webhooks/widget/messages", params={"sender": sender, "after": 0}, timeout=30).json()


def test_a_hand_off_requested_on_one_replica_stays_paused_on_the_other(replicas):
    sender = f"replica-patient-{uuid.uuid4()}"
    on_a, on_b = Patient(replicas.a, sender), Patient(replicas.b, sender)
    key = conversation_key(replicas.key_file, sender)
    alerts_before = len(replicas.mail.messages)

    assert "migraine" in on_b.say_text("Does Botox help migraines?").lower()
    waiting = on_a.say("Can I talk to a real person please?")
    assert [(m["text"], m.get("handoff")) for m in waiting] == [(WAITING, "waiting")]
    assert on_b.say("It is about my migraine treatment") == [{"recipient_id": sender, "text": "", "handoff": "active"}]

    # Staff are alerted once, by e-mail and on Slack, without who or what.
    alert = wait_until(lambda: len(replicas.mail.messages) > alerts_before and replicas.mail.messages[-1],
                       what="the e-mail alert")
    body = alert.get_payload()
    assert alert["To"] == STAFF_ADDRESS and alert["Subject"] == "A patient is waiting in the staff inbox"
    assert "Reason: Asked for a person." in body and "Channel: website chat." in body
    assert "https://clinic.example.org/webhooks/staff/" in body
    assert sender not in body and "migraine" not in body.lower()
    wait_until(lambda: any("Reason: Asked for a person." in p["text"] for p in replicas.slack.posts),
               what="the Slack alert")

    # Staff see it on replica B, reply through A; the widget fetches the reply from B.
    queued = {h["conversation"]: h for h in replicas.staff_b.queue()["handoffs"]}
    assert (queued[key]["status"], queued[key]["reason"], queued[key]["channel"]) == ("waiting", "asked_for_person", "rest")
    assert "It is about my migraine treatment" in replicas.staff_b.patient_texts(key)
    replicas.staff_a.ok("reply", key, text="Hello, Dana here. What would you like to know?")
    updates = queued_for_widget(replicas.b, sender)
    assert [(m["from"], m["text"]) for m in updates["messages"]] == [
        ("staff", "Hello, Dana here. What would you like to know?")]
    assert updates["handoff"] == "open"
    assert on_a.say("Can I drive home after it?")[0]["handoff"] == "active"
    wait_until(lambda: "Can I drive home after it?" in replicas.staff_a.patient_texts(key), what="the answer")

    replicas.staff_b.ok("hand-back", key)
    assert "migraine" in on_a.say_text("how long does it last?").lower()
    row = handoff_row(replicas, sender)
    assert (row["status"], row["assigned_to"]) == ("handed_back", "dana")
    assert row["picked_up_at"] > row["requested_at"]

    # A second patient's alert comes after the first's, and the first was sent only once.
    other = Patient(replicas.a, f"replica-other-{uuid.uuid4()}")
    other.say_text("I'd like to talk to someone from the clinic")
    wait_until(lambda: len(replicas.mail.messages) == alerts_before + 2, what="the second alert")
    assert len(replicas.mail.messages) == alerts_before + 2
    replicas.staff_a.ok("resolve", conversation_key(replicas.key_file, other.sender))


def test_an_sms_patient_through_the_twilio_fake(replicas):
    sms_a, sms_b = Sms(replicas.a), Sms(replicas.b)
    sender = sms_a.new_sender()
    key = conversation_key(replicas.key_file, sender)
    fake = replicas.fake

    assert sms_a.post(sms_a.message(sender, "Can I talk to a real person please?")).status_code == 200
    fake.wait_for("twilio", sender, lambda r: r.text == WAITING)
    assert sms_b.post(sms_b.message(sender, "It is about my sweating")).status_code == 200
    wait_until(lambda: "It is about my sweating" in replicas.staff_a.patient_texts(key), what="the SMS in the inbox")
    replicas.staff_b.ok("reply", key, text="Hi, this is Dana. Which hand or area is it?")
    staff_sms = fake.wait_for("twilio", sender, lambda r: "this is Dana" in r.text)
    assert staff_sms.text == "Dana (clinic staff): Hi, this is Dana. Which hand or area is it?"
    assert staff_sms.form["From"] and staff_sms.form["To"] == sender
    replicas.staff_a.ok("resolve", key)
    fake.wait_for("twilio", sender, lambda r: r.text.startswith("Our staff member has closed this chat."))
    assert sms_b.post(sms_b.message(sender, "Does Botox help migraines?")).status_code == 200
    fake.wait_for("twilio", sender, lambda r: "migraine" in r.text.lower() and "Source:" in r.text)

    texts = [r.text for r in fake.received("twilio", sender)]
    assert len(texts) == 4, texts  # waiting, staff reply, closed, the answer: nothing for the SMS staff had
    assert handoff_row(replicas, sender)["status"] == "resolved"


def test_a_wait_nobody_picks_up_times_out_once_with_a_callback_offer(replicas):
    sender = f"replica-timeout-{uuid.uuid4()}"
    patient = Patient(replicas.a, sender)
    patient.say_text("Can I talk to a real person please?")
    timed_out = wait_until(lambda: queued_for_widget(replicas.b, sender)["messages"], timeout=90,
                           what="the time-out message")
    assert timed_out[0]["text"] == ("Sorry, no one from our staff is free to reply right now. "
                                    "You can ask us to call you back, or call +1 617-555-0142.")
    assert timed_out[0]["buttons"] == [{"title": "Ask for a call back", "payload": "/request_callback"}]
    assert patient.say_text("/request_callback") == "What name should the clinic use for this request?"
    assert len(queued_for_widget(replicas.a, sender)["messages"]) == 1, "both replicas checked; one acted"
    row = handoff_row(replicas, sender)
    assert row["status"] == "timed_out" and row["picked_up_at"] is None


def test_the_chatwoot_agent_bot(replicas):
    chatwoot = replicas.chatwoot
    conversation = str(uuid.uuid4().int % 10**6)
    webhook = {replica: f"{replica}/webhooks/chatwoot/webhook" for replica in (replicas.a, replicas.b)}

    def send(replica: str, payload: dict, **signing) -> int:
        body, headers = chatwoot.signed(payload, **signing)
        return requests.post(webhook[replica], data=body, headers=headers, timeout=30).status_code

    def bot_messages() -> List[str]:
        return chatwoot.messages_to(conversation)

    assert send(replicas.a, chatwoot.message_created(conversation, "Does Botox help migraines?")) == 200
    wait_until(lambda: any("migraine" in m.lower() for m in bot_messages()), what="the bot's answer")
    assert all(call.token == CHATWOOT_TOKEN for call in chatwoot.calls)

    # Hand-over: the bot says so and opens the conversation for Chatwoot's agents.
    assert send(replicas.b, chatwoot.message_created(conversation, "Can I talk to a real person please?")) == 200
    wait_until(lambda: chatwoot.status_changes(conversation) == ["open"], what="toggle_status open")
    assert bot_messages()[-1] == WAITING
    assert send(replicas.a, chatwoot.message_created(conversation, "hello? anyone?")) == 200  # agents have it
    assert send(replicas.a, chatwoot.message_created(conversation, "agent text", "outgoing")) == 200

    # The agents resolve it; the next message is the bot's again.
    assert send(replicas.b, chatwoot.conversation_resolved(conversation)) == 200
    assert send(replicas.a, chatwoot.message_created(conversation, "Does Botox help with sweating?")) == 200
    wait_until(lambda: any("sweat" in m.lower() for m in bot_messages()), what="the bot answers again")
    assert [("migraine" if "migraine" in m.lower() else "sweat" if "sweat" in m.lower() else m)
            for m in bot_messages()] == ["migraine", WAITING, "sweat"]

    # Forged calls are refused, and Chatwoot's conversations stay out of this inbox.
    assert send(replicas.a, chatwoot.message_created(conversation, "hi"), secret="guessed") == 403
    sender = f"chatwoot-1-{conversation}"
    inbox = replicas.staff_a.queue()
    listed = {h["conversation"] for h in inbox["handoffs"]} | {c["conversation"] for c in inbox["recent"]}
    assert conversation_key(replicas.key_file, sender) not in listed
