"""Booking-form validators: names, contact details, preferred times, opening hours.

Every test uses a fixed `now`; none reads the wall clock.
"""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from zoneinfo import ZoneInfo

from actions.validation import (
    UNREADABLE_TIME,
    Invalid,
    contact_in_text,
    parse_contact,
    parse_name,
    parse_preferred_time,
)
from clinic.hours import (
    BookingWindow,
    OpeningHours,
    closing_time_today,
    describe_hours_for_day,
    is_open_at,
    next_opening,
)

pytestmark = pytest.mark.unit

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")

# Boston: weekdays 9-5, Saturday mornings, closed Sundays and on two holidays.
BOSTON = OpeningHours(
    timezone="America/New_York",
    weekly={**{weekday: [(time(9), time(17))] for weekday in range(5)}, 5: [(time(9), time(13))]},
    holidays={date(2024, 11, 28): "Thanksgiving", date(2024, 12, 25): {"en": "Christmas Day", "es": "Navidad"}},
)
# Los Angeles: weekdays with a lunch break, no holidays.
LOS_ANGELES_CLINIC = OpeningHours(
    timezone="America/Los_Angeles",
    weekly={weekday: [(time(8), time(12)), (time(13), time(18))] for weekday in range(5)},
    holidays={},
)
# Urgent care in New York, open every day, so DST-change Sundays are bookable.
URGENT_CARE = OpeningHours(
    timezone="America/New_York",
    weekly={weekday: [(time(8), time(20))] for weekday in range(7)},
    holidays={},
)
WINDOW = BookingWindow(min_lead_hours=2, max_days_ahead=60)

MONDAY_10AM = datetime(2024, 11, 25, 10, 0, tzinfo=NEW_YORK)   # Mon Nov 25 2024, Thanksgiving week
# 23:50 Monday in New York is already 04:50 Tuesday in UTC.
MONDAY_2350_NY_AS_UTC = datetime(2024, 11, 26, 4, 50, tzinfo=timezone.utc)


def local(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone)


def reason_of(result) -> str:
    assert isinstance(result, Invalid), f"expected Invalid, got {result!r}"
    return result.reason


# ---------------------------------------------------------------------------- names

@pytest.mark.parametrize("text, expected", [
    ("Jane Smith", "Jane Smith"),
    ("  Mary-Jane   O'Neil \n", "Mary-Jane O'Neil"),
    ("José Núñez", "José Núñez"),
    ("Dr. Anne Lee, Jr.", "Dr. Anne Lee, Jr."),
    ("李小龙", "李小龙"),
    ("Al", "Al"),
    ("a" * 80, "a" * 80),
])
def test_parse_name_accepts_real_names(text, expected):
    assert parse_name(text) == expected


@pytest.mark.parametrize("text, reason_part", [
    ("", "didn't catch"),
    ("   ", "didn't catch"),
    ("12345", "needs letters"),
    ("!!!", "needs letters"),
    ('/inform{"name": "x"}', "doesn't look like a name"),
    ("/greet", "doesn't look like a name"),
    ("jane@example.com", "e-mail"),
    ("https://example.com/jane", "web address"),
    ("www.jane.org", "web address"),
    ("J", "short"),
    ("a" * 81, "too long"),
    ("Jane\x00Smith", "hidden characters"),
    ("Jane\nSmith", "hidden characters"),
    ("Jane\u200bSmith", "hidden characters"),
    ("R2-D2", "only letters"),
])
def test_parse_name_rejects_non_names(text, reason_part):
    assert reason_part in reason_of(parse_name(text))


# -------------------------------------------------------------------------- contact

@pytest.mark.parametrize("text, region, expected", [
    ("617-555-0142", "US", "+16175550142"),
    ("(617) 555-0142", "US", "+16175550142"),
    (" +1 617 555 0142 ", "US", "+16175550142"),
    ("+44 20 7946 0958", "US", "+442079460958"),
    ("020 7946 0958", "GB", "+442079460958"),
])
def test_parse_contact_accepts_phone_numbers_as_e164(text, region, expected):
    assert parse_contact(text, default_region=region) == ("phone", expected)


