"""Clinic-information actions, run with real rasa_sdk Trackers and a fixed clock."""
import asyncio
from datetime import datetime, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import clinic_info

pytestmark = pytest.mark.unit

# Wednesday 2 Dec 2026, 10:00 in Boston (UTC-5): Back Bay open, Cambridge closed on Wednesdays.
WEDNESDAY_10AM = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)
# Tuesday 1 Dec 2026, 23:30 in Boston: both closed.
TUESDAY_NIGHT = datetime(2026, 12, 2, 4, 30, tzinfo=timezone.utc)


def tracker(text="", **slots) -> Tracker:
    return Tracker("unit-test", slots, {"text": text, "intent": {"name": "x"}, "entities": []},
                   [], False, None, {}, "action_listen")


def run(action, text="", **slots):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(text, **slots), {}))
    return dispatcher.messages, events


def text_of(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.fixture
def clock(monkeypatch):
    def set_time(moment):
        monkeypatch.setattr(clinic_info, "now_utc", lambda: moment)
    set_time(WEDNESDAY_10AM)
    return set_time


def test_open_now_is_computed_per_location_in_its_timezone(clock):
    text = text_of(run(clinic_info.ActionClinicHours(), "are you open now?")[0])
    assert "Back Bay is open now, until 7:00 PM today." in text
    assert "Cambridge is closed right now. It next opens Thursday, Dec 3 at 9:00 AM." in text


def test_closing_time_today_for_the_chosen_location_with_the_week(clock):
    text = text_of(run(clinic_info.ActionClinicHours(), "when do you close today?", location="back_bay")[0])
    assert "until 7:00 PM today" in text
    assert "Saturday, Dec 5: 9:00 AM to 12:30 PM" in text
    assert "Sunday, Dec 6: closed" in text
    assert "Cambridge" not in text


def test_a_named_day(clock):
    text = text_of(run(clinic_info.ActionClinicHours(), "are you open Saturday?", location="back_bay")[0])
    assert text == "Back Bay on Saturday, Dec 5: 9:00 AM to 12:30 PM."


@pytest.mark.parametrize("text, language", [
    ("are you open saturdays?", "en"), ("¿atienden los sábados?", "es"), ("abren los sabados?", "es")])
def test_a_day_named_in_the_plural(clock, text, language):
    answer = text_of(run(clinic_info.ActionClinicHours(), text, location="back_bay", language=language)[0])
    # That day's hours alone, not "open now" with the week.
    assert "\n" not in answer and "12:30" in answer, answer


def test_a_holiday_is_closed(clock):
    text = text_of(run(clinic_info.ActionClinicHours(), "are you open on December 25?")[0])
    assert "Back Bay on Friday, Dec 25: closed (Christmas Day)." in text
    assert "Cambridge on Friday, Dec 25: closed (Christmas Day)." in text


def test_a_holiday_is_named_in_the_conversations_language(clock):
    text = text_of(run(clinic_info.ActionClinicHours(), "¿abren el 25 de diciembre?", language="es")[0])
    assert "cerrado (Navidad)" in text and "Christmas" not in text


def test_closed_at_night_says_when_it_opens(clock):
    clock(TUESDAY_NIGHT)
    text = text_of(run(clinic_info.ActionClinicHours(), "open now?", location="back_bay")[0])
    assert "Back Bay is closed right now. It next opens Wednesday, Dec 2 at 8:30 AM." in text


def test_a_spanish_sentence_that_ends_with_a_time_ends_with_one_period(clock):
    clock(TUESDAY_NIGHT)
    text = text_of(run(clinic_info.ActionClinicHours(), "¿abren ahora?", location="back_bay", language="es")[0])
    assert "Vuelve a abrir el miércoles 2 de diciembre a las 8:30 a. m.\n" in text, text


def test_location_asks_which_when_there_are_several():
    messages, events = run(clinic_info.ActionClinicLocation(), "where are you?")
    assert "Which one" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/ask_location{"location": "back_bay"}', '/ask_location{"location": "cambridge"}']
    assert events == []


def test_location_details_for_the_chosen_one_are_remembered():
    messages, events = run(clinic_info.ActionClinicLocation(), "where", location="cambridge")
    assert "45 Riverside Avenue" in messages[0]["text"]
    assert "Parking:" in messages[0]["text"] and "Directions:" in messages[0]["text"]
    assert events == [{"event": "slot", "timestamp": None, "name": "location", "value": "cambridge"}]


def test_contact_details():
    everything = text_of(run(clinic_info.ActionClinicContact(), "phone?")[0])
    assert "+1 617-555-0142" in everything and "+1 617-555-0178" in everything
    cambridge = text_of(run(clinic_info.ActionClinicContact(), "phone?", location="cambridge")[0])
    assert "+1 617-555-0178" in cambridge and "Back Bay" not in cambridge


@pytest.mark.parametrize("action, text, answers", [
    # Two questions in one message: the intent picks one action, and it answers both.
    (clinic_info.ActionClinicHours(), "whats ur hours on saturday? and where r u located",
     ["Back Bay on Saturday", "45 Riverside Avenue"]),
    (clinic_info.ActionClinicLocation(), "where are you located and what are your hours",
     ["45 Riverside Avenue", "Back Bay is open now"]),
    (clinic_info.ActionClinicLocation(), "¿Dónde están y a qué hora abren?",
     ["45 Riverside Avenue", "Back Bay"]),
    (clinic_info.ActionClinicContact(), "what's your phone number and address?",
     ["+1 617-555-0142", "45 Riverside Avenue"]),
])
def test_a_message_that_asks_for_two_clinic_details_gets_both(clock, action, text, answers):
    everything = text_of(run(action, text)[0])
    assert all(answer in everything for answer in answers), everything


@pytest.mark.parametrize("action, text, left_out", [
    (clinic_info.ActionClinicHours(), "are you open Saturday?", "Riverside"),
    (clinic_info.ActionClinicLocation(), "where are you?", "open now"),
    (clinic_info.ActionClinicContact(), "phone?", "Riverside"),
])
def test_a_message_that_asks_for_one_clinic_detail_gets_one(clock, action, text, left_out):
    assert left_out not in text_of(run(action, text)[0])


def test_a_location_named_on_its_own_gets_its_details():
    dispatcher = CollectingDispatcher()
    named = Tracker("unit-test", {"location": "cambridge"},
                    {"text": "Cambridge", "intent": {"name": "inform"},
                     "entities": [{"entity": "location", "value": "cambridge", "start": 0, "end": 9}]},
                    [], False, None, {}, "action_listen")
    events = asyncio.run(clinic_info.ActionBareAnswer().run(dispatcher, named, {}))
    assert "45 Riverside Avenue" in text_of(dispatcher.messages)
    assert events == [{"event": "slot", "timestamp": None, "name": "location", "value": "cambridge"}]


def test_any_other_bare_answer_is_asked_about():
    messages, events = run(clinic_info.ActionBareAnswer(), "9-10")
    assert [m.get("response") for m in messages] == ["utter_unclear"] and events == []


def test_who_treats_uses_the_condition_in_the_conversation():
    text = text_of(run(clinic_info.ActionWhoTreats(), "who does it?", condition="tmj")[0])
    assert "Dr. Lena Park" in text and "Back Bay" in text and "Cambridge" not in text
    strabismus = text_of(run(clinic_info.ActionWhoTreats(), "who?", condition="strabismus")[0])
    assert "Dr. Thomas Reyes" in strabismus and "Cambridge" in strabismus


def test_who_treats_asks_for_the_condition_and_declines_anxiety():
    messages, _ = run(clinic_info.ActionWhoTreats(), "who treats what?")
    assert messages[0]["buttons"] and "anxiety" not in str(messages[0]["buttons"])
    assert "investigational" in text_of(run(clinic_info.ActionWhoTreats(), "x", condition="anxiety_depression")[0])


def test_insurance_lists_plans_and_says_staff_confirm():
    text = text_of(run(clinic_info.ActionInsurancePlans())[0])
    assert "Aetna" in text and "confirm coverage" in text


def test_insurance_plans_one_a_line_but_none_for_a_use_the_clinic_does_not_offer():
    for_migraine = text_of(run(clinic_info.ActionInsurancePlans(), condition="chronic_migraine")[0])
    assert "\n- Medicare Part B\n" in for_migraine and "\n- Aetna\n" in for_migraine
    # The answer before it already said there is no coverage to check: no plan list after it.
    messages, events = run(clinic_info.ActionInsurancePlans(), condition="anxiety_depression")
    assert messages == [] and events == []


def test_who_treats_bells_palsy_includes_someone_who_gives_the_injections():
    text = text_of(run(clinic_info.ActionWhoTreats(), "x", condition="bells_palsy")[0])
    assert "Dr. Maya Ellison, MD (Neurologist)" in text
    assert "Priya Nair, PT" in text, "and the facial therapy that comes first"


def test_fee_is_only_what_the_clinic_lists(clinic_file):
    assert "150 USD" in text_of(run(clinic_info.ActionConsultationFee())[0])
    clinic_file(lambda c: c.pop("consultation_fee"))
    text = text_of(run(clinic_info.ActionConsultationFee())[0])
    assert "hasn't published" in text and "$" not in text and "USD" not in text


def test_talk_to_person_gives_phone_open_state_and_callback(clock):
    messages, _ = run(clinic_info.ActionTalkToPerson(), "human please")
    assert "+1 617-555-0142" in messages[0]["text"] and "open until 7:00 PM" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "Request a callback", "payload": "/request_callback"}]
    clock(TUESDAY_NIGHT)
    assert "next opens Wednesday, Dec 2 at 8:30 AM" in text_of(run(clinic_info.ActionTalkToPerson())[0])


def test_the_clinics_own_texts_are_in_the_conversations_language(clinic_file):
    messages, _ = run(clinic_info.ActionClinicLocation(), "¿dónde están?", location="back_bay",
                      language="es")
    assert "A dos minutos a pie de la estación Copley" in messages[0]["text"]
    assert "Estacionamiento validado en el garaje de Harbor Street" in messages[0]["text"]
    insurance = text_of(run(clinic_info.ActionInsurancePlans(), "¿aceptan mi seguro?", language="es")[0])
    assert "La cobertura depende de su plan" in insurance and "Coverage depends" not in insurance
    who = text_of(run(clinic_info.ActionWhoTreats(), "¿quién?", condition="chronic_migraine",
                      language="es")[0])
    assert "Dr. Maya Ellison, MD (Neuróloga)" in who
    english = text_of(run(clinic_info.ActionClinicLocation(), "where", location="back_bay")[0])
    assert "Two minutes' walk from Copley station" in english

    # A text written once serves every language.
    clinic_file(lambda clinic: clinic["locations"][0].update(parking="Garage B only."))
    spanish = text_of(run(clinic_info.ActionClinicLocation(), "dónde", location="back_bay", language="es")[0])
    assert "Garage B only." in spanish
