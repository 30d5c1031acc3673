"""The hand-off actions (actions/handoff.py) with real rasa_sdk trackers, a fixed clock
and a real SQLite hand-off table; and the clinic file's staff hours."""
import asyncio
from datetime import datetime, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff as handoff_actions
from clinic.config import ClinicFileError, parse_clinic
from handoff.database import Database
from handoff.store import HandoffStore

pytestmark = pytest.mark.unit

# Wednesday 2 Dec 2026, 10:00 in Boston: Back Bay open (08:30-19:00), Cambridge closed on Wednesdays.
WEDNESDAY_10AM = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)
# Tuesday 1 Dec 2026, 23:30 in Boston: both closed.
TUESDAY_NIGHT = datetime(2026, 12, 2, 4, 30, tzinfo=timezone.utc)
WAITING = ("I'm passing you to a member of our staff. They will reply here, usually within 5 minutes. "
           "You can keep writing. They will see your messages.")


@pytest.fixture
def store(tmp_path, monkeypatch) -> HandoffStore:
    store = HandoffStore(Database(f"sqlite:///{tmp_path / 'handoff.db'}"))
    monkeypatch.setattr(handoff_actions, "handoff_store", lambda: store)
    return store


@pytest.fixture
def clock(monkeypatch):
    def set_time(moment):
        monkeypatch.setattr(handoff_actions, "now_utc", lambda: moment)
    set_time(WEDNESDAY_10AM)
    return set_time


def tracker(intent="talk_to_person", channel="rest", sender="patient-1", previous_intent=None, **slots) -> Tracker:
    events = []
    if previous_intent:
        events.append({"event": "user", "text": "earlier", "input_channel": channel,
                       "parse_data": {"intent": {"name": previous_intent}}})
    latest = {"text": "x", "intent": {"name": intent}, "entities": []}
    events.append({"event": "user", "text": "x", "input_channel": channel, "parse_data": latest})
    return Tracker(sender, slots, latest, events, False, None, {}, "action_listen")


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return dispatcher.messages, events


def test_during_staff_hours_the_conversation_is_paused_and_waits_in_the_inbox(store, clock):
    messages, events = run(handoff_actions.ActionHandOff(), tracker(condition="blepharospasm"))

    assert [m["text"] for m in messages] == [WAITING]
    assert messages[0]["handoff"] == "waiting"  # the widget starts checking for staff replies
    assert [e["event"] for e in events] == ["pause"]
    [waiting] = store.active()
    assert (waiting.sender_id, waiting.channel, waiting.status, waiting.reason, waiting.condition) == (
        "patient-1", "rest", "waiting", "asked_for_person", "blepharospasm")
    assert not waiting.urgent


def test_asking_again_while_waiting_keeps_one_hand_off(store, clock):
    run(handoff_actions.ActionHandOff(), tracker())
    messages, events = run(handoff_actions.ActionHandOff(), tracker())
    assert messages[0]["text"] == "You're already in line for our staff. They will reply here soon."
    assert [e["event"] for e in events] == ["pause"]
    assert len(store.active()) == 1