@pytest.mark.parametrize("text, reason_part", [
    ("555-0142", "doesn't look complete. Please include the area code, e.g. 617-555-0142."),
    ("+1 555", "doesn't look complete"),
    ("12", "doesn't look complete"),
    ("617-ABC-0142", "only digits"),
    ("617-555-CALL", "only digits"),
    ("020 7946 0958", "start with + and the country code"),   # a UK number read as US
    ("+999 123 456 789", "country code"),
    ("6175550142123456", "too many digits"),
    ("+1 000 555 0142", "doesn't seem to exist"),
    ("call me maybe", "phone number or an e-mail"),
    ("", "phone number or an e-mail"),
])
def test_parse_contact_rejects_malformed_phone_numbers(text, reason_part):
    assert reason_part in reason_of(parse_contact(text))


@pytest.mark.parametrize("text, expected", [
    ("jane@example.com", "jane@example.com"),
    ("  John.Doe@Example.COM ", "John.Doe@example.com"),   # domain is case-insensitive
    ("mañana@example.org", "mañana@example.org"),
])
def test_parse_contact_accepts_and_normalizes_emails(text, expected):
    assert parse_contact(text) == ("email", expected)


@pytest.mark.parametrize("text", ["a@b", "john@@x.com", "john@example", "jo hn@example.com",
                                  "@example.com", "jane@example.invalid"])
def test_parse_contact_rejects_malformed_emails(text):
    reason = reason_of(parse_contact(text))
    assert reason.startswith("That e-mail address doesn't look right")
    assert "jane@example.com" in reason


# ------------------------------------------------------------------- preferred time

@pytest.mark.parametrize("text, expected", [
    ("next Tuesday morning", (2024, 11, 26, 9, 0)),
    ("tomorrow at 3pm", (2024, 11, 26, 15, 0)),
    ("Friday 10:30", (2024, 11, 29, 10, 30)),
    ("Dec 3 at 2pm", (2024, 12, 3, 14, 0)),
    ("in 2 days at noon", (2024, 11, 27, 12, 0)),
    ("tomorrow afternoon", (2024, 11, 26, 14, 0)),
    ("monday", (2024, 12, 2, 9, 0)),               # a weekday name means the coming one
    ("tomorrow", (2024, 11, 26, 9, 0)),            # bare day -> opening time
    ("Saturday", (2024, 11, 30, 9, 0)),
    ("this afternoon", (2024, 11, 25, 14, 0)),
    ("tomorrow in the morning", (2024, 11, 26, 9, 0)),
    ("tomorrow evening at 4", (2024, 11, 26, 16, 0)),  # evening makes the 4 PM
    ("Tuesday at 9", (2024, 11, 26, 9, 0)),        # dateparser alone reads "at 9" as September
    ("at 11 o'clock tomorrow", (2024, 11, 26, 11, 0)),
    ("in 3 hours", (2024, 11, 25, 13, 0)),
    ("12/3 at 2pm", (2024, 12, 3, 14, 0)),
    # Same time of day as `now`: dateparser alone reports no time for this.
    ("tomorrow at 10am", (2024, 11, 26, 10, 0)),
    ("in 1 day at 10am", (2024, 11, 26, 10, 0)),
])
def test_parse_preferred_time_understands_natural_language(text, expected):
    result = parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM)
    assert result == local(NEW_YORK, *expected)
    assert result.tzinfo.key == "America/New_York"


@pytest.mark.parametrize("text", ["", "blah", "morning", "tomorrow at 25pm", "tomorrow at 9.30",
                                  "asdf tomorrow", "tomorrow " * 40])
def test_unreadable_time(text):
    assert reason_of(parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM)) == UNREADABLE_TIME


def test_time_outside_opening_hours_gives_that_days_hours():
    reason = reason_of(parse_preferred_time("tomorrow at 7pm", BOSTON, WINDOW, MONDAY_10AM))
    assert "7:00 PM is outside our opening hours on Tuesday, Nov 26" in reason
    assert "9:00 AM to 5:00 PM" in reason


