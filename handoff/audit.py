"""The staff audit log: who did what, when, to which conversation.

Every transcript opened and every reply sent is written here, with sign-ins,
sign-outs, failed and locked-out sign-ins, take-overs, hand-backs and
resolutions (HIPAA asks for access logs). Rows hold no message text: the
conversation is named by the same keyed hash of its id that booking requests
store (actions/storage.py: hash_sender_id), so compliance staff can match them,
and the hand-off's number. `make audit-log` exports it (handoff/audit_export.py).

The retention period (`make purge`) does not apply to this log.
"""
import logging
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, Optional

import sqlalchemy as sa

from handoff.database import DATABASE_ERRORS, Database, default_database, describe_failure
from handoff.store import utc_now
from handoff.tables import audit_log

logger = logging.getLogger(__name__)

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED_OUT = "login_locked_out"
LOGOUT = "logout"
TRANSCRIPT_OPENED = "transcript_opened"
REPLY_SENT = "reply_sent"
TOOK_OVER = "took_over"
HANDED_BACK = "handed_back"
RESOLVED = "resolved"

COLUMNS = ("at", "staff", "action", "conversation", "handoff_id", "client_ip")


class AuditUnavailable(RuntimeError):
    """The audit log could not be written: the staff action must not go ahead unlogged."""


class AuditLog:
    def __init__(self, database: Optional[Database] = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.database = database or default_database()
        self.clock = clock

    def record(self, staff: str, action: str, conversation: Optional[str] = None,
               handoff_id: Optional[int] = None, client_ip: Optional[str] = None) -> None:
        try:
            with self.database.write() as connection:
                connection.execute(sa.insert(audit_log).values(
                    at=self.clock(), staff=staff[:64], action=action, conversation=conversation,
                    handoff_id=handoff_id, client_ip=client_ip))
        except DATABASE_ERRORS as error:
            description = describe_failure(error)
            logger.error("Could not write the audit log (%s): %s", action, description)
            raise AuditUnavailable(f"could not write the audit log: {description}") from None

    def recorded(self, staff: str, action: str, conversation: str, since: datetime) -> bool:
        """Whether `staff` already has such a row for this conversation since `since`."""
        with self.database.read() as connection:
            return bool(connection.execute(sa.select(sa.func.count()).where(
                audit_log.c.staff == staff, audit_log.c.action == action,
                audit_log.c.conversation == conversation, audit_log.c.at >= since)).scalar())

    def rows(self, since: Optional[datetime] = None, until: Optional[datetime] = None) -> Iterator[Dict[str, Any]]:
        """Oldest first."""
        query = sa.select(*[audit_log.c[name] for name in COLUMNS]).order_by(audit_log.c.at, audit_log.c.id)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        with self.database.read() as connection:
            for row in connection.execute(query).mappings():
                yield dict(row)
