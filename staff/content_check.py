"""Reading level and SMS length of every patient-facing text.

    python -m staff.content_check     # grade distribution, the hardest texts, SMS segment counts

Reading level: the Flesch-Kincaid grade from textstat 0.7.13, with syllables
counted by Pyphen's en_US hyphenation dictionary. (textstat's default English
counter needs NLTK's CMU dictionary, which is not installed and which textstat
would try to download; Pyphen's is in the lock file and gives the same result on
every machine.) A text is read as the patient sees it: bold markers removed,
placeholders filled with the sample clinic's details, an e-mail or web address
counted as one short word, and a line break ends a sentence. Buttons are read
together, as the choices under their message.

SMS: each domain.yml answer as the Twilio channel sends it (connectors/twilio.py):
its "Source: ..." line, its buttons as numbered options, bold removed, for every
variation Rasa can choose on the "twilio" channel. Segments follow the GSM-7 /
UCS-2 rules: 160 GSM-7 characters (extension characters such as [ ] { } ^ ~ | \\
and the euro sign count double) or 70 UCS-2 code units fit in one message;
longer texts are split into segments of 153 or 67. One character outside GSM-7
(a curly quote, an en dash) makes the whole text UCS-2.
"""
import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import product
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple


from common.paths import ROOT
from common import yaml_files

DOMAIN_FILE = ROOT / "domain.yml"
MESSAGES_FILE = ROOT / "clinic" / "messages.yml"
WIDGET_FILE = ROOT / "web" / "widget.js"

SMS_CHANNEL = "twilio"  # connectors/twilio.py's output channel name, which Rasa matches `channel:` against

# ---------------------------------------------------------------------------
# Reading level
# ---------------------------------------------------------------------------
# "en-US" rather than textstat's "en_US": textstat 0.7.13 looks English words up in
# NLTK's CMU dictionary only for a language whose root is exactly "en", and uses
# Pyphen for any other; Pyphen reads "en-US" as its en_US dictionary.
TEXTSTAT_LANGUAGE = "en-US"
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
# An address is read as a whole, not word by word: measured as one short word.
_ADDRESS = re.compile(r"\S+@\S+\.\w+|https?://\S+")


@lru_cache(maxsize=1)
def _textstat():
    # An instance of our own: textstat's module-level one has one language for the
    # whole process, and the English and Spanish checks run in the same one.
    from textstat.textstat import textstatistics

    measure = textstatistics()
    measure.set_lang(TEXTSTAT_LANGUAGE)
    return measure