@pytest.mark.parametrize("text, expected", [
    ("tomorrow at 3", (2024, 11, 26, 15, 0)),      # no AM/PM in clinic hours: the afternoon
    ("Tuesday at 2 o'clock", (2024, 11, 26, 14, 0)),
    ("tomorrow at 10", (2024, 11, 26, 10, 0)),     # 7 to 12 stay in the morning
])
def test_hour_without_am_pm_is_read_as_clinic_hours(text, expected):
    assert parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM) == local(NEW_YORK, *expected)


@pytest.mark.parametrize("text", ["tomorrow at 3am", "tomorrow at 03:00"])
def test_explicit_early_morning_hour_is_kept_and_refused(text):
    reason = reason_of(parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM))
    assert "3:00 AM is outside our opening hours" in reason


@pytest.mark.parametrize("text, part_of_day, day_hours", [
    ("tomorrow evening", "Tuesday evening", "9:00 AM to 5:00 PM"),
    ("Saturday afternoon", "Saturday afternoon", "9:00 AM to 1:00 PM"),
])
def test_part_of_day_when_closed_says_so(text, part_of_day, day_hours):
    reason = reason_of(parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM))
    assert f"We're not open on {part_of_day}" in reason
    assert day_hours in reason


@pytest.mark.parametrize("text", ["Sunday", "Sunday at 10am", "Sunday morning"])
def test_closed_weekday(text):
    reason = reason_of(parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM))
    assert "closed on Sundays" in reason


@pytest.mark.parametrize("text", ["Thursday at 10am", "Thursday", "Nov 28 morning"])
def test_holiday_is_named(text):
    reason = reason_of(parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM))
    assert "closed on Thursday, Nov 28 for Thanksgiving" in reason


@pytest.mark.parametrize("text, shown_as", [
    ("yesterday at 3pm", "Sunday, Nov 24 at 3:00 PM"),
    ("yesterday", "Sunday, Nov 24"),
    ("today at 9am", "Monday, Nov 25 at 9:00 AM"),   # an hour ago
    ("Nov 20 2024 at 10am", "Wednesday, Nov 20 at 10:00 AM"),
])
def test_time_in_the_past(text, shown_as):
    reason = reason_of(parse_preferred_time(text, BOSTON, WINDOW, MONDAY_10AM))
    assert reason == f"{shown_as} is in the past. Please choose a time from now on."


def test_within_lead_time_names_earliest_bookable_time():
    reason = reason_of(parse_preferred_time("today at 11am", BOSTON, WINDOW, MONDAY_10AM))
    assert "at least 2 hours' notice" in reason
    assert "earliest we can book is Monday, Nov 25 at 12:00 PM" in reason
    # Exactly at the lead time is fine.
    assert parse_preferred_time("today at noon", BOSTON, WINDOW, MONDAY_10AM) == local(NEW_YORK, 2024, 11, 25, 12)


def test_earliest_bookable_time_is_a_whole_minute_that_is_accepted():
    now = local(NEW_YORK, 2024, 11, 25, 10, 0, 37)
    reason = reason_of(parse_preferred_time("today at 11am", BOSTON, WINDOW, now))
    assert "earliest we can book is Monday, Nov 25 at 12:01 PM" in reason
    assert "notice" in reason_of(parse_preferred_time("today at 12pm", BOSTON, WINDOW, now))
    assert parse_preferred_time("today at 12:01pm", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 11, 25, 12, 1)


def test_earliest_bookable_time_skips_to_next_opening():
    friday_4pm = local(NEW_YORK, 2024, 11, 29, 16, 0)
    reason = reason_of(parse_preferred_time("today at 4:30pm", BOSTON, WINDOW, friday_4pm))
    assert "earliest we can book is Saturday, Nov 30 at 9:00 AM" in reason


