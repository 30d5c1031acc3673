"""Questions asked in the middle of the booking and callback forms are answered,
then the pending question is asked again; an unexpected answer to a yes/no
question gets the question again with its buttons (on the shared stack)."""
import pytest
from rasa_sdk import Tracker

from actions.digressions import question_intent
from tests.booking import a_bookable_wednesday
from tests.servers import Patient

HOURS = "what are your opening hours?"
PAIN = "does it hurt?"
# Consultation form: (the answer that moves the form on, what the next question asks)
CONSULTATION = [
    ("I'd like to book a consultation", "What name should the clinic use"),
    ("Jane Doe", "What phone number or e-mail"),
    ("617-555-0199", "What is the visit about"),
    ("excessive sweating", "Which location would you prefer"),
    ("Back Bay", "When would suit you"),
    (a_bookable_wednesday(), "May Harbor View Medical Clinic contact you"),
    ("yes", "Shall I send it to the clinic?"),
]
CALLBACK = [
    ("can someone call me back?", "What name should the clinic use"),
    ("Lee Chen", "What phone number"),
    ("+1 617 555 0123", "May Harbor View Medical Clinic contact you"),
]


def tracker(text: str, intent: str, confidence: float, requested_slot: str) -> Tracker:
    return Tracker("s", {"requested_slot": requested_slot},
                   {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []},
                   [], False, None, {"name": "consultation_form"}, "action_listen")


@pytest.mark.unit
def test_only_a_confident_question_worded_as_one_is_a_digression():
    assert question_intent(tracker(HOURS, "ask_hours", 0.95, "patient_name"), "patient_name") == "ask_hours"
    # The question first, then more words; and in Spanish without a question mark.
    assert question_intent(tracker("y eso duele? ella le tiene miedo a las agujas", "ask_pain", 0.95, "contact"),
                           "contact") == "ask_pain"
    assert question_intent(tracker("cuánto dura el efecto", "ask_duration", 0.9, "contact"), "contact") == "ask_duration"
    assert question_intent(tracker("hours", "ask_hours", 0.95, "patient_name"), "patient_name") is None
    assert question_intent(tracker(HOURS, "ask_hours", 0.4, "patient_name"), "patient_name") is None
    assert question_intent(tracker("Jane Doe", "inform", 0.9, "patient_name"), "patient_name") is None
    # An answer to the form's own question is not a digression.
    assert question_intent(tracker("migraines?", "ask_migraine", 0.9, "condition"), "condition") is None
    assert question_intent(tracker("where is Back Bay?", "ask_location", 0.9, "location"), "location") is None


def walk_to(patient: Patient, steps, index: int) -> None:
    for text, asked in steps[:index + 1]:
        assert asked in patient.say_text(text), (text, asked)


@pytest.mark.e2e
@pytest.mark.parametrize("step", range(len(CONSULTATION)), ids=lambda i: CONSULTATION[i][1][:30])
def test_a_question_at_each_booking_question_is_answered_then_the_question_comes_back(stack, step):
    patient = stack.patient("digress")
    walk_to(patient, CONSULTATION, step)
    reply = patient.say_text(HOURS if step % 2 == 0 else PAIN)
    assert ("open" in reply.lower()) if step % 2 == 0 else ("pinch" in reply.lower() or "pain" in reply.lower())
    assert CONSULTATION[step][1] in reply, reply


@pytest.mark.e2e
@pytest.mark.parametrize("step", range(len(CALLBACK)), ids=lambda i: CALLBACK[i][1][:30])
def test_a_question_at_each_callback_question_is_answered_then_the_question_comes_back(stack, step):
    patient = stack.patient("digress-callback")
    walk_to(patient, CALLBACK, step)
    reply = patient.say_text(HOURS)
    assert "open" in reply.lower() and CALLBACK[step][1] in reply, reply


@pytest.mark.e2e
def test_an_unexpected_answer_to_yes_or_no_gets_the_question_again_with_its_buttons(stack):
    patient = stack.patient("yes-no")
    walk_to(patient, CALLBACK, 2)
    messages = patient.say("617-555-0124")  # a phone number instead of yes or no
    text = "\n".join(m.get("text") or "" for m in messages)
    assert "Please answer yes or no" in text
    assert "May Harbor View Medical Clinic contact you" in text
    buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert buttons == ["/affirm", "/deny"]
    assert "something went wrong" not in text
