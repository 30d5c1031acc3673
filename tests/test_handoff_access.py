"""Who may use the staff inbox, end to end on the shared stack: nothing without a
session, CSRF on every change, the sign-in lockout, the idle timeout, cookie
flags, and the audit log of every transcript opened and reply sent (exported
the way `make audit-log` does)."""
import csv
import subprocess
import uuid
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from common.paths import ROOT
from handoff.tables import staff_sessions
from local_services.processes import base_env
from tests.handoff_helpers import STAFF_PASSWORD, Staff, conversation_key, create_staff_user, wait_until
from tests.servers import PYTHON

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def username(stack) -> str:
    name = f"access-{uuid.uuid4().hex[:6]}"
    create_staff_user(stack.handoff_url, name, name="Robin")
    return name


@pytest.fixture
def conversation(stack):
    """A patient who said something, and the inbox's name for the conversation."""
    patient = stack.patient("access")
    patient.say_text("Does Botox help migraines?")
    return patient, conversation_key(stack.sender_hash_key_file, patient.sender)


def test_nothing_without_a_session_not_even_a_count(stack, conversation):
    _, key = conversation
    base = f"{stack.url}/webhooks/staff/"
    page = requests.get(base, allow_redirects=False, timeout=30)
    assert page.status_code == 303 and page.headers["Location"] == "/webhooks/staff/login"
    for path in ("api/queue", f"api/conversations/{key}", f"api/conversations/{key}/messages?after=0"):
        for cookies in ({}, {"staff_session": "made-up"}):
            reply = requests.get(base + path, cookies=cookies, timeout=30)
            assert (reply.status_code, reply.json()) == (401, {"error": "Please sign in."}), path
    for action in ("take-over", "reply", "hand-back", "resolve"):
        reply = requests.post(f"{base}api/conversations/{key}/{action}", json={"text": "x"}, timeout=30)
        assert reply.status_code == 401
    login = requests.get(base + "login", timeout=30)
    assert login.status_code == 200 and "waiting" not in login.text.lower()


def test_every_change_needs_the_csrf_token(stack, username, conversation):
    patient, key = conversation
    staff = Staff(stack.url)
    staff.sign_in(username)
    assert staff.post(f"conversations/{key}/take-over", csrf="").status_code == 403
    assert staff.post(f"conversations/{key}/take-over", csrf="not-the-token").status_code == 403
    assert "migraine" in patient.say_text("how long does it last?").lower(), "still with the bot"
    staff.ok("take-over", key)
    assert staff.post(f"conversations/{key}/reply", {"text": "forged reply"}, csrf="").status_code == 403
    assert staff.post(f"conversations/{key}/hand-back", csrf="wrong").status_code == 403
    staff.ok("reply", key, text="a real reply")
    staff_messages = [m["text"] for m in staff.transcript(key) if m["from"] == "staff"]
    assert staff_messages == ["a real reply"]
    # The sign-in and sign-out forms carry their token too.
    assert staff.http.post(staff.base + "logout", data={}, timeout=30).status_code == 403
    assert staff.get("queue").status_code == 200, "still signed in"
    fresh = requests.Session()
    fresh.get(staff.base + "login", timeout=30)
    no_token = fresh.post(staff.base + "login", data={"username": username, "password": STAFF_PASSWORD}, timeout=30)
    assert no_token.status_code == 403 and "staff_session" not in fresh.cookies
    staff.ok("resolve", key)


def test_the_session_cookie_is_httponly_samesite_strict_and_secure_behind_tls(stack, username):
    def session_cookie(headers=None) -> str:
        http = requests.Session()
        form = http.get(f"{stack.url}/webhooks/staff/login", timeout=30)
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        reply = http.post(f"{stack.url}/webhooks/staff/login", headers=headers or {}, allow_redirects=False,
                          data={"csrf_token": token, "username": username, "password": STAFF_PASSWORD}, timeout=60)
        assert reply.status_code == 303
        return next(c for c in reply.raw.headers.getlist("Set-Cookie") if c.startswith("staff_session="))

    plain = session_cookie()
    assert "HttpOnly" in plain and "SameSite=Strict" in plain and "Path=/webhooks/staff/" in plain
    assert "Secure" not in plain  # plain http on loopback: a Secure cookie would never come back
    assert "Secure" in session_cookie({"X-Forwarded-Proto": "https"})


