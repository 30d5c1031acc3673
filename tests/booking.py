"""Helpers for booking conversations in the tests."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BOSTON = ZoneInfo("America/New_York")


def a_bookable_wednesday() -> str:
    """A Wednesday 2-9 days ahead, when Back Bay is open 08:30-19:00 (no sample holiday)."""
    day = datetime.now(BOSTON).date() + timedelta(days=2)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return f"{day:%B} {day.day} at 10am"


def reference_in(text: str) -> str:
    """The booking reference (HV-XXXXXX) in a reply."""
    return next(word.strip(".,") for word in text.split() if word.startswith("HV-"))
