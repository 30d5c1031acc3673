"""The channels' own words in a Spanish conversation, end to end on the shared
stack: the input guard's replies, the gentle safety line, the hand-off notices
and the numbered options under the actions' buttons (SMS) are said in Spanish.
Each has an English counterpart checked in the same way, so a reply that ignores
the language fails."""
import uuid

import pytest
import requests

from tests.handoff_helpers import Staff, conversation_key, signed_in_staff, wait_until
from tests.platforms import Sms

pytestmark = pytest.mark.e2e

EMPTY_ES = "No recibí ningún mensaje. Por favor, escriba su pregunta."
EMPTY_EN = "I didn't get a message. Please type your question."
TOO_LONG_ES = "Ese mensaje es demasiado largo para mí. Envíe una pregunta más corta (de hasta 2000 caracteres)."
TOO_LONG_EN = "That message is too long for me. Please send a shorter question (up to 2000 characters)."
CRISIS_LINE_ES = ("Si se siente sin esperanza, llame al 988 y marque 2 para español, o envíe AYUDA por texto "
                  "al 988, a cualquier hora. Es gratis, de día y de noche.")
MEDIA_ONLY_ES = ("Solo puedo leer mensajes escritos, así que no puedo ver fotos ni archivos. Por favor, no envíe "
                 "aquí fotos de su información de salud. Mejor escriba su pregunta.")
SPANISH_PROMPT = "Responda con un número."


def texts(messages):
    return [m.get("text") for m in messages]


def test_an_empty_message_in_a_spanish_conversation_gets_the_spanish_reply(stack):
    patient = stack.patient("es-empty")
    patient.say("Hola, ¿el botox sirve para la migraña crónica?")
    assert texts(patient.say("   ")) == [EMPTY_ES]
    english = stack.patient("en-empty")
    english.say("Hello, does botox help with chronic migraine?")
    assert texts(english.say("   ")) == [EMPTY_EN]


def test_a_first_message_that_is_too_long_is_answered_in_its_own_language(stack):
    spanish = "Hola, quisiera saber si el botox sirve para la migraña de mi hermana. " * 40
    assert len(spanish) > 2000
    assert texts(stack.patient("es-long").say(spanish)) == [TOO_LONG_ES]
    english = "Hello, I would like to know if botox helps with my sister's migraines. " * 40
    assert texts(stack.patient("en-long").say(english)) == [TOO_LONG_EN]


def test_a_too_long_message_in_a_spanish_conversation_gets_the_spanish_reply(stack):
    patient = stack.patient("es-long-later")
    patient.say("Buenas tardes, tengo una pregunta sobre el botox para el sudor")
    assert texts(patient.say("x" * 2500)) == [TOO_LONG_ES]


def test_a_new_conversation_from_a_spanish_page_gets_the_guards_reply_in_spanish(stack):
    sender = f"es-page-empty-{uuid.uuid4()}"
    reply = requests.post(f"{stack.url}/webhooks/rest/webhook", timeout=30,
                          json={"sender": sender, "message": "", "metadata": {"language": "es"}})
    assert reply.status_code == 200
    assert texts(reply.json()) == [EMPTY_ES]


def test_the_gentle_crisis_line_is_in_spanish_with_988s_spanish_options(stack):
    patient = stack.patient("es-gentle")
    messages = patient.say("siento que ya no puedo más")
    assert messages[-1]["text"] == CRISIS_LINE_ES
    assert messages[-1]["metadata"]["language"] == "es"
    assert not any("988 any time" in (m.get("text") or "") for m in messages)


def sms_reply(stack, sms: Sms, sender: str, text: str, wanted) -> str:
    assert sms.post(sms.message(sender, text)).status_code == 200
    return stack.fake.wait_for("twilio", sender, wanted).text


def test_over_sms_the_actions_options_and_the_guards_replies_are_in_spanish(stack):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    # action_clinic_location asks which location, with a button per location.
    asked = sms_reply(stack, sms, sender, "¿Dónde están ubicados? ¿Cuál es la dirección?",
                      lambda r: "Tenemos 2 sedes" in r.text)
    assert asked.endswith("Tenemos 2 sedes. ¿De cuál quiere saber?\n\n1. Back Bay\n2. Cambridge\n" + SPANISH_PROMPT)
    sms_reply(stack, sms, sender, "7", lambda r: r.text == "Responda con un número del 1 al 2, o escriba su pregunta.")
    assert sms.post(sms.photo(sender)).status_code == 200
    stack.fake.wait_for("twilio", sender, lambda r: r.text == MEDIA_ONLY_ES)
    # The options still stand: 2 picks Cambridge.
    sms_reply(stack, sms, sender, "2", lambda r: r.text.startswith("Cambridge:") and "Cómo llegar:" in r.text)


def test_asking_for_a_person_in_spanish_offers_the_callback_in_spanish(stack):
    # The shared stack has no staff on duty (tests/handoff_helpers.py).
    patient = stack.patient("es-person")
    patient.say("Hola, tengo preguntas sobre el botox para la migraña")
    [offer] = patient.say("¿Puedo hablar con una persona, por favor?")
    assert offer["text"].startswith("Nuestro personal no puede chatear en este momento.")
    assert [b["title"] for b in offer["buttons"]] == ["Pedir una llamada"]
    assert offer["metadata"]["language"] == "es"

    sms = Sms(stack.url)
    sender = sms.new_sender()
    sms_reply(stack, sms, sender, "Hola, tengo preguntas sobre el botox para la migraña", lambda r: bool(r.text))
    offer = sms_reply(stack, sms, sender, "¿Puedo hablar con una persona, por favor?",
                      lambda r: "Nuestro personal no puede chatear" in r.text)
    assert offer.endswith("\n\n1. Pedir una llamada\n" + SPANISH_PROMPT)


@pytest.fixture(scope="module")
def staff(stack) -> Staff:
    return signed_in_staff(stack.url, stack.handoff_url, prefix="es")


def test_staff_notices_reach_a_spanish_patient_in_spanish(stack, staff):
    sms = Sms(stack.url)
    sender = sms.new_sender()
    key = conversation_key(stack.sender_hash_key_file, sender)
    sms_reply(stack, sms, sender, "¿El botox sirve para el bruxismo?", lambda r: "Fuente:" in r.text)

    def sent():
        return [r.text for r in stack.fake.received("twilio") if r.recipient == sender]

    staff.ok("take-over", key)
    wait_until(lambda: "Una persona de nuestro personal se unió a este chat. Le responderá aquí." in sent(),
               timeout=60, what="the Spanish staff-joined notice")
    staff.ok("reply", key, text="Hola, soy Dana de la clínica.")
    wait_until(lambda: "Dana (personal de la clínica): Hola, soy Dana de la clínica." in sent(),
               timeout=60, what="the staff reply with its Spanish label")
    staff.ok("hand-back", key)
    wait_until(lambda: "Está hablando otra vez con el asistente. ¿En qué más le puedo ayudar?" in sent(),
               timeout=60, what="the Spanish hand-back notice")
    assert not any(text.startswith(("A member of our staff", "You're chatting")) for text in sent())
