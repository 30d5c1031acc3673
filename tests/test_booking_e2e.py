"""Booking over REST end to end on the shared stack: real Rasa server, action server and SQLite."""
import pytest

from actions.storage import BookingStore
from tests.booking import a_bookable_wednesday, reference_in
from tests.servers import Patient

pytestmark = pytest.mark.e2e


@pytest.fixture
def bookings_url(stack) -> str:
    return stack.bookings_url


def test_booking_from_first_message_to_reference_and_row(patient: Patient, bookings_url: str):
    transcript = []

    def say(text):
        reply = patient.say_text(text)
        transcript.append((text, reply))
        return reply

    assert "name" in say("I'd like to book a consultation for my migraines").lower()
    assert "phone" in say("Jane Doe").lower()
    assert "location" in say("617-555-0199").lower()
    assert "when would suit" in say("Back Bay").lower()
    assert "may harbor view medical clinic contact you" in say(a_bookable_wednesday()).lower()
    summary = say("yes")
    assert "Jane Doe" in summary and "(617) 555-0199" in summary and "Back Bay" in summary
    done = say("yes, send it")
    reference = reference_in(done)

    rows = [r for r in BookingStore(bookings_url).list_requests() if r["reference"] == reference]
    assert len(rows) == 1
    row = rows[0]
    assert (row["name"], row["contact"], row["condition"], row["location_id"], row["consent"]) == (
        "Jane Doe", "+16175550199", "chronic_migraine", "back_bay", True)
    print("\n".join(f"patient: {q}\nbot: {a}" for q, a in transcript))
    print({key: str(value) for key, value in row.items()})


def test_invalid_answer_is_asked_again_then_cancel_saves_nothing(patient: Patient, bookings_url: str):
    before = len(BookingStore(bookings_url).list_requests())
    patient.say("book an appointment please")
    patient.say("Sam Lee")
    reply = patient.say_text("12")
    assert "phone" in reply.lower() or "e-mail" in reply.lower()
    second = patient.say_text("not a number")
    assert "+1 617-555-0142" in second, "after two failures the bot offers the phone number"
    assert "nothing was saved" in patient.say_text("never mind").lower()
    assert len(BookingStore(bookings_url).list_requests()) == before


def test_correction_at_the_read_back(patient: Patient):
    patient.say("I want to book a consultation about TMJ")
    patient.say("Ana Ruiz")
    patient.say("ana@example.org")
    patient.say("Back Bay")
    patient.say(a_bookable_wednesday())
    patient.say("yes")
    asked = patient.say_text("no, change my name")
    assert "name" in asked.lower()
    summary = patient.say_text("Ana Maria Ruiz")
    assert "Ana Maria Ruiz" in summary and "Shall I send it" in summary


def test_callback_request_is_saved(patient: Patient, bookings_url: str):
    assert "name" in patient.say_text("can someone call me back?").lower()
    patient.say("Lee Chen")
    patient.say("+1 617 555 0123")
    done = patient.say_text("yes")
    reference = reference_in(done)
    kinds = {r["reference"]: r["kind"] for r in BookingStore(bookings_url).list_requests()}
    assert kinds[reference] == "callback"


def test_a_number_given_in_the_first_message_is_not_asked_for_again(patient: Patient, bookings_url: str):
    assert "name" in patient.say_text(
        "can someone call me back? my number is 617 555 0144, its about botox for my jaw").lower()
    consent = patient.say_text("Lee Chen")
    # The contact question is skipped; the number is read back for consent.
    assert "(617) 555-0144" in consent and "what phone number" not in consent.lower(), consent
    reference = reference_in(patient.say_text("yes"))
    row = next(r for r in BookingStore(bookings_url).list_requests() if r["reference"] == reference)
    assert (row["kind"], row["name"], row["contact"]) == ("callback", "Lee Chen", "+16175550144")


def test_clinic_questions_are_answered_from_the_clinic_file(patient: Patient):
    assert "Back Bay" in patient.say_text("are you open now?")
    assert "+1 617-555-0142" in patient.say_text("what's your phone number?")
    assert "Parking" in patient.say_text("where is the Cambridge office?")