def test_failed_sign_ins_lock_the_account(stack):
    name = f"locked-{uuid.uuid4().hex[:6]}"
    create_staff_user(stack.handoff_url, name)
    staff = Staff(stack.url)
    statuses = [staff.sign_in(name, "not the password").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    refused = staff.sign_in(name)  # the right password, during the lockout
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert staff.get("queue").status_code == 401
    unlocked = subprocess.run([PYTHON, "-m", "handoff.staff_accounts", "unlock", name], cwd=ROOT,
                              env=base_env({"HANDOFF_DATABASE_URL": stack.handoff_url}),
                              capture_output=True, text=True, timeout=60)
    assert unlocked.returncode == 0, unlocked.stderr
    assert staff.sign_in(name).status_code == 200 and staff.get("queue").status_code == 200


def test_an_idle_session_ends_and_background_refreshes_do_not_keep_it(stack, username):
    staff = Staff(stack.url)
    staff.sign_in(username)
    engine = sa.create_engine(stack.handoff_url)
    try:
        def last_active():
            with engine.connect() as connection:
                return connection.execute(sa.select(sa.func.max(staff_sessions.c.last_active_at))
                                          .where(staff_sessions.c.username == username)).scalar()
        before = last_active()
        assert staff.get("queue", refresh=True).status_code == 200
        assert last_active() == before, "a refresh is not activity"
        with engine.begin() as connection:  # 16 minutes pass without a staff action
            connection.execute(sa.update(staff_sessions).where(staff_sessions.c.username == username)
                               .values(last_active_at=before - timedelta(minutes=16)))
    finally:
        engine.dispose()
    assert staff.get("queue").status_code == 401
    assert staff.sign_in(username).status_code == 200 and staff.get("queue").status_code == 200


def test_sign_out_ends_the_session(stack, username):
    staff = Staff(stack.url)
    staff.sign_in(username)
    reply = staff.http.post(staff.base + "logout", data={"csrf_token": staff.csrf}, allow_redirects=False, timeout=30)
    assert reply.status_code == 303
    assert staff.get("queue").status_code == 401


def test_responses_are_not_cached_framed_or_scripted_from_elsewhere(stack, username):
    staff = Staff(stack.url)
    page = staff.sign_in(username)
    for reply in (page, staff.get("queue")):
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]


def test_the_audit_log_has_every_transcript_opened_and_reply_sent(stack, username, conversation, tmp_path):
    patient, key = conversation
    staff = Staff(stack.url)
    staff.sign_in(username)
    staff.transcript(key)
    staff.ok("take-over", key)
    staff.ok("reply", key, text="Your results are in: zanzibarite levels look fine.")
    wait_until(lambda: any(r["from"] == "staff" for r in staff.transcript(key)), what="the reply stored")
    staff.ok("hand-back", key)

    out = tmp_path / "audit.csv"
    exported = subprocess.run([PYTHON, "-m", "handoff.audit_export", "--out", str(out),
                               "--conversation", patient.sender], cwd=ROOT,
                              env=base_env({"HANDOFF_DATABASE_URL": stack.handoff_url,
                                            "SENDER_HASH_KEY_FILE": str(stack.sender_hash_key_file)}),
                              capture_output=True, text=True, timeout=60)
    assert exported.returncode == 0, exported.stderr
    rows = [r for r in csv.DictReader(out.open()) if r["staff"] == username]
    actions = [r["action"] for r in rows]
    assert actions[:4] == ["transcript_opened", "took_over", "reply_sent", "transcript_opened"]
    assert actions[-1] == "handed_back"
    assert {r["conversation"] for r in rows} == {key}
    assert all(r["at"] and r["client_ip"] == "127.0.0.1" for r in rows)
    # The audit log, like the server logs, names no content.
    assert "zanzibarite" not in out.read_text() and "zanzibarite" not in stack.logs()
