"""Helpers for the hand-off tests: clinic files with fixed staff hours, staff accounts,
and a staff member's browser session, driven over HTTP like the inbox's own script.

Staff hours decide whether asking for a person pauses the bot (a person will reply)
or offers a callback. Tests must not depend on the time of day, so servers get a
copy of the clinic file with staff always on duty ("00:00-24:00" every day) or
never ("closed"). The shared stack has none on duty: its other tests (the fuzz
run, the staff report) send messages the bot fails to understand twice, and
must get answers, not a paused conversation. Hand-offs there start from the
inbox (a take-over); tests/test_handoff_replicas.py runs servers with staff always on duty.
"""
import hashlib
import hmac
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import requests
import yaml

from clinic import config as clinic_config
from common.key_files import read_or_create_key_file
from common.paths import ROOT
from common import yaml_files
from local_services.processes import base_env
from tests.servers import PYTHON

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
STAFF_PASSWORD = "correct horse battery staple"


def clinic_with_staff_hours(path: Path, hours: str, wait_timeout_minutes: float = 10) -> Path:
    """A copy of the sample clinic file whose locations all have these staff hours every day."""
    content = yaml_files.safe_load(clinic_config.DEFAULT_CLINIC_FILE.read_text(encoding="utf-8"))
    for location in content["locations"]:
        location["staff_hours"] = {day: hours for day in WEEKDAYS}
    content["handoff"] = {"usual_reply_minutes": 5, "wait_timeout_minutes": wait_timeout_minutes}
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


def clinic_without_staff_hours(path: Path) -> Path:
    return clinic_with_staff_hours(path, "closed")


def clinic_always_staffed(path: Path, wait_timeout_minutes: float = 10) -> Path:
    return clinic_with_staff_hours(path, "00:00-24:00", wait_timeout_minutes)


def conversation_key(key_file: Path, sender_id: str) -> str:
    """How the inbox names a conversation: HMAC-SHA256 of its id with the servers' key
    (created by whichever process needs it first, the same way)."""
    key = read_or_create_key_file(key_file)
    return hmac.new(key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()


def create_staff_user(database_url: str, username: str, name: str = "Dana",
                      password: str = STAFF_PASSWORD) -> None:
    """`make staff-user`, with the password on standard input."""
    result = subprocess.run([PYTHON, "-m", "handoff.staff_accounts", "add", username, "--name", name],
                            input=password + "\n", capture_output=True, text=True, cwd=ROOT,
                            env=base_env({"HANDOFF_DATABASE_URL": database_url}), timeout=60)
    assert result.returncode == 0, result.stderr


def wait_until(condition: Callable[[], Any], timeout: float = 30, every: float = 0.25, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(every)


class Staff:
    """A staff member signed in to the inbox: the requests its page makes."""

    def __init__(self, base_url: str) -> None:
        self.base = f"{base_url}/webhooks/staff/"
        self.http = requests.Session()
        self.csrf = ""

    def sign_in(self, username: str, password: str = STAFF_PASSWORD) -> requests.Response:
        form = self.http.get(self.base + "login", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        reply = self.http.post(self.base + "login", data={"csrf_token": token, "username": username,
                                                          "password": password}, timeout=60)
        page = re.search(r'<meta name="csrf-token" content="([^"]+)"', reply.text)
        self.csrf = page.group(1) if page else ""
        return reply

    def get(self, path: str, refresh: bool = False, **params: Any) -> requests.Response:
        headers = {"X-Staff-Refresh": "1"} if refresh else {}
        return self.http.get(self.base + "api/" + path, params=params, headers=headers, timeout=30)

    def post(self, path: str, body: Optional[Dict[str, Any]] = None, csrf: Optional[str] = None) -> requests.Response:
        token = self.csrf if csrf is None else csrf
        headers = {"X-CSRF-Token": token} if token else {}
        return self.http.post(self.base + "api/" + path, json=body or {}, headers=headers, timeout=60)

    def queue(self) -> Dict[str, Any]:
        reply = self.get("queue", refresh=True)
        reply.raise_for_status()
        return reply.json()

    def transcript(self, key: str) -> List[Dict[str, Any]]:
        reply = self.get(f"conversations/{key}")
        reply.raise_for_status()
        return reply.json()["messages"]

    def patient_texts(self, key: str) -> List[str]:
        return [m["text"] for m in self.transcript(key) if m["from"] == "patient"]

    def ok(self, action: str, key: str, **body: Any) -> None:
        reply = self.post(f"conversations/{key}/{action}", body)
        assert reply.status_code == 200, (reply.status_code, reply.text)


def signed_in_staff(base_url: str, database_url: str, prefix: str = "staff") -> Staff:
    """A new staff account (named Dana), signed in to the inbox at base_url."""
    username = f"{prefix}-{uuid.uuid4().hex[:6]}"
    create_staff_user(database_url, username, name="Dana")
    member = Staff(base_url)
    assert member.sign_in(username).status_code == 200
    return member
