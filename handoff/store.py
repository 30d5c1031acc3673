"""Hand-off rows: who is waiting for staff, who picked them up, how it ended.

Every change is one statement or one transaction whose WHERE clause checks the
current status, so two replicas (or two staff members) acting at once cannot
both succeed: e.g. only one process times a wait out, only one takes it over.
A conversation has at most one active (waiting or open) hand-off, enforced by
a partial unique index (tables.py).
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from handoff import tables
from handoff.database import DATABASE_ERRORS, Database, default_database, describe_failure
from handoff.tables import handoffs

logger = logging.getLogger(__name__)

# Why a conversation was handed over, and how staff see it.
REASON_LABELS = {
    "asked_for_person": "Asked for a person",
    "not_understood": "Bot did not understand twice",
    "urgent_symptoms": "Urgent symptoms after a treatment",
    "staff_takeover": "Taken over by staff",
    "other": "Other",
}
MAX_NOTIFY_ATTEMPTS = 3


class HandoffStoreUnavailable(RuntimeError):
    """The hand-off database failed. The message names the operation and error class only."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Handoff:
    id: int
    sender_id: str
    channel: str
    reason: str
    urgent: bool
    condition: Optional[str]
    location_id: Optional[str]
    status: str
    requested_at: datetime
    picked_up_at: Optional[datetime]
    closed_at: Optional[datetime]
    assigned_to: Optional[str]

    @property
    def active(self) -> bool:
        return self.status in tables.ACTIVE

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason.replace("_", " ").capitalize())

    @classmethod
    def from_row(cls, row: Any) -> "Handoff":
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class HandoffStore:
    def __init__(self, database: Optional[Database] = None) -> None:
        self.database = database or default_database()

    # ------------------------------------------------------------ starting one
    def request(self, sender_id: str, channel: str, reason: str, *, urgent: bool = False,
                condition: Optional[str] = None, location_id: Optional[str] = None,
                now: Optional[datetime] = None) -> Tuple[Handoff, bool]:
        """A waiting hand-off for the conversation: (new row, True), or (the active one, False)."""
        now = now or utc_now()
        values = dict(sender_id=sender_id, channel=channel, reason=reason, urgent=urgent,
                      condition=condition, location_id=location_id, status=tables.WAITING,
                      requested_at=now, notify_attempts=0)
        try:
            with self.database.write() as connection:
                new_id = connection.execute(sa.insert(handoffs).values(**values)).inserted_primary_key[0]
            return self._get(new_id), True
        except IntegrityError:
            existing = self.active_for(sender_id)
            if existing is None:  # closed in between: try once more
                return self.request(sender_id, channel, reason, urgent=urgent, condition=condition,
                                    location_id=location_id, now=now)
            if urgent and not existing.urgent:
                self.mark_urgent(existing.id)
                existing = self._get(existing.id)
            return existing, False
        except DATABASE_ERRORS as error:
            raise self._unavailable("start a hand-off", error) from None

    def record_outside_hours(self, sender_id: str, channel: str, reason: str, *, urgent: bool = False,
                             condition: Optional[str] = None, location_id: Optional[str] = None,
                             now: Optional[datetime] = None) -> None:
        """A request for a person when no staff were on duty (counted in the staff report)."""
        now = now or utc_now()
        try:
            with self.database.write() as connection:
                connection.execute(sa.insert(handoffs).values(
                    sender_id=sender_id, channel=channel, reason=reason, urgent=urgent,
                    condition=condition, location_id=location_id, status=tables.OUTSIDE_HOURS,
                    requested_at=now, closed_at=now, notify_attempts=0))
        except DATABASE_ERRORS as error:
            raise self._unavailable("record a request outside staff hours", error) from None

    def take_over(self, sender_id: str, channel: str, staff: str, *, condition: Optional[str] = None,
                  location_id: Optional[str] = None, now: Optional[datetime] = None) -> Handoff:
        """Staff take a conversation over: its active hand-off, picked up, or a new open one."""
        now = now or utc_now()
        existing = self.active_for(sender_id)
        if existing is not None:
            self.pick_up(existing.id, staff, now)
            return self._get(existing.id)
        try:
            with self.database.write() as connection:
                new_id = connection.execute(sa.insert(handoffs).values(
                    sender_id=sender_id, channel=channel, reason="staff_takeover", urgent=False,
                    condition=condition, location_id=location_id, status=tables.OPEN,
                    requested_at=now, picked_up_at=now, assigned_to=staff,
                    notified_at=now, notify_attempts=0)).inserted_primary_key[0]
            return self._get(new_id)
        except IntegrityError:  # someone else started one at the same moment
            return self.take_over(sender_id, channel, staff, condition=condition,
                                  location_id=location_id, now=now)
        except DATABASE_ERRORS as error:
            raise self._unavailable("take a conversation over", error) from None

    # ------------------------------------------------------------ changing one
    def pick_up(self, handoff_id: int, staff: str, now: Optional[datetime] = None) -> bool:
        """waiting -> open, with who and when (the end of the wait). False if it was not waiting."""
        return self._update(
            "pick up a hand-off",
            sa.update(handoffs)
            .where(handoffs.c.id == handoff_id, handoffs.c.status == tables.WAITING)
            .values(status=tables.OPEN, picked_up_at=now or utc_now(), assigned_to=staff))

    def close(self, handoff_id: int, status: str, now: Optional[datetime] = None) -> bool:
        """An active hand-off ends (handed back, resolved, timed out). False if it had already ended."""
        if status not in tables.STATUSES or status in tables.ACTIVE:
            raise ValueError(f"not a closing status: {status}")
        return self._update(
            f"close a hand-off as {status}",
            sa.update(handoffs)
            .where(handoffs.c.id == handoff_id, handoffs.c.status.in_(tables.ACTIVE))
            .values(status=status, closed_at=now or utc_now()))

    def mark_urgent(self, handoff_id: int) -> bool:
        return self._update("mark a hand-off urgent",
                            sa.update(handoffs).where(handoffs.c.id == handoff_id).values(urgent=True))

    def claim_notification(self, handoff_id: int, now: Optional[datetime] = None) -> bool:
        """Whether this process should alert staff about it (only one process gets True)."""
        return self._update(
            "claim a notification",
            sa.update(handoffs)
            .where(handoffs.c.id == handoff_id, handoffs.c.notified_at.is_(None))
            .values(notified_at=now or utc_now(), notify_attempts=handoffs.c.notify_attempts + 1))

    def notification_failed(self, handoff_id: int) -> None:
        """Lets a later pass try again (up to MAX_NOTIFY_ATTEMPTS)."""
        self._update("release a notification",
                     sa.update(handoffs).where(handoffs.c.id == handoff_id).values(notified_at=None))

    # ------------------------------------------------------------ reading
    def active_for(self, sender_id: str) -> Optional[Handoff]:
        rows = self._select("read a hand-off", sa.select(handoffs).where(
            handoffs.c.sender_id == sender_id, handoffs.c.status.in_(tables.ACTIVE)))
        return rows[0] if rows else None

    def active(self) -> List[Handoff]:
        """Waiting and open hand-offs, oldest first."""
        return self._select("list hand-offs", sa.select(handoffs)
                            .where(handoffs.c.status.in_(tables.ACTIVE))
                            .order_by(handoffs.c.requested_at, handoffs.c.id))

    def waiting_since_before(self, cutoff: datetime) -> List[Handoff]:
        """Waits that started before `cutoff` and nobody picked up."""
        return self._select("list overdue hand-offs", sa.select(handoffs).where(
            handoffs.c.status == tables.WAITING, handoffs.c.requested_at < cutoff))

    def to_notify(self, requested_after: datetime) -> List[Handoff]:
        return self._select("list hand-offs to notify", sa.select(handoffs).where(
            handoffs.c.status == tables.WAITING, handoffs.c.notified_at.is_(None),
            handoffs.c.notify_attempts < MAX_NOTIFY_ATTEMPTS,
            handoffs.c.requested_at >= requested_after))

    def requested_between(self, start: datetime, end: datetime) -> List[Handoff]:
        """For the staff report."""
        return self._select("read hand-offs", sa.select(handoffs).where(
            handoffs.c.requested_at >= start, handoffs.c.requested_at < end)
            .order_by(handoffs.c.requested_at))

    def delete_closed_before(self, cutoff: datetime, dry_run: bool = False) -> int:
        """Retention (make purge): ended hand-offs requested before `cutoff` (how many)."""
        old = sa.and_(handoffs.c.requested_at < cutoff, handoffs.c.status.notin_(tables.ACTIVE))
        try:
            if dry_run:
                with self.database.read() as connection:
                    return connection.execute(sa.select(sa.func.count()).where(old)).scalar()
            with self.database.write() as connection:
                return connection.execute(sa.delete(handoffs).where(old)).rowcount
        except DATABASE_ERRORS as error:
            raise self._unavailable("delete old hand-offs", error) from None

    # ------------------------------------------------------------ internals
    def _get(self, handoff_id: int) -> Handoff:
        return self._select("read a hand-off", sa.select(handoffs).where(handoffs.c.id == handoff_id))[0]

    def _select(self, operation: str, query: Any) -> List[Handoff]:
        try:
            with self.database.read() as connection:
                return [Handoff.from_row(row) for row in connection.execute(query).mappings()]
        except DATABASE_ERRORS as error:
            raise self._unavailable(operation, error) from None

    def _update(self, operation: str, statement: Any) -> bool:
        try:
            with self.database.write() as connection:
                return connection.execute(statement).rowcount == 1
        except DATABASE_ERRORS as error:
            raise self._unavailable(operation, error) from None

    @staticmethod
    def _unavailable(operation: str, error: BaseException) -> HandoffStoreUnavailable:
        description = describe_failure(error)
        logger.error("Hand-off database failed to %s: %s", operation, description)
        return HandoffStoreUnavailable(f"{operation} failed: {description}")

