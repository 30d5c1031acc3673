"""Opening hours: when a location is open, in its own time zone.

Every schedule is in the location's IANA time zone (zoneinfo). Wall-clock times
are built with datetime.combine(..., tzinfo=ZoneInfo(...)) and aware datetimes
are compared in UTC, so DST days are handled correctly. Used by the action
server (answers and booking checks) and by the clinic file's validation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from clinic.dates import format_time_range
from clinic.texts import ClinicText, in_language


@dataclass(frozen=True)
class OpeningHours:
    """One location's schedule, in its own local time."""

    timezone: str                                  # IANA, e.g. "America/New_York"
    weekly: dict[int, list[tuple[time, time]]]     # 0=Mon..6=Sun -> open intervals; missing/empty = closed
    holidays: dict[date, ClinicText]               # closed dates -> holiday name

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # fail at configuration time on a misspelt zone
        for weekday, intervals in self.weekly.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Mon) .. 6 (Sun), got {weekday}")
            for start, end in intervals:
                if not start < end:
                    raise ValueError(f"opening interval must start before it ends: {start}-{end}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances, so this is cheap

    def intervals_on(self, day: date) -> list[tuple[time, time]]:
        """Open intervals on a local date, earliest first; none on holidays."""
        if day in self.holidays:
            return []
        return sorted(self.weekly.get(day.weekday()) or [])


@dataclass(frozen=True)
class BookingWindow:
    min_lead_hours: int     # earliest bookable = now + this
    max_days_ahead: int     # latest bookable = today + this many days


NEXT_OPENING_HORIZON_DAYS = 14


CLOSED = {"en": "closed", "es": "cerrado"}


def describe_hours_for_day(hours: OpeningHours, day: date, language: str = "en") -> str:
    """'9:00 AM to 5:00 PM', 'closed (Thanksgiving)' or 'closed'; in Spanish
    '9:00 a. m. a 5:00 p. m.', 'cerrado (Día de Acción de Gracias)', 'cerrado'."""
    closed = CLOSED.get(language, CLOSED["en"])
    if day in hours.holidays:
        return f"{closed} ({holiday_name(hours, day, language)})"
    intervals = hours.intervals_on(day)
    if not intervals:
        return closed
    return ", ".join(format_time_range(start, end, language) for start, end in intervals)


def holiday_name(hours: OpeningHours, day: date, language: str = "en") -> str:
    return in_language(hours.holidays[day], language)


def is_open_at(hours: OpeningHours, moment: datetime) -> bool:
    return _current_interval(hours, moment) is not None


def next_opening(hours: OpeningHours, moment: datetime) -> Optional[datetime]:
    """Start of the first opening interval at or after `moment`, within 14 days.

    If the location is open at `moment`, this is the start of the *following*
    interval (e.g. tomorrow morning), unless `moment` is exactly an opening time.
    """
    local = to_local(hours, moment)
    for offset in range(NEXT_OPENING_HORIZON_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for start, _ in hours.intervals_on(day):
            opening = datetime.combine(day, start, tzinfo=hours.zone)
            if as_utc(opening) >= as_utc(moment):
                return opening
    return None


def closing_time_today(hours: OpeningHours, moment: datetime) -> Optional[datetime]:
    """When the interval open at `moment` ends, or None if closed at `moment`."""
    interval = _current_interval(hours, moment)
    if interval is None:
        return None
    local = to_local(hours, moment)
    return datetime.combine(local.date(), interval[1], tzinfo=hours.zone)


def _current_interval(hours: OpeningHours, moment: datetime) -> Optional[tuple[time, time]]:
    local = to_local(hours, moment)
    # Half-open: an appointment can't start at closing time.
    for start, end in hours.intervals_on(local.date()):
        if start <= local.time() < end:
            return (start, end)
    return None


def to_local(hours: OpeningHours, moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("expected a timezone-aware datetime")
    return moment.astimezone(hours.zone)


def as_utc(moment: datetime) -> datetime:
    # Aware datetimes sharing one tzinfo object are compared by wall time,
    # which is wrong around DST changes; UTC makes comparisons exact.
    return moment.astimezone(timezone.utc)