def test_beyond_booking_window():
    reason = reason_of(parse_preferred_time("Feb 28 at 10am", BOSTON, WINDOW, MONDAY_10AM))
    assert "up to 60 days ahead" in reason
    assert "until Friday, Jan 24, 2025" in reason
    # The last day of the window is itself bookable.
    assert parse_preferred_time("Jan 24 at 10am", BOSTON, WINDOW, MONDAY_10AM) == local(NEW_YORK, 2025, 1, 24, 10)


def test_rules_are_checked_in_order():
    # Christmas is beyond a 20-day window: the window is the reason, not the holiday.
    short_window = BookingWindow(min_lead_hours=2, max_days_ahead=20)
    assert "days ahead" in reason_of(parse_preferred_time("Dec 25 at 10am", BOSTON, short_window, MONDAY_10AM))
    # Past and closed: past wins.
    assert "in the past" in reason_of(parse_preferred_time("yesterday at 10am", BOSTON, WINDOW, MONDAY_10AM))
    # Too soon and outside hours (7 PM tonight with 12 hours' lead): lead time wins.
    long_lead = BookingWindow(min_lead_hours=12, max_days_ahead=60)
    assert "notice" in reason_of(parse_preferred_time("today at 7pm", BOSTON, long_lead, MONDAY_10AM))


def test_tomorrow_just_before_midnight_means_the_clinics_tomorrow():
    now = MONDAY_2350_NY_AS_UTC
    assert now.weekday() == 1                      # Tuesday in UTC ...
    assert now.astimezone(NEW_YORK).weekday() == 0  # ... still Monday in Boston
    assert parse_preferred_time("tomorrow at 3pm", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 11, 26, 15)
    assert parse_preferred_time("tomorrow", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 11, 26, 9)
    assert parse_preferred_time("tomorrow morning", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 11, 26, 9)
    # The same instant expressed in local time gives the same answer.
    assert parse_preferred_time("tomorrow at 3pm", BOSTON, WINDOW, now.astimezone(NEW_YORK)) == \
        local(NEW_YORK, 2024, 11, 26, 15)


def test_location_in_another_time_zone():
    # 06:30 UTC Tuesday = 01:30 Tuesday in New York = 22:30 Monday in Los Angeles.
    now = datetime(2024, 11, 26, 6, 30, tzinfo=timezone.utc)
    in_la = parse_preferred_time("tomorrow at 10am", LOS_ANGELES_CLINIC, WINDOW, now)
    assert in_la == local(LOS_ANGELES, 2024, 11, 26, 10)
    assert in_la.tzinfo.key == "America/Los_Angeles"
    assert in_la.astimezone(timezone.utc) == datetime(2024, 11, 26, 18, 0, tzinfo=timezone.utc)
    # For Boston the same instant is already Tuesday, so tomorrow is Wednesday.
    assert parse_preferred_time("tomorrow at 10am", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 11, 27, 10)


def test_lunch_break_is_outside_opening_hours():
    now = datetime(2024, 11, 25, 9, 0, tzinfo=LOS_ANGELES)
    reason = reason_of(parse_preferred_time("tomorrow at 12:30pm", LOS_ANGELES_CLINIC, WINDOW, now))
    assert "8:00 AM to 12:00 PM, 1:00 PM to 6:00 PM" in reason


def test_lead_time_counts_real_hours_across_spring_forward():
    # Sat Mar 9 2024 10:00 EST; clocks jump forward on Sunday, so 48 hours later is
    # Monday 11:00 EDT, not 10:00 as naive wall-clock arithmetic would say.
    now = local(NEW_YORK, 2024, 3, 9, 10, 0)
    two_days_lead = BookingWindow(min_lead_hours=48, max_days_ahead=60)
    reason = reason_of(parse_preferred_time("Monday at 10:30am", BOSTON, two_days_lead, now))
    assert "earliest we can book is Monday, Mar 11 at 11:00 AM" in reason
    booked = parse_preferred_time("Monday at 11am", BOSTON, two_days_lead, now)
    assert booked == local(NEW_YORK, 2024, 3, 11, 11)
    assert booked.utcoffset() == timedelta(hours=-4)


