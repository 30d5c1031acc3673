"""A single headache with its day or cause, or a figure of speech, sets no condition
(spacy_pipeline/one_time_headache.py); a headache said to recur still does."""
import pytest

from spacy_pipeline.one_time_headache import without_one_time_headaches

pytestmark = pytest.mark.unit


def conditions(typos, text):
    return [e.value for e in without_one_time_headaches(text, typos.entities(typos.nlp(text)))
            if e.label == "condition"]


@pytest.mark.parametrize("text", [
    "i have a headache from the hangover, can i still come in at 3",
    "got a headache this morning, is my appointment still on",
    "me duele la cabeza desde esta mañana, puedo ir a la cita?",
    "the insurance paperwork is a real headache, can you help",
    "hoy traigo un dolor de cabeza por la cruda, puedo ir a mi cita?",
    "me duele la cabeza desde la inyección de ayer, es normal?",
    "el seguro es un dolor de cabeza",
])
def test_one_headache_is_no_condition(typos, text):
    assert conditions(typos, text) == []


@pytest.mark.parametrize("text", [
    "i get a headache almost every day, would botox help",
    "headaches after every flight, is that migraine?",
    "tengo dolor de cabeza casi todos los días",
    "does botox help a headache that never goes away",
    "me duele la cabeza 15 dias al mes",
    "i have migraines and today i have a headache again, can i book",
])
def test_a_headache_that_recurs_or_is_named_is_still_the_condition(typos, text):
    assert "chronic_migraine" in conditions(typos, text)
