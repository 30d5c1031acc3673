"""A single headache is not a headache condition.

The lexicon lists "headache" and "dolor de cabeza" because patients name chronic
migraine that way ("a headache almost every day", "dolor de cabeza casi diario"). One
headache with its day or its cause is not that: "a headache from the hangover", "me
duele la cabeza hoy por el calor", "un dolor de cabeza después de la vacuna", "desde el
botox me duele la cabeza" (a side effect, answered as one), nor one that came on once
("me dio dolor de cabeza en la noche") or is asked about as a side effect ("¿el botox puede
dar dolor de cabeza?"), nor a figure of speech ("the insurance paperwork is a headache"). Those are dropped; plural forms
("headaches", "dolores de cabeza") and anything said to recur stay.
"""
import re
from typing import List

from common.text import fold, stretch_around
from spacy_pipeline.typos import Entity

CONDITION = "condition"
# The singular headache phrases of the lexicon (accents folded).
SINGLE_HEADACHE = re.compile(
    r"^(?:head ?ache|headach|dolor de cabe[sz]a|(?:me|le) duele (?:mucho )?la cabeza)$")
# Its day, its one-off cause, or a side effect of the shot.
ONE_TIME = re.compile(
    r"\b(?:today|tonight|this (?:morning|afternoon|evening)|yesterday|last night|right now|hangover|"
    r"hoy|anoche|esta (?:manana|tarde|noche)|ayer|ahorita|cruda|resaca|guayabo|"
    r"(?:after|from|since) (?:the|my|his|her|a|an|this|that) (?:\w+ ){0,2}"
    r"(?:shots?|injections?|botox|vaccine|flight|wedding|game|party|workout|gym|surgery|dentist|paperwork)|"
    r"(?:despues|desde|por) (?:de |del )?(?:la |el |las |los |mi |una |un )?(?:\w+ ){0,2}"
    r"(?:inyecciones|inyeccion|botox|vacuna|fiesta|boda|partido|futbol|vuelo|cirugia|calor|gimnasio|dentista)|"
    r"(?:despues|antes) de (?:ponerlo|ponermelo|ponerme(?:lo)?|aplicarlo|inyectarlo|inyectarme)|papeleo|tramites)\b")
# It came on once: "me dio dolor de cabeza en la noche", "I got a headache after the game".
CAME_ON_ONCE = re.compile(
    r"\b(?:(?:me|le|nos|les) (?:dio|vino|entro|pego)|(?:i|he|she|we) got|gave (?:me|him|her))"
    r"(?: (?:un|una|a|an|this|such a|tremendo|terrible|horrible))? $")
# Asked about as a side effect: "¿el botox puede dar dolor de cabeza?", "can it cause a headache?".
AS_A_SIDE_EFFECT = re.compile(
    r"\b(?:puede|pueden|podria|can|could|does|do|will|would|might)\b(?: \w+){0,3} "
    r"(?:dar|causar|provocar|cause|give)(?:me|te|le)?(?: (?:me|you|him|her|people|someone|patients))? "
    r"(?:un |una |a |an )?$")
# A figure of speech: "the paperwork is a headache", "el seguro es un dolor de cabeza".
FIGURATIVE = re.compile(
    r"\b(?:is|was|are|it'?s|its|es|fue|son|sera) (?:such )?(?:a|an|un|una) (?:real |total |big |huge |verdadero |gran )?$")
# Said to recur: then it is the condition after all.
RECURRENT = re.compile(
    r"\b(?:every|daily|each|most|always|chronic\w*|constant\w*|all the time|\d+ (?:days?|times)|"
    r"a (?:week|month)|per (?:week|month)|todos los dias|cada|diari\w*|siempre|cronic\w*|constante\w*|"
    r"casi (?:todos|diario)|al mes|a la semana|\d+ (?:dias|veces))\b")
SENTENCE_END = re.compile(r"[.!?\n]")


def sentence_around(text: str, start: int, end: int) -> str:
    return stretch_around(text, start, end, SENTENCE_END)


def is_one_time(text: str, start: int, end: int) -> bool:
    folded = fold(text)
    if not SINGLE_HEADACHE.match(folded[start:end]):
        return False
    sentence = sentence_around(folded, start, end)
    if RECURRENT.search(sentence):
        return False
    before = folded[max(0, start - 40):start]
    return bool(ONE_TIME.search(sentence) or FIGURATIVE.search(before) or CAME_ON_ONCE.search(before)
                or AS_A_SIDE_EFFECT.search(before))


def without_one_time_headaches(text: str, entities: List[Entity]) -> List[Entity]:
    return [e for e in entities
            if not (e.label == CONDITION and is_one_time(text, e.start_char, e.end_char))]
