"""`make run` itself, on ports other than the defaults.

The Makefile used to export ACTION_ENDPOINT_URL=http://127.0.0.1:5055/webhook,
which overrode the URL deploy/run-assistant derives from ACTION_PORT: with
ACTION_PORT=5155 the action server listened on 5155, Rasa called 5055, and every
message that needs an action got the apology. Here `make run` starts with both
ports changed (its own var dir and SQLite files) and answers a question that
needs the action server.
"""
import uuid

import pytest
import requests
from common import yaml_files

from clinic.config import messages

# Started once, with tests/test_security.py (tests/make_run_deployment.py).
pytestmark = [pytest.mark.system, pytest.mark.xdist_group("make-run")]


def test_make_run_points_rasa_at_the_action_port_it_was_given(deployed):
    endpoints = yaml_files.safe_load(deployed.endpoints.read_text())
    assert endpoints["action_endpoint"]["url"] == f"http://127.0.0.1:{deployed.action_port}/webhook"


def test_make_run_answers_a_question_that_needs_the_action_server(deployed):
    # Opening hours come from clinic.yml through a custom action.
    reply = requests.post(f"{deployed.url}/webhooks/rest/webhook", timeout=60,
                          json={"sender": f"make-run-{uuid.uuid4()}", "message": "what are your opening hours?"})
    assert reply.status_code == 200
    text = "\n".join(m.get("text") or "" for m in reply.json())
    apology_start = messages()["failure"]["apology"].split("{")[0]
    assert apology_start not in text, text
    assert "open" in text.lower(), text