@pytest.mark.parametrize("now, expected_offset_hours", [
    (local(NEW_YORK, 2024, 3, 9, 12, 0), -4),   # Sun Mar 10 2024: EST -> EDT
    (local(NEW_YORK, 2024, 11, 2, 12, 0), -5),  # Sun Nov 3 2024: EDT -> EST
])
def test_booking_on_a_dst_transition_day(now, expected_offset_hours):
    booked = parse_preferred_time("tomorrow at 10am", URGENT_CARE, WINDOW, now)
    assert booked.replace(tzinfo=None) == (now + timedelta(days=1)).replace(hour=10, tzinfo=None)
    assert booked.utcoffset() == timedelta(hours=expected_offset_hours)


def test_relative_dates_keep_their_wall_time_across_spring_forward():
    # dateparser with TO_TIMEZONE would say 1:00 PM here (the base's EST offset, converted to EDT).
    now = local(NEW_YORK, 2024, 3, 9, 10, 0)
    assert parse_preferred_time("in 2 days at noon", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 3, 11, 12)
    assert parse_preferred_time("in 2 days", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 3, 11, 9)


def test_relative_offsets_round_up_to_the_next_minute():
    now = local(NEW_YORK, 2024, 11, 25, 10, 0, 37, 250000)
    assert parse_preferred_time("in 3 hours", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 11, 25, 13, 1)
    assert parse_preferred_time("tomorrow at 10am", BOSTON, WINDOW, now) == local(NEW_YORK, 2024, 11, 26, 10)


def test_next_weekday_said_on_that_weekday_means_a_week_later():
    tuesday = local(NEW_YORK, 2024, 11, 26, 8, 0)
    assert parse_preferred_time("next Tuesday at 10am", BOSTON, WINDOW, tuesday) == local(NEW_YORK, 2024, 12, 3, 10)


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_preferred_time("tomorrow at 3pm", BOSTON, WINDOW, datetime(2024, 11, 25, 10))


# -------------------------------------------------------------------- opening hours

@pytest.mark.parametrize("hours, day, expected", [
    (BOSTON, date(2024, 11, 25), "9:00 AM to 5:00 PM"),
    (BOSTON, date(2024, 11, 30), "9:00 AM to 1:00 PM"),
    (BOSTON, date(2024, 11, 28), "closed (Thanksgiving)"),
    (BOSTON, date(2024, 12, 1), "closed"),
    (LOS_ANGELES_CLINIC, date(2024, 11, 25), "8:00 AM to 12:00 PM, 1:00 PM to 6:00 PM"),
])
def test_describe_hours_for_day(hours, day, expected):
    assert describe_hours_for_day(hours, day) == expected


def test_a_holiday_is_named_in_spanish_when_the_clinic_named_it_in_spanish():
    assert describe_hours_for_day(BOSTON, date(2024, 12, 25), "es") == "cerrado (Navidad)"
    assert describe_hours_for_day(BOSTON, date(2024, 12, 25), "en") == "closed (Christmas Day)"
    # One name for every language: the clinic's own word, as written.
    assert describe_hours_for_day(BOSTON, date(2024, 11, 28), "es") == "cerrado (Thanksgiving)"


@pytest.mark.parametrize("moment, expected", [
    (local(NEW_YORK, 2024, 11, 25, 9, 0), True),     # opening time is open
    (local(NEW_YORK, 2024, 11, 25, 16, 59), True),
    (local(NEW_YORK, 2024, 11, 25, 17, 0), False),   # closing time is closed
    (local(NEW_YORK, 2024, 11, 25, 8, 59), False),
    (local(NEW_YORK, 2024, 11, 28, 10, 0), False),   # Thanksgiving
    (local(NEW_YORK, 2024, 12, 1, 10, 0), False),    # Sunday
    (datetime(2024, 11, 25, 14, 30, tzinfo=timezone.utc), True),    # 9:30 EST
    (datetime(2024, 11, 25, 22, 30, tzinfo=timezone.utc), False),   # 17:30 EST
    (datetime(2024, 11, 25, 9, 30, tzinfo=LOS_ANGELES), True),      # 12:30 EST
])
def test_is_open_at(moment, expected):
    assert is_open_at(BOSTON, moment) is expected


