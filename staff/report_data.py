"""Reads Rasa's SQL tracker store into conversations, for the staff report and review.

A *conversation* is one Rasa session of one sender: it starts at
`action_session_start` (after 60 minutes of silence Rasa starts a new one).
Every user message remembers what the bot did next, and what the booking
forms were asking at the time, so the metrics never need the raw events.

Privacy lives here too: `redact` removes phone numbers, e-mail addresses and
the names and contact details patients gave, `UserMessage.private` marks what
they typed when asked for them (never quoted), and `pseudonym` turns sender ids
(phone numbers on SMS) into short keyed hashes.
"""
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import common.paths
from clinic.config import CONDITIONS, current_clinic
from common.key_files import read_or_create_key_file
from common.paths import VAR

FORMS = ("consultation_form", "callback_form")
SUBMIT_ACTIONS = {"action_submit_booking", "action_submit_callback"}
RED_FLAG_INTENTS = ("report_emergency_symptoms", "express_crisis", "report_symptoms_after_treatment")
# Answers to these questions are personal data: never quoted, whatever they say.
PRIVATE_SLOTS = {"patient_name", "contact"}
HIDDEN_TEXT = "[answer to the name/contact question - not shown]"
PSEUDONYM_KEY_FILE = VAR / "report-pseudonym.key"

# The core fallback: the project's own (config.yml) and Rasa's built-in one.
FALLBACK_ACTIONS = {"action_core_fallback", "action_default_fallback"}


# ---------------------------------------------------------------------------
# The shape of a conversation
# ---------------------------------------------------------------------------
@dataclass
class UserMessage:
    timestamp: float
    text: str
    intent: str
    confidence: float
    entities: List[Dict[str, Any]]
    ranking: List[Dict[str, Any]]
    channel: str
    active_loop: Optional[str]  # the form open when the message arrived
    requested_slot: Optional[str]  # what that form was asking for
    actions: List[str] = field(default_factory=list)  # what the bot did next, in order

    @property
    def consumed_by_form(self) -> bool:
        """An answer to a form's question: the form ran first and took it."""
        return bool(self.active_loop) and bool(self.actions) and self.actions[0] == self.active_loop

    @property
    def private(self) -> bool:
        """Typed when a form asked for the patient's name or contact."""
        return bool(self.active_loop) and self.requested_slot in PRIVATE_SLOTS

    @property
    def unanswered_reason(self) -> Optional[str]:
        """fallback, nlu_fallback or out_of_scope when the bot could not answer."""
        if FALLBACK_ACTIONS & set(self.actions):
            return "fallback"
        if self.consumed_by_form:
            return None
        if self.intent in ("nlu_fallback", "out_of_scope"):
            return self.intent
        return None

    @property
    def red_flag(self) -> bool:
        return self.intent in RED_FLAG_INTENTS

    def conditions(self) -> Set[str]:
        return {str(e.get("value")) for e in self.entities if e.get("entity") == "condition" and e.get("value")}

    @property
    def red_flag_kind(self) -> str:
        return "crisis" if self.intent == "express_crisis" else "emergency"

    def best_guess(self) -> Tuple[Optional[str], float]:
        """The highest-ranked real intent: what the model thought, below the fallback."""
        for candidate in sorted(self.ranking, key=lambda r: -(r.get("confidence") or 0.0)):
            if candidate.get("name") and candidate["name"] != "nlu_fallback":
                return candidate["name"], float(candidate.get("confidence") or 0.0)
        if self.intent and self.intent != "nlu_fallback":
            return self.intent, self.confidence
        return None, 0.0


@dataclass
class FormAttempt:
    form: str
    outcome: str = "abandoned"  # completed, cancelled, red_flag or abandoned
    last_requested_slot: Optional[str] = None  # for abandoned ones: where they stopped


@dataclass
class Conversation:
    sender_id: str
    started: float
    messages: List[UserMessage] = field(default_factory=list)
    forms: List[FormAttempt] = field(default_factory=list)
    # What the patient gave as name and contact (in any session): redacted wherever quoted.
    names: Set[str] = field(default_factory=set)
    contacts: Set[str] = field(default_factory=set)

    @property
    def private(self) -> "PrivateValues":
        return PrivateValues(self.names, self.contacts)
    slot_conditions: Set[str] = field(default_factory=set)
    last_event: float = 0.0
    # The conversation's language slot as it last was: "en" or "es" (domain.yml).
    language: str = "en"

    @property
    def channel(self) -> str:
        return self.messages[0].channel if self.messages else "unknown"

    def conditions(self) -> Set[str]:
        found = set(self.slot_conditions)
        for message in self.messages:
            found |= message.conditions()
        return found


# ---------------------------------------------------------------------------
# Reading the tracker store
# ---------------------------------------------------------------------------
def tracker_store_url(explicit: Optional[str] = None) -> str:
    """The URL the assistant writes to (or `explicit`), as a string for SQLAlchemy."""
    env = {"TRACKER_STORE_URL": explicit} if explicit else None
    return common.paths.tracker_store_url(env).render_as_string(hide_password=False)


