"""A question asked in the middle of a form: answered, then the form asks its
question again.

Rasa reads the form's answer from the patient's message, so "What are your
hours?" typed at "Shall I send it?" would be taken as the answer. The forms'
validators (actions/booking.py) first ask `answer_question`: when the message is
clearly a question the assistant answers elsewhere (a confident question intent,
worded as a question), it is answered here, with the same response or action
as outside the form, and the pending question is asked again. Answers to the
form's own question ("Back Bay" at "which location?", "migraines" at "what
condition?") are never treated as questions.
"""
import re
from typing import Dict, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clinic_info

# Below this confidence a message is read as an answer to the form's question.
MIN_CONFIDENCE = 0.6
# A question mark anywhere ("y eso duele? ella le tiene miedo a las agujas"), or a
# question word first, in English or Spanish.
LOOKS_LIKE_A_QUESTION = re.compile(
    r"[?¿]|^\s*(?:and |also |sorry,? |wait,? |btw,? |but |y |tambien |también |perdon,? |perdón,? )?"
    r"(?:can|could|does|do|did|is|are|was|will|would|should|how|what|what's|whats|when|where|who|why|"
    r"which|am|any|tell me|que|qué|como|cómo|cuanto|cuánto|cuanta|cuánta|cuantos|cuántos|cuantas|cuántas|"
    r"cuando|cuándo|donde|dónde|quien|quién|cual|cuál|puedo|puede|pueden|duele|hay)\b", re.I)

# What answers a question outside the forms (data/rules.yml): responses, then actions.
ANSWERS: Dict[Text, Tuple[Text, ...]] = {
    **{intent: (f"utter_{intent[len('ask_'):]}",) for intent in (
        "ask_migraine", "ask_sweating", "ask_tmj", "ask_eye_twitching", "ask_facial_spasm",
        "ask_strabismus", "ask_bells_palsy", "ask_anxiety_depression", "ask_what_is_botox",
        "ask_how_it_works", "ask_medical_uses", "ask_duration", "ask_onset", "ask_frequency",
        "ask_pain", "ask_side_effects", "ask_contraindications", "ask_candidate", "ask_cosmetic",
        "ask_history", "ask_pregnancy", "ask_age", "ask_other_medicines", "ask_visit")},
    "ask_cost": ("utter_cost", "action_consultation_fee"),
    "ask_insurance": ("utter_insurance", "action_insurance_plans"),
    "ask_is_bot": ("utter_iamabot",),
    "ask_hours": ("action_clinic_hours",),
    "ask_location": ("action_clinic_location",),
    "ask_contact": ("action_clinic_contact",),
    "ask_who_treats": ("action_who_treats",),
}
CONDITION_INTENTS = {"ask_migraine", "ask_sweating", "ask_tmj", "ask_eye_twitching",
                     "ask_facial_spasm", "ask_strabismus", "ask_bells_palsy", "ask_anxiety_depression"}
# Intents that are an answer, not a question, when the form asks for this slot.
ANSWERS_THE_SLOT = {"condition": CONDITION_INTENTS, "location": {"ask_location"}}

ACTIONS: Dict[Text, Action] = {action.name(): action for action in (
    clinic_info.ActionClinicHours(), clinic_info.ActionClinicLocation(),
    clinic_info.ActionClinicContact(), clinic_info.ActionWhoTreats(),
    clinic_info.ActionConsultationFee(), clinic_info.ActionInsurancePlans())}


def question_intent(tracker: Tracker, requested_slot: Optional[Text]) -> Optional[Text]:
    """The intent of a question the latest message asks, if it clearly asks one."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name not in ANSWERS or confidence < MIN_CONFIDENCE:
        return None
    if name in ANSWERS_THE_SLOT.get(requested_slot or "", ()):
        return None
    return name if LOOKS_LIKE_A_QUESTION.search(message.get("text") or "") else None


async def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> bool:
    """Answers the question the latest message asks (see above); False if it asks none."""
    intent = question_intent(tracker, tracker.get_slot("requested_slot"))
    if intent is None:
        return False
    for step in ANSWERS[intent]:
        if step in ACTIONS:
            await ACTIONS[step].run(dispatcher, tracker, domain)
        else:
            dispatcher.utter_message(response=step)
    return True
