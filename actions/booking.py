"""Booking a consultation and requesting a callback: Rasa forms.

The forms collect the fields; the validators in actions/validation.py decide
what is acceptable; actions/storage.py saves a confirmed request. Nothing is
saved until the patient confirms the read-back summary.
"""
import logging
from abc import abstractmethod
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clinic_info import WEEKDAY_NAMES, as_title, join_words, now_utc, time_zone_name
from actions.digressions import answer_question
from actions.language import Action, FormValidationAction
from actions.storage import ContactRequest, StorageUnavailable, default_store
from actions.validation import (
    Invalid, contact_in_text, parse_contact, parse_name, parse_preferred_time, readable_contact,
)
from clinic.config import CONDITIONS, Clinic, Location, current_clinic, messages
from clinic.dates import SPANISH_WEEKDAYS, format_moment, format_time_range
from common.languages import conversation_language, without_accents

logger = logging.getLogger(__name__)

FAILURES_BEFORE_PHONE_OFFER = 2
FORM_SLOTS = ("patient_name", "contact", "contact_kind", "preferred_time",
              "contact_consent", "booking_confirmed", "booking_failures")
# Words that say which answer a patient wants to change at the read-back.
# Spanish ones are written without accents and looked for in the text without them.
CHANGE_KEYWORDS = {
    "patient_name": ("name", "nombre"),
    "contact": ("phone", "number", "e-mail", "email", "contact", "mobile",
                "telefono", "numero", "correo", "contacto", "celular"),
    "location": ("location", "office", "clinic", "place", "site", "sede", "clinica", "lugar", "oficina"),
    "preferred_time": ("time", "date", "day", "when", "morning", "afternoon",
                       "hora", "fecha", "dia", "cuando", "manana", "tarde"),
    "condition": ("condition", "reason", "about", "motivo", "condicion", "razon"),
}
YOUR_CONDITION = {"en": "your condition", "es": "su problema de salud"}
# "in {n} hours" for the booking form's earliest time.
HOURS_FROM_NOW = {"en": "{hours} hours from now", "es": "{hours} horas a partir de ahora"}


def wording(tracker: Tracker) -> Dict[Text, Any]:
    """The booking wording in the conversation's language."""
    return messages(conversation_language(tracker))["booking"]


def offered_locations(clinic: Clinic, tracker: Tracker) -> List[Location]:
    """The locations that treat the conversation's condition (all of them when none does)."""
    condition = tracker.get_slot("condition")
    return [l for l in clinic.locations if not condition or condition in l.treats] or list(clinic.locations)


def condition_name(condition: Optional[Text], tracker: Tracker) -> Text:
    language = conversation_language(tracker)
    return messages(language)["condition_names"].get(condition or "", YOUR_CONDITION[language])


def chosen_location(clinic: Clinic, tracker: Tracker) -> Optional[Location]:
    return clinic.location(tracker.get_slot("location"))


