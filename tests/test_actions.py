"""Session start: every conversation begins with the clinic's contact details in slots."""
import asyncio

import pytest
from common import yaml_files
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import ActionSessionStart
from tests.servers import ROOT

pytestmark = pytest.mark.unit

DOMAIN = yaml_files.safe_load((ROOT / "domain.yml").read_text())


def test_session_start_loads_the_clinics_contact_into_slots(clinic_file):
    clinic_file(lambda c: c.update(name="Test Clinic", phone="+1 555 0100", email="a@b.example"))
    dispatcher = CollectingDispatcher()
    tracker = Tracker("unit-test", {}, {}, [], False, None, {}, "action_listen")

    events = asyncio.run(ActionSessionStart().run(dispatcher, tracker, DOMAIN))

    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {
        "clinic_name": "Test Clinic",
        "clinic_phone": "+1 555 0100",
        "clinic_email": "a@b.example",
        "language": "en",
    }
    assert dispatcher.messages == []


def test_contact_response_quotes_exactly_the_slots_the_action_sets():
    contact = next(v["text"] for v in DOMAIN["responses"]["utter_clinic_contact"] if not v.get("condition"))
    for slot in ("clinic_name", "clinic_phone", "clinic_email"):
        assert "{" + slot + "}" in contact
        assert slot in DOMAIN["slots"]
