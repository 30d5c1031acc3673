"""The conversation's language: detected offline per message, kept per conversation,
switched on request (nlu_components/language.py, action_session_start).

The messages here are development messages, written for these tests; the held-out
Spanish sets (tests/nlu_realistic_es.yml, and the first one while it was held out) are never
used to tune the detector.
"""
import asyncio

import pytest
from common import yaml_files
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import ActionSessionStart
from nlu_components.language import LanguageDetector, detected_language, requested_language
from tests.rasa_checks import parse_all
from tests.servers import ROOT

pytestmark = pytest.mark.unit

DOMAIN = yaml_files.safe_load((ROOT / "domain.yml").read_text())


# Short replies, names and places say nothing about the conversation's language.
@pytest.mark.parametrize("text", [
    "no", "ok", "okay", "sí", "si", "vale", "gracias", "thanks", "hola", "hi", "yes",
    "2", "10am", "María José López", "Back Bay", "617-555-0142", "ana@example.com",
    "sí, gracias", "ok thanks", "botox", "/greet",
])
def test_a_short_or_neutral_message_says_no_language(text):
    assert detected_language(text) is None


@pytest.mark.parametrize("text", [
    "¿El botox sirve para la migraña?",
    "el botox para las migrañas",
    "me sudan mucho las manos, que puedo hacer",
    "quiero una cita el martes que viene a las 10",
    "cuanto cuesta la consulta",  # no accents, as many patients type
    "tengo bruxismo y me duele la mandibula en las mañanas",
    "¿a qué hora abren el sábado?",
    "mi mamá tiene espasmo hemifacial, ¿la pueden ayudar?",
])
def test_a_spanish_message_of_a_few_words_is_spanish(text):
    assert detected_language(text) == "es"


@pytest.mark.parametrize("text", [
    "Does Botox help migraines?",
    "I sweat a lot through my shirts",
    "can I book a consultation for next week",
    "what are your opening hours on Saturday",
    "my jaw hurts when I wake up",
])
def test_an_english_message_of_a_few_words_is_english(text):
    assert detected_language(text) == "en"


@pytest.mark.parametrize("text, language", [
    ("en español, por favor", "es"),
    ("En espanol porfavor", "es"),
    ("español", "es"),
    ("Español!", "es"),
    ("¿habla español?", "es"),
    ("no hablo inglés", "es"),
    ("Spanish please", "es"),
    ("can you speak spanish", "es"),
    ("English, please", "en"),
    ("in english", "en"),
    ("english", "en"),
    ("inglés por favor", "en"),
    ("I don't speak Spanish", "en"),
])
def test_a_request_for_a_language_switches_however_short(text, language):
    assert requested_language(text) == language
    assert detected_language(text) == language


def test_a_message_that_names_both_languages_asks_for_neither():
    assert requested_language("english or spanish?") is None
    assert requested_language("inglés o español") is None


def test_the_component_reports_a_language_entity_only_when_the_message_says_it():
    detector = LanguageDetector()
    spanish, short, payload = (Message(data={"text": text}) for text in (
        "¿el botox sirve para la migraña?", "ok", "/affirm"))
    detector.process([spanish, short, payload])

    assert [(e["entity"], e["value"]) for e in spanish.get("entities")] == [("language", "es")]
    assert not short.get("entities")
    assert not payload.get("entities")


def language_entities(parsed):
    return [e["value"] for e in parsed["entities"] if e["entity"] == "language"]


def test_the_trained_model_sets_the_language_only_on_clear_messages(trained_agent):
    spanish, short, switch, english = parse_all(trained_agent, [
        "¿el botox ayuda con la sudoración de las axilas?", "sí", "English, please",
        "how long does it last?"])
    assert language_entities(spanish) == ["es"]
    assert language_entities(short) == []
    assert language_entities(switch) == ["en"]
    assert language_entities(english) == ["en"]


def test_the_language_slot_changes_only_through_the_language_entity():
    slot = DOMAIN["slots"]["language"]
    assert slot["influence_conversation"] is False
    assert slot["values"] == ["en", "es"]
    assert slot["mappings"] == [{"type": "from_entity", "entity": "language"}]


def session_start(slots=None, metadata=None):
    slots = {"language": None, **(slots or {})}
    if metadata is not None:
        slots["session_started_metadata"] = metadata
    tracker = Tracker("unit-test", slots, {}, [], False, None, {}, "action_listen")
    events = asyncio.run(ActionSessionStart().run(CollectingDispatcher(), tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}["language"]


def test_a_new_session_starts_in_the_language_the_channel_gives():
    assert session_start(metadata={"language": "es"}) == "es"
    assert session_start(metadata={"language": "es-MX"}) == "es"
    assert session_start(slots={"language": "es"}, metadata={"language": "en-US"}) == "en"


def test_a_new_session_keeps_the_previous_sessions_language_otherwise():
    assert session_start(slots={"language": "es"}) == "es"
    assert session_start(slots={"language": "es"}, metadata={"language": "fr"}) == "es"
    assert session_start() == "en"
    assert session_start(metadata={"language": "<script>"}) == "en"
