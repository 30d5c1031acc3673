"""Booking form validation and submission, with real rasa_sdk Trackers and SQLite."""
import asyncio
from datetime import datetime, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import booking, clinic_info, storage

pytestmark = pytest.mark.unit

WEDNESDAY_10AM = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)


def tracker(text="", **slots) -> Tracker:
    return Tracker("patient-1", slots, {"text": text, "intent": {"name": "x"}, "entities": []},
                   [], False, None, {"name": "consultation_form"}, "action_listen")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clinic_info, "now_utc", lambda: WEDNESDAY_10AM)
    monkeypatch.setattr(booking, "now_utc", lambda: WEDNESDAY_10AM)


@pytest.fixture
def bookings_db(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    monkeypatch.setenv("BOOKINGS_DATABASE_URL", url)
    return storage.BookingStore(url)


def validate(slot, value, text="", **slots):
    dispatcher = CollectingDispatcher()
    form = booking.ValidateConsultationForm()
    result = getattr(form, f"validate_{slot}")(value, dispatcher, tracker(text or str(value), **slots), {})
    return result, [m.get("text") for m in dispatcher.messages]


def test_valid_name_and_phone_are_normalised():
    assert validate("patient_name", "  Jane Doe ")[0]["patient_name"] == "Jane Doe"
    result, _ = validate("contact", "(617) 555-0199")
    assert result["contact"] == "+16175550199" and result["contact_kind"] == "phone"
    assert validate("contact", "Jane@Example.org")[0]["contact_kind"] == "email"


@pytest.mark.parametrize("value", ["555", "call me", "jane@@example", "12345678901234567"])
def test_malformed_contact_is_asked_again_with_a_reason(value):
    result, messages = validate("contact", value)
    assert result["contact"] is None and result["booking_failures"] == 1
    assert messages and messages[0]


def test_second_failure_offers_the_phone_number():
    result, messages = validate("contact", "nope", booking_failures=1)
    assert result["booking_failures"] == 2
    assert "+1 617-555-0142" in messages[-1]


def test_location_must_treat_the_condition():
    result, messages = validate("location", "Back Bay", condition="strabismus")
    assert result["location"] is None
    assert "Cambridge" in messages[0]
    assert validate("location", "cambridge", condition="strabismus")[0]["location"] == "cambridge"


def test_an_unknown_location_names_the_locations_the_buttons_offer():
    # TMJ is treated only at Back Bay: the buttons and the reminder name just that one.
    result, messages = validate("location", "yes", condition="tmj")
    assert result["location"] is None
    assert "Back Bay" in messages[0] and "Cambridge" not in messages[0]
    assert "one of" not in messages[0], "one location is not a choice of one of"
    assert "Cambridge" in validate("location", "yes")[1][0], "no condition: every location"


def test_anxiety_is_not_bookable():
    result, messages = validate("condition", "anxiety_depression")
    assert result["condition"] is None and "doctor" in messages[0]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("yesterday at 10am", "past"),
        ("tomorrow at 9am", "earliest"),       # inside the 24-hour lead time
        ("sunday at 10am", "closed"),
        ("december 25 at 10am", "Christmas"),
        ("march 30 at 10am", "60 days"),
        ("gibberish o'clock", "couldn't read"),
    ],
)
def test_preferred_time_rules(text, reason):
    result, messages = validate("preferred_time", text, location="back_bay")
    assert result["preferred_time"] is None
    assert reason.lower() in " ".join(messages).lower()


def test_preferred_time_in_the_locations_timezone():
    result, _ = validate("preferred_time", "next Tuesday morning", location="back_bay")
    assert result["preferred_time"] == "2026-12-08T09:00:00-05:00"


def test_change_request_clears_just_that_answer():
    result, _ = validate("booking_confirmed", "no, change the time please", text="no, change the time please")
    assert result == {"preferred_time": None, "booking_confirmed": None}
    result, messages = validate("booking_confirmed", False, text="no")
    assert result == {"booking_confirmed": None} and messages == ["What would you like to change?"]
    assert validate("booking_confirmed", True, text="yes")[0] == {"booking_confirmed": True}


