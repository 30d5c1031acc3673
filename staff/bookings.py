"""Staff view of consultation and callback requests.

    python -m staff.bookings list   [--since YYYY-MM-DD] [--kind consultation|callback]
    python -m staff.bookings export --out FILE.csv [--since YYYY-MM-DD] [--kind ...]

Reads the database in BOOKINGS_DATABASE_URL (default: var/bookings.db), like the bot.
Times are shown in UTC; --since is the start of that day in UTC.
Exit codes: 0 done, 1 database or file error, 2 bad arguments.
"""
import argparse
import csv
import os
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from actions.storage import KINDS, BookingStore, StorageUnavailable

EXIT_OK = 0
EXIT_FAILED = 1

# Columns staff see, in order (the internal id and the conversation hash are left out).
TABLE_COLUMNS = (
    ("reference", "Reference"),
    ("created_at", "Created (UTC)"),
    ("kind", "Kind"),
    ("status", "Status"),
    ("name", "Name"),
    ("contact", "Contact"),
    ("condition", "Condition"),
    ("location_id", "Location"),
    ("preferred_time", "Preferred time (UTC)"),
    ("consent", "Consent"),
)
CSV_COLUMNS = (
    "reference",
    "kind",
    "status",
    "created_at",
    "name",
    "contact",
    "contact_kind",
    "condition",
    "location_id",
    "preferred_time",
    "consent",
)
MAX_CELL_WIDTH = 32
# A spreadsheet treats a cell starting with one of these as a formula; patients type
# names and conditions, so such cells are exported with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"\+[0-9]{7,15}")


def day_in_utc(text: str) -> datetime:
    """argparse type for --since: YYYY-MM-DD, the start of that day in UTC."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}")
    return day.replace(tzinfo=timezone.utc)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m staff.bookings",
        description="List or export patients' consultation and callback requests.",
    )
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument(
        "--since", type=day_in_utc, metavar="YYYY-MM-DD",
        help="only requests created on or after this day (UTC)",
    )
    filters.add_argument("--kind", choices=KINDS, help="only this kind of request")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("list", parents=[filters], help="print requests as a table, newest first")
    export = commands.add_parser("export", parents=[filters], help="write requests to a CSV file")
    export.add_argument(
        "--out", required=True, type=Path, metavar="FILE.csv", help="CSV file to write"
    )
    return parser


def display_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
    return str(value)


def format_table(requests: List[Dict[str, Any]]) -> str:
    headers = [title for _, title in TABLE_COLUMNS]
    rows = [
        [shorten(display_value(request[key])) for key, _ in TABLE_COLUMNS]
        for request in requests
    ]
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    lines = [headers, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
        for line in lines
    )


def shorten(text: str) -> str:
    text = " ".join(text.split())  # no newlines or tabs breaking the table
    return text if len(text) <= MAX_CELL_WIDTH else text[: MAX_CELL_WIDTH - 1] + "…"


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(requests: List[Dict[str, Any]], out: Path) -> None:
    """Write the whole file or nothing: a temporary file is renamed into place."""
    out = out.resolve()
    # mkstemp creates the file readable by its owner only, as patient data should be.
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        # utf-8-sig so that spreadsheet programs read accented names correctly.
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as csv_file:
            writer = csv.writer(csv_file)
            writer.writerow(CSV_COLUMNS)
            for request in requests:
                writer.writerow([csv_value(request[column]) for column in CSV_COLUMNS])
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    store = BookingStore()
    try:
        requests = store.list_requests(since=args.since, kind=args.kind)
    except StorageUnavailable as error:
        print(f"error: the bookings database is unavailable: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        store.close()

    if args.command == "list":
        if requests:
            print(format_table(requests))
        print(f"{len(requests)} request(s)")
        return EXIT_OK

    try:
        write_csv(requests, args.out)
    except OSError as error:
        print(f"error: could not write {args.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Exported {len(requests)} request(s) to {args.out}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
