"""Exports the staff inbox's audit log as CSV (`make audit-log`).

    python -m handoff.audit_export [--out var/audit-log.csv] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
    python -m handoff.audit_export --conversation <conversation id>   # only that conversation

Columns: at (UTC, ISO 8601), staff (username), action (login, login_failed,
login_locked_out, logout, transcript_opened, reply_sent, took_over, handed_back,
resolved), conversation (the keyed hash of the conversation id, the same as a
booking request's sender_id_hash), handoff_id, client_ip. `--conversation`
takes a conversation id (e.g. an SMS number) and hashes it the same way.
"""
import argparse
import csv
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List, Optional

from handoff.database import DATABASE_ERRORS

from actions.storage import hash_sender_id
from common.paths import ROOT
from handoff.audit import COLUMNS, AuditLog


def day(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)


def arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m handoff.audit_export", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "audit-log.csv")
    parser.add_argument("--since", type=day, help="first day (UTC), YYYY-MM-DD")
    parser.add_argument("--until", type=day, help="last day (UTC), YYYY-MM-DD, included")
    parser.add_argument("--conversation", help="only this conversation id (hashed before comparing)")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = arguments(argv)
    until = args.until + timedelta(days=1) if args.until else None
    wanted = hash_sender_id(args.conversation) if args.conversation else None
    try:
        rows = [row for row in AuditLog().rows(args.since, until)
                if wanted is None or row["conversation"] == wanted]
    except DATABASE_ERRORS as error:
        print(f"error: the database is unavailable ({type(error).__name__})", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "at": row["at"].isoformat()})
    print(f"{len(rows)} audit log entries written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
