"""Retention (`make purge`): old conversations and booking requests go, recent ones
stay, on a real SQLite file and a throwaway PostgreSQL."""
import asyncio
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from actions.storage import BookingStore, ContactRequest, contact_requests
from common.paths import ROOT
from local_services.postgres import create_database

pytestmark = pytest.mark.unit

DAY = 24 * 60 * 60


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.system)])
def databases(request, tmp_path: Path):
    """(tracker store URL, bookings URL), both empty."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}", f"sqlite:///{tmp_path / 'bookings.db'}"
    server = request.getfixturevalue("postgres_server")
    return create_database(server), create_database(server)


def rasa_store(url: str) -> SQLTrackerStore:
    """Rasa's own SQL tracker store on `url`, as the Rasa server would open it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SQLTrackerStore(dialect="sqlite", db=parsed.database)
    return SQLTrackerStore(dialect="postgresql", host=parsed.host, port=parsed.port,
                           db=parsed.database, username=parsed.username)


def save_conversation(store: SQLTrackerStore, sender: str, *days_ago: float) -> None:
    """One user message and bot answer at each of the given ages, via Rasa's API."""
    events = []
    for age in days_ago:
        at = time.time() - age * DAY
        events += [UserUttered("private text", timestamp=at),
                   ActionExecuted("utter_greet", timestamp=at),
                   BotUttered("an answer", timestamp=at)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def senders(url: str) -> set:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(sa.text("SELECT DISTINCT sender_id FROM events"))}
    finally:
        engine.dispose()


def save_booking(url: str, sender: str, age_days: int) -> str:
    store = BookingStore(url)
    try:
        reference = store.save_request(ContactRequest(
            kind="callback", name="Old Patient", contact="+15551230000", contact_kind="phone",
            consent=True, sender_id=sender))
        with store.engine.begin() as connection:
            connection.execute(
                sa.update(contact_requests).where(contact_requests.c.reference == reference)
                .values(created_at=datetime.now(timezone.utc) - timedelta(days=age_days)))
        return reference
    finally:
        store.close()


def references(url: str) -> set:
    store = BookingStore(url)
    try:
        return {row["reference"] for row in store.list_requests()}
    finally:
        store.close()


def purge(tracker_url: str, bookings_url: str, *arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACKER_STORE_URL": tracker_url, "BOOKINGS_DATABASE_URL": bookings_url}
    return subprocess.run([sys.executable, "-m", "staff.purge", *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def fill(tracker_url: str, bookings_url: str):
    store = rasa_store(tracker_url)
    save_conversation(store, "old", 100, 95)
    save_conversation(store, "long-running", 100, 1)  # started long ago, still going on
    save_conversation(store, "recent", 2)
    store.engine.dispose()
    return save_booking(bookings_url, "old", 100), save_booking(bookings_url, "recent", 5)


def test_old_data_goes_and_recent_data_stays(databases):
    tracker_url, bookings_url = databases
    old_booking, recent_booking = fill(tracker_url, bookings_url)

    result = purge(tracker_url, bookings_url, "--days", "30")

    assert result.returncode == 0, result.stderr
    assert "Deleted 1 conversations and 1 booking requests older than 30 days." in result.stdout
    assert senders(tracker_url) == {"long-running", "recent"}
    assert references(bookings_url) == {recent_booking}
    # Only counts are printed.
    assert "private text" not in result.stdout + result.stderr
    assert "old" not in result.stdout.replace("older", "")


def test_a_dry_run_counts_and_deletes_nothing(databases):
    tracker_url, bookings_url = databases
    old_booking, recent_booking = fill(tracker_url, bookings_url)

    result = purge(tracker_url, bookings_url, "--days", "30", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "Would delete 1 conversations and 1 booking requests" in result.stdout
    assert senders(tracker_url) == {"old", "long-running", "recent"}
    assert references(bookings_url) == {old_booking, recent_booking}


def test_the_default_period_comes_from_the_clinic_file(tmp_path: Path):
    tracker_url = f"sqlite:///{tmp_path / 'conversations.db'}"
    bookings_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    fill(tracker_url, bookings_url)  # old = 95-100 days, so beyond 90

    result = purge(tracker_url, bookings_url)

    assert result.returncode == 0, result.stderr
    assert "Deleted 1 conversations and 1 booking requests older than 90 days." in result.stdout


def test_no_conversation_store_yet_is_not_an_error(tmp_path: Path):
    result = purge(f"sqlite:///{tmp_path / 'none.db'}", f"sqlite:///{tmp_path / 'b.db'}")
    assert result.returncode == 0, result.stderr
    assert "Deleted 0 conversations and 0 booking requests" in result.stdout
    assert not (tmp_path / "none.db").exists()


def test_a_bad_period_is_refused(tmp_path: Path):
    result = purge(f"sqlite:///{tmp_path / 'c.db'}", f"sqlite:///{tmp_path / 'b.db'}", "--days", "0")
    assert result.returncode == 2
