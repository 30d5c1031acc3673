"""Answers in the conversation's language: the response generator
(rasa_plugins/nlg.py), the clinic messages (clinic/config.py), dates and times
(clinic/dates.py), and the booking form's Spanish dates and reasons
(actions/validation.py). No server: the generator is built as Rasa builds it."""
import asyncio
from datetime import date, datetime, time
from pathlib import Path

import pytest
import yaml
from common import yaml_files
from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig
from zoneinfo import ZoneInfo

from actions.validation import Invalid, parse_contact, parse_preferred_time
from clinic import config as clinic_config
from clinic.config import messages
from clinic.dates import format_day, format_moment, format_time, format_time_range
from clinic.hours import BookingWindow, OpeningHours, describe_hours_for_day
from deploy.endpoints import endpoints
from tests.servers import ROOT

pytestmark = pytest.mark.unit

DOMAIN = Domain.load(str(ROOT / "domain.yml"))

# A Spanish responses file of our own, so these tests check how the generator
# chooses, whatever the clinic's Spanish texts say.
SPANISH = """
responses:
  utter_default:
  - text: "Perdone, no le entendí. Llame al {clinic_phone}."
  - channel: twilio
    text: "Perdone, no le entendi (SMS)."
  utter_greet:
  - condition:
    - type: slot
      name: condition
      value: tmj
    text: "Hola, sobre la mandíbula."
  - text: "Hola."
"""


def generator(tmp_path: Path):
    path = tmp_path / "responses_es.yml"
    path.write_text(SPANISH, encoding="utf-8")
    config = EndpointConfig(type="rasa_plugins.nlg.LanguageResponseGenerator", spanish_responses=str(path))
    return NaturalLanguageGenerator.create(config, DOMAIN)


def said(nlg, response, channel="rest", **slots):
    filled = {"clinic_phone": "617-555-0100", "language": None, "condition": None, **slots}
    return nlg.generate_from_slots(response, filled, channel)["text"]


def test_rasa_builds_the_generator_named_in_the_endpoints_file():
    config = endpoints({"TRACKER_STORE_URL": "sqlite:////tmp/x.db"})
    nlg = NaturalLanguageGenerator.create(EndpointConfig.from_dict(config["nlg"]), DOMAIN)
    assert type(nlg).__name__ == "LanguageResponseGenerator"


def test_a_spanish_conversation_gets_the_spanish_response_with_slots_filled(tmp_path):
    nlg = generator(tmp_path)
    assert said(nlg, "utter_default", language="es") == "Perdone, no le entendí. Llame al 617-555-0100."


def test_an_english_or_unknown_language_gets_the_domains_response(tmp_path):
    nlg = generator(tmp_path)
    english = [v["text"] for v in DOMAIN.responses["utter_default"] if not v.get("channel")]
    assert said(nlg, "utter_default", language="en") in [t.replace("{clinic_phone}", "617-555-0100")
                                                         for t in english]
    assert "Perdone" not in said(nlg, "utter_default", language=None)
    assert "Perdone" not in said(nlg, "utter_default", language="fr")


def test_the_channel_variation_is_chosen_in_spanish_too(tmp_path):
    nlg = generator(tmp_path)
    assert said(nlg, "utter_default", channel="twilio", language="es") == "Perdone, no le entendi (SMS)."


def test_the_slot_condition_variation_is_chosen_in_spanish_too(tmp_path):
    nlg = generator(tmp_path)
    assert said(nlg, "utter_greet", language="es", condition="tmj") == "Hola, sobre la mandíbula."
    assert said(nlg, "utter_greet", language="es", condition="hyperhidrosis") == "Hola."


def test_a_response_missing_in_spanish_is_said_in_english_not_dropped(tmp_path):
    nlg = generator(tmp_path)
    text = said(nlg, "utter_goodbye", language="es")
    assert text and text in [v["text"] for v in DOMAIN.responses["utter_goodbye"]]


def test_the_generator_reads_the_tracker_language(tmp_path):
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("unit", [SlotSet("language", "es")], slots=DOMAIN.slots)
    reply = asyncio.run(generator(tmp_path).generate("utter_greet", tracker, "rest"))
    assert reply["text"] == "Hola."


def test_the_clinics_spanish_responses_cover_every_response():
    """The clinic's own Spanish file (content/es/responses.yml) answers every response."""
    spanish = yaml_files.safe_load((ROOT / "content" / "es" / "responses.yml").read_text(encoding="utf-8"))
    assert set(DOMAIN.responses) <= set(spanish["responses"])


# ---------------------------------------------------------------- clinic messages

def test_clinic_messages_in_spanish_have_every_english_key():
    """clinic/messages_es.yml mirrors clinic/messages.yml, key by key."""
    def keys(tree, prefix=""):
        return {f"{prefix}{k}" for k, v in tree.items()} | {
            key for k, v in tree.items() if isinstance(v, dict) for key in keys(v, f"{prefix}{k}.")}

    english = yaml_files.safe_load((ROOT / "clinic" / "messages.yml").read_text(encoding="utf-8"))
    spanish = yaml_files.safe_load((ROOT / "clinic" / "messages_es.yml").read_text(encoding="utf-8"))
    assert keys(english) - keys(spanish) == set()
    assert messages("es")["booking"]["ask_patient_name"] != english["booking"]["ask_patient_name"]
    assert messages("fr") == english


