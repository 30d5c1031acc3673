"""No patient data in the server logs: a booking, a callback request and a question
with distinctive details go through the real servers at their default (INFO) log
level, and none of those details may appear in either log."""
import re
from pathlib import Path

import pytest

from tests.servers import Patient, action_server, rasa_server
from tests.test_booking_e2e import a_bookable_wednesday

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quill@example.org"
PHONE_TYPED = "617-555-0186"
QUESTION_WORD = "marmalade"  # in the question text only
# On SMS the conversation id is the patient's phone number.
SENDER = "+16175550173"


@pytest.fixture(scope="module")
def logs(artifacts: Path, tmp_path_factory) -> str:
    log_dir = tmp_path_factory.mktemp("log-privacy")
    bookings = {"BOOKINGS_DATABASE_URL": f"sqlite:///{log_dir / 'bookings.db'}"}
    with action_server(log_dir, env=bookings) as action_url:
        with rasa_server(log_dir, action_url) as url:
            converse(Patient(url, sender=SENDER))
    return "\n".join(path.read_text(errors="replace") for path in log_dir.glob("*.log"))


def converse(patient: Patient) -> None:
    answer = patient.say_text(f"my eyelid twitches like {QUESTION_WORD} on toast, can botox help?")
    assert answer, "the question was answered"
    patient.say_text("I'd like to book a consultation")
    patient.say_text(NAME)
    patient.say_text(EMAIL)
    patient.say_text("eyelid twitching")
    patient.say_text("Back Bay")
    patient.say_text(a_bookable_wednesday())
    patient.say_text("yes")
    assert "HV-" in patient.say_text("yes, send it")
    patient.say_text("can someone call me back?")
    patient.say_text(NAME)
    patient.say_text(PHONE_TYPED)
    assert "HV-" in patient.say_text("yes")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("secret", [
    NAME, NAME.split()[0], NAME.split()[1], EMAIL, QUESTION_WORD,
    PHONE_TYPED, "+1" + digits(PHONE_TYPED), "6175550186", SENDER, SENDER[2:]])
def test_no_patient_detail_is_logged(logs: str, secret: str):
    assert logs, "the servers wrote logs"
    assert secret.lower() not in logs.lower()
