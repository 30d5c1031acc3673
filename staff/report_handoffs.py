"""Hand-offs to staff, for the staff report: how many, why, how long patients waited.

Read from the hand-off table (handoff/store.py) in HANDOFF_DATABASE_URL (else
BOOKINGS_DATABASE_URL), for the report's window. A patient's wait runs from the
hand-off to the first staff reply (or take-over); hand-offs staff started
themselves had no wait and are left out of the waiting times, and so are waits
nobody picked up (they are counted as timed out). The 90th percentile is
interpolated linearly between the two nearest waits.
"""
import statistics
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy.engine import make_url

from handoff import tables
from handoff.database import Database, database_url
from handoff.store import REASON_LABELS, Handoff, HandoffStore, HandoffStoreUnavailable

Row = Dict[str, object]
COLUMNS = ["reason", "reason_label", "requested", "outside_staff_hours", "picked_up", "timed_out",
           "still_waiting", "median_wait_seconds", "p90_wait_seconds"]


def load_handoffs(start: float, end: float, url: Optional[str] = None) -> List[Handoff]:
    """Hand-offs requested in [start, end) (timestamps); none if there is no database yet."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return []  # nothing stored yet; do not create an empty database file
    database = Database(url)
    try:
        return HandoffStore(database).requested_between(
            datetime.fromtimestamp(start, timezone.utc), datetime.fromtimestamp(end, timezone.utc))
    except HandoffStoreUnavailable:
        return []
    finally:
        database.close()


def percentile(values: Sequence[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default method)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def waits(handoffs: Sequence[Handoff]) -> List[float]:
    """Seconds from the hand-off to the first staff reply, for those staff picked up."""
    return [(h.picked_up_at - h.requested_at).total_seconds() for h in handoffs
            if h.picked_up_at is not None and h.reason != "staff_takeover"]


def wait_figures(handoffs: Sequence[Handoff]) -> Tuple[Optional[float], Optional[float]]:
    found = waits(handoffs)
    if not found:
        return None, None
    return round(statistics.median(found), 1), round(percentile(found, 0.9), 1)


def handoff_rows(handoffs: Sequence[Handoff]) -> List[Row]:
    """One row per reason (most frequent first), then a row for all of them."""
    by_reason: Dict[str, List[Handoff]] = {}
    for handoff in handoffs:
        by_reason.setdefault(handoff.reason, []).append(handoff)
    ordered = sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0]))
    rows = [_row(reason, REASON_LABELS.get(reason, reason), group) for reason, group in ordered]
    if rows:
        rows.append(_row("all", "All hand-offs", list(handoffs)))
    return rows


def _row(reason: str, label: str, group: Sequence[Handoff]) -> Row:
    median, p90 = wait_figures(group)
    statuses = [h.status for h in group]
    return {
        "reason": reason, "reason_label": label, "requested": len(group),
        "outside_staff_hours": statuses.count(tables.OUTSIDE_HOURS),
        "picked_up": sum(1 for h in group if h.picked_up_at is not None),
        "timed_out": statuses.count(tables.TIMED_OUT),
        "still_waiting": statuses.count(tables.WAITING),
        "median_wait_seconds": "" if median is None else median,
        "p90_wait_seconds": "" if p90 is None else p90,
    }


def summary_rows(handoffs: Sequence[Handoff]) -> List[Tuple[str, object]]:
    median, p90 = wait_figures(handoffs)
    statuses = [h.status for h in handoffs]
    return [
        ("handoffs", len(handoffs)),
        ("handoffs_outside_staff_hours", statuses.count(tables.OUTSIDE_HOURS)),
        ("handoffs_picked_up", sum(1 for h in handoffs if h.picked_up_at is not None)),
        ("handoffs_timed_out", statuses.count(tables.TIMED_OUT)),
        ("handoff_wait_median_seconds", "" if median is None else median),
        ("handoff_wait_p90_seconds", "" if p90 is None else p90),
    ]
