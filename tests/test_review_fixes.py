"""What the line-by-line medical review of the answers found (issue 13), kept fixed.

Each test names the review item it guards. The expected words are written out
here from the clinic's fact sheet (medical-facts.md), not read from domain.yml.
"""
import re
from pathlib import Path

import pytest

from common.paths import ROOT
from common import yaml_files

pytestmark = pytest.mark.unit

DOMAIN = yaml_files.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]
CLINIC = yaml_files.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))
MESSAGES = yaml_files.safe_load((ROOT / "clinic" / "messages.yml").read_text(encoding="utf-8"))
LEXICON = yaml_files.safe_load((ROOT / "spacy_pipeline" / "lexicon" / "conditions.yml").read_text(encoding="utf-8"))

# The boxed warning's signs that the effect has spread (FDA label), and where to turn.
SPREAD_SIGNS = {
    "general weakness": r"weakness",
    "double or blurred vision": r"double or blurred vision",
    "drooping eyelids": r"droop\w* eyelids",
    "a hoarse voice": r"hoarse voice",
    "trouble speaking": r"speaking",
    "trouble swallowing": r"swallowing",
    "trouble breathing": r"breathing",
    "loss of bladder control": r"bladder control",
    "the emergency number": r"\b911\b",
}


def plain(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def variations(name: str, channel=...):
    """(label, variation) for a response; `channel` None means the default ones."""
    for variation in RESPONSES[name]:
        if channel is ... or variation.get("channel") == channel:
            conditions = ",".join(f"{c['name']}={c['value']}" for c in variation.get("condition") or [])
            yield f"{name}[{conditions or 'default'}|{variation.get('channel') or 'any'}]", variation


def texts(name: str, channel=...):
    return [plain(v["text"]) for _, v in variations(name, channel)]


# 1. The whole boxed warning --------------------------------------------------
@pytest.mark.parametrize("label, variation", list(variations("utter_side_effects"))
                         + list(variations("utter_contraindications", channel=None)))
def test_every_side_effect_answer_and_who_shouldnt_have_it_names_every_spread_sign_and_911(label, variation):
    text = plain(variation["text"]).lower()
    missing = [sign for sign, pattern in SPREAD_SIGNS.items() if not re.search(pattern, text)]
    assert not missing, f"{label} leaves out {missing}"
    assert "hours to weeks" in text, "when it can happen"
    assert re.search(r"contact your doctor the same day|call your doctor today", text), "what to do"


def test_the_sms_who_shouldnt_have_it_answer_gives_911_and_offers_every_warning_sign():
    # Over SMS the contraindications fill the 3 segments; the emergency signs and
    # 911 stay, and the other signs are one reply away (the side-effects answer).
    [(_, sms)] = list(variations("utter_contraindications", channel="twilio"))
    text = plain(sms["text"]).lower()
    assert re.search(r"911", text) and all(w in text for w in ("speaking", "swallowing", "breathing"))
    assert [b["payload"] for b in sms["buttons"]] == ["/ask_side_effects"]


# 2. Who shouldn't have it -----------------------------------------------------
def test_contraindications_say_why_neuromuscular_disease_matters_and_tell_the_doctor():
    for text in texts("utter_contraindications"):
        assert re.search(r"myasthenia gravis", text)
        assert re.search(r"risk of trouble swallowing and breathing", text), text
        assert "pregnan" in text and "breastfeeding" in text
        assert "mention" not in text.lower()
    web = texts("utter_contraindications", channel=None)[0]
    assert "Tell the doctor about" in web
    for item in ("aminoglycosides", "muscle relaxants", "blood thinners", "heart disease",
                 "surgery on the face", "toxin shots", "ALS", "Lambert-Eaton"):
        assert item in web, item


# 3. How it works ------------------------------------------------------------------
def test_how_it_works_says_mainly_local_and_rarely_spreads_pointing_to_the_warning_signs():
    for label, variation in variations("utter_how_it_works"):
        text = plain(variation["text"])
        assert "mainly local" in text and re.search(r"Rarely,? it spreads", text), label
        assert "stays local" not in text
        assert "warning signs" in text and "/ask_side_effects" in [b["payload"] for b in variation["buttons"]]


# 4. Cost -------------------------------------------------------------------------
def test_cost_separates_treatment_prices_from_the_listed_consultation_fee():
    for cost in texts("utter_cost"):  # every variation, the conditions' included
        assert "treatment prices" in cost or "no price to give" in cost
        assert "consultation" not in cost
    assert MESSAGES["fees"]["listed"].startswith("The consultation fee is {amount}.")
    assert "consultation's fee only" in (ROOT / "clinic" / "clinic.yml").read_text()


# 5. Anxiety and insurance -----------------------------------------------------------
def test_insurance_for_anxiety_has_no_coverage_to_check_and_the_coverage_sentence_is_said_once():
    [anxiety] = [plain(v["text"]) for _, v in variations("utter_insurance")
                 if {"type": "slot", "name": "condition", "value": "anxiety_depression"} in v.get("condition", [])]
    assert "investigational" in anxiety and "no coverage to check" in anxiety
    # The plans message carries the clinic's coverage note; the answers do not repeat it.
    assert "depends on your plan" in CLINIC["insurance_note"]["en"]
    for label, variation in variations("utter_insurance"):
        assert "depends on your plan" not in variation["text"], label
        assert "staff will confirm" not in variation["text"], label


# 6. Eye twitching is not blepharospasm ---------------------------------------------
def test_the_twitch_answer_explains_the_difference_before_it_talks_about_blepharospasm():
    for label, variation in variations("utter_eye_twitching"):
        text = plain(variation["text"])
        assert text.startswith("A twitch in one eyelid is common and harmless."), label
        assert "Blepharospasm (the eyelids forcing shut) is different" in text
        assert text.index("harmless") < text.index("FDA-approved")


def test_blepharospasm_is_named_with_what_it_is_and_a_twitch_does_not_set_it():
    assert MESSAGES["condition_names"]["blepharospasm"] == "blepharospasm (the eyelids forcing shut)"
    assert not [m for m in DOMAIN["slots"]["condition"]["mappings"] if m.get("intent") == "ask_eye_twitching"]
    phrases = {p.lower() for p in LEXICON["condition"]["blepharospasm"]}
    for twitch in ("eye twitch", "eye twitching", "eyelid twitch", "eyelid twitching", "twitchy eyelid",
                   "eyelid spasms", "eye spasm"):
        assert twitch not in phrases, twitch
    assert {"blepharospasm", "eyelids forcing shut", "uncontrollable blinking"} <= phrases
    every_phrase = [p.lower() for values in LEXICON["condition"].values() for p in values]
    assert not [p for p in every_phrase if "twitch" in p and ("eye" in p or "lid" in p)]


def test_the_training_data_labels_an_eyelid_twitch_as_the_lexicon_does():
    # No condition, in English as in Spanish (tests/test_spanish_content.py).
    annotated = [span for path in (ROOT / "data").glob("nlu*.yml")
                 for span in re.findall(r"\[([^\]]+)\]\(condition\)", path.read_text(encoding="utf-8"))]
    assert annotated
    assert not [s for s in annotated if re.search(r"twitch|spasm", s, re.I) and re.search(r"\beye", s, re.I)]


# 7. Sources --------------------------------------------------------------------------
def sources_of(name: str):
    return [(label, variation["metadata"]["sources"]) for label, variation in variations(name)]


def test_medical_uses_cite_a_source_for_each_status():
    [(_, web)] = [(l, s) for l, s in sources_of("utter_medical_uses") if "|any]" in l]
    for source in ("FDA label (Botox)", "NHS Newcastle leaflet", "Botox SmPC (UK)",
                   "UCLH facial palsy leaflet", "PubMed 31609787"):
        assert source in web, source
    assert {"Cleveland Clinic", "Mayo Clinic"} & set(web), "TMJ and palms"


def test_coverage_claims_cite_a_source_about_coverage():
    for name in ("utter_insurance", "utter_cost"):
        for label, sources in sources_of(name):
            if "anxiety_depression" in label:
                continue  # no coverage claim: nothing the clinic offers
            assert "Cleveland Clinic" in sources, label
            assert sources != ["FDA label (Botox)"], label


def test_every_988_line_cites_the_lifeline():
    for name in RESPONSES:
        for label, variation in variations(name):
            if "988" in variation.get("text", ""):
                assert "988lifeline.org" in variation["metadata"]["sources"], label


def test_the_crisis_answer_gives_the_spanish_line():
    text = plain(RESPONSES["utter_crisis"][0]["text"])
    assert "call 988 and press 2" in text and "text AYUDA to 988" in text


# 8. Smaller fixes -----------------------------------------------------------------
def test_blepharospasm_starts_working_in_about_3_days_everywhere():
    # Hemifacial spasm starts in 2 to 3 days; blepharospasm in about 3.
    assert "It starts to work in about 3 days" in texts("utter_eye_twitching", channel=None)[0]
    for label, variation in variations("utter_onset"):
        if "blepharospasm" in variation["text"]:
            assert "in about 3 days" in variation["text"], label
    for name in RESPONSES:
        for label, variation in variations(name):
            for sentence in re.split(r"(?<=[.!?])\s+", plain(variation.get("text", ""))):
                if "blepharospasm" in sentence.lower():
                    assert "2 to 3 days" not in sentence, (label, sentence)


def test_off_label_uses_are_covered_less_often():
    default = [plain(v["text"]) for _, v in variations("utter_insurance") if not v.get("condition")]
    assert all("less often" in text for text in default)
    for condition in ("tmj", "bells_palsy", "hemifacial_spasm", "hyperhidrosis"):
        [text] = [plain(v["text"]) for _, v in variations("utter_insurance", channel=None)
                  if {"type": "slot", "name": "condition", "value": condition} in v.get("condition", [])]
        assert "less often" in text, condition
    assert all("less often" in plain(v["text"]) for _, v in variations("utter_cost")
               if not v.get("condition"))


def test_migraine_gives_the_4_hour_criterion_and_tension_type_headache():
    for text in texts("utter_migraine"):
        assert "lasting 4 hours or more" in text
        assert "probably ineffective for tension-type headache" in text
        assert "episodic migraine" in text


def test_eye_twitching_side_effects_include_double_vision():
    assert "double vision" in texts("utter_eye_twitching", channel=None)[0]


def test_medical_uses_give_the_spasticity_age_and_the_topical_products_condition():
    for text in texts("utter_medical_uses"):
        assert re.search(r"spasticity \(stiff, tight muscles\), age 2\+|stiff muscles \(age 2\+\)", text), text
        assert "when topical products" in text and "fail" in text


def test_the_domain_header_points_to_a_review_file_that_exists():
    header = (ROOT / "domain.yml").read_text(encoding="utf-8").split("intents:")[0]
    named = re.findall(r"[\w./-]+\.(?:yml|md)", header)
    assert named and all((ROOT / name).exists() for name in named), named


# 9. Practitioners --------------------------------------------------------------------
INJECTING_DEGREES = re.compile(r",\s*(MD|DO|DMD)\b")


def test_every_treated_condition_has_someone_who_can_inject_at_that_location():
    for location in CLINIC["locations"]:
        for condition in location["treats"]:
            injectors = [p["name"] for p in CLINIC["practitioners"]
                         if condition in p["treats"] and location["id"] in p["locations"]
                         and INJECTING_DEGREES.search(p["name"])]
            assert injectors, f"nobody at {location['id']} can give injections for {condition}"


# 6, end to end: the running assistant does not take a twitch for blepharospasm -----------
@pytest.mark.e2e
def test_a_twitch_gets_general_follow_ups_and_described_blepharospasm_gets_its_own(stack):
    twitch = stack.patient("twitch")
    assert "common and harmless" in twitch.say_text("my eyelid has been twitching for weeks, would botox help?")
    assert "blepharospasm" not in twitch.say_text("how long does it last?").lower()

    described = stack.patient("blepharospasm")
    described.say_text("both my eyelids keep forcing shut when I read, can botox help?")
    assert "blepharospasm" in described.say_text("how long does it last?").lower()
