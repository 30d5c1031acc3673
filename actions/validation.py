"""Validators for the consultation-booking form: name, contact, preferred time.

Pure functions with no Rasa imports, so the form actions can call them and the
tests can exercise them with fixed clocks. A failed check returns ``Invalid``
with a reason written for the patient; anything else is the cleaned value.

Requested times are read in the location's own time zone and checked against
its opening hours (clinic/hours.py).

Every function takes the conversation's language ("en" or "es"): the reasons are
worded in clinic/messages.yml (messages_es.yml), `validation:`, and a requested
time is read as English or Spanish ("el martes que viene a las 10").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Optional

import phonenumbers
from dateparser.date import DateDataParser
from email_validator import EmailNotValidError, validate_email

from clinic.config import messages
from clinic.dates import SPANISH_WEEKDAYS, format_day, format_moment, format_time
from clinic.hours import (
    BookingWindow, OpeningHours, as_utc, describe_hours_for_day, holiday_name, is_open_at, next_opening,
    to_local,
)


@dataclass(frozen=True)
class Invalid:
    """A validation failure with a reason a patient can read."""

    reason: str


def invalid(language: str, key: str, **values: object) -> Invalid:
    """The reason worded under `validation.<key>` in the language's messages file."""
    return Invalid(messages(language)["validation"][key].format(**values))


# --------------------------------------------------------------------------- name

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 80
# Punctuation that shows up in real names: O'Neil, Mary-Jane, Jr., "Smith, Anne".
NAME_PUNCTUATION = set(" '’-.,")

_EMAIL_LIKE = re.compile(r"\S+@\S+")
_URL_LIKE = re.compile(r"(?i)\b(?:https?://|www\.)|\b[\w-]+\.(?:com|org|net|io|gov|edu)\b")
# Rasa payloads typed into the chat: "/inform{...}", "/greet".
_PAYLOAD_LIKE = re.compile(r"^/\w|[{}\[\]<>]")


def parse_name(text: str, language: str = "en") -> str | Invalid:
    """A patient's name, trimmed and with inner runs of spaces collapsed."""
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in text.strip()):
        # Checked before trimming away whitespace so an inner newline or a
        # zero-width character is caught, while a trailing newline is not.
        return invalid(language, "name_hidden_characters")
    name = " ".join(text.split())
    if not name:
        return invalid(language, "name_missing")
    if _PAYLOAD_LIKE.search(name):
        return invalid(language, "name_not_a_name")
    if _EMAIL_LIKE.search(name):
        return invalid(language, "name_is_email")
    if _URL_LIKE.search(name):
        return invalid(language, "name_is_web_address")
    if not any(char.isalpha() for char in name):
        return invalid(language, "name_no_letters")
    if len(name) < NAME_MIN_LENGTH:
        return invalid(language, "name_too_short")
    if len(name) > NAME_MAX_LENGTH:
        return invalid(language, "name_too_long", limit=NAME_MAX_LENGTH)
    # Letters and combining marks (any script), plus the punctuation above.
    if not all(unicodedata.category(char)[0] in "LM" or char in NAME_PUNCTUATION for char in name):
        return invalid(language, "name_characters")
    return name


# ------------------------------------------------------------------------ contact

PHONE_EXAMPLE = "617-555-0142"
# The key of the reason (messages.yml, validation:) for each kind of impossible number.
_PHONE_LENGTH_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "phone_incomplete",
    phonenumbers.ValidationResult.INVALID_LENGTH: "phone_incomplete",
    # e.g. "555-0142": dialable locally, but we need the area code to call back.
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "phone_incomplete",
    phonenumbers.ValidationResult.TOO_LONG: "phone_too_long",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "phone_country_code",
}


def parse_contact(text: str, default_region: str = "US", language: str = "en") -> tuple[str, str] | Invalid:
    """("email", normalized address) or ("phone", E.164 number)."""
    contact = text.strip()
    if not contact:
        return invalid(language, "contact_missing")
    if "@" in contact:
        return _parse_email(contact, language)
    if any(char.isdigit() for char in contact):
        return _parse_phone(contact, default_region, language)
    return invalid(language, "contact_not_phone_or_email", example=PHONE_EXAMPLE)


