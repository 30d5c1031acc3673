"""Booking storage on two real backends: a SQLite file and a throwaway PostgreSQL.

A patient's request must never be lost, half-written or duplicated; these tests
check that against real databases, real concurrency and real failures.
"""
import csv
import hashlib
import logging
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, List

import pytest
import sqlalchemy as sa

from actions import storage
from actions.storage import (
    BookingStore,
    ContactRequest,
    StorageUnavailable,
    contact_requests,
    default_store,
)
from common.paths import ROOT
from local_services.postgres import create_database
from local_services.processes import free_port

pytestmark = pytest.mark.unit

# The export's header, written out: a spreadsheet staff keep depends on it.
CSV_HEADER = ("reference", "kind", "status", "created_at", "name", "contact", "contact_kind",
              "condition", "location_id", "preferred_time", "consent")

REFERENCE_FORMAT = re.compile(r"HV-[A-HJ-NP-Z2-9]{6}")  # no 0, O, 1 or I
PREFERRED_TIME = datetime(2030, 3, 4, 15, 30, tzinfo=timezone.utc)


def make_request(**changes) -> ContactRequest:
    fields = dict(
        kind="consultation",
        name="Jane Doe",
        contact="+15551234567",
        contact_kind="phone",
        consent=True,
        sender_id="conversation-1",
        condition="chronic migraine",
        location_id="downtown",
        preferred_time=PREFERRED_TIME,
    )
    fields.update(changes)
    return ContactRequest(**fields)


def make_callback(**changes) -> ContactRequest:
    fields = dict(
        kind="callback",
        name="Sam Roe",
        contact="sam.roe@example.com",
        contact_kind="email",
        consent=True,
        sender_id="conversation-2",
        condition=None,
        location_id=None,
        preferred_time=None,
    )
    fields.update(changes)
    return make_request(**fields)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.system)])
def database_url(request, tmp_path: Path) -> str:
    """An empty database of each kind (a new PostgreSQL database per test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bookings.db'}"
    return create_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def store(database_url: str) -> Iterator[BookingStore]:
    booking_store = BookingStore(database_url)
    yield booking_store
    booking_store.close()


def stored_rows(url: str) -> List[dict]:
    """The table as a separate connection sees it, i.e. only what was committed."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(row) for row in connection.execute(sa.select(contact_requests)).mappings()]
    finally:
        engine.dispose()


def age_rows(store: BookingStore, references: List[str], age: timedelta) -> None:
    """Pretend these requests were made `age` ago."""
    with store.engine.begin() as connection:
        connection.execute(
            sa.update(contact_requests)
            .where(contact_requests.c.reference.in_(references))
            .values(created_at=datetime.now(timezone.utc) - age)
        )


# ------------------------------------------------------------------ saving and listing


def test_a_saved_request_keeps_every_field(store: BookingStore, database_url: str) -> None:
    # A local time with an offset: it must come back as the same instant, in UTC.
    preferred = datetime(2030, 3, 4, 10, 30, tzinfo=timezone(timedelta(hours=-5)))
    before = datetime.now(timezone.utc)

    reference = store.save_request(make_request(preferred_time=preferred))

    assert REFERENCE_FORMAT.fullmatch(reference)
    [row] = stored_rows(database_url)
    assert row["reference"] == reference
    [listed] = store.list_requests()
    assert listed["reference"] == reference
    assert listed["kind"] == "consultation"
    assert listed["name"] == "Jane Doe"
    assert listed["contact"] == "+15551234567"
    assert listed["contact_kind"] == "phone"
    assert listed["condition"] == "chronic migraine"
    assert listed["location_id"] == "downtown"
    assert listed["preferred_time"] == preferred
    assert listed["preferred_time"].utcoffset() == timedelta(0)
    assert listed["consent"] is True
    assert listed["status"] == "new"
    assert listed["sender_id_hash"] == storage.hash_sender_id("conversation-1")
    assert listed["sender_id_hash"] != hashlib.sha256(b"conversation-1").hexdigest()
    assert "conversation-1" not in listed.values()
    assert listed["created_at"].tzinfo is not None
    assert before <= listed["created_at"] <= datetime.now(timezone.utc)


def test_a_callback_needs_no_time_condition_or_location(store: BookingStore) -> None:
    reference = store.save_request(make_callback())

    [listed] = store.list_requests()
    assert listed["reference"] == reference
    assert listed["preferred_time"] is None
    assert listed["condition"] is None and listed["location_id"] is None
    assert listed["contact_kind"] == "email"