def submit(**slots):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(booking.ActionSubmitBooking().run(dispatcher, tracker("yes", **slots), {}))
    return events, [m["text"] for m in dispatcher.messages]


BOOKING = dict(patient_name="Jane Doe", contact="+16175550199", contact_kind="phone",
               condition="chronic_migraine", location="back_bay",
               preferred_time="2026-12-08T09:00:00-05:00", contact_consent=True, booking_confirmed=True)


def test_submit_saves_one_row_and_gives_a_reference(bookings_db):
    events, messages = submit(**BOOKING)
    rows = bookings_db.list_requests()
    assert len(rows) == 1 and rows[0]["reference"] in messages[0]
    assert rows[0]["name"] == "Jane Doe" and rows[0]["location_id"] == "back_bay"
    assert {e["name"] for e in events} >= {"patient_name", "contact", "preferred_time", "booking_confirmed"}


def test_database_down_tells_the_patient_honestly(monkeypatch, tmp_path):
    monkeypatch.setenv("BOOKINGS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    _, messages = submit(**BOOKING)
    assert "NOT been sent" in messages[0] and "+1 617-555-0142" in messages[0]


def ask(action_class, **slots):
    dispatcher = CollectingDispatcher()
    asyncio.run(action_class().run(dispatcher, tracker("", **slots), {}))
    return dispatcher.messages[0]


def test_questions_come_from_the_messages_file_with_buttons_from_the_clinic_file():
    assert "name" in ask(booking.ActionAskPatientName)["text"]
    assert "phone number or e-mail" in ask(booking.ActionAskContact)["text"]
    assert "phone number" in ask(booking.ActionAskCallbackFormContact)["text"]
    conditions = [b["payload"] for b in ask(booking.ActionAskCondition)["buttons"]]
    assert "chronic migraine" in conditions and "anxiety or depression" not in conditions
    locations = [b["title"] for b in ask(booking.ActionAskLocation, condition="tmj")["buttons"]]
    assert locations == ["Back Bay"], "only locations that treat the condition are offered"
    consent = ask(booking.ActionAskContactConsent, contact="+16175550199")
    # Read back as it is dialled here; a number abroad keeps its country code.
    assert "(617) 555-0199" in consent["text"] and len(consent["buttons"]) == 2
    abroad = ask(booking.ActionAskContactConsent, contact="+442079460958")
    assert "+44 20 7946 0958" in abroad["text"]
    when = ask(booking.ActionAskPreferredTime, location="cambridge")["text"]
    assert "Cambridge" in when and "Thu 9:00 AM to 12:00 PM, 1:00 PM to 6:00 PM" in when


def test_read_back_summary_lists_every_answer():
    summary = ask(booking.ActionAskBookingConfirmed, **BOOKING)
    for expected in ("Jane Doe", "(617) 555-0199", "chronic migraine", "Back Bay",
                     "Tuesday, Dec 8 at 9:00 AM (Eastern Time)"):
        assert expected in summary["text"]
    assert [b["payload"] for b in summary["buttons"]] == ["/affirm", "change something", "/stop"]


def test_callback_needs_a_phone_number(bookings_db):
    dispatcher = CollectingDispatcher()
    result = booking.ValidateCallbackForm().validate_contact("jane@example.org", dispatcher, tracker(), {})
    assert result["contact"] is None and "phone number" in dispatcher.messages[0]["text"]
    dispatcher = CollectingDispatcher()
    asyncio.run(booking.ActionSubmitCallback().run(dispatcher, tracker(
        "yes", patient_name="Lee Chen", contact="+16175550123", contact_consent=True), {}))
    rows = bookings_db.list_requests(kind="callback")
    assert len(rows) == 1 and rows[0]["reference"] in dispatcher.messages[0]["text"]


def test_consent_refused_is_asked_again_and_nothing_is_saved(bookings_db):
    result, messages = validate("contact_consent", False)
    assert result == {"contact_consent": None} and "cancel" in messages[0]
    assert bookings_db.list_requests() == []
