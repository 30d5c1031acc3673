"""Durable storage for consultation-booking and callback requests.

A patient's request must never be lost, half-written or duplicated, so:
- each save is ONE transaction (row inserted and committed, or nothing at all);
- a retried webhook (same conversation, same details, within 10 minutes) gets the
  reference of the row it already created instead of a second row, and concurrent
  retries are serialised per conversation so they cannot both insert;
- every database failure surfaces as `StorageUnavailable`, never as a silent loss.

Patient data (names, phone numbers, e-mails, free text) is never logged, and the
errors raised from here carry no row data: only references, counts and error codes.

The database is `BOOKINGS_DATABASE_URL` (any SQLAlchemy URL; tested on SQLite and
PostgreSQL), by default `var/bookings.db` under the repository root.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from common.paths import VAR
from common.pseudonyms import hash_sender_id

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_PATH = VAR / "bookings.db"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATABASE_PATH}"
DATABASE_URL_ENV = "BOOKINGS_DATABASE_URL"
REFERENCE_PREFIX_ENV = "BOOKINGS_REFERENCE_PREFIX"
DEFAULT_REFERENCE_PREFIX = "HV"

# No 0/O or 1/I, which patients misread when they quote a reference on the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 6
REFERENCE_ATTEMPTS = 5
DUPLICATE_WINDOW = timedelta(minutes=10)
SQLITE_BUSY_TIMEOUT_SECONDS = 15
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
# First key of PostgreSQL's two-key advisory locks, so ours don't clash with other
# users of the same database ("HV" in ASCII).
ADVISORY_LOCK_NAMESPACE = 0x4856

KIND_CONSULTATION = "consultation"
KIND_CALLBACK = "callback"
KINDS = (KIND_CONSULTATION, KIND_CALLBACK)
CONTACT_KINDS = ("phone", "email")
E164_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
REFERENCE_PREFIX_FORMAT = re.compile(r"[A-Z0-9]{1,8}")


class StorageUnavailable(RuntimeError):
    """The bookings database could not be reached, or a write did not commit.

    Whatever was being written was rolled back. The message names the operation and
    the kind of failure only; it never contains patient data.
    """


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware datetimes stored as UTC on every backend.

    SQLite has no timezone type and would silently drop the offset; PostgreSQL
    returns values in the session's time zone. Here naive values are refused on the
    way in and every value comes back as an aware datetime in UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: give it a time zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


metadata = sa.MetaData()

contact_requests = sa.Table(
    "contact_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("contact", sa.Text, nullable=False),
    sa.Column("contact_kind", sa.Text, nullable=False),
    sa.Column("condition", sa.Text, nullable=True),
    sa.Column("location_id", sa.Text, nullable=True),
    sa.Column("preferred_time", UTCDateTime, nullable=True),
    sa.Column("consent", sa.Boolean, nullable=False),
    sa.Column("sender_id_hash", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, default="new", server_default="new"),
    sa.UniqueConstraint("reference", name="uq_contact_requests_reference"),
    sa.CheckConstraint(
        "kind IN ('consultation', 'callback')", name="ck_contact_requests_kind"
    ),
    sa.CheckConstraint(
        "contact_kind IN ('phone', 'email')", name="ck_contact_requests_contact_kind"
    ),
    sa.CheckConstraint(
        "kind <> 'consultation' OR preferred_time IS NOT NULL",
        name="ck_contact_requests_consultation_time",
    ),
    sa.Index("ix_contact_requests_created_at", "created_at"),
    sa.Index("ix_contact_requests_sender_id_hash", "sender_id_hash"),
)

# Column order of `list_requests` rows (and of the staff CSV export).
COLUMNS = tuple(column.name for column in contact_requests.columns)


@dataclass(frozen=True, kw_only=True)
class ContactRequest:
    """One patient's consultation or callback request, as the bot collected it.

    `sender_id` is the raw conversation id; storage keeps only its keyed hash. Patient
    fields are left out of `repr` so that logging a request cannot leak them.
    """

    kind: str
    name: str = field(repr=False)
    contact: str = field(repr=False)
    contact_kind: str
    consent: bool
    sender_id: str = field(repr=False)
    condition: Optional[str] = field(default=None, repr=False)
    location_id: Optional[str] = None
    preferred_time: Optional[datetime] = None

    def __post_init__(self) -> None:
        # Messages name the field, never its value (it is patient data).
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if self.contact_kind not in CONTACT_KINDS:
            raise ValueError(f"contact_kind must be one of {CONTACT_KINDS}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("name is required")
        if not isinstance(self.contact, str):
            raise ValueError("contact is required")
        contact_format = E164_PHONE if self.contact_kind == "phone" else EMAIL_ADDRESS
        if not contact_format.fullmatch(self.contact):
            raise ValueError(
                "contact must be a phone number in E.164 format (+15551234567)"
                if self.contact_kind == "phone"
                else "contact must be an e-mail address"
            )
        if not isinstance(self.consent, bool):
            raise ValueError("consent must be True or False")
        if not isinstance(self.sender_id, str) or not self.sender_id:
            raise ValueError("sender_id is required")
        if self.preferred_time is not None and (
            self.preferred_time.tzinfo is None or self.preferred_time.utcoffset() is None
        ):
            raise ValueError("preferred_time must be timezone-aware")
        if self.kind == KIND_CONSULTATION and self.preferred_time is None:
            raise ValueError("a consultation needs a preferred_time")


def new_reference(prefix: str = DEFAULT_REFERENCE_PREFIX) -> str:
    """A short code a patient can read out, e.g. "HV-7K3QF2" (about 10⁹ possibilities)."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{prefix}-{code}"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _retention_cutoff(days: int) -> datetime:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError("days must be a whole number of at least 1")
    return _utc_now() - timedelta(days=days)


