"""`make run` itself, on ports other than the defaults.

The Makefile used to export ACTION_ENDPOINT_URL=http://127.0.0.1:5055/webhook,
which overrode the URL deploy/run-assistant derives from ACTION_PORT: with
ACTION_PORT=5155 the action server listened on 5155, Rasa called 5055, and every
message that needs an action got the apology. Here `make run` starts with both
ports changed (its own var dir and SQLite files) and answers a question that
needs the action server.
"""
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests
import yaml

from clinic.config import messages
from common.paths import ROOT
from local_services.processes import base_env, free_port

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def made(tmp_path_factory, artifacts: Path) -> Iterator[Dict[str, str]]:
    """`make run` with RASA_PORT and ACTION_PORT set, running; yields its URL and files."""
    work = tmp_path_factory.mktemp("make-run")
    rasa_port, action_port = free_port(), free_port()
    env = base_env({
        "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
        "RUN_ASSISTANT_VAR_DIR": str(work / "var"),
        "TRACKER_STORE_URL": f"sqlite:///{work / 'conversations.db'}",
        "BOOKINGS_DATABASE_URL": f"sqlite:///{work / 'bookings.db'}",
        "SENDER_HASH_KEY_FILE": str(work / "sender-hash.key"),
    })
    # What a clinic's shell has: none of the test session's settings.
    for variable in ("ACTION_ENDPOINT_URL", "RASA_ENABLE_API", "SITE_ORIGIN", "LOCK_STORE_URL",
                     "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "TWILIO_ACCOUNT_SID", "FACEBOOK_APP_SECRET",
                     "TELEGRAM_ACCESS_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(variable, None)
    log = artifacts / f"make-run-{rasa_port}.log"
    with log.open("w") as out:
        # Its own process group: stopping it stops make, the script and both servers, nothing else.
        process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "The assistant is running." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make run did not start:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield {"url": f"http://127.0.0.1:{rasa_port}", "action_port": str(action_port),
               "endpoints": str(work / "var" / "endpoints.yml"), "log": str(log)}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the script's trap stops both servers
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_make_run_points_rasa_at_the_action_port_it_was_given(made):
    endpoints = yaml.safe_load(Path(made["endpoints"]).read_text())
    assert endpoints["action_endpoint"]["url"] == f"http://127.0.0.1:{made['action_port']}/webhook"


def test_make_run_answers_a_question_that_needs_the_action_server(made):
    # Opening hours come from clinic.yml through a custom action.
    reply = requests.post(f"{made['url']}/webhooks/rest/webhook", timeout=60,
                          json={"sender": f"make-run-{uuid.uuid4()}", "message": "what are your opening hours?"})
    assert reply.status_code == 200
    text = "\n".join(m.get("text") or "" for m in reply.json())
    apology_start = messages()["failure"]["apology"].split("{")[0]
    assert apology_start not in text, text
    assert "open" in text.lower(), text
