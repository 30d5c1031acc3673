"""The `condition` entity scored BY TOKEN, as Rasa scores entities, on
tests/condition_dev2.yml (messages written fresh in patients' style, English and
Spanish, with look-alikes that name no condition), on tests/condition_dev3_es.yml (the
same in Spanish, mostly naming a condition) and on the training data: every token
of an annotated `[...](condition)` span that the entity ruler (with the typo check) does
not cover is a false negative, every covered token outside a span a false positive.

The floors are the figures measured after the second lexicon round (the set's header
has the before-figures): a lexicon change can only keep or raise them. Scoring lives in
tests/condition_dev2_score.py (`python -m tests.condition_dev2_score --misses`).
"""
import pytest

from common.paths import ROOT
from tests.condition_dev2_score import (dev2_messages, load_messages, make_typos, score,
                                        training_messages, training_texts)

pytestmark = pytest.mark.unit

# After the second round: condition_dev2 en P 0.967 F1 0.983, es P 0.929 F1 0.963
# (before: en P 0.966 F1 0.966, es P 0.928 F1 0.950 / 0.953 with one annotation corrected).
# Dropping a single headache with its day or cause (2026-12-03): en P 0.978 F1 0.989, es P
# 0.973 F1 0.986.
DEV2_PRECISION_FLOOR = {"en": 0.978, "es": 0.973}
DEV2_F1_FLOOR = {"en": 0.989, "es": 0.986}
# condition_dev3_es after its round (2026-12-03): P 0.929 F1 0.929 (before: P 0.919 F1 0.857);
# P 0.974 F1 0.951 once a single headache with its day or cause is dropped.
DEV3_ES_PRECISION_FLOOR = 0.974
DEV3_ES_F1_FLOOR = 0.951
CONDITION_DEV3_ES = ROOT / "tests" / "condition_dev3_es.yml"
# Training data: en P 0.977 F1 0.988, es P 0.996 F1 0.998; en P 0.982 F1 0.991, es P 0.997
# after the rounds of 2026-12-03.
TRAINING_PRECISION_FLOOR = {"en": 0.982, "es": 0.996}
TRAINING_F1_FLOOR = {"en": 0.991, "es": 0.998}


@pytest.fixture(scope="module")
def typos():
    return make_typos()


@pytest.fixture(scope="module")
def dev2(typos):
    return score(typos, dev2_messages())


def misses(scored, language):
    return "\n".join(f"missed={r['missed']} wrong={r['wrong']}: {r['text']!r}"
                     for r in scored["results"]
                     if r["language"] == language and (r["missed"] or r["wrong"]))


def test_the_set_is_large_enough_bilingual_and_not_in_the_training_data():
    messages = dev2_messages()
    assert len(messages) >= 220
    assert {m["language"] for m in messages} == {"en", "es"}
    spanish = sum(m["language"] == "es" for m in messages) / len(messages)
    assert 0.35 <= spanish <= 0.5
    without_condition = sum(not m["spans"] for m in messages) / len(messages)
    assert 0.2 <= without_condition <= 0.35
    texts = [m["text"].strip().lower() for m in messages]
    assert len(set(texts)) == len(texts), "duplicate texts"
    in_training = sorted(set(texts) & training_texts())
    assert not in_training, f"{len(in_training)} messages are in the training data: {in_training}"


def test_intents_are_the_domains(dev2):
    import yaml
    from rasa.shared.nlu.training_data.loading import load_data

    intents = {i if isinstance(i, str) else next(iter(i))
               for i in yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]}
    used = {e.get("intent") for e in load_data(str(ROOT / "tests" / "condition_dev2.yml")).intent_examples}
    assert used <= intents, used - intents


@pytest.mark.parametrize("language", ["en", "es"])
def test_condition_tokens_on_the_development_set(dev2, language):
    figures = dev2[language]
    print("condition_dev2", language, figures)
    assert figures["precision"] >= DEV2_PRECISION_FLOOR[language], f"{figures}\n{misses(dev2, language)}"
    assert figures["f1"] >= DEV2_F1_FLOOR[language], f"{figures}\n{misses(dev2, language)}"


@pytest.mark.parametrize("language", ["en", "es"])
def test_condition_tokens_on_the_training_data(typos, language):
    scored = score(typos, [m for m in training_messages() if m["language"] == language])
    figures = scored[language]
    print("training", language, figures)
    assert figures["precision"] >= TRAINING_PRECISION_FLOOR[language], f"{figures}\n{misses(scored, language)}"
    assert figures["f1"] >= TRAINING_F1_FLOOR[language], f"{figures}\n{misses(scored, language)}"


def test_condition_tokens_on_the_spanish_development_set(typos):
    messages = load_messages(CONDITION_DEV3_ES, "es")
    texts = {m["text"].strip().lower() for m in messages}
    assert len(messages) >= 220 and not texts & training_texts()
    scored = score(typos, messages)
    print("condition_dev3_es", scored["es"])
    assert scored["es"]["precision"] >= DEV3_ES_PRECISION_FLOOR, f"{scored['es']}\n{misses(scored, 'es')}"
    assert scored["es"]["f1"] >= DEV3_ES_F1_FLOOR, f"{scored['es']}\n{misses(scored, 'es')}"
