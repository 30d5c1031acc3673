"""Reading level of every patient-facing text (AMA and NIH: 6th to 8th grade).

Flesch-Kincaid grade, textstat 0.7.13 with Pyphen's en_US syllables (see
staff/content_check.py and the README). Each text at most grade 8, the median
at most 7; up to 10% may reach grade 9 where a medical name can't be avoided,
each listed below with its reason. Also: the words patients trip over are
explained where they are used.
"""
import re
import statistics

import pytest

from common.paths import ROOT
from common import yaml_files
from staff.content_check import (
    action_messages, as_read, domain_texts, message_texts, patient_texts, reading_grade,
)

pytestmark = pytest.mark.unit

MAX_GRADE = 8
MAX_EXCEPTION_GRADE = 9
MAX_MEDIAN = 7
# Texts allowed up to grade 9, with the reason (a medical name that can't be
# avoided). Name them as staff/content_check.py does, e.g.
# "utter_side_effects[condition=strabismus]": "strabismus, blepharospasm".
EXCEPTIONS = {}

TEXTS = patient_texts()
GRADES = {(t.name, t.text): reading_grade(t.text) for t in TEXTS}
MESSAGES = [t for t in TEXTS if t.kind == "message"]


# --- The measure itself, on texts worked out by hand ----------------------------------
def test_the_grade_is_flesch_kincaid_with_pyphen_syllables():
    # 11 words of one syllable in one sentence: 0.39 * 11 + 11.8 * 1 - 15.59 = 0.5
    assert reading_grade("The cat sat on the mat and the dog ran off.") == pytest.approx(0.5, abs=0.05)
    # Two sentences of 5 one-syllable words: 0.39 * 5 + 11.8 - 15.59 = -1.84
    assert reading_grade("The cat sat on it. The dog ran off fast.") == pytest.approx(-1.8, abs=0.05)
    # Pyphen's en_US patterns, not the CMU dictionary (which would give "area" three).
    # One word, one syllable, one sentence: 0.39 + 11.8 - 15.59 = -3.4
    assert reading_grade("Area.") == pytest.approx(-3.4, abs=0.05)


def test_a_text_is_read_as_the_patient_sees_it():
    assert as_read("**Call 911 now.**") == "Call 911 now."
    assert as_read("Signs:\n- weakness all over\n- double vision") == "Signs: weakness all over. double vision."
    assert as_read("E-mail appointments@harborview-clinic.example today.") == "E-mail address today."
    # A list read as one long sentence would score far higher than line by line.
    listed = "You can see:\n- Dr. Maya Ellison, our neurologist\n- Priya Nair, our facial therapist"
    assert reading_grade(listed) < reading_grade(listed.replace("\n- ", " and "))


def test_every_kind_of_patient_text_is_measured():
    domain = yaml_files.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    variations = sum(1 for variations in domain.values() for v in variations if v.get("text"))
    assert len([t for t in domain_texts() if t.kind == "message"]) == variations
    messages = yaml_files.safe_load((ROOT / "clinic" / "messages.yml").read_text(encoding="utf-8"))
    measured = " ".join(t.name for t in message_texts())
    for section, entries in messages.items():
        for key in entries:
            # Names (conditions, time zones) are measured inside the texts that use them.
            assert f"{section}.{key}" in measured or f"{section} buttons" in measured \
                or section == "condition_names" or isinstance(entries[key], dict), f"{section}.{key}"
    actions = {m.name.split()[0] for m in action_messages()}
    assert {"action_clinic_hours", "action_who_treats", "action_insurance_plans", "action_consultation_fee",
            "action_ask_preferred_time", "action_ask_booking_confirmed", "action_ask_condition",
            "actions/validation.py"} <= actions
    assert any(t.name.startswith("widget.js") for t in TEXTS)


# --- The limits ----------------------------------------------------------------------
@pytest.mark.parametrize("text", TEXTS, ids=lambda t: t.name)
def test_each_text_is_at_most_grade_8(text):
    grade = GRADES[(text.name, text.text)]
    limit = MAX_EXCEPTION_GRADE if text.name in EXCEPTIONS else MAX_GRADE
    assert grade <= limit, f"grade {grade}: {as_read(text.text)}"


def test_the_median_is_at_most_grade_7():
    medical_names = {name for name in yaml_files.safe_load((ROOT / "domain.yml").read_text())["responses"]}
    every = [GRADES[(t.name, t.text)] for t in MESSAGES]
    medical = [GRADES[(t.name, t.text)] for t in MESSAGES if t.name.split("[")[0] in medical_names]
    assert statistics.median(every) <= MAX_MEDIAN
    assert statistics.median(medical) <= MAX_MEDIAN


def test_exceptions_are_few_and_each_is_still_needed():
    assert len(EXCEPTIONS) <= 0.10 * len(MESSAGES)
    names = {t.name: GRADES[(t.name, t.text)] for t in TEXTS}
    for name, reason in EXCEPTIONS.items():
        assert reason, f"{name}: say which medical name makes it hard"
        assert name in names, f"{name}: no such text"
        assert names[name] > MAX_GRADE, f"{name} is grade {names[name]} now: take it off the list"


# --- Words explained where they are used -------------------------------------------------
# A term, and what must stand near its first use in a text (before or after it).
EXPLAINED = {
    r"off-label": r"US label",
    r"prior authorization": r"must agree before treatment",
    r"investigational": r"studied|studies|tested",
    r"topical products": r"on the skin",
    r"blepharospasm": r"eyelids forcing shut",
    r"strabismus": r"different directions|not lined up",
    r"hemifacial spasm": r"one side",
    r"hyperhidrosis": r"sweating",
    r"\bTMJ\b": r"jaw",
    r"cervical dystonia": r"neck muscles",
    r"spasticity": r"stiff",
    r"acetylcholine": r"nerve signal",
    r"myasthenia gravis": r"nerve",
    r"aminoglycosides": r"antibiotics",
    r"placebo": r"fake shot",
}


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: t.name)
def test_medical_and_insurance_words_are_explained_where_they_are_used(text):
    plain = " ".join(text.text.replace("**", "").split())
    for term, explanation in EXPLAINED.items():
        first = re.search(term, plain, re.IGNORECASE)
        if first and text.kind == "message":
            near = plain[max(0, first.start() - 90): first.end() + 110]
            assert re.search(explanation, near, re.IGNORECASE), f"{term} unexplained in: {near}"
