"""The hand-off data, on real SQLite files (PostgreSQL: tests/test_handoff_replicas.py):
hand-off rows, staff accounts and their lockout, sessions, the audit log and its
export, `make staff-user`, the report's waiting times and the staff alerts' wording."""
import csv
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from common.paths import ROOT
from handoff import tables
from argon2 import PasswordHasher

from handoff.accounts import AccountError, StaffAccounts
from handoff.audit import AuditLog
from handoff.database import Database
from handoff.notify import alert_subject, alert_text
from handoff.outbox import WidgetOutbox, updates_for_widget
from handoff.sessions import StaffSessions
from handoff.settings import InboxSettings
from handoff.store import HandoffStore
from local_services.processes import base_env
from staff.report_handoffs import handoff_rows, percentile, summary_rows
from tests.servers import PYTHON

pytestmark = pytest.mark.unit

START = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)
PASSWORD = "a password long enough"
# Still argon2id, with low costs: these tests check the rules, not the hash's strength.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def database(tmp_path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'handoff.db'}")


# ---------------------------------------------------------------------------
# Hand-off rows
# ---------------------------------------------------------------------------
def test_one_active_hand_off_per_conversation(database):
    store = HandoffStore(database)
    first, created = store.request("s1", "twilio", "asked_for_person", now=START)
    again, created_again = store.request("s1", "twilio", "not_understood", urgent=True, now=START)
    assert created and not created_again and again.id == first.id
    assert again.urgent, "an urgent request makes the waiting one urgent"
    assert store.close(first.id, tables.RESOLVED)
    later, created_later = store.request("s1", "twilio", "asked_for_person")
    assert created_later and later.id != first.id
    # The database itself refuses a second active row, whoever writes it.
    with pytest.raises(sa.exc.IntegrityError):
        with database.write() as connection:
            connection.execute(sa.insert(tables.handoffs).values(
                sender_id="s1", channel="rest", reason="other", urgent=False, status="open",
                requested_at=START, notify_attempts=0))


def test_only_one_of_two_staff_picks_up_and_only_one_closes(database):
    store = HandoffStore(database)
    waiting, _ = store.request("s2", "rest", "asked_for_person", now=START)
    assert store.pick_up(waiting.id, "dana", START + timedelta(seconds=42))
    assert not store.pick_up(waiting.id, "lee")
    picked = store.active_for("s2")
    assert (picked.status, picked.assigned_to, picked.picked_up_at - picked.requested_at) == (
        "open", "dana", timedelta(seconds=42))
    assert store.close(waiting.id, tables.HANDED_BACK)
    assert not store.close(waiting.id, tables.RESOLVED)
    with pytest.raises(ValueError):
        store.close(waiting.id, tables.WAITING)


def test_overdue_waits_and_notifications_are_claimed_once(database):
    store = HandoffStore(database)
    old, _ = store.request("old", "rest", "asked_for_person", now=START - timedelta(minutes=11))
    store.request("new", "rest", "asked_for_person", now=START)
    assert [h.sender_id for h in store.waiting_since_before(START - timedelta(minutes=10))] == ["old"]
    assert store.close(old.id, tables.TIMED_OUT) and not store.close(old.id, tables.TIMED_OUT)

    [new] = store.to_notify(START - timedelta(hours=1))
    assert store.claim_notification(new.id) and not store.claim_notification(new.id)
    assert store.to_notify(START - timedelta(hours=1)) == []
    store.notification_failed(new.id)  # a failed alert is tried again, at most three times
    for _ in range(2):
        assert store.claim_notification(new.id)
        store.notification_failed(new.id)
    assert store.to_notify(START - timedelta(hours=1)) == []


