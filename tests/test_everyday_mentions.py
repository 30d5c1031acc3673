"""A condition's bare word said of everyday life is not the condition
(spacy_pipeline/everyday_mentions.py): a sweat from a workout, the heat or everyone,
nerves about the visit, and (spacy_pipeline/one_time_headache.py) a headache that came
on once or is asked about as a side effect. Said to be more than that, it still counts."""
import pytest

from spacy_pipeline.everyday_mentions import without_everyday_mentions

pytestmark = pytest.mark.unit


def conditions(typos, text):
    return [e.value for e in without_everyday_mentions(text, typos.entities(typos.nlp(text)))
            if e.label == "condition"]


@pytest.mark.parametrize("text", [
    "i sweat like crazy at the gym, is that normal",
    "we all sweat in summer here, it's 40 degrees",
    "sudo mucho cuando salgo a correr, es normal?",
    "en el verano todos sudamos, pero cuanto cuesta el botox?",
    "trabajo al sol y sudo, como cualquiera",
    "estoy sudando la gota gorda con los formularios",
    "i'm anxious about the appointment on monday, what should i bring",
    "estoy nerviosa por las inyecciones de mañana",
    "ayer me dio un dolor de cabeza horrible en el trabajo, el botox sirve para eso?",
    "i got a headache after the concert",
    "el botox puede dar dolor de cabeza?",
    "can botox give you a headache?",
])
def test_an_everyday_mention_is_no_condition(typos, text):
    assert conditions(typos, text) == []


@pytest.mark.parametrize("text, condition", [
    ("i sweat even sitting still in the air conditioning", "hyperhidrosis"),
    ("sudo de las manos hasta en invierno", "hyperhidrosis"),
    ("i sweat through my shirts every day", "hyperhidrosis"),
    ("sudo muchisimo, no solo en el gimnasio, también sentado", "hyperhidrosis"),
    ("i've been so anxious for months, would botox help", "anxiety_depression"),
    ("tengo ansiedad por todo, el botox sirve?", "anxiety_depression"),
    ("me da dolor de cabeza casi todos los días", "chronic_migraine"),
    ("parálisis de bel desde hace un año", "bells_palsy"),
    ("mi hermano tiene espasmo hemi facial", "hemifacial_spasm"),
])
def test_the_condition_itself_still_counts(typos, text, condition):
    assert condition in conditions(typos, text)
