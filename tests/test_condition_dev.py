"""Which condition a patient's message is about, on tests/condition_dev.yml: messages
written fresh in patients' style (lay descriptions, misspellings, Spanish without
accents, Spanglish, a relative's condition) and look-alikes that name no condition
(a common eye twitch, double vision, cerebral palsy, a sweaty workout...).

The entity ruler built from spacy_pipeline/lexicon/ is run on each message, with the
typo check the assistant uses (spacy_pipeline/typos.py), and the set of condition
values found is compared with the expected set, by message:
a true positive per expected value found, a false positive per value found that was
not expected, a false negative per expected value missed. The floors are the figures
measured after the lexicon was tuned on this set (the set's header has the
before-figures): a lexicon change can only keep or raise them.
"""
from pathlib import Path
from typing import Dict, List, Set

import pytest

from common.paths import ROOT
from common import yaml_files
from spacy_pipeline.build import build_pipeline
from spacy_pipeline.reported_entities import reported_entities
from spacy_pipeline.typos import ConditionTypos
from tests.condition_dev2_score import precision_recall_f1

pytestmark = pytest.mark.unit

CONDITION_DEV = ROOT / "tests" / "condition_dev.yml"

# Measured with the shipped lexicon; F1 by language. The typo check raised F1 from 0.865
# (en) and 0.879 (es): 7 misspelt names found ("mygraines", "anciedad"), no new false positive.
# The second round (tests/condition_dev2.yml: subtype families, "bruxing") raised en to 0.887.
# Dropping a single headache with its day or cause (spacy_pipeline/one_time_headache.py)
# raised en to 0.906 (P 0.959) and es to 0.908 (P 0.975). Everyday mentions (a workout
# sweat, nerves about the visit: spacy_pipeline/everyday_mentions.py) raised en to 0.917 (P
# 0.983) and es to 0.914 (P 0.976).
F1_FLOOR = {"en": 0.917, "es": 0.914}
PRECISION_FLOOR = {"en": 0.983, "es": 0.976}
# Look-alikes (expected `none`) on which the ruler still finds a condition: the bare
# "headache", "sweat"/"suda" and "anxious" the lexicon lists on purpose (the set's header);
# 11 before the everyday mentions were dropped, 3 after.
LOOK_ALIKE_FALSE_POSITIVES_CEILING = 3


def load_set(path: Path = CONDITION_DEV) -> List[Dict[str, object]]:
    return yaml_files.safe_load(path.read_text(encoding="utf-8"))["messages"]


def expected_values(message: Dict[str, object]) -> Set[str]:
    return {value for value in message["conditions"] if value != "none"}


def found_values(typos: ConditionTypos, text: str) -> Set[str]:
    entities = reported_entities(typos, typos.nlp(text))  # as the assistant does
    return {entity.value for entity in entities if entity.label == "condition"}


def score(results: List[Dict[str, object]]) -> Dict[str, float]:
    return precision_recall_f1(tp=sum(len(r["expected"] & r["found"]) for r in results),
                               fp=sum(len(r["found"] - r["expected"]) for r in results),
                               fn=sum(len(r["expected"] - r["found"]) for r in results))


@pytest.fixture(scope="module")
def results() -> List[Dict[str, object]]:
    typos = ConditionTypos(build_pipeline())
    return [{**message, "expected": expected_values(message),
             "found": found_values(typos, message["text"])} for message in load_set()]


def misses(results, language: str) -> List[str]:
    return [f"{r['text']!r}: expected {sorted(r['expected'])}, found {sorted(r['found'])}"
            for r in results if r["language"] == language and r["expected"] != r["found"]]


def test_the_set_is_held_out_and_large_enough():
    from rasa.shared.nlu.training_data.loading import load_data

    training = {e.get("text").strip().lower()
                for data_path in [*(ROOT / "data").glob("nlu*.yml"), *(ROOT / "data" / "es").glob("*.yml")]
                for e in load_data(str(data_path)).intent_examples}
    messages = load_set()
    assert len(messages) >= 250
    spanish = sum(m["language"] == "es" for m in messages)
    assert 0.35 <= spanish / len(messages) <= 0.5
    texts = [m["text"].strip().lower() for m in messages]
    assert len(set(texts)) == len(texts), "duplicate texts"
    in_training = sorted(set(texts) & training)
    assert not in_training, f"{len(in_training)} messages are in the training data: {in_training}"


def test_every_expected_value_is_a_condition_of_the_lexicon():
    from spacy_pipeline.build import load_lexicon

    conditions = set(load_lexicon()["condition"])
    for message in load_set():
        assert message["language"] in ("en", "es")
        assert message["conditions"], message
        assert set(message["conditions"]) <= conditions | {"none"}, message
        assert message["conditions"] == ["none"] or "none" not in message["conditions"], message


@pytest.mark.parametrize("language", ["en", "es"])
def test_conditions_are_found_in_patients_words(results, language):
    figures = score([r for r in results if r["language"] == language])
    print(language, figures)
    missed = "\n".join(misses(results, language))
    assert figures["f1"] >= F1_FLOOR[language], f"{language} {figures}\n{missed}"
    assert figures["precision"] >= PRECISION_FLOOR[language], f"{language} {figures}\n{missed}"


def test_look_alikes_name_no_condition(results):
    false_alarms = [f"{r['text']!r}: found {sorted(r['found'])}"
                    for r in results if not r["expected"] and r["found"]]
    assert len(false_alarms) <= LOOK_ALIKE_FALSE_POSITIVES_CEILING, "\n".join(false_alarms)
