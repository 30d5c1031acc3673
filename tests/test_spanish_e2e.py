"""End to end in Spanish: the running assistant (real Rasa server and action
server) answers a Spanish conversation in Spanish, keeps its language through
short replies, switches on request, and puts a Spanish red flag first."""
import json
import sqlite3
from pathlib import Path
from typing import List

import pytest
import requests

from tests.servers import Patient

pytestmark = pytest.mark.e2e


def language_slots(db: Path, sender: str) -> List[str]:
    """The values the conversation's `language` slot took, in order."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id", (sender,))
        events = [json.loads(data) for (data,) in rows]
    return [e["value"] for e in events if e.get("name") == "language"]


def test_a_spanish_medical_question_is_answered_in_spanish_with_status_and_source(stack):
    patient = stack.patient("es")
    [answer, *_] = patient.say("¿El botox sirve para la migraña crónica?")
    assert "aprobado por la FDA" in answer["text"]
    assert "\nFuente: " in answer["text"] and "\nSource: " not in answer["text"]
    assert answer["metadata"]["status"] == "FDA-approved"
    assert answer["metadata"]["sources"]
    assert answer["metadata"]["language"] == "es"


def test_a_short_reply_keeps_the_language_and_a_request_switches_it(stack):
    patient = stack.patient("es")
    patient.say("hola, quisiera saber si el botox ayuda con el sudor de las axilas")
    patient.say("ok")
    patient.say("sí")
    assert language_slots(stack.tracker_db, patient.sender)[-1] == "es"
    switched = patient.say("English, please")
    assert language_slots(stack.tracker_db, patient.sender)[-1] == "en"
    assert all((m.get("metadata") or {}).get("language", "en") == "en" for m in switched)
    back = patient.say("en español, por favor")
    assert language_slots(stack.tracker_db, patient.sender)[-1] == "es"
    assert all((m.get("metadata") or {}).get("language", "es") == "es" for m in back)


def test_a_conversation_from_a_spanish_page_starts_in_spanish(stack):
    sender = Patient(stack.url, "es-page").sender + "-page"
    reply = requests.post(f"{stack.url}/webhooks/rest/webhook", timeout=30, json={
        "sender": sender, "message": "hola", "metadata": {"language": "es"}})
    reply.raise_for_status()
    assert language_slots(stack.tracker_db, sender) and language_slots(stack.tracker_db, sender)[-1] == "es"
    assert all((m.get("metadata") or {}).get("language", "es") == "es" for m in reply.json())


def test_a_spanish_emergency_gets_911_first_in_spanish(stack):
    patient = stack.patient("es")
    patient.say("¿el botox sirve para el bruxismo?")
    [first, *_] = patient.say("desde la inyección no puedo respirar bien y me cuesta tragar")
    assert "911" in first["text"]
    assert first["metadata"]["language"] == "es"


def test_a_spanish_crisis_gets_988_with_its_spanish_options(stack):
    patient = stack.patient("es")
    patient.say("tengo migrañas desde hace años y estoy cansada")
    [first, *_] = patient.say("ya no quiero vivir")
    assert "988" in first["text"]
    assert "AYUDA" in first["text"]  # text AYUDA to 988


def test_over_sms_a_spanish_answer_numbers_its_options_in_spanish(stack):
    from tests.platforms import Sms

    sms = Sms(stack.url)
    sender = sms.new_sender()
    assert sms.post(sms.message(sender, "¿El botox sirve para la migraña crónica?")).status_code == 200
    reply = stack.fake.wait_for("twilio", sender, lambda r: "Fuente:" in r.text)
    assert "1. " in reply.text and "Responda con un número." in reply.text
    assert "Reply with a number." not in reply.text
