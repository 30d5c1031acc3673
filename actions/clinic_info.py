"""Actions that answer from the clinic's own details (clinic/clinic.yml).

The wording lives in clinic/messages.yml; these actions only pick the facts.
Opening hours are always computed in each location's own time zone.
"""
import re
from abc import ABC, abstractmethod
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text

import dateparser.search
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import Action
from clinic.config import Clinic, Location, current_clinic, in_language, messages
from clinic.dates import format_day, format_moment, format_time
from common.languages import LANGUAGE_SLOT, conversation_language, known_language, language_or_default
from common.text import fold
from clinic.hours import closing_time_today, describe_hours_for_day, is_open_at, next_opening

NAMES_A_DAY = re.compile(
    r"(?i)\b(mon|tue|wed|thu|fri|sat|sun|tomorrow|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
    # Spanish: lunes ... domingo, mañana, enero ... diciembre (with or without accents)
    r"|lun|mart|mi[eé]r|jue|vie|s[aá]b|dom|ma[nñ]ana|ene|abr|ago|dic)|\d"
)
# dateparser reads "Saturday" and "sábado" but not "Saturdays" or "los sábados".
PLURAL_WEEKDAY = re.compile(r"(?i)\b((?:mon|tues|wednes|thurs|fri|satur|sun)day|s[aá]bado|domingo)s\b")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def chosen_locations(clinic: Clinic, tracker: Tracker) -> List[Location]:
    location = clinic.location(tracker.get_slot("location"))
    return [location] if location else list(clinic.locations)


def location_buttons(clinic: Clinic, intent: Text) -> List[Dict[Text, Text]]:
    return [
        {"title": location.name, "payload": f'/{intent}{{"location": "{location.id}"}}'}
        for location in clinic.locations
    ]


def open_state(location: Location, moment: datetime, language: Text = "en") -> Text:
    """"X is open now, until 5:00 PM today." or when it next opens."""
    hours = location.opening_hours()
    wording = messages(language)["hours"]
    if is_open_at(hours, moment):
        return wording["open_now"].format(
            location=location.name, closes_at=format_time(closing_time_today(hours, moment), language)
        )
    opening = next_opening(hours, moment)
    if opening is None:
        return wording["closed_now_no_opening"].format(location=location.name)
    return wording["closed_now"].format(
        location=location.name,
        next_opening=format_moment(opening, language=language),
    )