def _describe_failure(error: BaseException) -> str:
    """What went wrong, without row data.

    Driver messages for constraint and data errors can quote the failing row
    (PostgreSQL's "Failing row contains (…)"), so only connection-level errors keep
    their message (first line); others are named by class and SQLSTATE.
    """
    original = getattr(error, "orig", None) or error
    description = type(original).__name__
    sqlstate = getattr(original, "pgcode", None)
    if sqlstate:
        description += f" (SQLSTATE {sqlstate})"
    if isinstance(error, (OperationalError, InterfaceError, OSError)):
        first_line = str(original).strip().splitlines()[:1]
        if first_line:
            description += f": {first_line[0]}"
    return description


def _is_reference_collision(error: IntegrityError) -> bool:
    message = str(error.orig)
    return (
        "uq_contact_requests_reference" in message  # PostgreSQL names the constraint
        or "contact_requests.reference" in message  # SQLite names the column
    )


def _lost_create_table_race(error: SQLAlchemyError) -> bool:
    message = str(getattr(error, "orig", error))
    # "already exists" (SQLite, PostgreSQL); PostgreSQL can also report the
    # concurrent CREATE as a duplicate row type in pg_type.
    return "already exists" in message or "pg_type_typname_nsp_index" in message


class BookingStore:
    """Contact requests in one SQL database; safe to share between threads."""

    def __init__(
        self, url: Optional[str] = None, *, reference_prefix: Optional[str] = None
    ) -> None:
        self.url = make_url(url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL)
        self.reference_prefix = (
            reference_prefix
            or os.environ.get(REFERENCE_PREFIX_ENV)
            or DEFAULT_REFERENCE_PREFIX
        )
        if not REFERENCE_PREFIX_FORMAT.fullmatch(self.reference_prefix):
            raise ValueError("reference prefix must be 1-8 capital letters or digits")
        self._is_sqlite = self.url.get_backend_name() == "sqlite"
        self._is_postgres = self.url.get_backend_name() == "postgresql"
        # Nothing connects here: the action server must start even if the database
        # is down; the first read or write creates the schema.
        self.engine = self._create_engine()
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    # ----------------------------------------------------------------- public API

    def save_request(self, request: ContactRequest) -> str:
        """Store a request and return its reference (the existing one for a retry).

        Raises StorageUnavailable if it could not be committed; nothing is stored then.
        """
        try:
            sender_id_hash = hash_sender_id(request.sender_id)
        except OSError as error:
            raise self._unavailable("read the sender hash key", error) from None
        for attempt in range(1, REFERENCE_ATTEMPTS + 1):
            candidate = new_reference(self.reference_prefix)
            try:
                self._ensure_schema()
                reference, inserted = self._save_once(request, sender_id_hash, candidate)
            except IntegrityError as error:
                if _is_reference_collision(error):
                    logger.warning(
                        "Reference collision on attempt %d, retrying with a new code",
                        attempt,
                    )
                    continue
                raise self._unavailable("save request", error) from None
            except (SQLAlchemyError, OSError) as error:
                raise self._unavailable("save request", error) from None
            if inserted:
                logger.info("Saved %s request %s", request.kind, reference)
            else:
                logger.info("Repeated %s request, kept %s", request.kind, reference)
            return reference
        logger.error("No free reference after %d attempts", REFERENCE_ATTEMPTS)
        raise StorageUnavailable(
            f"save request failed: no free reference after {REFERENCE_ATTEMPTS} attempts"
        )

    def list_requests(
        self, since: Optional[datetime] = None, kind: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Requests created at or after `since` (aware datetime), newest first."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if since is not None and (since.tzinfo is None or since.utcoffset() is None):
            raise ValueError("since must be timezone-aware")
        query = sa.select(contact_requests).order_by(
            contact_requests.c.created_at.desc(), contact_requests.c.id.desc()
        )
        if since is not None:
            query = query.where(contact_requests.c.created_at >= since)
        if kind is not None:
            query = query.where(contact_requests.c.kind == kind)
        try:
            self._ensure_schema()
            with self.engine.connect() as connection:
                rows = connection.execute(query).mappings().all()
        except (SQLAlchemyError, OSError) as error:
            raise self._unavailable("list requests", error) from None
        return [dict(row) for row in rows]

    def count_older_than(self, days: int) -> int:
        """How many requests `delete_older_than(days)` would delete."""
        cutoff = _retention_cutoff(days)
        statement = sa.select(sa.func.count()).where(contact_requests.c.created_at < cutoff)
        try:
            self._ensure_schema()
            with self.engine.connect() as connection:
                return connection.execute(statement).scalar()
        except (SQLAlchemyError, OSError) as error:
            raise self._unavailable("count old requests", error) from None

    def delete_older_than(self, days: int) -> int:
        """Delete requests created more than `days` days ago; returns how many."""
        cutoff = _retention_cutoff(days)
        statement = sa.delete(contact_requests).where(contact_requests.c.created_at < cutoff)
        try:
            self._ensure_schema()
            with self._write_engine.begin() as connection:
                deleted = connection.execute(statement).rowcount
        except (SQLAlchemyError, OSError) as error:
            raise self._unavailable("delete old requests", error) from None
        logger.info("Deleted %d requests older than %d days", deleted, days)
        return deleted

    def close(self) -> None:
        """Close pooled connections (the store can still be used afterwards)."""
        self.engine.dispose()

    # ----------------------------------------------------------------- internals

    def _create_engine(self) -> Engine:
        # future=True: SQLAlchemy 2.0-style connections (explicit transactions).
        # hide_parameters: SQLAlchemy's error messages and echo logging would
        # otherwise quote the bound values, i.e. patient data.
        if self._is_sqlite:
            engine = sa.create_engine(
                self.url,
                future=True,
                hide_parameters=True,
                connect_args={
                    "check_same_thread": False,
                    "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                },
            )
            _take_over_sqlite_transactions(engine)
            return engine
        connect_args: Dict[str, Any] = {}
        if self.url.get_driver_name() == "psycopg2" and "connect_timeout" not in self.url.query:
            # Fail fast when the server is unreachable, well inside Rasa's action timeout.
            connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_SECONDS
        return sa.create_engine(
            self.url,
            future=True,
            hide_parameters=True,
            pool_pre_ping=True,
            connect_args=connect_args,
        )

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            if self._is_sqlite:
                self._prepare_sqlite_file()
            try:
                metadata.create_all(self.engine)
            except (OperationalError, ProgrammingError, IntegrityError) as error:
                # Another process may have created the table between our check and
                # our CREATE TABLE; a second pass sees it and does nothing.
                if not _lost_create_table_race(error):
                    raise
                metadata.create_all(self.engine)
            self._schema_ready = True

    def _prepare_sqlite_file(self) -> None:
        database = self.url.database
        if not database or database == ":memory:" or self.url.query.get("uri"):
            return
        path = Path(database)
        if path == DEFAULT_DATABASE_PATH:
            path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # Create the file readable by its owner only (SQLite would use the
            # umask, usually world-readable); its journal inherits these permissions.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))

    def _save_once(
        self, request: ContactRequest, sender_id_hash: str, reference: str
    ) -> Tuple[str, bool]:
        """One transaction: return (existing reference, False) or (reference, True)."""
        table = contact_requests
        now = _utc_now()
        with self._write_engine.begin() as connection:
            self._serialise_sender(connection, sender_id_hash)
            existing = connection.execute(
                sa.select(table.c.reference)
                .where(
                    table.c.sender_id_hash == sender_id_hash,
                    table.c.kind == request.kind,
                    table.c.name == request.name,
                    table.c.contact == request.contact,
                    table.c.preferred_time == request.preferred_time,  # IS NULL if None
                    table.c.created_at >= now - DUPLICATE_WINDOW,
                )
                .order_by(table.c.created_at.desc())
                .limit(1)
            ).scalar()
            if existing is not None:
                return existing, False
            connection.execute(
                sa.insert(table).values(
                    reference=reference,
                    kind=request.kind,
                    created_at=now,
                    name=request.name,
                    contact=request.contact,
                    contact_kind=request.contact_kind,
                    condition=request.condition,
                    location_id=request.location_id,
                    preferred_time=request.preferred_time,
                    consent=request.consent,
                    sender_id_hash=sender_id_hash,
                    status="new",
                )
            )
        return reference, True

    def _serialise_sender(self, connection: Connection, sender_id_hash: str) -> None:
        """Make concurrent saves for one conversation run one after the other.

        Otherwise two copies of a retried webhook could both find no earlier row and
        both insert. SQLite already serialises writers (the transaction starts with
        BEGIN IMMEDIATE); PostgreSQL takes a per-conversation advisory lock that is
        released at commit or rollback.
        """
        if self._is_postgres:
            lock_key = int(sender_id_hash[:8], 16) - 2**31  # fits PostgreSQL's int4
            connection.execute(
                sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_NAMESPACE, lock_key))
            )

    def _unavailable(self, operation: str, error: BaseException) -> StorageUnavailable:
        description = _describe_failure(error)
        logger.error(
            "Bookings database failed to %s on %s: %s",
            operation,
            self.url.get_backend_name(),
            description,
        )
        return StorageUnavailable(f"{operation} failed: {description}")


def _take_over_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, start SQLite transactions.

    The sqlite3 module only begins a transaction at the first INSERT, so a
    check-then-insert would not be atomic. With this (SQLAlchemy's documented
    recipe), write transactions start with BEGIN IMMEDIATE, which takes the write
    lock first; reads use a plain BEGIN so they don't block writers.
    """

    @event.listens_for(engine, "connect")
    def _disable_sqlite3_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


_default_stores: Dict[str, BookingStore] = {}
_default_stores_lock = threading.Lock()


def default_store() -> BookingStore:
    """The process-wide store for `BOOKINGS_DATABASE_URL` (created on first use)."""
    url = os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
    with _default_stores_lock:
        if url not in _default_stores:
            _default_stores[url] = BookingStore(url)
        return _default_stores[url]
