"""Staff accounts: argon2id password hashes (argon2-cffi) and the sign-in lockout.

After STAFF_LOGIN_MAX_FAILURES failed sign-ins for one username within
STAFF_LOGIN_LOCKOUT_MINUTES, that username is locked for that long: even the
right password is refused. Unknown usernames are counted and locked the same
way, and a password is checked against a dummy hash for them, so neither the
answer nor its timing tells whether an account exists. One client address that
fails four times as often is locked too (trying many names). The counts are
kept in SQL, so every replica sees the same lock.

Passwords are never logged, stored or compared in clear; `make staff-user`
(handoff/staff_accounts.py) creates accounts.
"""
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError

from handoff.database import DATABASE_ERRORS, Database, default_database, describe_failure
from handoff.settings import InboxSettings
from handoff.store import utc_now
from handoff.tables import login_failures, staff_users

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


class AccountError(ValueError):
    """A request about an account that cannot be done (message safe to show)."""


class AccountsUnavailable(RuntimeError):
    """The database failed (message: operation and error class only)."""


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")


@dataclass(frozen=True)
class SignIn:
    outcome: str  # "ok", "wrong" (username or password) or "locked"
    username: str = ""
    display_name: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class StaffAccounts:
    def __init__(self, database: Optional[Database] = None, settings: Optional[InboxSettings] = None,
                 clock: Callable[[], datetime] = utc_now, hasher: Optional[PasswordHasher] = None) -> None:
        self.database = database or default_database()
        self.settings = settings or InboxSettings()
        self.clock = clock
        # argon2id with the library's recommended costs (tests pass a cheaper one).
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: Optional[str] = None

    # ------------------------------------------------------------ managing accounts
    def create(self, username: str, display_name: str, password: str) -> None:
        username = normalise_username(username)
        if not USERNAME.fullmatch(username):
            raise AccountError("a username is 1-64 of a-z, 0-9 and . _ @ -, starting with a letter or digit")
        display_name = " ".join((display_name or username).split())[:80]
        check_password_rules(password)
        try:
            with self.database.write() as connection:
                connection.execute(sa.insert(staff_users).values(
                    username=username, display_name=display_name,
                    password_hash=self.hasher.hash(password), created_at=self.clock(), disabled=False))
        except IntegrityError:
            raise AccountError(f"there is already an account '{username}'") from None
        except DATABASE_ERRORS as error:
            raise self._unavailable("create an account", error) from None
        logger.info("Created a staff account")

    def set_password(self, username: str, password: str) -> None:
        check_password_rules(password)
        self._change(username, password_hash=self.hasher.hash(password))

    def set_disabled(self, username: str, disabled: bool) -> None:
        self._change(username, disabled=disabled)

    def unlock(self, username: str) -> None:
        key = f"user:{normalise_username(username)}"
        self._execute("unlock an account", sa.delete(login_failures).where(
            login_failures.c.key.in_([key, f"locked:{key}"])))

    def list(self) -> List[dict]:
        try:
            with self.database.read() as connection:
                rows = connection.execute(sa.select(
                    staff_users.c.username, staff_users.c.display_name,
                    staff_users.c.created_at, staff_users.c.disabled,
                ).order_by(staff_users.c.username)).mappings().all()
        except DATABASE_ERRORS as error:
            raise self._unavailable("list accounts", error) from None
        return [{**row, "locked": self._locked(f"user:{row['username']}")} for row in rows]

    def display_name(self, username: str) -> Optional[str]:
        row = self._user(username)
        return None if row is None or row["disabled"] else row["display_name"]

    # ------------------------------------------------------------ signing in
    def sign_in(self, username: str, password: str, client_ip: str) -> SignIn:
        """Checks a password, unless the username or the address is locked out.

        CPU-heavy (argon2): call it from a worker thread in a server.
        """
        username = normalise_username(username)[:64]
        user_key, ip_key = f"user:{username}", f"ip:{client_ip}"
        if self._locked(user_key) or self._locked(ip_key):
            return SignIn("locked", username)
        row = self._user(username) if username else None
        password = password if len(password or "") <= MAX_PASSWORD_CHARS else ""  # no hashing megabytes
        if row is not None and not row["disabled"] and self._verify(row["password_hash"], password):
            self._execute("clear failed sign-ins",
                          sa.delete(login_failures).where(login_failures.c.key == user_key))
            if self.hasher.check_needs_rehash(row["password_hash"]):
                self._change(username, password_hash=self.hasher.hash(password))
            return SignIn("ok", username, row["display_name"])
        if row is None:
            self._verify(self._dummy(), password)  # the same work as for a real account
        locked_now = self._count_failure(user_key, self.settings.max_failed_logins)
        locked_now = self._count_failure(ip_key, self.settings.max_failed_logins_per_address) or locked_now
        return SignIn("locked" if locked_now else "wrong", username)

    def prune_failures(self) -> None:
        """Forget failures and locks older than the lockout window."""
        self._execute("prune failed sign-ins", sa.delete(login_failures).where(
            login_failures.c.failed_at < self.clock() - self.settings.lockout))

    # ------------------------------------------------------------ internals
    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("not a real password, only for timing")
        return self._dummy_hash

    def _count_failure(self, key: str, limit: int) -> bool:
        """Records a failure; True if it reached `limit` and locked `key`."""
        now = self.clock()
        try:
            with self.database.write() as connection:
                connection.execute(sa.insert(login_failures).values(key=key, failed_at=now))
                recent = connection.execute(sa.select(sa.func.count()).where(
                    login_failures.c.key == key,
                    login_failures.c.failed_at > now - self.settings.lockout)).scalar()
                if recent >= limit:
                    connection.execute(sa.insert(login_failures).values(key=f"locked:{key}", failed_at=now))
                    return True
        except DATABASE_ERRORS as error:
            raise self._unavailable("record a failed sign-in", error) from None
        return False

    def _locked(self, key: str) -> bool:
        since = self.clock() - self.settings.lockout
        try:
            with self.database.read() as connection:
                return bool(connection.execute(sa.select(sa.func.count()).where(
                    login_failures.c.key == f"locked:{key}", login_failures.c.failed_at > since)).scalar())
        except DATABASE_ERRORS as error:
            raise self._unavailable("check a lockout", error) from None

    def _user(self, username: str) -> Optional[dict]:
        try:
            with self.database.read() as connection:
                row = connection.execute(sa.select(staff_users).where(
                    staff_users.c.username == normalise_username(username))).mappings().first()
        except DATABASE_ERRORS as error:
            raise self._unavailable("read an account", error) from None
        return dict(row) if row else None

    def _change(self, username: str, **values: object) -> None:
        changed = self._execute("change an account", sa.update(staff_users).where(
            staff_users.c.username == normalise_username(username)).values(**values))
        if not changed:
            raise AccountError(f"there is no account '{normalise_username(username)}'")

    def _execute(self, operation: str, statement: sa.sql.Executable) -> int:
        try:
            with self.database.write() as connection:
                return connection.execute(statement).rowcount
        except DATABASE_ERRORS as error:
            raise self._unavailable(operation, error) from None

    @staticmethod
    def _unavailable(operation: str, error: BaseException) -> AccountsUnavailable:
        description = describe_failure(error)
        logger.error("Staff accounts: could not %s: %s", operation, description)
        return AccountsUnavailable(f"could not {operation}: {description}")

