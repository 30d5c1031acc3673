"""The clinic's details (clinic/clinic.yml), checked with pydantic when loaded.

An invalid file stops the action server with one line per problem, naming the
field, e.g. "locations[1].hours.tuesday: '9am-25pm' is not a time range".
"""
import os
import re
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, EmailStr, Field, ValidationError, root_validator, validator

from clinic.hours import BookingWindow, OpeningHours
from clinic.texts import ClinicText, as_wording, check_clinic_text, in_language  # noqa: F401 (in_language: for the actions)
from common.languages import ENGLISH, LANGUAGES
from common import yaml_files

DEFAULT_CLINIC_FILE = Path(__file__).resolve().parent / "clinic.yml"
MESSAGES_FILE = DEFAULT_CLINIC_FILE.parent / "messages.yml"
# The same keys in Spanish; a key missing there is said in English.
MESSAGES_FILES = {"en": MESSAGES_FILE, "es": DEFAULT_CLINIC_FILE.parent / "messages_es.yml"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CONDITIONS = (
    "chronic_migraine", "hyperhidrosis", "tmj", "blepharospasm",
    "hemifacial_spasm", "strabismus", "bells_palsy", "anxiety_depression",
)
TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

OpenInterval = Tuple[time, time]


class ClinicFileError(ValueError):
    """The clinic file is missing or does not hold what the actions need."""


def parse_day_hours(value: object) -> List[OpenInterval]:
    """ "08:30-12:00, 13:00-17:00" -> [(08:30, 12:00), (13:00, 17:00)]; "closed" -> [].

    "24:00" may close a range: "00:00-24:00" is the whole day (e.g. staff hours
    of a service that is always staffed).
    """
    if value is None or str(value).strip().lower() == "closed":
        return []
    intervals = []
    for part in str(value).split(","):
        match = TIME_RANGE.match(part)
        if not match:
            raise ValueError(f"'{value}' is not a time range")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        end_of_day = (h2, m2) == (24, 0)
        if not (h1 < 24 and (h2 < 24 or end_of_day) and m1 < 60 and m2 < 60):
            raise ValueError(f"'{value}' is not a time range")
        opens, closes = time(h1, m1), time.max if end_of_day else time(h2, m2)
        if closes <= opens:
            raise ValueError(f"'{part.strip()}' closes before it opens")
        intervals.append((opens, closes))
    return intervals


class StrictModel(BaseModel):
    class Config:
        extra = "forbid"  # a misspelt key is an error, not silently ignored


class WeeklyHours(StrictModel):
    monday: List[OpenInterval] = []
    tuesday: List[OpenInterval] = []
    wednesday: List[OpenInterval] = []
    thursday: List[OpenInterval] = []
    friday: List[OpenInterval] = []
    saturday: List[OpenInterval] = []
    sunday: List[OpenInterval] = []

    _parse = validator(*WEEKDAYS, pre=True, allow_reuse=True)(parse_day_hours)

    def by_weekday(self) -> Dict[int, List[OpenInterval]]:
        return {index: getattr(self, day) for index, day in enumerate(WEEKDAYS)}


class Holiday(StrictModel):
    date: date
    name: ClinicText  # said when a patient asks for that day: {en: Thanksgiving, es: Día de Acción de Gracias}

    _name = validator("name", allow_reuse=True)(check_clinic_text)


def check_conditions(values: List[str]) -> List[str]:
    unknown = [value for value in values if value not in CONDITIONS]
    if unknown:
        raise ValueError(f"unknown condition(s) {unknown}; use {list(CONDITIONS)}")
    return values


class Location(StrictModel):
    id: str = Field(regex=r"^[a-z0-9_]+$")
    name: str
    address: str
    phone: str
    email: EmailStr
    timezone: str
    hours: WeeklyHours
    holidays: List[Holiday] = []
    directions: ClinicText = ""
    parking: ClinicText = ""
    treats: List[str] = []
    # When staff answer hand-offs in the chat (the staff inbox); default: the opening hours.
    staff_hours: Optional[WeeklyHours] = None

    _treats = validator("treats", allow_reuse=True)(check_conditions)
    _texts = validator("directions", "parking", allow_reuse=True)(check_clinic_text)

    @validator("timezone")
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a known time zone (e.g. America/New_York)")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def opening_hours(self) -> OpeningHours:
        return OpeningHours(
            timezone=self.timezone,
            weekly=self.hours.by_weekday(),
            holidays={holiday.date: holiday.name for holiday in self.holidays},
        )

    def staff_schedule(self) -> OpeningHours:
        """When staff answer hand-offs: `staff_hours`, else the opening hours; holidays apply."""
        weekly = (self.staff_hours or self.hours).by_weekday()
        return OpeningHours(
            timezone=self.timezone,
            weekly=weekly,
            holidays={holiday.date: holiday.name for holiday in self.holidays},
        )


class Practitioner(StrictModel):
    name: str
    role: ClinicText
    locations: List[str]
    treats: List[str]

    _treats = validator("treats", allow_reuse=True)(check_conditions)
    _role = validator("role", allow_reuse=True)(check_clinic_text)


class Fee(StrictModel):
    amount: float = Field(gt=0)
    currency: str = Field(regex=r"^[A-Z]{3}$")
    note: ClinicText = ""

    _note = validator("note", allow_reuse=True)(check_clinic_text)


class BookingRules(StrictModel):
    min_lead_hours: int = Field(ge=0)
    max_days_ahead: int = Field(gt=0)

    def window(self) -> BookingWindow:
        return BookingWindow(self.min_lead_hours, self.max_days_ahead)


class HandoffRules(StrictModel):
    # What the bot tells a patient who is handed to staff ("usually within 5 minutes").
    usual_reply_minutes: int = Field(5, gt=0)
    # Nobody picked the conversation up in this time: the bot says so and offers a callback.
    wait_timeout_minutes: float = Field(10, gt=0)


class PrivacyRules(StrictModel):
    # Conversations and booking requests older than this are deleted by `make purge`
    # and left out of staff reports.
    retention_days: int = Field(90, gt=0)


class Clinic(StrictModel):
    name: str
    phone: str
    email: EmailStr
    website: Optional[str] = None
    locations: List[Location] = Field(min_items=1)
    practitioners: List[Practitioner] = []
    insurance_plans: List[str] = []
    insurance_note: ClinicText = ""
    consultation_fee: Optional[Fee] = None
    booking: BookingRules
    privacy: PrivacyRules = PrivacyRules()
    handoff: HandoffRules = HandoffRules()

    _insurance_note = validator("insurance_note", allow_reuse=True)(check_clinic_text)

    @root_validator(skip_on_failure=True)
    def practitioners_work_at_known_locations(cls, values):
        known = {location.id for location in values["locations"]}
        if len(known) != len(values["locations"]):
            raise ValueError("location ids must be unique")
        for index, practitioner in enumerate(values.get("practitioners", [])):
            unknown = set(practitioner.locations) - known
            if unknown:
                raise ValueError(f"practitioners[{index}].locations: unknown {sorted(unknown)}")
        return values

    def location(self, location_id: Optional[str]) -> Optional[Location]:
        return next((loc for loc in self.locations if loc.id == location_id), None)

    def find_location(self, text: str) -> Optional[Location]:
        """The location a patient means by its id or (part of) its name."""
        wanted = " ".join(text.lower().replace("_", " ").split())
        for location in self.locations:
            names = {location.id.replace("_", " "), location.name.lower()}
            if wanted in names or any(name in wanted for name in names):
                return location
        return None


def field_path(location: Tuple) -> str:
    """('locations', 1, 'hours', 'tuesday') -> 'locations[1].hours.tuesday'."""
    path = ""
    for part in location:
        if part == "__root__":
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def parse_clinic(content: object, source: str = "clinic file") -> Clinic:
    if not isinstance(content, dict):
        raise ClinicFileError(f"{source}: expected a mapping of clinic details")
    try:
        return Clinic.parse_obj(content)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            path = field_path(problem["loc"])
            message = problem["msg"]
            if message == "field required":
                message = "is missing"
            problems.append(f"{path}: {message}" if path else message)
        raise ClinicFileError(f"{source} is invalid:\n  " + "\n  ".join(problems)) from None


@lru_cache(maxsize=None)
def messages(language: str = "en") -> Dict:
    """Wording of the actions' answers in `language` (clinic/messages.yml,
    clinic/messages_es.yml). Any key the language's file lacks (or the whole file)
    comes from the English one, so a missing translation is said in English,
    never a crash. Each text is a clinic.texts.Wording: fill it with .format()."""
    english = as_wording(yaml_files.safe_load(MESSAGES_FILE.read_text(encoding="utf-8")))
    path = MESSAGES_FILES.get(language, MESSAGES_FILE)
    if path == MESSAGES_FILE or not path.exists():
        return english
    return with_fallback(as_wording(yaml_files.safe_load(path.read_text(encoding="utf-8")) or {}), english)


def with_fallback(wording: object, fallback: object) -> object:
    """`wording`, with what it lacks taken from `fallback` (nested mappings, key by key)."""
    if isinstance(wording, dict) and isinstance(fallback, dict):
        merged = dict(fallback)
        for key, value in wording.items():
            merged[key] = with_fallback(value, fallback.get(key))
        return merged
    return fallback if wording is None else wording


def clinic_file_path() -> Path:
    return Path(os.environ.get("CLINIC_FILE", DEFAULT_CLINIC_FILE))


@lru_cache(maxsize=None)
def load_clinic(path: Path) -> Clinic:
    try:
        content = yaml_files.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClinicFileError(f"clinic file not found: {path}") from None
    except yaml.YAMLError as error:
        raise ClinicFileError(f"{path}: not valid YAML ({error})") from None
    return parse_clinic(content, source=str(path))


def current_clinic() -> Clinic:
    return load_clinic(clinic_file_path())