def test_a_take_over_opens_a_new_hand_off_or_picks_up_the_waiting_one(database):
    store = HandoffStore(database)
    taken = store.take_over("s3", "slack", "dana", condition="tmj")
    assert (taken.status, taken.reason, taken.assigned_to) == ("open", "staff_takeover", "dana")
    waiting, _ = store.request("s4", "rest", "asked_for_person")
    assert store.take_over("s4", "rest", "lee").id == waiting.id
    assert store.active_for("s4").assigned_to == "lee"


def test_the_widget_gets_its_own_conversation_s_messages_in_order(database):
    outbox = WidgetOutbox(database)
    HandoffStore(database).take_over("w1", "rest", "dana")
    first = outbox.add("w1", {"text": "Hello", "from": "staff", "name": "Dana"})
    outbox.add("someone-else", {"text": "Not yours", "from": "staff"})
    second = outbox.add("w1", {"text": "Still there?", "from": "staff"})
    updates = updates_for_widget("w1", 0, database)
    assert [m["text"] for m in updates["messages"]] == ["Hello", "Still there?"]
    assert updates["handoff"] == "open"
    assert updates_for_widget("w1", first, database)["messages"][0]["id"] == second
    assert updates_for_widget("nobody", 0, database) == {"messages": [], "handoff": None}


