"""The hand-off database: which one, its engine, and its tables.

HANDOFF_DATABASE_URL, else BOOKINGS_DATABASE_URL (the project's database, where
booking requests are kept), else var/bookings.db. The action server (which
starts hand-offs) and every Rasa server (the inbox) must use the same one; with
several Rasa replicas that means PostgreSQL.

Errors raised from here carry no row data: SQLAlchemy is told to hide bound
parameters, and callers report failures by kind only.
"""
import logging
import os
import threading
from pathlib import Path
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

from actions.storage import DATABASE_URL_ENV as BOOKINGS_URL_ENV
from actions.storage import DEFAULT_DATABASE_URL as BOOKINGS_DEFAULT_URL
# The same SQLite transaction handling as the bookings store (BEGIN IMMEDIATE for writes).
from actions.storage import _take_over_sqlite_transactions
from common.paths import VAR
from handoff.tables import metadata

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "HANDOFF_DATABASE_URL"
# What a failing database raises: SQLAlchemy's errors, and OSError for an SQLite
# file that cannot be created or opened.
DATABASE_ERRORS = (SQLAlchemyError, OSError)
SQLITE_BUSY_TIMEOUT_SECONDS = 15
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


def database_url(env: Optional[Dict[str, str]] = None) -> str:
    env = os.environ if env is None else env
    return env.get(DATABASE_URL_ENV) or env.get(BOOKINGS_URL_ENV) or BOOKINGS_DEFAULT_URL


class Database:
    """One engine for the hand-off tables; creates them on first use."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.url = make_url(url or database_url())
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._create_engine()
        # Writes on SQLite take the write lock first (BEGIN IMMEDIATE), so a
        # check-then-update cannot interleave with another process.
        self.write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    def ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            if self.is_sqlite:
                self._prepare_sqlite_file()
            try:
                metadata.create_all(self.engine)
            except (OperationalError, ProgrammingError, IntegrityError) as error:
                # Another process (a replica, the action server) created a table
                # between our check and our CREATE; a second pass sees it.
                message = str(getattr(error, "orig", error))
                if "already exists" not in message and "pg_type_typname_nsp_index" not in message:
                    raise
                metadata.create_all(self.engine)
            self._schema_ready = True

    def read(self) -> Connection:
        """A connection for reading (use with `with`)."""
        self.ensure_schema()
        return self.engine.connect()

    def write(self) -> Any:
        """A transaction for writing (use with `with`): committed at the end, or rolled back."""
        self.ensure_schema()
        return self.write_engine.begin()

    def close(self) -> None:
        self.engine.dispose()

    def _create_engine(self) -> Engine:
        if self.is_sqlite:
            engine = sa.create_engine(
                self.url, future=True, hide_parameters=True,
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            _take_over_sqlite_transactions(engine)
            return engine
        connect_args: Dict[str, Any] = {}
        if self.url.get_driver_name() == "psycopg2" and "connect_timeout" not in self.url.query:
            connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_SECONDS
        return sa.create_engine(self.url, future=True, hide_parameters=True,
                                pool_pre_ping=True, connect_args=connect_args)

    def _prepare_sqlite_file(self) -> None:
        database = self.url.database
        if not database or database == ":memory:" or self.url.query.get("uri"):
            return
        path = Path(database)
        if path.parent == VAR:
            path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # Readable by its owner only: it holds staff accounts and the audit log.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


_databases: Dict[str, Database] = {}
_databases_lock = threading.Lock()


def default_database() -> Database:
    """The process-wide database for the current environment (created on first use)."""
    url = database_url()
    with _databases_lock:
        if url not in _databases:
            _databases[url] = Database(url)
        return _databases[url]


def describe_failure(error: BaseException) -> str:
    """A database error for the log: its class only (driver messages can quote rows)."""
    original = getattr(error, "orig", None) or error
    return type(original).__name__