@pytest.fixture
def spanish_wording(monkeypatch, tmp_path):
    """A Spanish messages file of our own with a few reasons: the mechanism, not the texts."""
    path = tmp_path / "messages_es.yml"
    path.write_text(yaml.safe_dump({"validation": {
        "phone_incomplete": "Al número le faltan dígitos, por ejemplo {example}.",
        "phone_abroad_hint": "Si no es de {region}, empiece con +.",
        "email_invalid": "Ese correo no parece correcto.",
    }}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setitem(clinic_config.MESSAGES_FILES, "es", path)
    messages.cache_clear()  # the files are read once per process
    yield
    messages.cache_clear()


def test_a_reason_comes_from_the_spanish_file_and_a_missing_one_in_english(spanish_wording):
    assert parse_contact("555-01", language="es").reason == (
        "Al número le faltan dígitos, por ejemplo 617-555-0142. Si no es de EE. UU., empiece con +.")
    assert parse_contact("ana@@example", language="es").reason == "Ese correo no parece correcto."
    # Not in that file: said in English rather than failing.
    assert parse_contact("617-555-CALL", language="es").reason.startswith("A phone number should")


# ---------------------------------------------------------------- dates and times

def test_dates_and_times_in_spanish():
    tuesday = datetime(2026, 12, 8, 9, 0)
    assert format_time(time(9, 0), "es") == "9:00 a. m."
    assert format_time(time(17, 30), "es") == "5:30 p. m."
    assert format_time_range(time(9), time(17), "es") == "9:00 a. m. a 5:00 p. m."
    assert format_day(tuesday, language="es") == "martes 8 de diciembre"
    assert format_day(date(2027, 1, 6), today=date(2026, 12, 2), language="es") == "miércoles 6 de enero de 2027"
    assert format_moment(tuesday, language="es") == "martes 8 de diciembre a las 9:00 a. m."
    assert format_moment(datetime(2026, 12, 8, 13, 0), language="es") == "martes 8 de diciembre a la 1:00 p. m."


def test_english_dates_are_unchanged():
    assert format_moment(datetime(2026, 12, 8, 9, 0)) == "Tuesday, Dec 8 at 9:00 AM"


BOSTON = OpeningHours(
    timezone="America/New_York",
    weekly={**{weekday: [(time(9), time(17))] for weekday in range(5)}, 5: [(time(9), time(13))]},
    holidays={},
)
WINDOW = BookingWindow(min_lead_hours=2, max_days_ahead=60)
# Wednesday Dec 2 2026, 10:00 in Boston.
WEDNESDAY_10AM = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize("text, expected", [
    ("el martes que viene a las 10", (2026, 12, 8, 10, 0)),
    ("el próximo martes a las 10", (2026, 12, 8, 10, 0)),
    ("martes a las 10:30", (2026, 12, 8, 10, 30)),
    ("el viernes a las 3 de la tarde", (2026, 12, 4, 15, 0)),
    ("el viernes a las 3", (2026, 12, 4, 15, 0)),       # nobody books at 3 in the morning
    ("el 15 de diciembre a las 11:30", (2026, 12, 15, 11, 30)),
    ("mañana a las 9", (2026, 12, 3, 9, 0)),
    ("el jueves", (2026, 12, 3, 9, 0)),                  # a bare day: the opening time
    ("el jueves por la tarde", (2026, 12, 3, 14, 0)),
])
def test_a_spanish_booking_time_is_read(text, expected):
    moment = parse_preferred_time(text, BOSTON, WINDOW, WEDNESDAY_10AM, language="es")
    assert not isinstance(moment, Invalid), moment
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == expected


def test_a_spanish_time_outside_the_hours_is_explained_in_spanish():
    reason = parse_preferred_time("el domingo a las 10", BOSTON, WINDOW, WEDNESDAY_10AM, language="es")
    assert isinstance(reason, Invalid)
    assert "domingos" in reason.reason
    reason = parse_preferred_time("el martes a las 7 de la tarde", BOSTON, WINDOW, WEDNESDAY_10AM,
                                  language="es")
    assert "7:00 p. m." in reason.reason and "9:00 a. m. a 5:00 p. m." in reason.reason
    assert describe_hours_for_day(BOSTON, date(2026, 12, 6), "es") == "cerrado"


@pytest.mark.parametrize("text, key", [
    ("555-01", "phone_incomplete"),
    ("617-555-CALL", "phone_letters"),
    ("no tengo", "contact_not_phone_or_email"),
])
def test_phone_and_email_problems_are_explained_in_spanish(text, key):
    spanish = messages("es")["validation"][key].format(example="617-555-0142", region="US")
    english = messages("en")["validation"][key].format(example="617-555-0142", region="US")
    reason = parse_contact(text, language="es").reason
    assert spanish != english
    assert reason.startswith(spanish)


def test_an_email_problem_is_explained_in_spanish():
    reason = parse_contact("ana@@example", language="es").reason
    assert reason != parse_contact("ana@@example").reason
    assert "e-mail address doesn't look right" not in reason


def test_the_domain_responses_rasa_sets_after_loading_the_model_are_used(tmp_path):
    """Rasa builds the generator with an empty domain, then sets the model's responses."""
    path = tmp_path / "responses_es.yml"
    path.write_text(SPANISH, encoding="utf-8")
    config = EndpointConfig(type="rasa_plugins.nlg.LanguageResponseGenerator", spanish_responses=str(path))
    nlg = NaturalLanguageGenerator.create(config, None)
    nlg.responses = DOMAIN.responses
    assert said(nlg, "utter_goodbye", language="en")
    assert said(nlg, "utter_default", language="es") == "Perdone, no le entendí. Llame al 617-555-0100."