def as_read(text: str) -> str:
    """The text as a reader meets it: no bold markers, and each line its own sentence."""
    text = _ADDRESS.sub("address", _BOLD.sub(r"\1", text))
    lines = [line.strip(" -") for line in text.splitlines()]
    return " ".join(line if line[-1] in ".!?:" else line + "." for line in lines if line)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade (textstat 0.7.13, Pyphen syllables)."""
    return round(_textstat().flesch_kincaid_grade(as_read(text)), 1)


@dataclass(frozen=True)
class PatientText:
    name: str  # where it lives, e.g. 'utter_migraine[default]' or 'messages.yml booking.saved'
    kind: str  # "message" (a whole text) or "options" (the buttons a patient chooses from)
    text: str  # as the patient reads it (placeholders filled)


# Button and option titles are read together, as the choices under one message
# (SMS lists them as numbered lines): a lone two-word label has no meaningful
# Flesch-Kincaid grade (textstat itself ignores "sentences" of two words or less).
def options_text(titles: List[str]) -> str:
    return "\n".join(titles)


def load_yaml(path) -> Any:
    return yaml_files.safe_load(path.read_text(encoding="utf-8"))


def variation_label(name: str, variation: Dict[str, Any]) -> str:
    """'utter_side_effects[condition=tmj, channel=twilio]': stable when variations move."""
    parts = [f"{c['name']}={c['value']}" for c in variation.get("condition") or []]
    if variation.get("channel"):
        parts.append(f"channel={variation['channel']}")
    return f"{name}[{', '.join(parts) or 'default'}]"


@lru_cache(maxsize=1)
def sample_values() -> Dict[str, str]:
    """What the placeholders in responses and clinic/messages.yml stand for, from the
    sample clinic, so a text is measured as a patient would read it."""
    from actions.clinic_info import join_words
    from clinic.config import current_clinic, in_language

    clinic = current_clinic()
    first = clinic.locations[0]
    fee = clinic.consultation_fee
    return {
        # Slots filled at session start (domain.yml responses)
        "clinic_name": clinic.name, "clinic_phone": clinic.phone, "clinic_email": clinic.email,
        # clinic/messages.yml
        "clinic": clinic.name, "phone": first.phone, "email": first.email,
        "location": first.name, "locations": join_words([l.name for l in clinic.locations]),
        "address": first.address, "directions": in_language(first.directions, "en"),
        "parking": in_language(first.parking, "en"),
        "count": str(len(clinic.locations)), "timezone": first.timezone,
        "closes_at": "5:00 PM", "next_opening": "Thursday, Dec 3 at 9:00 AM",
        "day": "Saturday, Dec 5", "hours": "9:00 AM to 12:30 PM",
        "practitioners": "\n".join(f"- {p.name} ({in_language(p.role, 'en')})"
                                    for p in clinic.practitioners[:2]),
        "plans": "\n".join(f"- {plan}" for plan in clinic.insurance_plans), "note": in_language(clinic.insurance_note, "en"),
        "amount": f"{fee.amount:g} {fee.currency}" if fee else "150 USD",
        "limit": "2000", "retention_days": str(clinic.privacy.retention_days),
        "contact": "617-555-0142", "name": "Jane Smith", "reference": "HV-7K3QF2",
        "earliest": "Thursday, Dec 3 at 9:00 AM", "max_days": str(clinic.booking.max_days_ahead),
        "time": "Thursday, Dec 3 at 10:00 AM", "alternatives": f"It is treated at {first.name}.",
    }


def fill_placeholders(text: str, values: Dict[str, str]) -> str:
    """{name} placeholders filled from values; unknown ones are left as they are."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def fill(text: str, **values: str) -> str:
    return fill_placeholders(text, {**sample_values(), **values})


def domain_texts() -> Iterator[PatientText]:
    return response_texts(load_yaml(DOMAIN_FILE)["responses"], fill)


def response_texts(responses: Dict[str, List[Dict[str, Any]]],
                   fill: Callable[..., str]) -> Iterator[PatientText]:
    """Every response variation, and its buttons read together (either language)."""
    for name, variations in responses.items():
        for variation in variations:
            label = variation_label(name, variation)
            if variation.get("text"):
                yield PatientText(label, "message", fill(variation["text"]))
            titles = [fill(button["title"]) for button in variation.get("buttons") or []]
            if titles:
                yield PatientText(f"{label} buttons", "options", options_text(titles))


def message_texts() -> Iterator[PatientText]:
    """clinic/messages.yml: each message filled in (once per condition name where it
    names one); the labels under one key read together as options."""
    from clinic.config import current_clinic, in_language

    fee = current_clinic().consultation_fee
    section_values = {"fees": {"note": in_language(fee.note, "en") if fee else ""}}  # {note} is the fee's here
    return wording_texts(load_yaml(MESSAGES_FILE), "messages.yml", fill, section_values)


def wording_texts(wording: Dict[str, Any], file_label: str, fill: Callable[..., str],
                  section_values: Optional[Dict[str, Dict[str, str]]] = None) -> Iterator[PatientText]:
    """A clinic messages file (either language), as message_texts describes."""
    section_values = section_values or {}
    condition_names = list((wording.get("condition_names") or {}).values())
    time_zone_names = (wording.get("hours") or {}).get("time_zones") or {}
    yield PatientText(f"{file_label} condition_names", "options",
                      options_text([name.capitalize() for name in condition_names]))
    for section, entries in wording.items():
        if section == "condition_names" or not isinstance(entries, dict):
            continue
        labels = []
        for key, value in entries.items():
            name = f"{file_label} {section}.{key}"
            if isinstance(value, dict):  # names measured inside the texts that use them (time zones)
                continue
            if isinstance(value, list):  # options: {title, payload}
                yield PatientText(name, "options", options_text([fill(o["title"]) for o in value]))
            elif key.endswith("_button"):
                labels.append(fill(value))
            elif "{condition}" in value:
                for condition in condition_names:
                    yield PatientText(f"{name} ({condition})", "message", fill(value, condition=condition))
            elif "{timezone}" in value:
                for zone in sorted(set(time_zone_names.values())):
                    yield PatientText(f"{name} ({zone})", "message", fill(value, timezone=zone))
            else:
                yield PatientText(name, "message", fill(value, **section_values.get(section, {})))
        if labels:
            yield PatientText(f"{file_label} {section} buttons", "options", options_text(labels))


