"""The medical answers: provenance, status words and the clinical sign-off record."""
import re

import pytest

from staff.content_review import (
    CHANGED, DOMAIN_FILE, REVIEW_FILE, SIGNED, SOURCES_FILE, UNSIGNED, load_yaml, medical_responses,
    responses_sha256, sign_off_state, signed_content,
)

pytestmark = pytest.mark.unit

DOMAIN = load_yaml(DOMAIN_FILE)
REVIEW = load_yaml(REVIEW_FILE)
ALLOWED = load_yaml(SOURCES_FILE)
MEDICAL = medical_responses(DOMAIN, REVIEW)
STATUS_WORDS = ("FDA-approved", "off-label", "investigational")

VARIATIONS = [
    pytest.param(name, index, variation, id=f"{name}[{index}]")
    for name, variations in MEDICAL.items()
    for index, variation in enumerate(variations)
]
# General information and the emergency answers have no regulatory status to state.
REGULATED = [param for param in VARIATIONS
             if (param.values[2].get("metadata") or {}).get("status") not in ("general information", "emergency")]


def test_there_are_medical_answers_for_every_topic():
    for topic in ("migraine", "sweating", "tmj", "eye_twitching", "facial_spasm",
                  "strabismus", "bells_palsy", "anxiety_depression", "side_effects",
                  "contraindications", "candidate", "cost", "insurance", "history"):
        assert f"utter_{topic}" in MEDICAL


@pytest.mark.parametrize("name, index, variation", VARIATIONS)
def test_every_medical_answer_carries_status_and_sources(name, index, variation):
    metadata = variation.get("metadata") or {}
    assert metadata.get("status") in ALLOWED["statuses"]
    assert metadata.get("sources"), "a medical answer needs at least one source"
    for source in metadata["sources"]:
        assert source in ALLOWED["sources"]


@pytest.mark.parametrize("name, index, variation", REGULATED)
def test_regulated_answers_state_their_status_in_words(name, index, variation):
    assert any(word.lower() in variation["text"].lower() for word in STATUS_WORDS)


@pytest.mark.parametrize("name, index, variation", VARIATIONS)
def test_no_answer_quotes_a_price_or_a_dose(name, index, variation):
    text = variation["text"]
    assert not re.search(r"[$£€]\s?\d", text), "prices come only from the clinic's data"
    assert not re.search(r"\d+\s*units?\b", text, re.I), "the assistant never doses"


def test_follow_up_answers_have_a_variation_for_every_condition():
    conditions = {"chronic_migraine", "hyperhidrosis", "tmj", "blepharospasm",
                  "hemifacial_spasm", "strabismus", "bells_palsy", "anxiety_depression"}
    for name in ("utter_duration", "utter_onset", "utter_frequency", "utter_pain",
                 "utter_side_effects", "utter_insurance"):
        variations = DOMAIN["responses"][name]
        for channel in {v.get("channel") for v in variations}:  # the default, and SMS's own if any
            on_channel = [v for v in variations if v.get("channel") == channel]
            covered = {c["value"] for v in on_channel for c in v.get("condition", []) if c["name"] == "condition"}
            assert covered == conditions, (name, channel)
            assert sum(1 for v in on_channel if not v.get("condition")) == 1, (name, channel)


def test_emergency_answers_give_the_numbers_to_call():
    assert "911" in DOMAIN["responses"]["utter_emergency"][0]["text"]
    assert "988" in DOMAIN["responses"]["utter_crisis"][0]["text"]


def test_review_record_is_complete_and_matches_the_text_it_signed():
    entries = REVIEW["reviews"]
    assert entries and all({"reviewed_by", "reviewed_on", "responses_sha256"} <= set(e) for e in entries)
    assert sign_off_state(signed_content(REVIEW), REVIEW) != CHANGED, \
        "medical answers changed since the last clinical sign-off"


def test_the_sign_off_state_follows_the_record():
    current = responses_sha256(MEDICAL)

    def record(*entries):
        return {"reviews": [{"reviewed_by": by, "reviewed_on": "2026-12-01", "responses_sha256": sha}
                            for by, sha in entries]}
    assert sign_off_state(MEDICAL, record(("", ""))) == UNSIGNED
    assert sign_off_state(MEDICAL, record(("Dr. A", current))) == SIGNED
    assert sign_off_state(MEDICAL, record(("Dr. A", "0" * 64))) == CHANGED
    assert sign_off_state(MEDICAL, record(("Dr. A", "0" * 64), ("Dr. B", current))) == SIGNED, "the latest counts"
    edited = {**MEDICAL, "utter_migraine": [{"text": "edited"}]}
    assert sign_off_state(edited, record(("Dr. A", current))) == CHANGED


def test_the_sign_off_covers_the_spanish_answers_too():
    both = signed_content(REVIEW)
    assert set(both) == {"en", "es"} and set(both["es"]) == set(both["en"])
    signed = {"reviews": [{"reviewed_by": "Dr. A", "reviewed_on": "2026-12-01",
                           "responses_sha256": responses_sha256(both)}]}
    assert sign_off_state(both, signed) == SIGNED
    spanish_edited = {**both, "es": {**both["es"], "utter_migraine": [{"text": "editado"}]}}
    assert sign_off_state(spanish_edited, signed) == CHANGED