def contact_in_text(text: str, default_region: str = "US") -> str | None:
    """A phone number or e-mail address written inside a longer message ("call me back at
    617 555 0199, it's about my jaw"), as written, if it is a valid one."""
    candidates = [match.raw_string for match in phonenumbers.PhoneNumberMatcher(text, default_region)]
    candidates += [word.strip(".,;:!?()<>\"'") for word in text.split() if "@" in word]
    return next((candidate for candidate in candidates
                 if not isinstance(parse_contact(candidate, default_region), Invalid)), None)


def _parse_email(text: str, language: str) -> tuple[str, str] | Invalid:
    try:
        # No DNS look-ups: the form must answer instantly and work offline.
        address = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        # email-validator's messages are written for people, in English; the
        # Spanish wording may leave {detail} out.
        return invalid(language, "email_invalid", detail=error)
    return ("email", address.normalized)


# How a phone region's code is said in a language other than English ("US" reads
# as English in a Spanish sentence); any other code is said as it is.
REGION_NAMES = {"es": {"US": "EE. UU."}}


def _parse_phone(text: str, default_region: str, language: str) -> tuple[str, str] | Invalid:
    wording = messages(language)["validation"]

    def reason(key: str, then: str = "") -> Invalid:
        return Invalid(" ".join(part for part in (wording[key].format(example=PHONE_EXAMPLE), then) if part))

    # phonenumbers would read letters as a vanity keypad ("555-CALL"); in a
    # booking form letters in a phone number are far more likely a typo.
    if any(char.isalpha() for char in text):
        return reason("phone_letters")
    region = REGION_NAMES.get(language, {}).get(default_region, default_region)
    abroad_hint = wording["phone_abroad_hint"].format(region=region)
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            return reason("phone_country_code", wording["phone_check_after_plus"])
        return reason("phone_unreadable")
    possibility = phonenumbers.is_possible_number_with_reason(number)
    if possibility in _PHONE_LENGTH_REASONS:
        return reason(_PHONE_LENGTH_REASONS[possibility], abroad_hint)
    if not phonenumbers.is_valid_number(number):
        return reason("phone_does_not_exist", abroad_hint)
    return ("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def readable_contact(contact: str, default_region: str = "US") -> str:
    """A stored contact as a patient reads it back: a phone in the clinic's country as
    it is dialled there ("(617) 555-0123"), one abroad with its country code
    ("+44 20 7946 0958"); an e-mail address as it is."""
    if not (contact or "").startswith("+"):
        return contact
    try:
        number = phonenumbers.parse(contact)
    except phonenumbers.NumberParseException:
        return contact
    national = phonenumbers.region_code_for_number(number) == default_region
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL if national
                                      else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# ----------------------------------------------------------------- preferred time

UNREADABLE_TIME = messages("en")["validation"]["time_unreadable"]
MAX_TIME_TEXT_LENGTH = 200   # dateparser gets slow on long text, and nobody needs more

# How a reason names a part of the day: "We're not open on Saturday afternoon",
# "No abrimos el sábado por la tarde".
PART_OF_DAY_WORDS = {
    "en": {"morning": "morning", "afternoon": "afternoon", "evening": "evening"},
    "es": {"morning": "por la mañana", "afternoon": "por la tarde", "evening": "por la noche"},
}
# dateparser has no notion of parts of the day; these are the times we assume.
PART_OF_DAY_DEFAULTS = {"morning": time(9, 0), "afternoon": time(14, 0), "evening": time(17, 0)}

# "this afternoon" -> today; "in the morning" / "morning" -> just the day.
_PART_OF_DAY = re.compile(r"(?i)\b(?:(this)\s+|in\s+the\s+)?(morning|afternoon|evening)\b")
# dateparser 1.2.0 returns None for "next Tuesday" / "this Tuesday"; a bare
# weekday plus PREFER_DATES_FROM="future" already means the coming one.
_WEEKDAY_QUALIFIER = re.compile(r"(?i)\b(?:next|this|coming)\s+(?=(?:mon|tue|wed|thu|fri|sat|sun)\w*\b)")
# dateparser reads "Tuesday at 9" as September and silently drops the "at 3" of
# "tomorrow at 3" (and knows no "o'clock"); "at 9:00" it reads fine (24-hour clock).
# "at 3" names no AM/PM and dateparser reads it as 03:00; nobody books a clinic
# visit between 1 and 6 in the morning, so such an hour means the afternoon.
_MERIDIEM = re.compile(r"(?i)\d\s*[ap]\.?m\b|\b(?:noon|midnight|morning)\b|\b\d{2}:\d{2}\b")
_BARE_HOUR = re.compile(r"(?i)\bat\s+(\d{1,2})(?:\s*o['’]?clock\b)?(?![\d:.]|\s*[ap]\.?m\b)")
# For relative dates dateparser reports period "time" only if the stated time
# differs from the base's time of day, so "tomorrow at 10am" said at exactly
# 10:00 would look time-less. Times read from text never have microseconds;
# a base that does makes every stated time differ from it.
_BASE_MICROSECOND = 1
# Relative offsets such as "in 3 hours" come back from dateparser with
# period "day", but they do pin down a time.
_RELATIVE_TIME_UNIT = re.compile(r"(?i)\b(?:hours?|hrs?|minutes?|mins?)\b")
# The text names a time of day. If dateparser then reports no time, it has
# ignored part of what the patient wrote ("tomorrow at 25pm").
_TIME_MENTION = re.compile(r"(?i)\d\s*[ap]\.?m\b|\d:\d|\bnoon\b|\bmidnight\b|\bat\s+\d|\bo['’]?clock\b")

# Spanish: dateparser 1.2.0 reads "martes 10:00" and "15 de diciembre 11:30", but
# not "el martes que viene a las 10", "el próximo martes" or "a las 3 de la tarde".
_ES_WEEKDAY = r"(?:lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)"
# "por la mañana", "en la tarde", "de la noche", "esta tarde" (a bare "mañana" is tomorrow).
_ES_PART_OF_DAY = re.compile(r"(?i)\b(?:(esta)\s+|(?:por|en|de)\s+la\s+)(ma[nñ]ana|tarde|noche)\b")
_ES_PARTS = {"manana": "morning", "mañana": "morning", "tarde": "afternoon", "noche": "evening"}
# "el próximo martes", "este martes", "el martes que viene": the coming one.
_ES_WEEKDAY_QUALIFIER = re.compile(
    rf"(?i)\b(?:el\s+)?(?:pr[oó]ximo|este|siguiente)\s+(?={_ES_WEEKDAY}\b)|(?<=\w)\s+(?:que\s+viene|pr[oó]ximo)\b")
_ES_ARTICLE = re.compile(rf"(?i)\b(?:para\s+)?el\s+(?={_ES_WEEKDAY}\b|\d)")
_ES_BARE_HOUR = re.compile(r"(?i)\ba\s+las?\s+(\d{1,2})(?![\d:.])")   # "a las 10" -> "10:00"
_ES_AT = re.compile(r"(?i)\ba\s+las?\s+(?=\d)")                        # "a las 10:30" -> "10:30"
_ES_MERIDIEM = re.compile(r"(?i)\d\s*[ap]\.?\s?m\b|\b(?:mediod[ií]a|medianoche)\b")


def _spanish_for_dateparser(text: str) -> tuple[str, Optional[str]]:
    """ "el viernes a las 3 de la tarde" -> ("viernes 3:00", "afternoon")."""
    part_of_day = None
    match = _ES_PART_OF_DAY.search(text)
    if match:
        part_of_day = _ES_PARTS[match.group(2).lower()]
        text = _ES_PART_OF_DAY.sub("hoy" if match.group(1) else "", text, count=1)
    text = _ES_WEEKDAY_QUALIFIER.sub("", text)
    text = _ES_ARTICLE.sub("", text)
    text = _ES_BARE_HOUR.sub(r"\1:00", text)
    text = _ES_AT.sub("", text)
    return " ".join(text.split()), part_of_day


@dataclass(frozen=True)
class _ParsedRequest:
    moment: datetime            # aware, in the location's zone
    part_of_day: Optional[str] = None  # "morning" etc. if its default time was used
    bare_day: bool = False      # no time given: moment's time is a stand-in


def parse_preferred_time(text: str, hours: OpeningHours, window: BookingWindow,
                         now: datetime, language: str = "en") -> datetime | Invalid:
    """The appointment start the patient asked for, in the location's time zone."""
    now_local = to_local(hours, now)
    request = _read_requested_time(text, hours, now_local, language)
    if request is None:
        return invalid(language, "time_unreadable")
    moment = request.moment
    today = now_local.date()

    def day(value: datetime) -> str:
        return format_day(value, today, language)

    if as_utc(moment) < as_utc(now):
        stand_in_time = request.bare_day and moment.date() < today
        when = day(moment.date()) if stand_in_time else format_moment(moment, today, language)
        return invalid(language, "time_in_past", when=when)

    earliest = _earliest_bookable(hours, window, now)
    if as_utc(moment) < as_utc(earliest.raw):
        return invalid(language, "time_too_soon", notice=_notice(window.min_lead_hours, language),
                       earliest=format_moment(earliest.bookable, today, language))

    last_day = today + timedelta(days=window.max_days_ahead)
    if moment.date() > last_day:
        key = "time_too_far_one_day" if window.max_days_ahead == 1 else "time_too_far"
        return invalid(language, key, days=window.max_days_ahead, last_day=day(last_day))

    if moment.date() in hours.holidays:
        return invalid(language, "time_holiday", day=day(moment.date()),
                       holiday=holiday_name(hours, moment.date(), language))

    if not is_open_at(hours, moment):
        weekday = (SPANISH_WEEKDAYS[moment.weekday()] if language == "es" else moment.strftime("%A"))
        if not hours.intervals_on(moment.date()):
            return invalid(language, "time_closed_weekday", weekdays=_plural_weekday(weekday))
        opening_hours = describe_hours_for_day(hours, moment.date(), language)
        if request.part_of_day:
            part_of_day = PART_OF_DAY_WORDS[language][request.part_of_day]
            return invalid(language, "time_part_of_day_closed", weekday=weekday, part_of_day=part_of_day,
                           time=format_time(moment.time(), language), hours=opening_hours)
        return invalid(language, "time_outside_hours", time=format_time(moment.time(), language),
                       day=day(moment.date()), hours=opening_hours)

    return moment


def _read_requested_time(text: str, hours: OpeningHours, now_local: datetime,
                         language: str = "en") -> Optional[_ParsedRequest]:
    """Natural-language date/time -> aware local datetime, or None if unreadable."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > MAX_TIME_TEXT_LENGTH:
        return None

    part_of_day = None
    if language == "es":
        cleaned, part_of_day = _spanish_for_dateparser(cleaned)
        meridiem = _ES_MERIDIEM
    else:
        match = _PART_OF_DAY.search(cleaned)
        if match:
            part_of_day = match.group(2).lower()
            cleaned = _PART_OF_DAY.sub("today" if match.group(1) else "", cleaned, count=1)
        cleaned = _WEEKDAY_QUALIFIER.sub("", cleaned)
        cleaned = _BARE_HOUR.sub(r"at \1:00", cleaned)
        meridiem = _MERIDIEM
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        return None

    parser = DateDataParser(languages=[language], settings={
        "TIMEZONE": hours.timezone,
        # No TO_TIMEZONE, although it would be the same zone: for relative dates
        # ("tomorrow at 10am") dateparser 1.2.0 stamps the result with the
        # base's UTC offset and then converts, so across a DST change the wall
        # time moves by an hour (10:00 -> 11:00). Without it the wall time is
        # right (only the offset is stale) and we attach the zone ourselves.
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        # dateparser wants a naive base, read as wall time in TIMEZONE. Using
        # the location's local "now" keeps "tomorrow" on the clinic's calendar
        # even when UTC (or the server) is already on the next day.
        "RELATIVE_BASE": now_local.replace(tzinfo=None, microsecond=_BASE_MICROSECOND),
        # Tells us whether the text carried a time of day ("time") or only a
        # date ("day"/"week"/...), which dateparser fills with the base's time.
        "RETURN_TIME_AS_PERIOD": True,
    })
    parsed = parser.get_date_data(cleaned)
    if parsed.date_obj is None:
        return None

    # Wall time as the patient meant it; rebuilt with zoneinfo (see TO_TIMEZONE).
    wall_time = parsed.date_obj.replace(tzinfo=None)
    if wall_time.microsecond == _BASE_MICROSECOND:
        # Offset from the base ("in 3 hours"): restore now's own sub-second part.
        wall_time = wall_time.replace(microsecond=now_local.microsecond)
    has_time = parsed.period == "time" or bool(_RELATIVE_TIME_UNIT.search(cleaned))
    if not has_time and _TIME_MENTION.search(cleaned):
        return None

    if has_time:
        if part_of_day in ("afternoon", "evening") and wall_time.hour < 12:
            wall_time += timedelta(hours=12)  # "tomorrow evening at 6" means 6 PM
        elif 1 <= wall_time.hour <= 6 and not part_of_day and not meridiem.search(text):
            wall_time += timedelta(hours=12)  # "Tuesday at 3" means 3 PM
        return _ParsedRequest(_round_up_to_minute(wall_time).replace(tzinfo=hours.zone))

    day = wall_time.date()
    if part_of_day:
        return _ParsedRequest(datetime.combine(day, PART_OF_DAY_DEFAULTS[part_of_day], tzinfo=hours.zone),
                              part_of_day=part_of_day)
    # A bare day ("tomorrow", "monday"): the location's opening time that day.
    # Holidays still get their weekday's opening time, so the holiday check can
    # name the holiday. On a day that is always closed there is no opening time;
    # the day's last minute keeps the past/lead-time checks from firing for a day
    # that is still reachable, and the patient hears that we're closed that day.
    weekly_intervals = sorted(hours.weekly.get(day.weekday()) or [])
    start = weekly_intervals[0][0] if weekly_intervals else time(23, 59)
    return _ParsedRequest(datetime.combine(day, start, tzinfo=hours.zone), bare_day=True)


def _round_up_to_minute(moment: datetime) -> datetime:
    # "in 3 hours" inherits the base's seconds; a booking starts on a minute.
    if moment.second or moment.microsecond:
        return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


@dataclass(frozen=True)
class _Earliest:
    raw: datetime        # now + lead time; anything earlier is too soon
    bookable: datetime   # the first whole minute from `raw` when the location is open


def _earliest_bookable(hours: OpeningHours, window: BookingWindow, now: datetime) -> _Earliest:
    # Lead time is elapsed hours, so add it in UTC: across a DST change the
    # local wall clock moves by 23 or 25 hours in a day.
    raw = (as_utc(now) + timedelta(hours=window.min_lead_hours)).astimezone(hours.zone)
    # Name a whole minute the patient can actually type back and have accepted.
    first_minute = _round_up_to_minute(raw)
    if is_open_at(hours, first_minute):
        return _Earliest(raw, first_minute)
    return _Earliest(raw, next_opening(hours, first_minute) or first_minute)


# -------------------------------------------------------------------- wording

def _notice(lead_hours: int, language: str) -> str:
    wording = messages(language)["validation"]
    return wording["notice_one_hour"] if lead_hours == 1 else wording["notice_hours"].format(hours=lead_hours)


def _plural_weekday(weekday: str) -> str:
    """ "Sunday" -> "Sundays", "domingo" -> "domingos"; Spanish "lunes" to "viernes"
    are the same in the plural."""
    return weekday if weekday.endswith("s") else f"{weekday}s"
