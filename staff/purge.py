"""Retention: delete conversations and booking requests past the retention period.

    python -m staff.purge                # period from clinic/clinic.yml (privacy.retention_days)
    python -m staff.purge --days 30      # another period
    python -m staff.purge --dry-run      # count only, delete nothing

Conversations are Rasa's `events` table in TRACKER_STORE_URL (default
var/conversations.db); booking and callback requests are in BOOKINGS_DATABASE_URL
(default var/bookings.db), and so are ended hand-offs to staff unless
HANDOFF_DATABASE_URL names another database. The staff inbox's audit log is
kept (it is an access log, with no message text). Only counts are printed, never content.
"""
import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import URL

from actions.storage import BookingStore, StorageUnavailable
from clinic.config import current_clinic
from common.paths import tracker_store_url
from handoff.store import HandoffStore, HandoffStoreUnavailable

SECONDS_PER_DAY = 24 * 60 * 60


def old_senders(cutoff: float) -> sa.sql.Select:
    """Conversations whose LAST event is older than the cutoff.

    A conversation is old by its last event, not its first: deleting single old
    events would cut the beginning off a conversation that is still going on (and
    Rasa would then rebuild a wrong state from what is left), so whole senders go.
    """
    events = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))
    return (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    )


def purge_conversations(url: URL, days: int, dry_run: bool) -> int:
    """Delete (or count) old conversations; returns how many conversations."""
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return 0  # no conversations yet (and don't create an empty file)
    cutoff = time.time() - days * SECONDS_PER_DAY
    engine = sa.create_engine(url, hide_parameters=True)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                return 0  # Rasa creates the table on first start
            senders = [row[0] for row in connection.execute(old_senders(cutoff))]
            if senders and not dry_run:
                events = sa.table("events", sa.column("sender_id"))
                connection.execute(
                    sa.delete(events).where(events.c.sender_id.in_(old_senders(cutoff)))
                )
            return len(senders)
    finally:
        engine.dispose()


def purge_bookings(days: int, dry_run: bool) -> int:
    store = BookingStore()
    try:
        return store.count_older_than(days) if dry_run else store.delete_older_than(days)
    finally:
        store.close()


def purge_handoffs(days: int, dry_run: bool) -> int:
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    store = HandoffStore()
    try:
        return store.delete_closed_before(cutoff, dry_run=dry_run)
    finally:
        store.database.close()


def parse_arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m staff.purge", description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=None,
                        help="retention period in days (default: privacy.retention_days in clinic.yml)")
    parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    arguments = parser.parse_args(argv)
    if arguments.days is not None and arguments.days < 1:
        parser.error("--days must be at least 1")
    return arguments


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = parse_arguments(argv)
    days = arguments.days or current_clinic().privacy.retention_days
    verb = "Would delete" if arguments.dry_run else "Deleted"
    try:
        conversations = purge_conversations(tracker_store_url(), days, arguments.dry_run)
        bookings = purge_bookings(days, arguments.dry_run)
        handoffs = purge_handoffs(days, arguments.dry_run)
    except (sa.exc.SQLAlchemyError, StorageUnavailable, HandoffStoreUnavailable) as error:
        # The error class only: driver messages can quote row data.
        print(f"error: database unavailable ({type(error).__name__})", file=sys.stderr)
        return 1
    print(f"{verb} {conversations} conversations and {bookings} booking requests "
          f"older than {days} days.")
    print(f"{verb} {handoffs} ended hand-offs to staff older than {days} days.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