def test_is_open_at_uses_the_dst_offset_of_the_day():
    # Sun Mar 10 2024 12:30 UTC is 8:30 EDT (open), though it would be 7:30 in EST.
    assert is_open_at(URGENT_CARE, datetime(2024, 3, 10, 12, 30, tzinfo=timezone.utc))
    assert not is_open_at(URGENT_CARE, datetime(2024, 3, 10, 11, 30, tzinfo=timezone.utc))


def test_is_open_at_rejects_naive_datetimes():
    with pytest.raises(ValueError):
        is_open_at(BOSTON, datetime(2024, 11, 25, 10))


@pytest.mark.parametrize("hours, moment, expected", [
    (BOSTON, local(NEW_YORK, 2024, 11, 25, 8, 0), local(NEW_YORK, 2024, 11, 25, 9, 0)),
    (BOSTON, local(NEW_YORK, 2024, 11, 25, 9, 0), local(NEW_YORK, 2024, 11, 25, 9, 0)),
    (BOSTON, local(NEW_YORK, 2024, 11, 25, 10, 0), local(NEW_YORK, 2024, 11, 26, 9, 0)),
    (BOSTON, local(NEW_YORK, 2024, 11, 27, 18, 0), local(NEW_YORK, 2024, 11, 29, 9, 0)),  # skips Thanksgiving
    (BOSTON, local(NEW_YORK, 2024, 11, 30, 14, 0), local(NEW_YORK, 2024, 12, 2, 9, 0)),   # skips Sunday
    (BOSTON, local(NEW_YORK, 2024, 3, 9, 14, 0), local(NEW_YORK, 2024, 3, 11, 9, 0)),     # across DST
    (LOS_ANGELES_CLINIC, local(LOS_ANGELES, 2024, 11, 25, 12, 15), local(LOS_ANGELES, 2024, 11, 25, 13, 0)),
    # 23:30 Monday in UTC is 15:30 in Los Angeles: next opening is after lunch... already open, so Tuesday.
    (LOS_ANGELES_CLINIC, datetime(2024, 11, 25, 23, 30, tzinfo=timezone.utc), local(LOS_ANGELES, 2024, 11, 26, 8, 0)),
])
def test_next_opening(hours, moment, expected):
    opening = next_opening(hours, moment)
    assert opening == expected
    assert opening.tzinfo.key == hours.timezone


def test_next_opening_gives_up_after_fourteen_days():
    never_open = OpeningHours(timezone="America/New_York", weekly={}, holidays={})
    assert next_opening(never_open, MONDAY_10AM) is None
    long_closure = OpeningHours(
        timezone="America/New_York",
        weekly=BOSTON.weekly,
        holidays={date(2024, 11, 25) + timedelta(days=offset): "Renovation" for offset in range(16)},
    )
    assert next_opening(long_closure, MONDAY_10AM) is None


@pytest.mark.parametrize("hours, moment, expected", [
    (BOSTON, local(NEW_YORK, 2024, 11, 25, 10, 0), local(NEW_YORK, 2024, 11, 25, 17, 0)),
    (BOSTON, local(NEW_YORK, 2024, 11, 30, 9, 0), local(NEW_YORK, 2024, 11, 30, 13, 0)),
    (BOSTON, local(NEW_YORK, 2024, 11, 25, 17, 0), None),
    (BOSTON, local(NEW_YORK, 2024, 11, 28, 10, 0), None),   # Thanksgiving
    (BOSTON, local(NEW_YORK, 2024, 12, 1, 10, 0), None),    # Sunday
    (LOS_ANGELES_CLINIC, local(LOS_ANGELES, 2024, 11, 25, 9, 0), local(LOS_ANGELES, 2024, 11, 25, 12, 0)),
    (LOS_ANGELES_CLINIC, local(LOS_ANGELES, 2024, 11, 25, 12, 30), None),
    (LOS_ANGELES_CLINIC, local(LOS_ANGELES, 2024, 11, 25, 13, 30), local(LOS_ANGELES, 2024, 11, 25, 18, 0)),
])
def test_closing_time_today(hours, moment, expected):
    assert closing_time_today(hours, moment) == expected