def read_events(url: str, since: float, until: float) -> Iterator[Tuple[str, str, float, Optional[str], Dict[str, Any]]]:
    """(sender_id, type_name, timestamp, action_name, data) in the window, per sender in order."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return  # nothing stored yet; do not create an empty database file
    engine = create_engine(url)
    query = text("SELECT sender_id, type_name, timestamp, action_name, data FROM events "
                 "WHERE timestamp >= :since AND timestamp < :until ORDER BY sender_id, id")
    try:
        if not inspect(engine).has_table("events"):
            return  # the assistant has not saved a conversation yet
        with engine.connect() as connection:
            for sender_id, type_name, timestamp, action_name, data in connection.execute(
                    query, {"since": since, "until": until}):
                try:
                    parsed_data = json.loads(data) if data else {}
                except ValueError:
                    parsed_data = {}
                yield sender_id, type_name, float(timestamp or 0.0), action_name, parsed_data
    finally:
        engine.dispose()


class _ConversationBuilder:
    """Follows one sender's events, tracking the open form and requested slot."""

    def __init__(self, sender_id: str) -> None:
        self.sender_id = sender_id
        self.finished: List[Conversation] = []
        self.current: Optional[Conversation] = None
        self.active_loop: Optional[str] = None
        self.requested_slot: Optional[str] = None
        self.last_action: Optional[str] = None
        self.open_attempt: Optional[FormAttempt] = None

    def _start(self, timestamp: float) -> Conversation:
        self._close()
        self.current = Conversation(self.sender_id, started=timestamp, last_event=timestamp)
        self.active_loop = self.requested_slot = self.last_action = None
        return self.current

    def _close(self) -> None:
        if self.current is None:
            return
        if self.open_attempt is not None:
            self.open_attempt.last_requested_slot = self.requested_slot
        if self.current.messages:  # a session nobody spoke in is not a conversation
            self.finished.append(self.current)
        self.current, self.open_attempt = None, None

    def add(self, type_name: str, timestamp: float, action_name: Optional[str], data: Dict[str, Any]) -> None:
        if type_name == "action" and action_name == "action_session_start":
            self._start(timestamp)
            return
        conversation = self.current or self._start(timestamp)
        conversation.last_event = timestamp
        if type_name == "user":
            self._user(conversation, timestamp, data)
        elif type_name == "action":
            self._action(conversation, action_name or data.get("name") or "")
        elif type_name == "slot":
            self._slot(conversation, data.get("name"), data.get("value"))
        elif type_name == "active_loop":
            self._loop(conversation, data.get("name"))

    def _user(self, conversation: Conversation, timestamp: float, data: Dict[str, Any]) -> None:
        parse = data.get("parse_data") or {}
        intent = parse.get("intent") or {}
        conversation.messages.append(UserMessage(
            timestamp=timestamp, text=data.get("text") or "",
            intent=intent.get("name") or "", confidence=float(intent.get("confidence") or 0.0),
            entities=parse.get("entities") or [], ranking=parse.get("intent_ranking") or [],
            channel=data.get("input_channel") or "unknown",
            active_loop=self.active_loop, requested_slot=self.requested_slot,
        ))

    def _action(self, conversation: Conversation, name: str) -> None:
        if name != "action_listen" and conversation.messages:
            conversation.messages[-1].actions.append(name)
        self.last_action = name

    def _slot(self, conversation: Conversation, name: Optional[str], value: Any) -> None:
        if name == "requested_slot":
            self.requested_slot = value
        elif name == "patient_name" and isinstance(value, str) and value.strip():
            conversation.names.add(value.strip())
        elif name == "contact" and isinstance(value, str) and value.strip():
            conversation.contacts.add(value.strip())
        elif name == "language" and value in ("en", "es"):
            conversation.language = value
        elif name == "condition" and value in CONDITIONS:
            # Canonical ids only: before validation the booking form's slot holds raw text.
            conversation.slot_conditions.add(value)

    def _loop(self, conversation: Conversation, name: Optional[str]) -> None:
        if name:
            if self.active_loop is None:
                self.open_attempt = FormAttempt(form=name)
                conversation.forms.append(self.open_attempt)
            self.active_loop = name
            return
        if self.open_attempt is not None:
            self.open_attempt.outcome = self._how_it_closed(conversation)
            self.open_attempt.last_requested_slot = self.requested_slot
        self.active_loop, self.open_attempt = None, None

    def _how_it_closed(self, conversation: Conversation) -> str:
        if self.last_action != "action_deactivate_loop":
            return "completed"  # the form deactivated itself: every slot was filled
        last_intent = conversation.messages[-1].intent if conversation.messages else ""
        return "red_flag" if last_intent in RED_FLAG_INTENTS else "cancelled"

    def conversations(self) -> List[Conversation]:
        self._close()
        # A name given in one session may be typed again in the next one.
        names = set().union(*(c.names for c in self.finished)) if self.finished else set()
        contacts = set().union(*(c.contacts for c in self.finished)) if self.finished else set()
        for conversation in self.finished:
            conversation.names, conversation.contacts = set(names), set(contacts)
        return self.finished


