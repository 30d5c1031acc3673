"""Every medical topic as a Spanish conversation, end to end on the shared stack
(real Rasa server and action server): the answer is the Spanish one, with its
status and its "Fuente:" line, and a follow-up asked in Spanish is answered for
the condition the conversation is about.

Expected words are written out here from the Spanish answers a clinician reads
(content/es/responses.yml), not read from that file."""
from typing import Dict, List

import pytest

pytestmark = pytest.mark.e2e


def spanish_reply(patient, text: str) -> List[Dict]:
    messages = patient.say(text)
    assert messages, f"no reply to {text!r}"
    for message in messages:
        assert (message.get("metadata") or {}).get("language") == "es", (text, message)
        assert "Source:" not in (message.get("text") or ""), "the sources line is labelled in Spanish"
    return messages


# (topic, the patient's question, the answer's status, words of the answer,
#  a follow-up, how its answer opens: for the same condition)
TOPICS = [
    ("migraine", "¿El botox sirve para las migrañas crónicas?", "FDA-approved",
     "para ayudar a prevenir la migraña crónica",
     "¿cuánto dura el efecto?", "Para la migraña crónica"),
    ("sweating", "Sudo muchísimo de las axilas, ¿me puede ayudar el botox?", "FDA-approved",
     "Para el sudor en las axilas",
     "¿duele mucho?", "Para el sudor excesivo"),
    ("tmj_bruxism", "¿El botox sirve para el bruxismo? Aprieto mucho los dientes de noche", "off-label",
     "para el dolor de la ATM",
     "¿cada cuánto hay que repetirlo?", "Para el dolor de la ATM (articulación de la mandíbula)"),
    ("blepharospasm", "Tengo blefaroespasmo, los párpados se me cierran con fuerza", "FDA-approved",
     "para el blefaroespasmo",
     "¿en cuánto tiempo hace efecto?", "Para el blefaroespasmo (los párpados se cierran con fuerza)"),
    ("hemifacial_spasm", "¿El botox ayuda con el espasmo hemifacial?", "off-label",
     "espasmo hemifacial",
     "¿qué efectos secundarios tiene?", "Para el espasmo hemifacial (contracciones en un lado de la cara)"),
    ("bells_palsy", "Me quedaron secuelas de una parálisis de Bell, ¿sirve el botox?", "off-label",
     "secuelas",
     "¿cuánto dura?", "Para las secuelas de la parálisis de Bell"),
    ("strabismus", "¿Se usa el botox para el estrabismo?", "FDA-approved",
     "para el estrabismo",
     "¿cada cuánto se repite?", "Para el estrabismo (los ojos apuntan en direcciones distintas)"),
    ("anxiety_depression", "¿Es verdad que el botox sirve para la depresión?", "investigational",
     "solo está **en investigación**",
     "¿y cuánto cuesta?", "Para la ansiedad o la depresión"),
]


@pytest.mark.parametrize("topic, question, status, words, follow_up, follow_up_opening",
                         TOPICS, ids=[topic[0] for topic in TOPICS])
def test_each_topic_in_spanish_and_a_follow_up_for_its_condition(
        stack, topic, question, status, words, follow_up, follow_up_opening):
    patient = stack.patient(f"es-{topic}")
    [answer, *_] = spanish_reply(patient, question)
    assert answer["metadata"]["status"] == status
    assert answer["metadata"]["sources"]
    assert words in answer["text"]
    assert "\nFuente: " in answer["text"]

    [again, *_] = spanish_reply(patient, follow_up)
    assert again["text"].startswith(follow_up_opening), again["text"][:120]


def test_side_effects_in_spanish_in_general_then_for_a_condition(stack):
    patient = stack.patient("es-side-effects")
    [general, *_] = spanish_reply(patient, "¿Qué efectos secundarios tiene el botox?")
    assert general["text"].startswith("Los efectos comunes y leves son:")
    assert "911" in general["text"]  # the spread signs that need help at once
    spanish_reply(patient, "Me interesa para la migraña crónica")
    [for_migraine, *_] = spanish_reply(patient, "¿y qué efectos secundarios puede tener?")
    assert for_migraine["text"].startswith("Para la migraña crónica (uso **aprobado por la FDA**), "
                                           "el dolor de cuello es el efecto secundario más común.")


def test_cost_in_spanish_gives_no_price_and_the_consultation_fee(stack):
    patient = stack.patient("es-cost")
    text = "\n".join(m.get("text") or "" for m in spanish_reply(patient, "¿Cuánto cuesta el botox para el sudor?"))
    assert "No puedo dar precios de tratamientos aquí." in text
    assert "Para el sudor excesivo" in text
    assert "La consulta cuesta" in text  # the clinic's listed fee (clinic/clinic.yml), in Spanish
    [follow_up, *_] = spanish_reply(patient, "¿lo cubre el seguro?")
    assert follow_up["text"].startswith("Para el sudor excesivo")


def test_am_i_a_candidate_in_spanish_is_a_consultation_never_a_verdict(stack):
    patient = stack.patient("es-candidate")
    [general, *_] = spanish_reply(patient, "¿Soy buena candidata para el botox?")
    assert general["text"].startswith("No puedo decirle si el Botox es adecuado para usted.")
    patient = stack.patient("es-candidate-tmj")
    spanish_reply(patient, "Me duele mucho la mandíbula porque aprieto los dientes, ¿el botox ayuda?")
    [for_tmj, *_] = spanish_reply(patient, "¿Soy buena candidata para el botox?")
    assert for_tmj["text"].startswith("Para el dolor de la articulación de la mandíbula (ATM)")
    assert for_tmj["metadata"]["status"] == "off-label"