def test_closing_time_on_a_dst_transition_day():
    closing = closing_time_today(URGENT_CARE, datetime(2024, 3, 10, 14, 0, tzinfo=timezone.utc))
    assert closing == local(NEW_YORK, 2024, 3, 10, 20, 0)
    assert closing.astimezone(timezone.utc) == datetime(2024, 3, 11, 0, 0, tzinfo=timezone.utc)


def test_opening_hours_reject_bad_configuration():
    with pytest.raises(Exception):
        OpeningHours(timezone="America/Bostonn", weekly={}, holidays={})
    with pytest.raises(ValueError):
        OpeningHours(timezone="America/New_York", weekly={0: [(time(17), time(9))]}, holidays={})
    with pytest.raises(ValueError):
        OpeningHours(timezone="America/New_York", weekly={7: [(time(9), time(17))]}, holidays={})


# ----------------------------------------------------------------- property loops

def test_schedule_helpers_agree_with_each_other_every_half_hour_across_dst():
    # Two weeks around the spring-forward change, in both locations.
    start = datetime(2024, 3, 4, 0, 0, tzinfo=timezone.utc)
    for hours in (BOSTON, LOS_ANGELES_CLINIC, URGENT_CARE):
        for step in range(14 * 48):
            moment = start + timedelta(minutes=30 * step)
            open_now = is_open_at(hours, moment)
            closing = closing_time_today(hours, moment)
            assert (closing is not None) == open_now
            if open_now:
                assert closing > moment and not is_open_at(hours, closing)
            opening = next_opening(hours, moment)
            assert opening is not None and opening >= moment and is_open_at(hours, opening)
            if not open_now:
                # Nothing in between is open: sample the gap hourly.
                probe = moment
                while probe < opening:
                    assert not is_open_at(hours, probe)
                    probe += timedelta(hours=1)


def test_accepted_times_always_satisfy_every_rule():
    phrases = ["tomorrow", "tomorrow at 9am", "tomorrow at 4:45pm", "tomorrow afternoon", "next Saturday morning",
               "Friday 10:30", "in 2 days at noon", "today at 3pm", "monday", "Thursday at 10am"]
    nows = [MONDAY_10AM, MONDAY_2350_NY_AS_UTC, local(NEW_YORK, 2024, 11, 29, 16, 0),
            local(NEW_YORK, 2024, 3, 9, 10, 0), datetime(2024, 11, 3, 5, 30, tzinfo=timezone.utc),
            datetime(2024, 11, 25, 15, 7, 42, 123456, tzinfo=timezone.utc)]
    for now in nows:
        for phrase in phrases:
            result = parse_preferred_time(phrase, BOSTON, WINDOW, now)
            if isinstance(result, Invalid):
                assert result.reason
                continue
            assert result.tzinfo.key == BOSTON.timezone
            assert result >= now + timedelta(hours=WINDOW.min_lead_hours)
            assert result.date() <= now.astimezone(NEW_YORK).date() + timedelta(days=WINDOW.max_days_ahead)
            assert result.date() not in BOSTON.holidays
            assert is_open_at(BOSTON, result)


@pytest.mark.parametrize("text, found", [
    ("can someone call me back? my number is 617 555 0199, its about botox for my jaw", "617 555 0199"),
    ("mi numero es (617) 555-0142 gracias", "(617) 555-0142"),
    ("email me at maria.lopez@gmail.com.", "maria.lopez@gmail.com"),
    # Numbers that are no phone number, and no contact at all.
    ("my daughter is 15 and has had it since 2019", None),
    ("i get 20 headache days a month", None),
    ("book me in please", None),
])
def test_a_contact_written_inside_a_longer_message(text, found):
    assert contact_in_text(text) == found
