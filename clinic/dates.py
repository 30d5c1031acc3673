"""How dates and times are written for patients, in the conversation's language:
"Tuesday, Dec 8 at 9:00 AM" / "martes 8 de diciembre a las 9:00 a. m.".

One formatter for every answer, so the hours answer, the booking read-back and
the booking form's reasons all write a day the same way. Spanish follows the
usual US Spanish style: weekdays and months in lower case, "a. m." / "p. m.".
(No locale package is installed, and the server's locale must not change the
words, so the Spanish names are here.)
"""
from datetime import date, datetime, time
from typing import Optional, Union

SPANISH_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                  "septiembre", "octubre", "noviembre", "diciembre")


def format_time(value: Union[time, datetime], language: str = "en") -> str:
    """'9:00 AM', '12:30 PM'; Spanish '9:00 a. m.', '12:30 p. m.'."""
    clock = f"{value.hour % 12 or 12}:{value.minute:02d}"
    if language == "es":
        return f"{clock} {'a. m.' if value.hour < 12 else 'p. m.'}"
    return f"{clock} {'AM' if value.hour < 12 else 'PM'}"


def format_time_range(start: Union[time, datetime], end: Union[time, datetime],
                      language: str = "en") -> str:
    """'9:00 AM to 5:00 PM' / '9:00 a. m. a 5:00 p. m.': words, not a dash, so an
    SMS stays in the GSM-7 alphabet."""
    joiner = "a" if language == "es" else "to"
    return f"{format_time(start, language)} {joiner} {format_time(end, language)}"


def format_day(day: Union[date, datetime], today: Optional[date] = None, language: str = "en") -> str:
    """'Tuesday, Dec 8' / 'martes 8 de diciembre'; the year is added when it is not
    this year's date."""
    day = day.date() if isinstance(day, datetime) else day
    other_year = today is not None and day.year != today.year
    if language == "es":
        label = f"{SPANISH_WEEKDAYS[day.weekday()]} {day.day} de {SPANISH_MONTHS[day.month - 1]}"
        return f"{label} de {day.year}" if other_year else label
    label = f"{day:%A}, {day:%b} {day.day}"
    return f"{label}, {day.year}" if other_year else label


def format_moment(moment: datetime, today: Optional[date] = None, language: str = "en") -> str:
    """'Tuesday, Dec 8 at 9:00 AM' / 'martes 8 de diciembre a las 9:00 a. m.'
    ('a la 1:00 p. m.': one o'clock is singular in Spanish)."""
    if language == "es":
        article = "a la" if moment.hour % 12 == 1 else "a las"
        return f"{format_day(moment, today, language)} {article} {format_time(moment, language)}"
    return f"{format_day(moment, today)} at {format_time(moment)}"