# The widget's labels (its TEXT table); the others are sentences it shows.
WIDGET_LABELS = {"bubble", "close", "clear", "logLabel", "inputLabel", "placeholder", "send",
                 "you", "bot", "newTab", "repliesLabel", "retry"}


def widget_texts() -> Iterator[PatientText]:
    """The chat widget's own wording (the TEXT table in web/widget.js)."""
    source = WIDGET_FILE.read_text(encoding="utf-8")
    table = re.search(r"var TEXT = \{(.*?)\n\s*\};", source, re.DOTALL)
    entries = re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', table.group(1) if table else "")
    labels = [text.strip() for key, text in entries if key in WIDGET_LABELS]
    yield PatientText("widget.js labels", "options", options_text(labels))
    for key, text in entries:
        if key not in WIDGET_LABELS:
            yield PatientText(f"widget.js TEXT.{key}", "message", text)


# A fixed moment for the actions' answers: Wednesday 2 Dec 2026, 10:00 in Boston.
SAMPLE_NOW = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ActionMessage:
    name: str  # the action and what it was asked, e.g. 'action_who_treats condition=tmj'
    text: str
    buttons: Tuple[str, ...] = ()


def action_messages(now: datetime = SAMPLE_NOW) -> List[ActionMessage]:
    """What the custom actions actually say (clinic answers, the booking form's
    questions and its reasons for asking again), run on the sample clinic with
    rasa_sdk trackers at a fixed time."""
    import asyncio
    from unittest import mock

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions import booking, clinic_info, validation
    from clinic.config import CONDITIONS, current_clinic

    clinic = current_clinic()
    locations = [location.id for location in clinic.locations]
    booked_time = (now + timedelta(days=8)).astimezone(clinic.locations[0].zone).replace(hour=10, minute=0)
    runs = [(clinic_info.ActionClinicHours(), text, {"location": location})
            for text in ("are you open now?", "are you open on Saturday?")
            for location in [None, *locations]]
    runs += [(action, "", {"location": location})
             for action in (clinic_info.ActionClinicLocation(), clinic_info.ActionClinicContact(),
                            clinic_info.ActionTalkToPerson(), booking.ActionAskPreferredTime())
             for location in [None, *locations]]
    runs += [(action, "", {"condition": condition})
             for action in (clinic_info.ActionWhoTreats(), clinic_info.ActionInsurancePlans(),
                            booking.ActionAskLocation())
             for condition in [None, *CONDITIONS]]
    runs += [(action, "", {}) for action in (
        clinic_info.ActionConsultationFee(), booking.ActionAskPatientName(), booking.ActionAskContact(),
        booking.ActionAskCallbackFormContact(), booking.ActionAskCondition())]
    runs.append((booking.ActionAskContactConsent(), "", {"contact": "+16175550142"}))
    runs += [(booking.ActionAskBookingConfirmed(), "", {
        "patient_name": "Jane Smith", "contact": "jane.smith@example.com", "condition": condition,
        "location": locations[0], "preferred_time": booked_time.isoformat()}) for condition in CONDITIONS]

    found: Dict[Tuple[str, str], ActionMessage] = {}
    with mock.patch.object(clinic_info, "now_utc", lambda: now), \
            mock.patch.object(booking, "now_utc", lambda: now):
        for action, text, slots in runs:
            dispatcher = CollectingDispatcher()
            tracker = Tracker("content-check", slots, {"text": text, "intent": {"name": "x"}, "entities": []},
                              [], False, None, {}, "action_listen")
            asyncio.run(action.run(dispatcher, tracker, {}))
            asked = " ".join(f"{k}={v}" for k, v in slots.items() if v) + (f" '{text}'" if text else "")
            for message in dispatcher.messages:
                titles = tuple(b["title"] for b in message.get("buttons") or [])
                answer = ActionMessage(f"{action.name()} {asked}".strip(), message.get("text") or "", titles)
                found.setdefault((answer.text, "\n".join(titles)), answer)

    hours, window = clinic.locations[0].opening_hours(), clinic.booking.window()
    local = now.astimezone(clinic.locations[0].zone)
    reasons = [("parse_name", validation.parse_name(typed)) for typed in
               ("", "a", "jane@example.com", "www.example.com", "1234", "Jane <b>", "J" * 200)]
    reasons += [("parse_contact", validation.parse_contact(typed)) for typed in
                ("", "call me", "jane@", "555", "+99 123", "617-555-01423333", "617-555-0100")]
    reasons += [("parse_preferred_time", validation.parse_preferred_time(typed, hours, window, now)) for typed in
                ("whenever", "yesterday at 10am", "in 2 hours", "in 6 months", "Sunday at 10am",
                 "next Monday at 7pm", "next Monday evening", (local + timedelta(days=24)).strftime("%B %d") + " at 10am")]
    for source, result in reasons:
        if isinstance(result, validation.Invalid):
            found.setdefault((result.reason, ""), ActionMessage(f"actions/validation.py {source}", result.reason))
    return list(found.values())


