"""Custom actions, run with real rasa_sdk Tracker and dispatcher objects."""
import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import clinic_data
from actions.clinic_info import ActionSessionStart

DOMAIN = yaml.safe_load(open(clinic_data.DEFAULT_CLINIC_FILE.parent.parent / "domain.yml"))


def tracker(text: str = "what's the weather", intent: str = "out_of_scope") -> Tracker:
    return Tracker(
        sender_id="unit-test",
        slots={"condition": None, "body_area": None},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture(autouse=True)
def fresh_clinic_cache():
    clinic_data.load_clinic.cache_clear()
    yield
    clinic_data.load_clinic.cache_clear()


def run(action, dispatcher, tracker_):
    return asyncio.run(action.run(dispatcher, tracker_, DOMAIN))


def test_session_start_loads_the_clinics_contact_into_slots(monkeypatch, tmp_path):
    clinic_file = tmp_path / "clinic.yml"
    clinic_file.write_text("name: Test Clinic\nphone: '+1 555 0100'\nemail: a@b.example\n")
    monkeypatch.setenv("CLINIC_FILE", str(clinic_file))
    dispatcher = CollectingDispatcher()

    events = run(ActionSessionStart(), dispatcher, tracker())

    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {
        "clinic_name": "Test Clinic",
        "clinic_phone": "+1 555 0100",
        "clinic_email": "a@b.example",
    }
    assert dispatcher.messages == []


def test_contact_response_quotes_exactly_the_slots_the_action_sets():
    contact = next(v["text"] for v in DOMAIN["responses"]["utter_clinic_contact"] if not v.get("condition"))
    for slot in ("clinic_name", "clinic_phone", "clinic_email"):
        assert "{" + slot + "}" in contact
        assert slot in DOMAIN["slots"]


def test_shipped_clinic_file_loads():
    clinic = clinic_data.current_clinic()
    assert clinic["name"] and clinic["phone"] and clinic["email"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "clinic file not found"),
        ("name: [unclosed", "not valid YAML"),
        ("- a list\n", "expected a mapping"),
        ("name: X\nphone: '1'\n", "missing email"),
    ],
)
def test_missing_or_invalid_clinic_file_is_a_clear_error(monkeypatch, tmp_path, content, message):
    clinic_file = tmp_path / "clinic.yml"
    if content is not None:
        clinic_file.write_text(content)
    monkeypatch.setenv("CLINIC_FILE", str(clinic_file))
    with pytest.raises(clinic_data.ClinicFileError, match=message):
        clinic_data.current_clinic()