def build_conversations(events: Iterable[Tuple[str, str, float, Optional[str], Dict[str, Any]]]) -> List[Conversation]:
    conversations: List[Conversation] = []
    builder: Optional[_ConversationBuilder] = None
    for sender_id, type_name, timestamp, action_name, data in events:
        if builder is None or builder.sender_id != sender_id:
            if builder is not None:
                conversations.extend(builder.conversations())
            builder = _ConversationBuilder(sender_id)
        builder.add(type_name, timestamp, action_name, data)
    if builder is not None:
        conversations.extend(builder.conversations())
    return sorted(conversations, key=lambda c: c.started)


# ---------------------------------------------------------------------------
# The reporting window: retention period, --since and --until
# ---------------------------------------------------------------------------
@dataclass
class Window:
    start: float  # timestamps, inclusive
    end: float  # exclusive
    zone: ZoneInfo
    retention_days: int
    since: Optional[date] = None
    until: Optional[date] = None

    def day(self, timestamp: float) -> date:
        return datetime.fromtimestamp(timestamp, self.zone).date()


def clinic_settings() -> Tuple[int, ZoneInfo]:
    """Retention period and the clinic's time zone (days are the clinic's days)."""
    clinic = current_clinic()
    return clinic.privacy.retention_days, clinic.locations[0].zone


def reporting_window(since: Optional[date], until: Optional[date], now: Optional[datetime] = None) -> Window:
    retention_days, zone = clinic_settings()
    now = now or datetime.now(zone)
    start = (now - timedelta(days=retention_days)).timestamp()
    if since is not None:
        start = max(start, datetime.combine(since, datetime.min.time(), zone).timestamp())
    end = now.timestamp() + 1
    if until is not None:
        end = min(end, datetime.combine(until + timedelta(days=1), datetime.min.time(), zone).timestamp())
    return Window(start, end, zone, retention_days, since, until)


def load_conversations(url: str, window: Window) -> List[Conversation]:
    return build_conversations(read_events(url, window.start, window.end))


# ---------------------------------------------------------------------------
# Privacy
# ---------------------------------------------------------------------------
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
# Any run of 7+ digits, spaces and dashes allowed between them: account numbers,
# phone numbers the phonenumbers library does not recognise, dates of birth.
DIGIT_RUN = re.compile(r"\+?\d(?:[\s().-]*\d){6,}")
PLACEHOLDERS = ("[phone]", "[email]", "[number]", "[name]", "[contact]")


@dataclass
class PrivateValues:
    names: Iterable[str] = ()
    contacts: Iterable[str] = ()


def redact(text: str, names: Iterable[str] = (), contacts: Iterable[str] = ()) -> str:
    """The text without e-mail addresses, phone numbers, long digit runs, the given
    contact details and names (whole or in part)."""
    for contact in sorted(contacts, key=len, reverse=True):
        text = re.sub(re.escape(contact), "[contact]", text, flags=re.IGNORECASE)
    text = EMAIL.sub("[email]", text)
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE))):
        text = text[:match.start] + "[phone]" + text[match.end:]
    text = DIGIT_RUN.sub("[number]", text)
    for name in sorted(name_variants(names), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    return text


def name_variants(names: Iterable[str]) -> Set[str]:
    """Each full name and its parts ("Jane Doe", "Jane", "Doe"), skipping initials."""
    variants: Set[str] = set()
    for name in names:
        name = name.strip()
        if name:
            variants.add(name)
            variants.update(part for part in re.split(r"[\s,]+", name) if len(part.strip(".")) > 1)
    return variants


def quotable_text(message: UserMessage, private: PrivateValues) -> str:
    return HIDDEN_TEXT if message.private else redact(message.text, private.names, private.contacts)


def pseudonym_key() -> bytes:
    """REPORT_PSEUDONYM_KEY, or a random key kept in var/ so ids stay stable between reports."""
    configured = os.environ.get("REPORT_PSEUDONYM_KEY")
    if configured:
        return configured.encode()
    return read_or_create_key_file(PSEUDONYM_KEY_FILE)


def pseudonym(conversation: Conversation, key: bytes) -> str:
    """A short keyed hash of sender and session start: stable, not reversible without the key."""
    message = f"{conversation.sender_id}|{conversation.started:.6f}".encode()
    return "c-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:12]


def find_conversation(url: str, window: Window, wanted: str, key: bytes) -> Optional[Conversation]:
    """For staff with database access: the conversation behind a pseudonym in the report."""
    return next((c for c in load_conversations(url, window) if pseudonym(c, key) == wanted), None)


def parse_day(value: str) -> date:
    return datetime.strptime(value, "%Y-%m-%d").date()