def test_listing_is_newest_first_and_filters(store: BookingStore) -> None:
    first = store.save_request(make_request(sender_id="a"))
    second = store.save_request(make_callback(sender_id="b"))
    third = store.save_request(make_request(sender_id="c"))

    assert [r["reference"] for r in store.list_requests()] == [third, second, first]
    assert [r["reference"] for r in store.list_requests(kind="consultation")] == [third, first]
    assert [r["reference"] for r in store.list_requests(kind="callback")] == [second]

    age_rows(store, [first], timedelta(days=3))
    since = datetime.now(timezone.utc) - timedelta(days=1)
    assert [r["reference"] for r in store.list_requests(since=since)] == [third, second]
    assert store.list_requests(since=datetime.now(timezone.utc) + timedelta(minutes=1)) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        store.list_requests(since=datetime(2030, 1, 1))


def test_references_are_unique(store: BookingStore) -> None:
    references = [store.save_request(make_request(sender_id=f"s{n}")) for n in range(30)]

    assert len(set(references)) == 30
    assert all(REFERENCE_FORMAT.fullmatch(reference) for reference in references)


def test_a_reference_collision_is_retried_with_a_new_code(
    store: BookingStore, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = store.save_request(make_request(sender_id="first"))
    codes = iter([taken, taken, "HV-NEWCDE"])
    monkeypatch.setattr(storage, "new_reference", lambda prefix: next(codes))

    assert store.save_request(make_request(sender_id="second")) == "HV-NEWCDE"
    stored = sorted(row["reference"] for row in stored_rows(database_url))
    assert stored == sorted([taken, "HV-NEWCDE"])


def test_endless_collisions_fail_loudly_without_a_row(
    store: BookingStore, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = store.save_request(make_request(sender_id="first"))
    monkeypatch.setattr(storage, "new_reference", lambda prefix: taken)

    with pytest.raises(StorageUnavailable, match="no free reference"):
        store.save_request(make_request(sender_id="second"))
    assert len(stored_rows(database_url)) == 1


def test_the_reference_prefix_is_configurable(database_url: str) -> None:
    clinic_store = BookingStore(database_url, reference_prefix="BX")
    try:
        assert re.fullmatch(r"BX-[A-HJ-NP-Z2-9]{6}", clinic_store.save_request(make_request()))
    finally:
        clinic_store.close()
    with pytest.raises(ValueError):
        BookingStore(database_url, reference_prefix="bad prefix")


# ------------------------------------------------------------------ no duplicates


@pytest.mark.parametrize("make", [make_request, make_callback], ids=["consultation", "callback"])
def test_a_retried_webhook_gets_the_same_reference_and_no_second_row(
    store: BookingStore, database_url: str, make
) -> None:
    request = make()

    first = store.save_request(request)
    again = store.save_request(request)

    assert again == first
    assert len(stored_rows(database_url)) == 1


def test_different_details_or_another_conversation_are_new_requests(store: BookingStore) -> None:
    original = store.save_request(make_request())

    others = [
        store.save_request(make_request(preferred_time=PREFERRED_TIME + timedelta(hours=1))),
        store.save_request(make_request(contact="+15557654321")),
        store.save_request(make_request(sender_id="someone-else")),
        store.save_request(make_callback(sender_id="conversation-1")),
    ]

    assert len({original, *others}) == 5


def test_the_same_request_after_ten_minutes_is_a_new_request(store: BookingStore) -> None:
    first = store.save_request(make_request())
    age_rows(store, [first], timedelta(minutes=11))

    assert store.save_request(make_request()) != first


def test_concurrent_retries_of_one_request_store_one_row(
    store: BookingStore, database_url: str
) -> None:
    request = make_request()

    with ThreadPoolExecutor(max_workers=10) as pool:
        references = list(pool.map(lambda _: store.save_request(request), range(10)))

    assert len(set(references)) == 1
    assert len(stored_rows(database_url)) == 1


def test_fifty_parallel_bookings_are_all_stored(store: BookingStore, database_url: str) -> None:
    requests = [make_request(sender_id=f"patient-{n}", name=f"Patient {n}") for n in range(50)]

    with ThreadPoolExecutor(max_workers=50) as pool:
        references = list(pool.map(store.save_request, requests))

    rows = stored_rows(database_url)
    assert len(rows) == 50
    assert len(set(references)) == 50
    assert {row["reference"] for row in rows} == set(references)
    assert {row["name"] for row in rows} == {f"Patient {n}" for n in range(50)}


# ------------------------------------------------------------------ failures


def test_an_unreachable_postgresql_raises_storage_unavailable() -> None:
    closed_port = free_port()
    unreachable = BookingStore(f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port}/bookings")

    with pytest.raises(StorageUnavailable, match="save request failed"):
        unreachable.save_request(make_request())
    with pytest.raises(StorageUnavailable, match="list requests failed"):
        unreachable.list_requests()


def test_an_unusable_sqlite_path_raises_storage_unavailable(tmp_path: Path) -> None:
    # Root may write anywhere, so make the path impossible: its "folder" is a file.
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("")
    broken = BookingStore(f"sqlite:///{not_a_folder / 'bookings.db'}")

    with pytest.raises(StorageUnavailable):
        broken.save_request(make_request())


def test_a_read_only_sqlite_database_raises_storage_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "bookings.db"
    writable = BookingStore(f"sqlite:///{path}")
    writable.save_request(make_request(sender_id="before"))
    writable.close()
    read_only = BookingStore(f"sqlite:///file:{path}?mode=ro&uri=true")

    with pytest.raises(StorageUnavailable, match="readonly"):
        read_only.save_request(make_request(sender_id="after"))
    assert len(read_only.list_requests()) == 1  # reading still works
    read_only.close()


def test_a_connection_lost_mid_transaction_leaves_no_row(
    store: BookingStore, database_url: str
) -> None:
    """The INSERT has run but the commit fails: nothing may remain, and the next save works."""
    admin = sa.create_engine(database_url)

    def lose_connection_after_insert(connection, cursor, statement, *_):
        if not statement.startswith("INSERT INTO contact_requests"):
            return
        if connection.dialect.name == "postgresql":
            # The server ends this session, as when it is restarted or a proxy drops it.
            backend_pid = cursor.connection.get_backend_pid()
            with admin.connect() as other:
                other.execute(sa.select(sa.func.pg_terminate_backend(backend_pid)))
        else:
            cursor.connection.close()  # SQLite: the handle goes away before COMMIT

    sa.event.listen(store.engine, "after_cursor_execute", lose_connection_after_insert)
    try:
        with pytest.raises(StorageUnavailable):
            store.save_request(make_request())
    finally:
        sa.event.remove(store.engine, "after_cursor_execute", lose_connection_after_insert)
        admin.dispose()

    assert stored_rows(database_url) == []
    assert REFERENCE_FORMAT.fullmatch(store.save_request(make_request()))
    assert len(stored_rows(database_url)) == 1


def test_a_rejected_insert_leaves_no_row_and_no_patient_data_in_the_error(
    store: BookingStore, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Slip past ContactRequest's checks so the database's own check rejects the INSERT
    # (PostgreSQL's message would then quote the whole row, patient data included).
    request = make_request()
    object.__setattr__(request, "preferred_time", None)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(StorageUnavailable) as raised:
        store.save_request(request)

    assert stored_rows(database_url) == []
    for secret in ("Jane Doe", "+15551234567", "chronic migraine"):
        assert secret not in str(raised.value)
        assert secret not in caplog.text
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_patient_data_is_never_logged(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    # DEBUG everywhere before the engine exists, so SQLAlchemy logs its SQL as well.
    caplog.set_level(logging.DEBUG)
    logged_store = BookingStore(database_url)
    try:
        reference = logged_store.save_request(make_request())
        logged_store.save_request(make_request())  # the repeat
        logged_store.list_requests()
    finally:
        logged_store.close()

    assert reference in caplog.text
    for secret in ("Jane Doe", "+15551234567", "chronic migraine", "conversation-1"):
        assert secret not in caplog.text


# ------------------------------------------------------------------ sender id hash


@pytest.fixture
def fresh_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "sender-hash.key"
    monkeypatch.delenv("SENDER_HASH_KEY", raising=False)
    monkeypatch.setenv("SENDER_HASH_KEY_FILE", str(path))
    return path


def test_the_sender_hash_is_keyed_so_phone_numbers_cannot_be_looked_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hmac

    phone = "+16175550199"  # an SMS conversation id
    monkeypatch.setenv("SENDER_HASH_KEY", "secret-one")
    first = storage.hash_sender_id(phone)
    assert first == hmac.new(b"secret-one", phone.encode(), hashlib.sha256).hexdigest()
    assert first != hashlib.sha256(phone.encode()).hexdigest()
    assert storage.hash_sender_id(phone) == first  # duplicates still match
    monkeypatch.setenv("SENDER_HASH_KEY", "secret-two")
    assert storage.hash_sender_id(phone) != first


def test_without_a_key_a_private_per_install_key_is_created_once(fresh_key_file: Path) -> None:
    first = storage.hash_sender_id("conversation-1")
    assert fresh_key_file.stat().st_mode & 0o777 == 0o600
    key = fresh_key_file.read_text()
    assert len(key) == 64
    # Another process (a restart) reads the same key: same hash.
    program = "from actions.storage import hash_sender_id; print(hash_sender_id('conversation-1'))"
    env = {**os.environ, "SENDER_HASH_KEY_FILE": str(fresh_key_file)}
    env.pop("SENDER_HASH_KEY", None)
    again = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert again == first
    assert fresh_key_file.read_text() == key


def test_an_unreadable_key_file_raises_storage_unavailable(
    fresh_key_file: Path, store: BookingStore
) -> None:
    fresh_key_file.mkdir(parents=True)  # a directory where the key file should be
    with pytest.raises(StorageUnavailable):
        store.save_request(make_request())
    assert store.list_requests() == []


# ------------------------------------------------------------------ retention


def test_delete_older_than_removes_only_old_rows(store: BookingStore) -> None:
    old = store.save_request(make_request(sender_id="old"))
    recent = store.save_request(make_request(sender_id="recent"))
    new = store.save_request(make_callback(sender_id="new"))
    age_rows(store, [old], timedelta(days=40))
    age_rows(store, [recent], timedelta(days=10))

    assert store.delete_older_than(30) == 1
    assert {r["reference"] for r in store.list_requests()} == {recent, new}
    assert store.delete_older_than(30) == 0
    with pytest.raises(ValueError):
        store.delete_older_than(0)


# ------------------------------------------------------------------ requests and defaults


def test_invalid_requests_are_refused_without_echoing_the_data() -> None:
    with pytest.raises(ValueError, match="E.164") as raised:
        make_request(contact="555-SECRET")
    assert "SECRET" not in str(raised.value)
    with pytest.raises(ValueError, match="e-mail"):
        make_callback(contact="not-an-address")
    with pytest.raises(ValueError, match="timezone-aware"):
        make_request(preferred_time=datetime(2030, 1, 1, 9, 0))
    with pytest.raises(ValueError, match="preferred_time"):
        make_request(preferred_time=None)
    with pytest.raises(ValueError, match="kind"):
        make_request(kind="surgery")
    with pytest.raises(ValueError, match="consent"):
        make_request(consent="yes")
    assert "Jane" not in repr(make_request())
    assert replace(make_request(), kind="callback").kind == "callback"


def test_the_default_database_is_var_bookings_db_in_the_repository(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BOOKINGS_DATABASE_URL", raising=False)
    assert BookingStore().url.database == str(ROOT / "var" / "bookings.db")

    monkeypatch.setenv("BOOKINGS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert default_store() is default_store()
    assert default_store().url.database == str(tmp_path / "env.db")
    default_store().close()


# ------------------------------------------------------------------ staff CLI


def run_cli(database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "staff.bookings", *arguments],
        cwd=ROOT,
        env={**os.environ, "BOOKINGS_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_lists_and_exports(store: BookingStore, database_url: str, tmp_path: Path) -> None:
    consultation = store.save_request(make_request())
    callback = store.save_request(make_callback(name="=HYPERLINK(1)"))

    listed = run_cli(database_url, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.index(callback) < listed.stdout.index(consultation)  # newest first
    assert "Jane Doe" in listed.stdout and "+15551234567" in listed.stdout

    callbacks_only = run_cli(database_url, "list", "--kind", "callback", "--since", "2000-01-01")
    assert callbacks_only.returncode == 0, callbacks_only.stderr
    assert callback in callbacks_only.stdout and consultation not in callbacks_only.stdout

    out = tmp_path / "requests.csv"
    exported = run_cli(database_url, "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    with out.open(encoding="utf-8-sig", newline="") as csv_file:
        rows = list(csv.reader(csv_file))
    assert tuple(rows[0]) == CSV_HEADER
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [record["reference"] for record in records] == [callback, consultation]
    assert records[1]["name"] == "Jane Doe"
    assert records[1]["contact"] == "+15551234567"  # a phone number is left as it is
    assert records[0]["name"] == "'=HYPERLINK(1)"  # not run as a spreadsheet formula
    assert datetime.fromisoformat(records[1]["preferred_time"]) == PREFERRED_TIME
    assert datetime.fromisoformat(records[1]["created_at"]).tzinfo is not None
    assert records[0]["preferred_time"] == ""

    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%d")
    empty = tmp_path / "empty.csv"
    assert run_cli(database_url, "export", "--out", str(empty), "--since", tomorrow).returncode == 0
    assert empty.read_text(encoding="utf-8-sig").splitlines() == [",".join(CSV_HEADER)]


def test_cli_reports_errors_with_exit_codes(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'bookings.db'}"

    bad_date = run_cli(database_url, "list", "--since", "03/04/2030")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr

    no_folder = run_cli(database_url, "export", "--out", str(tmp_path / "missing" / "x.csv"))
    assert no_folder.returncode == 1 and "could not write" in no_folder.stderr
    assert not (tmp_path / "missing").exists()

    unreachable = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/bookings"
    down = run_cli(unreachable, "list")
    assert down.returncode == 1 and "unavailable" in down.stderr
    assert "Traceback" not in down.stderr
