"""Everyday mentions of a condition's word are not the condition.

The lexicon lists bare "sweat", "sudo" and "anxious" because patients name their
condition that way ("I sweat through my shirts", "sudo de las manos todo el tiempo").
Said of a workout, a hot day or everyone ("I sweat a lot at the gym", "en verano todos
sudamos"), or of nerves about the visit ("estoy ansiosa por la cita del jueves"), the
word is not the condition. Those are dropped, unless the same clause says it is more
than that (even sitting still, in winter, the hands or the underarms, always). Nor is
the weather's "depresión tropical".
A single headache is handled the same way (spacy_pipeline/one_time_headache.py).
"""
import re
from typing import List

from common.text import fold, stretch_around
from spacy_pipeline.one_time_headache import without_one_time_headaches
from spacy_pipeline.typos import Entity

CONDITION = "condition"
# The bare sweat words of both lexicons (accents folded).
BARE_SWEAT = re.compile(
    r"^(?:sweat|sweats|sweating|sweated|sweaty|sudo|sudas|suda|sudamos|sudan|sudando|sudor|sudar|"
    r"sudado|sudada|sudados|sudadas|transpiro|transpira|transpiramos|transpiran|transpirar)$")
# A workout, the heat, or everyone.
EVERYDAY_SWEAT = re.compile(
    r"\b(?:gym|workouts?|working out|cardio|running|jogging|exercis\w*|hiking|soccer|football|basketball|"
    r"hot (?:day|days|weather)|in the sun|summer|degrees|sauna|everyone|everybody|like anyone|"
    r"gimnasio|gym|correr|corro|corriendo|carreras?|ejercicio|entren\w*|futbol|calor|verano|grados|"
    r"con el sol|al sol|bajo el sol|todos|todo el mundo|cualquiera|"
    # An idiom: "sudando la gota gorda con los papeles" (working hard at it).
    r"la gota gorda)\b")
# More than that: the condition after all.
MORE_THAN_EVERYDAY = re.compile(
    r"\b(?:even|still|sitting|at rest|resting|cold|winter|air[- ]?condition\w*|always|constant\w*|"
    r"all the time|all day|too much|excessive\w*|drip\w*|soak\w* through|hands?|palms?|feet|underarms?|"
    r"armpits?|face|hasta|aunque|incluso|sentad[oa]s?|descans\w*|frio|invierno|aire acondicionado|siempre|"
    r"todo el (?:tiempo|dia)|demasiado|excesiv\w*|chorre\w*|manos?|pies|axilas?|cara|hiperhidrosis|"
    r"hyperhidrosis)\b")
# Nerves about the visit, the needles or the results.
BARE_ANXIOUS = re.compile(r"^(?:anxious|nervous|ansios[oa]s?|nervios[oa]s?)$")
ABOUT_THE_VISIT = re.compile(
    r"^\s*(?:about|before|for|of|por|de|antes de|con)\s+(?:the |my |la |las |el |los |mi |mis |una |un )?"
    r"(?:\w+ )?(?:appointment|visit|consult\w*|injections?|needles?|shots?|procedure|results?|first|"
    r"cita|consulta|inyecci\w*|agujas?|piquetes?|procedimiento|resultados?|primera)\b")
# The weather: "viene una depresión tropical", "a tropical depression is coming".
DEPRESSION = re.compile(r"^(?:depresion|depression)$")
WEATHER_AFTER = re.compile(r"^\s+(?:tropical|atmosferica)\b")
CLAUSE_BREAK = re.compile(r"[,;:.!?\n]|\b(?:but|pero|aunque|though)\b")


def clause_around(text: str, start: int, end: int) -> str:
    return stretch_around(text, start, end, CLAUSE_BREAK)


def is_everyday(text: str, start: int, end: int) -> bool:
    folded = fold(text)
    word = folded[start:end]
    if BARE_SWEAT.match(word):
        clause = clause_around(folded, start, end)
        return bool(EVERYDAY_SWEAT.search(clause)) and not MORE_THAN_EVERYDAY.search(clause)
    if BARE_ANXIOUS.match(word):
        return bool(ABOUT_THE_VISIT.match(folded[end:]))
    return bool(DEPRESSION.match(word) and WEATHER_AFTER.match(folded[end:]))


def without_everyday_mentions(text: str, entities: List[Entity]) -> List[Entity]:
    """The entities without a single headache, an everyday sweat or nerves about the visit."""
    return [e for e in without_one_time_headaches(text, entities)
            if not (e.label == CONDITION and is_everyday(text, e.start_char, e.end_char))]
