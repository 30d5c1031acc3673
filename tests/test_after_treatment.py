"""Warning signs after a treatment get the urgent answer first (issue 12): the
phrasings below are written for this test only (not in training, not in the
safety sets), each a patient reporting a spread sign after an injection."""

import pytest

from tests.rasa_checks import parse_all

pytestmark = pytest.mark.unit

URGENT = [
    "no trouble breathing, but my eyelid has drooped since the shot",
    "my left eye won't stay open since the forehead injections on tuesday",
    "Since my Botox 5 days ago I see two of everything when I look to the side",
    "everything went blurry two days after the shots, is that the botox",
    "my voice has been croaky since the neck injections last week",
    "i feel weak all over since my migraine botox, my arms feel heavy",
    "after the botox for my neck i can hardly keep my head up by evening",
    "my mum's eyelid is drooping since her blepharospasm treatment yesterday",
    "had botox friday, now my vision is blurred when i read",
    "I've been leaking urine since my treatment, is that linked?",
    "how long does it last? and my right lid has dropped since i got it done",
    "swallowing is fine but my eyesight is foggy after my injections",
    "ever since the jaw botox my voice sounds hoarse",
    "my legs feel weak after my botox appointment 3 days ago",
    "double vision since the strabismus injection last week, should I worry",
    "my husband's eyelid sags since his migraine shots",
    "since my injection I keep losing bladder control",
    "I can breathe ok but my eyes are blurry since the botox this morning",
    "my eyelids droop and my vision is doubled after my treatment",
    "a week after botox my muscles feel weak everywhere",
    "my daughter can't hold her head up properly since the neck injection",
    "seeing double since botox, no problems swallowing",
]


def intents(agent):
    return [parse["intent"]["name"] for parse in parse_all(agent, URGENT)]


def test_every_phrasing_gets_the_urgent_answer_first(trained_agent):
    got = intents(trained_agent)
    missed = [text for text, intent in zip(URGENT, got) if intent != "report_symptoms_after_treatment"]
    assert len(URGENT) >= 20
    assert not missed, missed