def asked_day(text: Text, location: Location, moment: datetime,
              language: Text = "en") -> Optional[datetime]:
    """The day a patient asks about ("are you open Saturday?", "¿abren el sábado?"),
    if any, in local time."""
    local_now = moment.astimezone(location.zone)
    found = dateparser.search.search_dates(
        PLURAL_WEEKDAY.sub(r"\1", text or ""),
        languages=[language],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    # dateparser's search is eager ("hours" can read as a date); keep only
    # phrases that name a day: a weekday, tomorrow, a month or a number.
    for phrase, found_date in found or []:
        if NAMES_A_DAY.search(phrase):
            return found_date
    return None


def session_language(tracker: Tracker) -> Text:
    """The language a new session starts in: the one the channel says the patient
    reads (the widget's page or its current language, metadata "language"), else
    the previous session's, else English."""
    metadata = tracker.get_slot("session_started_metadata") or {}
    from_channel = known_language(metadata.get("language")) if isinstance(metadata, dict) else None
    return from_channel or language_or_default(tracker.get_slot(LANGUAGE_SLOT))


class ActionSessionStart(Action):
    """Starts each conversation with the clinic's contact details in slots, and
    in the patient's language.

    Responses such as utter_clinic_contact quote them, so the clinic's phone
    number lives in one file rather than in the answers' text.
    """

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic = current_clinic()
        # Rasa 3.6 needs both session events from a custom session start, even
        # though it logs them as "disallowed"; without them every first message
        # falls back.
        return [
            SessionStarted(),
            SlotSet("clinic_name", clinic.name),
            SlotSet("clinic_phone", clinic.phone),
            SlotSet("clinic_email", clinic.email),
            SlotSet(LANGUAGE_SLOT, session_language(tracker)),
            ActionExecuted("action_listen"),
        ]


class ClinicDetailsAction(Action, ABC):
    """Hours, address or phone. A patient often asks for two of them at once ("what are
    your hours and where are you?"), and the message gets one intent, so each of these
    actions also answers the others the message asks about."""

    asked: "re.Pattern[str]"  # the words that ask for this answer, in folded text

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: Dict[Text, Any]) -> List[EventType]:
        """This action's own answer."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events = await self.answer(dispatcher, tracker, domain)
        text = fold(tracker.latest_message.get("text") or "")
        for other in (ActionClinicHours(), ActionClinicLocation(), ActionClinicContact()):
            if other.name() != self.name() and other.asked.search(text):
                events += await other.answer(dispatcher, tracker, domain)
        return events


class ActionClinicHours(ClinicDetailsAction):
    """Open now? Closing time today? Open on a named day? Holidays included."""

    asked = re.compile(r"\b(?:hours?|open|opens|opening|close|closes|closing|what time|horarios?|"
                       r"abren|abre|abierto|abiertos|cierran|cierra|a que hora|atienden)\b")

    def name(self) -> Text:
        return "action_clinic_hours"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: Dict[Text, Any]) -> List[EventType]:
        clinic, moment = current_clinic(), now_utc()
        text = tracker.latest_message.get("text") or ""
        language = conversation_language(tracker)
        wording = messages(language)["hours"]
        locations = chosen_locations(clinic, tracker)
        days = [asked_day(text, location, moment, language) for location in locations]
        lines = []
        for location, day in zip(locations, days):
            if day is None:
                lines.append(open_state(location, moment, language))
            else:
                lines.append(wording["day"].format(
                    location=location.name, day=format_day(day, language=language),
                    hours=describe_hours_for_day(location.opening_hours(), day.date(), language),
                ))
        if len(locations) == 1 and days[0] is None:
            lines.append(self.week(locations[0], moment, language))
        dispatcher.utter_message(text="\n".join(lines))
        return []

    @staticmethod
    def week(location: Location, moment: datetime, language: Text = "en") -> Text:
        hours = location.opening_hours()
        today = moment.astimezone(location.zone).date()
        week = [today + timedelta(days=offset) for offset in range(7)]
        rows = [f"{format_day(day, language=language)}: {describe_hours_for_day(hours, day, language)}"
                for day in week]
        heading = messages(language)["hours"]["week_heading"].format(
            location=location.name, timezone=time_zone_name(location, language))
        return "\n".join([heading, *rows])


def time_zone_name(location: Location, language: Text = "en") -> Text:
    """'Eastern Time' / 'hora del Este' for America/New_York (clinic/messages*.yml)."""
    names = messages(language)["hours"].get("time_zones") or {}
    return names.get(location.timezone, location.timezone)


class ActionClinicLocation(ClinicDetailsAction):
    """Address, directions and parking; asks which location when there are several."""

    asked = re.compile(r"\b(?:where|address|located|directions|parking|how (?:do i|to|can i) get there|"
                       r"donde|direccion|ubicad[oa]s?|ubicacion|como llego|estacionamiento)\b")

    def name(self) -> Text:
        return "action_clinic_location"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: Dict[Text, Any]) -> List[EventType]:
        clinic = current_clinic()
        language = conversation_language(tracker)
        wording = messages(language)["location"]
        locations = chosen_locations(clinic, tracker)
        if len(locations) == 1:
            location = locations[0]
            dispatcher.utter_message(text=wording["details"].format(
                location=location.name, address=location.address,
                directions=in_language(location.directions, language),
                parking=in_language(location.parking, language),
            ))
            return [SlotSet("location", location.id)]
        summary = [wording["summary"].format(location=l.name, address=l.address) for l in locations]
        question = wording["ask_which"].format(count=len(locations))
        dispatcher.utter_message(
            text="\n".join([*summary, question]),
            buttons=location_buttons(clinic, "ask_location"),
        )
        return []


class ActionClinicContact(ClinicDetailsAction):
    """Phone and e-mail: the chosen location's, or the main line and every location's."""

    asked = re.compile(r"\b(?:phone|phone number|call you|e-?mail|contact|telefono|numero de telefono|"
                       r"llamarles|correo|contacto)\b")

    def name(self) -> Text:
        return "action_clinic_contact"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: Dict[Text, Any]) -> List[EventType]:
        clinic = current_clinic()
        wording = messages(conversation_language(tracker))["contact"]
        lines = []
        if not tracker.get_slot("location"):
            lines.append(wording["main"].format(clinic=clinic.name, phone=clinic.phone,
                                                email=clinic.email))
        lines += [wording["location"].format(location=l.name, phone=l.phone, email=l.email)
                  for l in chosen_locations(clinic, tracker)]
        dispatcher.utter_message(text="\n".join(lines))
        return []


class ActionWhoTreats(Action):
    """Which practitioners and locations treat the condition in the conversation."""

    def name(self) -> Text:
        return "action_who_treats"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic = current_clinic()
        wording = messages(conversation_language(tracker))["who_treats"]
        names = messages(conversation_language(tracker))["condition_names"]
        condition = tracker.get_slot("condition")
        if condition not in names:
            dispatcher.utter_message(
                text=wording["ask_condition"],
                buttons=[{"title": as_title(title), "payload": f'/ask_who_treats{{"condition": "{key}"}}'}
                         for key, title in names.items() if key != "anxiety_depression"],
            )
            return []
        if condition == "anxiety_depression":
            dispatcher.utter_message(text=wording["not_offered_for_anxiety"])
            return []
        locations = [l for l in clinic.locations if condition in l.treats]
        practitioners = [
            p for p in clinic.practitioners
            if condition in p.treats and any(l.id in p.locations for l in locations)
        ]
        if not locations or not practitioners:
            dispatcher.utter_message(text=wording["nobody"].format(
                clinic=clinic.name, condition=names[condition]))
            return []
        dispatcher.utter_message(text=wording["answer"].format(
            condition=names[condition],
            practitioners="\n".join(f"- {p.name} ({in_language(p.role, conversation_language(tracker))})"
                                    for p in practitioners),
            locations=join_words([l.name for l in locations], conversation_language(tracker)),
        ))
        return []


class ActionInsurancePlans(Action):
    """The plans the clinic accepts; coverage itself is always confirmed by staff.

    Nothing for a use the clinic does not offer (anxiety or depression): the
    answer before this one already said there is no coverage to check."""

    def name(self) -> Text:
        return "action_insurance_plans"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic = current_clinic()
        condition = tracker.get_slot("condition")
        if condition and not any(condition in location.treats for location in clinic.locations):
            return []
        language = conversation_language(tracker)
        wording = messages(language)["insurance"]
        note = in_language(clinic.insurance_note, language)
        if clinic.insurance_plans:
            plans = "\n".join(f"- {plan}" for plan in clinic.insurance_plans)
            text = wording["plans"].format(clinic=clinic.name, plans=plans, note=note)
        else:
            text = wording["no_plans"].format(note=note, phone=clinic.phone)
        dispatcher.utter_message(text=text.strip())
        return []


class ActionBareAnswer(Action):
    """A bare answer when nothing was asked ("9-10", "weeks pregnancy"). A location's name
    ("Cambridge", typed rather than tapped after "Which one would you like to know
    about?") gets that location's details; anything else asks for more."""

    def name(self) -> Text:
        return "action_bare_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if next(tracker.get_latest_entity_values("location"), None) is None:
            dispatcher.utter_message(response="utter_unclear")
            return []
        # The location slot is filled from the entity (domain.yml) before this runs.
        return await ActionClinicLocation().answer(dispatcher, tracker, domain)


class ActionConsultationFee(Action):
    """Only the fee the clinic file lists; never an invented price."""

    def name(self) -> Text:
        return "action_consultation_fee"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic = current_clinic()
        language = conversation_language(tracker)
        wording = messages(language)["fees"]
        fee = clinic.consultation_fee
        if fee is None:
            text = wording["not_listed"].format(phone=clinic.phone)
        else:
            amount = f"{fee.amount:,.2f}".removesuffix(".00")
            text = wording["listed"].format(amount=f"{amount} {fee.currency}",
                                           note=in_language(fee.note, language))
        dispatcher.utter_message(text=text.strip())
        return []


class ActionTalkToPerson(Action):
    """The phone number, whether staff are there now, and a callback offer."""

    def name(self) -> Text:
        return "action_talk_to_person"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic, moment = current_clinic(), now_utc()
        language = conversation_language(tracker)
        wording = messages(language)["talk_to_person"]
        location = chosen_locations(clinic, tracker)[0]
        hours = location.opening_hours()
        phone = location.phone if tracker.get_slot("location") else clinic.phone
        if is_open_at(hours, moment):
            text = wording["open"].format(phone=phone, location=location.name,
                                          closes_at=format_time(closing_time_today(hours, moment), language))
        else:
            opening = next_opening(hours, moment)
            when = format_moment(opening, language=language) if opening else SOON[language]
            text = wording["closed"].format(phone=phone, location=location.name, next_opening=when)
        dispatcher.utter_message(
            text=text, buttons=[{"title": wording["callback_button"], "payload": "/request_callback"}]
        )
        return []


def as_title(name: Text) -> Text:
    """A condition name as a button title: first letter capitalised, "TMJ" kept."""
    return name[:1].upper() + name[1:]


AND = {"en": "and", "es": "y"}
SOON = {"en": "soon", "es": "pronto"}


def join_words(items: List[Text], language: Text = "en") -> Text:
    """["a", "b", "c"] -> "a, b and c" ("a, b y c")."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {AND[language]} " + items[-1]
