"""The assistant as a clinic starts it: `make run`, on ports other than the defaults,
with its own var dir and SQLite files and the clinic's site as SITE_ORIGIN.

Started once for the modules in the xdist group "make-run" (tests/test_make_run.py,
tests/test_security.py): what they check is the same deployment, and each start
costs two servers' boot.
"""
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest
import requests

from common.paths import ROOT
from local_services.processes import base_env, free_port

SITE_ORIGIN = "https://www.harborview-clinic.example"
# What a clinic's shell has: none of the test session's settings.
NOT_IN_A_CLINICS_SHELL = (
    "ACTION_ENDPOINT_URL", "RASA_ENABLE_API", "RASA_AUTH_TOKEN", "RASA_JWT_SECRET", "LOCK_STORE_URL",
    "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "TWILIO_ACCOUNT_SID", "FACEBOOK_APP_SECRET",
    "TELEGRAM_ACCESS_TOKEN", "SLACK_BOT_TOKEN")


class Deployment(NamedTuple):
    url: str
    rasa_port: int
    action_port: int
    endpoints: Path  # the endpoints file deploy/run-assistant wrote
    log: Path


@contextmanager
def made_run(work: Path, artifacts: Path) -> Iterator[Deployment]:
    """`make run`, running until the context ends."""
    rasa_port, action_port = free_port(), free_port()
    env = base_env({
        "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
        "RUN_ASSISTANT_VAR_DIR": str(work / "var"),
        "TRACKER_STORE_URL": f"sqlite:///{work / 'conversations.db'}",
        "BOOKINGS_DATABASE_URL": f"sqlite:///{work / 'bookings.db'}",
        "SENDER_HASH_KEY_FILE": str(work / "sender-hash.key"),
    })
    for variable in NOT_IN_A_CLINICS_SHELL:
        env.pop(variable, None)
    env["SITE_ORIGIN"] = SITE_ORIGIN
    log = artifacts / f"make-run-{rasa_port}.log"
    with log.open("w") as out:
        # Its own process group: stopping it stops make, the script and both servers, nothing else.
        process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        deadline = time.monotonic() + 240
        while "The assistant is running." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make run did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        requests.get(f"{url}/webhooks/rest/", timeout=10).raise_for_status()
        yield Deployment(url, rasa_port, action_port, work / "var" / "endpoints.yml", log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the script's trap stops both servers
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