def test_outside_staff_hours_the_bot_says_when_staff_are_back_and_offers_a_callback(store, clock):
    clock(TUESDAY_NIGHT)
    messages, events = run(handoff_actions.ActionHandOff(), tracker())

    assert events == []
    assert messages[0]["text"] == ("Our staff can't chat right now. They are back Wednesday, Dec 2 at 8:30 AM. "
                                   "You can call +1 617-555-0142 then, or ask us to call you back.")
    assert messages[0]["buttons"] == [{"title": "Ask for a call back", "payload": "/request_callback"}]
    assert store.active() == []  # nothing waits; the request is only counted for the report
    counted = store.requested_between(datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert [h.status for h in counted] == ["outside_hours"]


def test_the_chosen_location_s_staff_hours_and_phone_count(store, clock):
    messages, events = run(handoff_actions.ActionHandOff(), tracker(location="cambridge"))
    assert events == []
    assert messages[0]["text"] == ("Our staff can't chat right now. They are back Thursday, Dec 3 at 9:00 AM. "
                                   "You can call +1 617-555-0178 then, or ask us to call you back.")


def test_staff_hours_can_differ_from_opening_hours(store, clock, clinic_file):
    def staff_only_in_the_evening(content):
        for location in content["locations"]:
            location["staff_hours"] = {"wednesday": "18:00-19:00"}
    clinic_file(staff_only_in_the_evening)
    messages, events = run(handoff_actions.ActionHandOff(), tracker())  # 10:00, Back Bay is open
    assert events == []
    assert "They are back Wednesday, Dec 2 at 6:00 PM." in messages[0]["text"]


def test_an_always_staffed_clinic_hands_over_at_night(store, clock, clinic_file):
    def always(content):
        for location in content["locations"]:
            location["staff_hours"] = {day: "00:00-24:00" for day in
                                       ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    clinic_file(always)
    clock(TUESDAY_NIGHT)
    messages, events = run(handoff_actions.ActionHandOff(), tracker())
    assert [e["event"] for e in events] == ["pause"] and messages[0]["text"] == WAITING


def test_the_urgent_hand_off_is_flagged_for_staff(store, clock):
    run(handoff_actions.ActionHandOffUrgent(), tracker(intent="some_urgent_intent"))
    [urgent] = store.active()
    assert urgent.urgent and urgent.reason == "urgent_symptoms"


def test_a_second_message_not_understood_hands_over(store, clock):
    messages, events = run(handoff_actions.ActionHandOffAfterFallbacks(),
                           tracker(intent="nlu_fallback", previous_intent="nlu_fallback"))
    assert [e["event"] for e in events] == ["pause"]
    assert store.active()[0].reason == "not_understood"


def test_not_understood_after_an_out_of_scope_question_is_the_usual_answer(store, clock):
    messages, events = run(handoff_actions.ActionHandOffAfterFallbacks(),
                           tracker(intent="nlu_fallback", previous_intent="out_of_scope"))
    assert events == [] and store.active() == []
    assert [m["response"] for m in messages] == ["utter_cannot_help", "utter_clinic_contact"]


def test_chatwoot_conversations_are_paused_but_kept_out_of_this_inbox(store, clock):
    messages, events = run(handoff_actions.ActionHandOff(), tracker(channel="chatwoot"))
    assert [e["event"] for e in events] == ["pause"]
    assert messages[0]["handoff"] == "waiting"  # connectors/chatwoot.py opens it for Chatwoot's agents
    assert store.active() == []


def test_a_database_failure_is_said_plainly_with_the_phone_number(tmp_path, monkeypatch, clock):
    broken = HandoffStore(Database(f"sqlite:///{tmp_path / 'missing-dir' / 'handoff.db'}"))
    monkeypatch.setattr(handoff_actions, "handoff_store", lambda: broken)
    messages, events = run(handoff_actions.ActionHandOff(), tracker())
    assert events == []  # not paused: the bot keeps answering
    assert messages[0]["text"] == ("Sorry, I couldn't reach our staff just now. Please call +1 617-555-0142, "
                                   "or ask us to call you back.")


# ---------------------------------------------------------------------------
# The clinic file
# ---------------------------------------------------------------------------
def clinic_with(**location_changes):
    from common import yaml_files
    from clinic.config import DEFAULT_CLINIC_FILE

    content = yaml_files.safe_load(DEFAULT_CLINIC_FILE.read_text())
    content["locations"][0].update(location_changes)
    return content


def test_staff_hours_default_to_the_opening_hours():
    clinic = parse_clinic(clinic_with())
    location = clinic.locations[0]
    assert location.staff_schedule() == location.opening_hours()


def test_bad_staff_hours_are_named():
    with pytest.raises(ClinicFileError, match=r"locations\[0\]\.staff_hours\.monday: '9-5' is not a time range"):
        parse_clinic(clinic_with(staff_hours={"monday": "9-5"}))
    with pytest.raises(ClinicFileError, match=r"handoff\.wait_timeout_minutes"):
        parse_clinic({**clinic_with(), "handoff": {"wait_timeout_minutes": 0}})


def test_24_00_closes_a_day_and_nothing_later_does():
    location = parse_clinic(clinic_with(staff_hours={"monday": "00:00-24:00"})).locations[0]
    monday_late = datetime(2026, 11, 30, 23, 59, 59, tzinfo=location.zone)
    from clinic.hours import is_open_at
    assert is_open_at(location.staff_schedule(), monday_late)
    with pytest.raises(ClinicFileError, match="is not a time range"):
        parse_clinic(clinic_with(staff_hours={"monday": "00:00-24:30"}))