def action_texts() -> Iterator[PatientText]:
    from clinic.config import current_clinic

    location_names = {location.name for location in current_clinic().locations}
    for message in action_messages():
        if message.text:
            yield PatientText(message.name, "message", message.text)
        if message.buttons and not set(message.buttons) <= location_names:  # names are not read as words
            yield PatientText(f"{message.name} buttons", "options", options_text(list(message.buttons)))


def patient_texts() -> List[PatientText]:
    """Every patient-facing text: responses and their buttons, the clinic and form
    wording (as written, and as the actions say it), the widget's own words."""
    return [*domain_texts(), *message_texts(), *action_texts(), *widget_texts()]


# ---------------------------------------------------------------------------
# SMS segments
# ---------------------------------------------------------------------------
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")  # sent as ESC + character: two septets each
GSM7_SINGLE, GSM7_PART = 160, 153  # septets in one message / in each part of a split one
UCS2_SINGLE, UCS2_PART = 70, 67    # UTF-16 code units


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def non_gsm7_characters(text: str) -> List[str]:
    return sorted({char for char in text if char not in GSM7_BASIC and char not in GSM7_EXTENSION})


def sms_segments(body: str) -> int:
    """How many SMS segments `body` is sent as. A character's units (an extension
    character's two septets, a surrogate pair) are never split across segments."""
    if not body:
        return 1
    if is_gsm7(body):
        units = [2 if char in GSM7_EXTENSION else 1 for char in body]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        units = [len(char.encode("utf-16-le")) // 2 for char in body]
        single, part = UCS2_SINGLE, UCS2_PART
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for size in units:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


def sms_body(message: Dict[str, Any]) -> str:
    """A bot message as connectors/twilio.py sends it over SMS."""
    from connectors import formatting
    from connectors.provenance import with_source_line

    message = with_source_line(message)
    text = str(message.get("text") or "").strip()
    buttons = formatting.usable_buttons(message.get("buttons"))
    return formatting.plain_text(formatting.with_numbered_options(text, buttons))


def slot_combinations() -> List[Dict[str, Optional[str]]]:
    """Every combination of the slots that choose a response variation."""
    from clinic.config import CONDITIONS, current_clinic

    clinic = current_clinic()
    details = {"clinic_name": clinic.name, "clinic_phone": clinic.phone, "clinic_email": clinic.email}
    body_areas = list(load_yaml(ROOT / "spacy_pipeline" / "lexicon" / "conditions.yml")["body_area"])
    # The clinic's details are always set: action_session_start fills them first.
    return [{"condition": condition, "body_area": body_area, **details}
            for condition, body_area in product([None, *CONDITIONS], [None, *body_areas])]


@dataclass(frozen=True)
class SmsAnswer:
    name: str  # the variation, as variation_label() names it
    body: str  # as sent

    @property
    def segments(self) -> int:
        return sms_segments(self.body)


def sms_answers(channel: str = SMS_CHANNEL) -> List[SmsAnswer]:
    """Every response variation Rasa can choose on `channel`, as the Twilio channel sends it."""
    from rasa.core.nlg.generator import ResponseVariationFilter
    from rasa.core.nlg.interpolator import interpolate

    responses = load_yaml(DOMAIN_FILE)["responses"]
    chooser = ResponseVariationFilter(responses)
    answers: Dict[Tuple[str, str], SmsAnswer] = {}
    for name in responses:
        for slots in slot_combinations():
            for variation in chooser.responses_for_utter_action(name, channel, slots):
                message = {key: interpolate(value, slots) if key in ("text", "buttons") else value
                           for key, value in variation.items()}
                answer = SmsAnswer(variation_label(name, variation), sms_body(message))
                answers.setdefault((answer.name, answer.body), answer)
    return list(answers.values())


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def grade_band(grade: float) -> str:
    """'grade 7' for 6 < FK <= 7 (a grade level is reached once FK passes the one below)."""
    ceiling = max(int(-(-grade // 1)), 1)
    return "grade 1 or below" if ceiling <= 1 else f"grade {ceiling}"


def distribution(values: List[int]) -> Dict[int, int]:
    counts: Dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def main() -> None:
    texts = patient_texts()
    graded = [(reading_grade(t.text), t) for t in texts]
    answers = [grade for grade, t in graded if t.kind == "message"]
    medical_names = set(_medical_response_names())
    medical = [grade for grade, t in graded
               if t.kind == "message" and t.name.split("[")[0] in medical_names]
    print(f"Reading level (Flesch-Kincaid grade; textstat 0.7.13, Pyphen en_US syllables)")
    for label, grades in (("all texts", [g for g, _ in graded]), ("whole messages", answers),
                          ("medical answers", medical)):
        over = sum(1 for g in grades if g > 8)
        print(f"  {label}: {len(grades)}, median {statistics.median(grades):.1f}, "
              f"max {max(grades):.1f}, above grade 8: {over}")
    bands: Dict[str, int] = {}
    for grade in answers:
        band = grade_band(grade)
        bands[band] = bands.get(band, 0) + 1
    print("  whole messages by grade: " + ", ".join(
        f"{band}: {count}" for band, count in sorted(bands.items(), key=lambda b: (len(b[0]), b[0]))))
    print("  hardest whole messages:")
    for grade, text in sorted(((g, t) for g, t in graded if t.kind == "message"),
                              key=lambda pair: -pair[0])[:12]:
        print(f"    {grade:5.1f}  {text.name}")
    from_actions = [SmsAnswer(m.name, sms_body({"text": m.text, "buttons": [{"title": t, "payload": "/"}
                                                                         for t in m.buttons]}))
                    for m in action_messages()]
    for label, sms in (("domain.yml answers", sms_answers()), ("clinic and booking messages", from_actions)):
        segments = distribution([answer.segments for answer in sms])
        print(f"SMS, {label} as sent over Twilio ({len(sms)}): "
              + ", ".join(f"{n} segment{'s' if n > 1 else ''}: {count}" for n, count in segments.items())
              + f"; not GSM-7: {sum(1 for answer in sms if not is_gsm7(answer.body))}")
        for answer in sorted(sms, key=lambda a: -a.segments):
            if answer.segments > 3 or not is_gsm7(answer.body):
                print(f"    {answer.segments} segments{'' if is_gsm7(answer.body) else ' (UCS-2)'}: {answer.name}")


def _medical_response_names() -> List[str]:
    from staff.content_review import REVIEW_FILE, medical_responses

    return list(medical_responses(load_yaml(DOMAIN_FILE), load_yaml(REVIEW_FILE)))


if __name__ == "__main__":
    main()
