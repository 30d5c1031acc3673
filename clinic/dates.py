"""How dates and times are written for patients: "Tuesday, Dec 8 at 9:00 AM".

One formatter for every answer, so the hours answer, the booking read-back and
the booking form's reasons all write a day the same way.
"""
from datetime import date, datetime, time
from typing import Optional, Union


def format_time(value: Union[time, datetime]) -> str:
    """'9:00 AM', '12:30 PM'."""
    return f"{value.hour % 12 or 12}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def format_time_range(start: Union[time, datetime], end: Union[time, datetime]) -> str:
    """'9:00 AM to 5:00 PM': words, not a dash, so an SMS stays in the GSM-7 alphabet."""
    return f"{format_time(start)} to {format_time(end)}"


def format_day(day: Union[date, datetime], today: Optional[date] = None) -> str:
    """'Tuesday, Dec 8'; the year is added when it is not this year's date."""
    day = day.date() if isinstance(day, datetime) else day
    label = f"{day:%A}, {day:%b} {day.day}"
    return label if today is None or day.year == today.year else f"{label}, {day.year}"


def format_moment(moment: datetime, today: Optional[date] = None) -> str:
    """'Tuesday, Dec 8 at 9:00 AM'."""
    return f"{format_day(moment, today)} at {format_time(moment)}"