# ---------------------------------------------------------------------------
# Staff accounts and sessions
# ---------------------------------------------------------------------------
def test_passwords_are_argon2_hashes_and_the_rules_hold(database):
    accounts = StaffAccounts(database)
    accounts.create("Dana", "Dana Lee", PASSWORD)
    with database.read() as connection:
        stored = connection.execute(sa.select(tables.staff_users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(AccountError, match="at least 12 characters"):
        accounts.create("lee", "Lee", "short")
    with pytest.raises(AccountError, match="already an account 'dana'"):
        accounts.create("dana", "Other", PASSWORD)
    with pytest.raises(AccountError, match="username"):
        accounts.create("no spaces", "X", PASSWORD)
    result = accounts.sign_in(" DANA ", PASSWORD, "10.0.0.1")
    assert result.ok and (result.username, result.display_name) == ("dana", "Dana Lee")


def test_five_failures_lock_the_account_even_against_the_right_password(database):
    clock = Clock()
    accounts = StaffAccounts(database, InboxSettings(max_failed_logins=5, lockout=timedelta(minutes=15)), clock, CHEAP)
    accounts.create("dana", "Dana", PASSWORD)
    outcomes = [accounts.sign_in("dana", "wrong password!", "10.0.0.1").outcome for _ in range(5)]
    assert outcomes == ["wrong"] * 4 + ["locked"]
    assert accounts.sign_in("dana", PASSWORD, "10.0.0.2").outcome == "locked"
    clock.advance(minutes=14)
    assert accounts.sign_in("dana", PASSWORD, "10.0.0.2").outcome == "locked"
    clock.advance(minutes=2)
    assert accounts.sign_in("dana", PASSWORD, "10.0.0.2").ok


def test_unknown_names_and_disabled_accounts_look_like_wrong_passwords(database):
    clock = Clock()
    accounts = StaffAccounts(database, InboxSettings(max_failed_logins=3), clock, CHEAP)
    accounts.create("dana", "Dana", PASSWORD)
    accounts.set_disabled("dana", True)
    assert accounts.sign_in("dana", PASSWORD, "10.0.0.1").outcome == "wrong"
    assert [accounts.sign_in("nobody", "x", "10.0.0.1").outcome for _ in range(3)] == ["wrong", "wrong", "locked"]
    accounts.unlock("nobody")
    assert accounts.sign_in("nobody", "x", "10.0.0.1").outcome == "wrong"


def test_one_address_trying_many_names_is_locked_out(database):
    accounts = StaffAccounts(database, InboxSettings(max_failed_logins=2), Clock(), CHEAP)
    accounts.create("dana", "Dana", PASSWORD)
    outcomes = [accounts.sign_in(f"user{n}", "x", "10.9.9.9").outcome for n in range(8)]
    assert outcomes[-1] == "locked"  # 4 x 2 failures from one address
    assert accounts.sign_in("dana", PASSWORD, "10.9.9.9").outcome == "locked"
    assert accounts.sign_in("dana", PASSWORD, "10.0.0.1").ok


def test_sessions_end_when_idle_or_too_old_and_refreshes_do_not_keep_them(database):
    clock = Clock()
    settings = InboxSettings(idle_timeout=timedelta(minutes=15), max_session=timedelta(hours=12))
    StaffAccounts(database, settings, clock, CHEAP).create("dana", "Dana", PASSWORD)
    sessions = StaffSessions(database, settings, clock)
    token, csrf = sessions.start("dana")
    with database.read() as connection:
        assert token not in str(connection.execute(sa.select(tables.staff_sessions)).all())
    assert sessions.find(token).csrf_token == csrf
    clock.advance(minutes=14)
    assert sessions.find(token, activity=False) is not None  # a background refresh
    clock.advance(minutes=2)
    assert sessions.find(token) is None, "16 minutes without a staff action"
    token, _ = sessions.start("dana")
    for _ in range(50):  # active all along, but 12 hours is the most
        clock.advance(minutes=14, seconds=59)
        found = sessions.find(token)
    assert found is None
    assert sessions.find("not-a-token") is None and sessions.find(None) is None


def test_a_disabled_account_loses_its_session(database):
    accounts = StaffAccounts(database, hasher=CHEAP)
    accounts.create("dana", "Dana", PASSWORD)
    sessions = StaffSessions(database)
    token, _ = sessions.start("dana")
    accounts.set_disabled("dana", True)
    assert sessions.find(token) is None


# ---------------------------------------------------------------------------
# The command lines: make staff-user, make audit-log
# ---------------------------------------------------------------------------
def run_module(module, *args, url, stdin=""):
    return subprocess.run([PYTHON, "-m", module, *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=base_env({"HANDOFF_DATABASE_URL": url}), timeout=120)


def test_make_staff_user_reads_the_password_from_standard_input(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    created = run_module("handoff.staff_accounts", "add", "jane", "--name", "Jane Roe", url=url,
                         stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert PASSWORD not in created.stdout + created.stderr
    assert StaffAccounts(Database(url)).sign_in("jane", PASSWORD, "127.0.0.1").ok
    short = run_module("handoff.staff_accounts", "add", "joe", url=url, stdin="short\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    listed = run_module("handoff.staff_accounts", "list", url=url)
    assert listed.stdout.strip() == "jane\tJane Roe\tactive"
    make = (ROOT / "Makefile").read_text()
    assert "python -m handoff.staff_accounts add" in make and "python -m handoff.audit_export" in make


def test_the_audit_log_export_names_who_did_what_to_which_conversation(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    log = AuditLog(Database(url))
    log.record("dana", "transcript_opened", conversation="abc123", handoff_id=7, client_ip="10.0.0.1")
    log.record("dana", "reply_sent", conversation="abc123", handoff_id=7, client_ip="10.0.0.1")
    out = tmp_path / "audit.csv"
    result = run_module("handoff.audit_export", "--out", str(out), url=url)
    assert result.returncode == 0, result.stderr
    assert "2 audit log entries" in result.stdout
    rows = list(csv.DictReader(out.open()))
    assert [(r["staff"], r["action"], r["conversation"], r["handoff_id"]) for r in rows] == [
        ("dana", "transcript_opened", "abc123", "7"), ("dana", "reply_sent", "abc123", "7")]
    assert datetime.fromisoformat(rows[0]["at"]).tzinfo is not None


# ---------------------------------------------------------------------------
# The staff report's figures and the alerts' wording
# ---------------------------------------------------------------------------
def test_waiting_times_median_and_90th_percentile(database):
    store = HandoffStore(database)
    waits = [30, 60, 90, 120, 600]  # seconds to the first staff reply
    for number, wait in enumerate(waits):
        handoff, _ = store.request(f"w{number}", "rest", "asked_for_person", now=START)
        store.pick_up(handoff.id, "dana", START + timedelta(seconds=wait))
    timed_out, _ = store.request("t", "twilio", "not_understood", now=START)
    store.close(timed_out.id, tables.TIMED_OUT)
    store.record_outside_hours("o", "rest", "asked_for_person", now=START)
    store.take_over("x", "slack", "dana", now=START)  # no wait at all: left out of the times
    handoffs = store.requested_between(START - timedelta(days=1), START + timedelta(days=1))

    summary = dict(summary_rows(handoffs))
    assert summary["handoffs"] == 8 and summary["handoffs_timed_out"] == 1
    assert summary["handoffs_outside_staff_hours"] == 1 and summary["handoffs_picked_up"] == 6
    assert summary["handoff_wait_median_seconds"] == 90
    # 90th percentile of 30, 60, 90, 120, 600 by linear interpolation: 120 + 0.6 * 480.
    assert summary["handoff_wait_p90_seconds"] == 408
    rows = {r["reason"]: r for r in handoff_rows(handoffs)}
    assert rows["asked_for_person"]["requested"] == 6 and rows["not_understood"]["timed_out"] == 1
    assert rows["staff_takeover"]["median_wait_seconds"] == ""
    assert rows["all"]["requested"] == 8
    assert percentile([5], 0.9) == 5


def test_an_alert_says_someone_waits_and_never_who(database):
    store = HandoffStore(database)
    handoff, _ = store.request("+16175550199", "twilio", "urgent_symptoms", urgent=True,
                               condition="tmj", now=START)
    text = alert_text(handoff, "https://clinic.example.org/webhooks/staff/")
    assert text == ("URGENT: a patient is waiting for a staff member in the Harbor View Medical Clinic chat.\n"
                    "Reason: Urgent symptoms after a treatment.\n"
                    "Channel: SMS or WhatsApp.\n"
                    "Waiting since Wednesday, Dec 2 at 10:00 AM.\n"
                    "Open the staff inbox: https://clinic.example.org/webhooks/staff/")
    assert alert_subject(handoff) == "URGENT: A patient is waiting in the staff inbox"
    assert "5550199" not in text and "tmj" not in text.lower()


def test_the_staff_report_has_the_hand_offs(tmp_path):
    from staff import report

    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    store = HandoffStore(Database(url))
    now = datetime.now(timezone.utc)
    for number, wait in enumerate((60, 180)):
        handoff, _ = store.request(f"r{number}", "rest", "asked_for_person", now=now - timedelta(hours=1))
        store.pick_up(handoff.id, "dana", now - timedelta(hours=1) + timedelta(seconds=wait))
    store.record_outside_hours("r9", "twilio", "not_understood", now=now - timedelta(hours=2))
    out = tmp_path / "report"
    assert report.main(["--out", str(out), "--tracker-store-url", f"sqlite:///{tmp_path / 'none.db'}",
                        "--handoff-database-url", url, "--model", str(tmp_path / "no-model.tar.gz"),
                        "--holdout", str(tmp_path / "no-holdout.json")]) == 0

    summary = {r["metric"]: r["value"] for r in csv.DictReader((out / "summary.csv").open())}
    assert (summary["handoffs"], summary["handoffs_outside_staff_hours"], summary["handoffs_picked_up"]) == ("3", "1", "2")
    assert (float(summary["handoff_wait_median_seconds"]), float(summary["handoff_wait_p90_seconds"])) == (120.0, 168.0)
    rows = {r["reason"]: r for r in csv.DictReader((out / "handoffs.csv").open())}
    assert rows["asked_for_person"]["requested"] == "2" and rows["not_understood"]["outside_staff_hours"] == "1"
    page = (out / "report.html").read_text()
    assert "Hand-offs to staff" in page and "median 2.0 min, 90th percentile 2.8 min" in page
