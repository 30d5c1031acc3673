"""Validators for the consultation-booking form: name, contact, preferred time.

Pure functions with no Rasa imports, so the form actions can call them and the
tests can exercise them with fixed clocks. A failed check returns ``Invalid``
with a reason written for the patient; anything else is the cleaned value.

Requested times are read in the location's own time zone and checked against
its opening hours (clinic/hours.py).
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

from clinic.dates import format_day, format_moment, format_time
from clinic.hours import (
    BookingWindow, OpeningHours, as_utc, describe_hours_for_day, is_open_at, next_opening, to_local,
)


@dataclass(frozen=True)
class Invalid:
    """A validation failure with a reason a patient can read."""

    reason: str


# --------------------------------------------------------------------------- name

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 80
# Punctuation that shows up in real names: O'Neil, Mary-Jane, Jr., "Smith, Anne".
NAME_PUNCTUATION = set(" '’-.,")

_EMAIL_LIKE = re.compile(r"\S+@\S+")
_URL_LIKE = re.compile(r"(?i)\b(?:https?://|www\.)|\b[\w-]+\.(?:com|org|net|io|gov|edu)\b")
# Rasa payloads typed into the chat: "/inform{...}", "/greet".
_PAYLOAD_LIKE = re.compile(r"^/\w|[{}\[\]<>]")


def parse_name(text: str) -> str | Invalid:
    """A patient's name, trimmed and with inner runs of spaces collapsed."""
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in text.strip()):
        # Checked before trimming away whitespace so an inner newline or a
        # zero-width character is caught, while a trailing newline is not.
        return Invalid("Your name seems to contain hidden characters. Please type it again.")
    name = " ".join(text.split())
    if not name:
        return Invalid("I didn't catch your name. What name should the booking be under?")
    if _PAYLOAD_LIKE.search(name):
        return Invalid("That doesn't look like a name. Please type your full name, e.g. Jane Smith.")
    if _EMAIL_LIKE.search(name):
        return Invalid("That looks like an e-mail address. I'll ask for contact details next; "
                       "for now, what's your name?")
    if _URL_LIKE.search(name):
        return Invalid("That looks like a web address. Please type your full name, e.g. Jane Smith.")
    if not any(char.isalpha() for char in name):
        return Invalid("A name needs letters. Please type your full name, e.g. Jane Smith.")
    if len(name) < NAME_MIN_LENGTH:
        return Invalid("That name is a bit short. Please type your full name, e.g. Jane Smith.")
    if len(name) > NAME_MAX_LENGTH:
        return Invalid(f"That name is too long (at most {NAME_MAX_LENGTH} characters). "
                       "Please type just your name.")
    # Letters and combining marks (any script), plus the punctuation above.
    if not all(unicodedata.category(char)[0] in "LM" or char in NAME_PUNCTUATION for char in name):
        return Invalid("Please use only letters, spaces, hyphens and apostrophes in your name.")
    return name


# ------------------------------------------------------------------------ contact

PHONE_EXAMPLE = "617-555-0142"
_INCOMPLETE_PHONE = (f"That phone number doesn't look complete. "
                     f"Please include the area code, e.g. {PHONE_EXAMPLE}.")
_PHONE_LENGTH_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: _INCOMPLETE_PHONE,
    phonenumbers.ValidationResult.INVALID_LENGTH: _INCOMPLETE_PHONE,
    # e.g. "555-0142": dialable locally, but we need the area code to call back.
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: _INCOMPLETE_PHONE,
    phonenumbers.ValidationResult.TOO_LONG:
        "That phone number has too many digits.",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        "I don't recognise the country code of that phone number.",
}


def parse_contact(text: str, default_region: str = "US") -> tuple[str, str] | Invalid:
    """("email", normalized address) or ("phone", E.164 number)."""
    contact = text.strip()
    if not contact:
        return Invalid("Please give a phone number or an e-mail address we can reach you on.")
    if "@" in contact:
        return _parse_email(contact)
    if any(char.isdigit() for char in contact):
        return _parse_phone(contact, default_region)
    return Invalid("That doesn't look like a phone number or an e-mail address. "
                   f"Please give one, e.g. {PHONE_EXAMPLE} or jane@example.com.")


def _parse_email(text: str) -> tuple[str, str] | Invalid:
    try:
        # No DNS look-ups: the form must answer instantly and work offline.
        address = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        # email-validator's messages are already written for people.
        return Invalid(f"That e-mail address doesn't look right: {error} "
                       "Please check it, e.g. jane@example.com.")
    return ("email", address.normalized)


