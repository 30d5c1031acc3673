"""End to end: real Rasa server + real action server on loopback, over REST."""
import pytest
import requests

from common.paths import ROOT
from common import yaml_files
from tests.servers import Patient

pytestmark = pytest.mark.e2e

FOLLOW_UP_PAYLOADS = {"/ask_duration", "/ask_onset", "/ask_frequency", "/ask_pain",
                      "/ask_side_effects", "/ask_insurance"}
CLINIC = yaml_files.safe_load((ROOT / "clinic" / "clinic.yml").read_text())


def test_answers_a_condition_question_with_status_and_source(patient: Patient):
    messages = patient.say("Does Botox help with chronic migraines?")
    answer = messages[0]
    assert "migraine" in answer["text"].lower()
    assert "FDA-approved" in answer["text"]
    assert "\nSource: " in answer["text"]
    assert answer["metadata"]["status"] == "FDA-approved"
    assert answer["metadata"]["sources"]
    assert answer["buttons"], "medical answers suggest next questions"


def test_follow_ups_are_answered_for_the_condition_in_the_conversation(patient: Patient):
    assert "sweat" in patient.say_text("I sweat through my shirts, can botox help?").lower()
    for follow_up in ("how long does it last?", "does it hurt?", "is it covered by insurance?"):
        answer = patient.say_text(follow_up).lower()
        assert "sweat" in answer, (follow_up, answer)
        assert "migraine" not in answer, (follow_up, answer)


def test_naming_another_condition_switches_the_context(patient: Patient):
    patient.say("botox for sweaty palms")
    answer = patient.say_text("how long does botox for migraines last?").lower()
    assert "migraine" in answer and "sweat" not in answer


def test_body_area_changes_the_regulatory_status(patient: Patient):
    assert "off-label" in patient.say_text("botox for my sweaty palms").lower()


def test_a_button_payload_continues_the_conversation(patient: Patient):
    migraine = patient.say("botox for migraine")[0]
    follow_ups = [b for b in migraine["buttons"] if b["payload"] in FOLLOW_UP_PAYLOADS]
    assert follow_ups, migraine["buttons"]
    answer = patient.say_text(follow_ups[0]["payload"]).lower()
    assert "migraine" in answer


def test_hours_and_address_asked_together_then_a_location_typed_rather_than_tapped(patient: Patient):
    cambridge = next(l for l in CLINIC["locations"] if l["id"] == "cambridge")
    both = patient.say_text("whats ur hours on saturday? and where r u located")
    assert "Saturday" in both and cambridge["address"] in both, both
    details = patient.say_text("Cambridge")
    assert cambridge["address"] in details and "not sure what that refers to" not in details, details


def test_red_flag_gets_the_emergency_answer_first(patient: Patient):
    messages = patient.say("how long does botox last? since my injection I have trouble swallowing")
    assert "911" in messages[0]["text"]


def test_self_harm_gets_crisis_resources(patient: Patient):
    messages = patient.say("botox didn't help my depression and I want to end my life")
    assert "988" in messages[0]["text"]


def test_out_of_scope_is_honest_and_gives_the_clinics_contact(patient: Patient):
    text = patient.say_text("can you recommend a good pizza place downtown?")
    assert "can't help" in text.lower()
    assert CLINIC["phone"] in text and CLINIC["email"] in text
    assert "Source:" not in text


def test_gibberish_is_not_answered_with_a_random_faq(patient: Patient):
    text = patient.say_text("asdkjh qwpeoi zxmcnb")
    assert "can't help" in text.lower()
    assert CLINIC["phone"] in text


def test_malformed_requests_get_400_not_500(stack):
    url = f"{stack.url}/webhooks/rest/webhook"
    assert requests.post(url, data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert requests.post(url, json=["a list"]).status_code == 400
    assert requests.post(url, json={"message": "hi"}).status_code == 400
    assert requests.post(url, json={"sender": "x", "message": 42}).status_code == 400


def test_the_classifier_alone_sensing_distress_adds_a_gentle_line_after_the_answer(patient: Patient):
    # No crisis phrase in the message: the answer is not replaced by the crisis
    # answer, and one gentle line with 988 comes after it.
    messages = patient.say("I feel like giving up")
    assert "Please call or text 988" not in messages[0]["text"]
    assert "call or text 988 any time" in messages[-1]["text"]


def test_warning_signs_after_a_treatment_get_the_urgent_answer_with_the_clinics_phone(patient: Patient):
    first = patient.say("no trouble breathing, but my eyelid has drooped since the shot")[0]["text"]
    assert "today" in first and CLINIC["phone"] in first and "911" in first