class ContactFieldsValidation(FormValidationAction):
    """Shared validation of the name, contact and consent answers."""

    @abstractmethod
    def name(self) -> Text:
        """Each form's validator names itself."""

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        # A question asked instead of an answer is answered, and the form's own
        # question is asked again (actions/digressions.py).
        if await answer_question(dispatcher, tracker, domain):
            requested = tracker.get_slot("requested_slot")
            return [SlotSet(requested, None)] if requested else []
        return await super().get_validation_events(dispatcher, tracker, domain)

    def reject(self, dispatcher: CollectingDispatcher, tracker: Tracker,
               slot: Text, reason: Text) -> Dict[Text, Any]:
        """Asks again with the reason; after repeated failures offers the phone."""
        failures = int(tracker.get_slot("booking_failures") or 0) + 1
        dispatcher.utter_message(text=reason)
        if failures >= FAILURES_BEFORE_PHONE_OFFER:
            dispatcher.utter_message(
                text=wording(tracker)["call_instead"].format(phone=current_clinic().phone))
        return {slot: None, "booking_failures": failures}

    async def extract_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        """A phone number or e-mail in the message that opened the form ("can someone
        call me back? my number is 617 555 0199") answers the contact question ahead."""
        if tracker.get_slot("requested_slot") or tracker.get_slot("contact"):
            return {}  # once the form asks, its own questions take the answers
        found = contact_in_text(tracker.latest_message.get("text") or "")
        return {"contact": found} if found else {}

    def validate_patient_name(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        name = parse_name(str(value or ""), conversation_language(tracker))
        if isinstance(name, Invalid):
            return self.reject(dispatcher, tracker, "patient_name", name.reason)
        return {"patient_name": name, "booking_failures": 0}

    def validate_contact(self, value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        contact = parse_contact(str(value or ""), language=conversation_language(tracker))
        if isinstance(contact, Invalid):
            return self.reject(dispatcher, tracker, "contact", contact.reason)
        kind, address = contact
        return {"contact": address, "contact_kind": kind, "booking_failures": 0}

    def validate_contact_consent(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is True:
            return {"contact_consent": True}
        if value is False:
            dispatcher.utter_message(text=wording(tracker)["consent_needed"])
        else:  # typed text that is neither yes nor no (e.g. a phone number)
            dispatcher.utter_message(text=wording(tracker)["yes_or_no_please"])
        return {"contact_consent": None}


class ValidateConsultationForm(ContactFieldsValidation):
    def name(self) -> Text:
        return "validate_consultation_form"

    def validate_condition(self, value: Any, dispatcher: CollectingDispatcher,
                           tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == "anxiety_depression":
            dispatcher.utter_message(text=wording(tracker)["not_offered"].format(
                condition=condition_name(value, tracker)))
            return {"condition": None}
        if value not in CONDITIONS:
            return self.reject(dispatcher, tracker, "condition", wording(tracker)["unknown_condition"])
        return {"condition": value, "booking_failures": 0}

    def validate_location(self, value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        clinic = current_clinic()
        location = clinic.location(value) or clinic.find_location(str(value or ""))
        if location is None:  # name the same locations as the buttons
            offered = [l.name for l in offered_locations(clinic, tracker)]
            key = "unknown_location_only_one" if len(offered) == 1 else "unknown_location"
            return self.reject(dispatcher, tracker, "location", wording(tracker)[key].format(
                locations=join_words(offered, conversation_language(tracker))))
        condition = tracker.get_slot("condition")
        if condition and condition not in location.treats:
            elsewhere = [l.name for l in clinic.locations if condition in l.treats]
            alternatives = (wording(tracker)["treated_at"].format(locations=join_words(elsewhere, conversation_language(tracker)))
                            if elsewhere else "")
            return self.reject(dispatcher, tracker, "location", wording(tracker)["not_treated_here"].format(
                location=location.name, condition=condition_name(condition, tracker),
                alternatives=alternatives).strip())
        return {"location": location.id, "booking_failures": 0}

    def validate_preferred_time(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        clinic = current_clinic()
        location = chosen_location(clinic, tracker)
        if location is None:  # asked before the location; ask for it first
            return {"preferred_time": None}
        moment = parse_preferred_time(str(value or ""), location.opening_hours(),
                                      clinic.booking.window(), now_utc(), conversation_language(tracker))
        if isinstance(moment, Invalid):
            return self.reject(dispatcher, tracker, "preferred_time", moment.reason)
        return {"preferred_time": moment.isoformat(), "booking_failures": 0}

    def validate_booking_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is True:
            return {"booking_confirmed": True}
        text = without_accents((tracker.latest_message.get("text") or "").lower())
        to_change = [slot for slot, words in CHANGE_KEYWORDS.items()
                     if any(word in text for word in words)]
        if not to_change:
            dispatcher.utter_message(text=wording(tracker)["ask_what_to_change"],
                                     buttons=wording(tracker)["change_options"])
            return {"booking_confirmed": None}
        changes: Dict[Text, Any] = {slot: None for slot in to_change}
        if "contact" in to_change:
            changes["contact_consent"] = None  # consent was given for the old contact
        return {**changes, "booking_confirmed": None}


class ValidateCallbackForm(ContactFieldsValidation):
    def name(self) -> Text:
        return "validate_callback_form"

    def validate_contact(self, value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = super().validate_contact(value, dispatcher, tracker, domain)
        if result.get("contact_kind") == "email":
            return self.reject(dispatcher, tracker, "contact",
                               wording(tracker)["callback_contact_must_be_phone"])
        return result


class AskQuestion(Action):
    """Asks a form question whose wording is in clinic/messages.yml."""

    message_key: Text

    @abstractmethod
    def name(self) -> Text:
        """The form asks through `action_ask_<slot>`."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=wording(tracker)[self.message_key])
        return []


class ActionAskPatientName(AskQuestion):
    message_key = "ask_patient_name"

    def name(self) -> Text:
        return "action_ask_patient_name"


class ActionAskContact(AskQuestion):
    message_key = "ask_contact"

    def name(self) -> Text:
        return "action_ask_contact"


class ActionAskCallbackFormContact(AskQuestion):
    message_key = "ask_callback_contact"

    def name(self) -> Text:
        return "action_ask_callback_form_contact"


class ActionAskCondition(Action):
    """Offers the conditions the clinic treats; a tap sends the name through NLU."""

    def name(self) -> Text:
        return "action_ask_condition"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        treated = {c for location in current_clinic().locations for c in location.treats}
        dispatcher.utter_message(
            text=wording(tracker)["ask_condition"],
            buttons=[{"title": as_title(condition_name(c, tracker)), "payload": condition_name(c, tracker)}
                     for c in CONDITIONS if c in treated],
        )
        return []


class ActionAskContactConsent(Action):
    def name(self) -> Text:
        return "action_ask_contact_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(
            text=wording(tracker)["ask_contact_consent"].format(
                clinic=current_clinic().name, contact=readable_contact(tracker.get_slot("contact"))),
            buttons=[{"title": wording(tracker)["yes_button"], "payload": "/affirm"},
                     {"title": wording(tracker)["no_button"], "payload": "/deny"}],
        )
        return []


class ActionAskLocation(Action):
    """Offers the clinic's locations as buttons (they come from clinic.yml)."""

    def name(self) -> Text:
        return "action_ask_location"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(
            text=wording(tracker)["ask_location"],
            buttons=[{"title": l.name, "payload": l.name} for l in offered_locations(current_clinic(), tracker)],
        )
        return []


class ActionAskPreferredTime(Action):
    """Asks for a time, with that location's hours and the booking window."""

    def name(self) -> Text:
        return "action_ask_preferred_time"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        clinic = current_clinic()
        language = conversation_language(tracker)
        location = chosen_location(clinic, tracker) or clinic.locations[0]
        day_names = SPANISH_WEEKDAYS if language == "es" else WEEKDAY_NAMES
        # One day a line: a week of hours in one sentence is hard to read.
        regular_hours = "\n".join(
            f"{day[:3]} " + ", ".join(format_time_range(opens, closes, language) for opens, closes in intervals)
            for day, intervals in zip(day_names, location.hours.by_weekday().values())
            if intervals
        )
        dispatcher.utter_message(text=wording(tracker)["ask_preferred_time"].format(
            location=location.name, hours=regular_hours,
            earliest=HOURS_FROM_NOW[language].format(hours=clinic.booking.min_lead_hours),
            max_days=clinic.booking.max_days_ahead,
        ))
        return []


class ActionAskBookingConfirmed(Action):
    """Reads the request back before anything is saved."""

    def name(self) -> Text:
        return "action_ask_booking_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        clinic = current_clinic()
        location = chosen_location(clinic, tracker)
        moment = datetime.fromisoformat(tracker.get_slot("preferred_time"))
        text = wording(tracker)["summary"].format(
            name=tracker.get_slot("patient_name"),
            contact=readable_contact(tracker.get_slot("contact")),
            condition=condition_name(tracker.get_slot("condition"), tracker),
            location=location.name if location else "",
            time=f"{format_moment(moment, language=conversation_language(tracker))}"
                 + (f" ({time_zone_name(location, conversation_language(tracker))})" if location else ""),
        )
        dispatcher.utter_message(text=text, buttons=[
            {"title": wording(tracker)["confirm_button"], "payload": "/affirm"},
            {"title": wording(tracker)["change_button"], "payload": "change something"},
            {"title": wording(tracker)["cancel_button"], "payload": "/stop"},
        ])
        return []


def save_and_reply(dispatcher: CollectingDispatcher, tracker: Tracker, request: ContactRequest,
                   reply: Text, **details: Any) -> List[EventType]:
    """Saves the request; on failure says honestly that nothing was sent."""
    clinic = current_clinic()
    try:
        reference = default_store().save_request(request)
    except StorageUnavailable:
        logger.error("A %s request could not be saved", request.kind)
        dispatcher.utter_message(text=wording(tracker)["not_saved"].format(
            clinic=clinic.name, phone=clinic.phone))
    else:
        dispatcher.utter_message(text=wording(tracker)[reply].format(reference=reference, **details))
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ActionSubmitBooking(Action):
    def name(self) -> Text:
        return "action_submit_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        request = ContactRequest(
            kind="consultation",
            name=tracker.get_slot("patient_name"),
            contact=tracker.get_slot("contact"),
            contact_kind=tracker.get_slot("contact_kind"),
            consent=tracker.get_slot("contact_consent") is True,
            sender_id=tracker.sender_id,
            condition=tracker.get_slot("condition"),
            location_id=tracker.get_slot("location"),
            preferred_time=datetime.fromisoformat(tracker.get_slot("preferred_time")),
        )
        return save_and_reply(dispatcher, tracker, request, "saved", name=request.name)


class ActionSubmitCallback(Action):
    def name(self) -> Text:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        request = ContactRequest(
            kind="callback",
            name=tracker.get_slot("patient_name"),
            contact=tracker.get_slot("contact"),
            contact_kind="phone",
            consent=tracker.get_slot("contact_consent") is True,
            sender_id=tracker.sender_id,
            condition=tracker.get_slot("condition"),
            location_id=tracker.get_slot("location"),
        )
        return save_and_reply(dispatcher, tracker, request, "callback_saved",
                              name=request.name, contact=readable_contact(request.contact))
