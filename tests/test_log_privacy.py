"""No patient data in the server logs: a booking, a callback request and a question
with distinctive details go through the real servers (the shared stack) at their
default (INFO) log level, and none of those details may appear in either log."""
import re

import pytest

from tests.booking import a_bookable_wednesday
from tests.servers import Patient

pytestmark = pytest.mark.e2e

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quill@example.org"
PHONE_TYPED = "617-555-0186"
QUESTION_WORD = "marmalade"  # in the question text only
# On SMS the conversation id is the patient's phone number.
SENDER = "+16175550173"


@pytest.fixture(scope="module")
def logs(stack) -> str:
    """Both servers' logs (the shared stack's) after the conversation below."""
    converse(Patient(stack.url, sender=SENDER))
    return stack.logs()


def converse(patient: Patient) -> None:
    answer = patient.say_text(f"my eyelid twitches like {QUESTION_WORD} on toast, can botox help?")
    assert answer, "the question was answered"
    patient.say_text("I'd like to book a consultation")
    patient.say_text(NAME)
    patient.say_text(EMAIL)
    patient.say_text("blepharospasm")  # not "eyelid twitching": a common twitch is no condition to book
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
