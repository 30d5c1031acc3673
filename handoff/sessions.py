"""Staff sessions: a random token in an HttpOnly cookie, its SHA-256 in SQL.

A session ends after STAFF_SESSION_IDLE_MINUTES without a staff action (the
inbox's own background refreshes do not count) or STAFF_SESSION_MAX_HOURS in
all, or at sign-out. Each session has its own CSRF token, which every
state-changing request must send back (handoff/web_security.py). Only hashes
are stored, so a copy of the database holds no usable session.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional, Tuple

import sqlalchemy as sa

from handoff.database import DATABASE_ERRORS, Database, default_database, describe_failure
from handoff.settings import InboxSettings
from handoff.store import utc_now
from handoff.tables import staff_sessions, staff_users


class SessionsUnavailable(RuntimeError):
    """The database failed (message: operation and error class only)."""


@dataclass(frozen=True)
class StaffSession:
    id: int
    username: str
    display_name: str
    csrf_token: str
    created_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffSessions:
    def __init__(self, database: Optional[Database] = None, settings: Optional[InboxSettings] = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.database = database or default_database()
        self.settings = settings or InboxSettings()
        self.clock = clock

    def start(self, username: str) -> Tuple[str, str]:
        """A new session: (the cookie's token, the CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        self._write("start a session", sa.insert(staff_sessions).values(
            token_hash=token_hash(token), csrf_token=csrf, username=username,
            created_at=now, last_active_at=now))
        return token, csrf

    def find(self, token: Optional[str], activity: bool = True) -> Optional[StaffSession]:
        """The live session of a cookie token, or None. `activity` (a staff action, not
        a background refresh) restarts the idle timer."""
        if not token or len(token) > 200:
            return None
        now = self.clock()
        try:
            with self.database.read() as connection:
                row = connection.execute(
                    sa.select(staff_sessions, staff_users.c.display_name, staff_users.c.disabled)
                    .join(staff_users, staff_users.c.username == staff_sessions.c.username)
                    .where(staff_sessions.c.token_hash == token_hash(token))).mappings().first()
        except DATABASE_ERRORS as error:
            raise SessionsUnavailable(f"could not read a session: {describe_failure(error)}") from None
        if row is None:
            return None
        expired = (row["last_active_at"] + self.settings.idle_timeout <= now
                   or row["created_at"] + self.settings.max_session <= now)
        if expired or row["disabled"]:
            self.end(token)
            return None
        if activity:
            self._write("refresh a session", sa.update(staff_sessions)
                        .where(staff_sessions.c.id == row["id"]).values(last_active_at=now))
        return StaffSession(row["id"], row["username"], row["display_name"], row["csrf_token"],
                            row["created_at"])

    def end(self, token: str) -> None:
        self._write("end a session", sa.delete(staff_sessions).where(
            staff_sessions.c.token_hash == token_hash(token)))

    def prune(self) -> None:
        """Delete sessions that can no longer be used."""
        now = self.clock()
        self._write("prune sessions", sa.delete(staff_sessions).where(sa.or_(
            staff_sessions.c.last_active_at <= now - self.settings.idle_timeout,
            staff_sessions.c.created_at <= now - self.settings.max_session)))

    def _write(self, operation: str, statement: sa.sql.Executable) -> None:
        try:
            with self.database.write() as connection:
                connection.execute(statement)
        except DATABASE_ERRORS as error:
            raise SessionsUnavailable(f"could not {operation}: {describe_failure(error)}") from None