def _parse_phone(text: str, default_region: str) -> tuple[str, str] | Invalid:
    # phonenumbers would read letters as a vanity keypad ("555-CALL"); in a
    # booking form letters in a phone number are far more likely a typo.
    if any(char.isalpha() for char in text):
        return Invalid("A phone number should contain only digits (spaces, dashes, brackets "
                       f"and a leading + are fine), e.g. {PHONE_EXAMPLE}.")
    abroad_hint = (f" If it isn't a {default_region} number, start with + and the country code, "
                   "e.g. +44 20 7946 0958.")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            return Invalid(_PHONE_LENGTH_REASONS[phonenumbers.ValidationResult.INVALID_COUNTRY_CODE]
                           + " Please check the digits after the +.")
        return Invalid(f"That doesn't look like a phone number. Please type it like {PHONE_EXAMPLE}.")
    possibility = phonenumbers.is_possible_number_with_reason(number)
    if possibility in _PHONE_LENGTH_REASONS:
        return Invalid(_PHONE_LENGTH_REASONS[possibility] + abroad_hint)
    if not phonenumbers.is_valid_number(number):
        return Invalid("That phone number doesn't seem to exist. Please check the digits." + abroad_hint)
    return ("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# ----------------------------------------------------------------- preferred time

UNREADABLE_TIME = "I couldn't read that as a date and time. Try something like 'next Tuesday at 10am'."
MAX_TIME_TEXT_LENGTH = 200   # dateparser gets slow on long text, and nobody needs more

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


@dataclass(frozen=True)
class _ParsedRequest:
    moment: datetime            # aware, in the location's zone
    part_of_day: Optional[str] = None  # "morning" etc. if its default time was used
    bare_day: bool = False      # no time given: moment's time is a stand-in


def parse_preferred_time(text: str, hours: OpeningHours, window: BookingWindow,
                         now: datetime) -> datetime | Invalid:
    """The appointment start the patient asked for, in the location's time zone."""
    now_local = to_local(hours, now)
    request = _read_requested_time(text, hours, now_local)
    if request is None:
        return Invalid(UNREADABLE_TIME)
    moment = request.moment
    today = now_local.date()

    if as_utc(moment) < as_utc(now):
        stand_in_time = request.bare_day and moment.date() < today
        when = format_day(moment.date(), today) if stand_in_time else format_moment(moment, today)
        return Invalid(f"{when} is in the past. Please choose a time from now on.")

    earliest = _earliest_bookable(hours, window, now)
    if as_utc(moment) < as_utc(earliest.raw):
        return Invalid(f"We need at least {_notice(window.min_lead_hours)} to book. "
                       f"The earliest we can book is {format_moment(earliest.bookable, today)}.")

    last_day = today + timedelta(days=window.max_days_ahead)
    if moment.date() > last_day:
        return Invalid(f"We can only book up to {_plural(window.max_days_ahead, 'day')} ahead, "
                       f"so until {format_day(last_day, today)}. Please pick an earlier date.")

    if moment.date() in hours.holidays:
        return Invalid(f"We're closed on {format_day(moment.date(), today)} for "
                       f"{hours.holidays[moment.date()]}. Please pick another day.")

    if not is_open_at(hours, moment):
        day_name = moment.strftime("%A")
        if not hours.intervals_on(moment.date()):
            return Invalid(f"We're closed on {day_name}s. Please pick another day.")
        opening_hours = describe_hours_for_day(hours, moment.date())
        if request.part_of_day:
            return Invalid(f"We're not open on {day_name} {request.part_of_day} "
                           f"({format_time(moment.time())}). That day our hours are {opening_hours}. "
                           "Please pick a time within them.")
        return Invalid(f"{format_time(moment.time())} is outside our opening hours on "
                       f"{format_day(moment.date(), today)}, which are {opening_hours}. "
                       "Please pick a time within them.")

    return moment


def _read_requested_time(text: str, hours: OpeningHours, now_local: datetime) -> Optional[_ParsedRequest]:
    """Natural-language date/time -> aware local datetime, or None if unreadable."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > MAX_TIME_TEXT_LENGTH:
        return None

    part_of_day = None
    match = _PART_OF_DAY.search(cleaned)
    if match:
        part_of_day = match.group(2).lower()
        cleaned = _PART_OF_DAY.sub("today" if match.group(1) else "", cleaned, count=1)
    cleaned = _WEEKDAY_QUALIFIER.sub("", cleaned)
    cleaned = _BARE_HOUR.sub(r"at \1:00", cleaned)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        return None

    parser = DateDataParser(languages=["en"], settings={
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
        elif 1 <= wall_time.hour <= 6 and not part_of_day and not _MERIDIEM.search(text):
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

def _notice(lead_hours: int) -> str:
    return "1 hour's notice" if lead_hours == 1 else f"{lead_hours} hours' notice"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
