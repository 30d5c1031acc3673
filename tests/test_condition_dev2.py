"""The `condition` entity scored BY TOKEN, as Rasa scores entities, on
tests/condition_dev2.yml (messages written fresh in patients' style, English and
Spanish, with look-alikes that name no condition), on tests/condition_dev3_es.yml and
tests/condition_dev4_es.yml to tests/condition_dev6_es.yml (the same in Spanish, mostly
naming a condition) and on the
training data: every token
of an annotated `[...](condition)` span that the entity ruler (with the typo check) does
not cover is a false negative, every covered token outside a span a false positive.

The floors are the figures measured after the second lexicon round (the set's header
has the before-figures): a lexicon change can only keep or raise them. Scoring lives in
tests/condition_dev2_score.py (`python -m tests.condition_dev2_score --misses`).
"""
import pytest

from common.paths import ROOT
from common import yaml_files
from tests.condition_dev2_score import (dev2_messages, load_messages, score, training_messages,
                                        training_texts)

pytestmark = pytest.mark.unit

# After the second round: condition_dev2 en P 0.967 F1 0.983, es P 0.929 F1 0.963
# (before: en P 0.966 F1 0.966, es P 0.928 F1 0.950 / 0.953 with one annotation corrected).
# Dropping a single headache with its day or cause (2026-12-03): en P 0.978 F1 0.989, es P
# 0.973 F1 0.986.
# An everyday sweat, nerves about the visit, a headache that came on once or asked about as
# a side effect (spacy_pipeline/everyday_mentions.py, 2026-12-03): en P 0.994 F1 0.997, es
# P 0.986 F1 0.993.
# "con aura" outside the name (2026-12-03): es P 1.0 F1 1.0.
DEV2_PRECISION_FLOOR = {"en": 0.994, "es": 1.0}
DEV2_F1_FLOOR = {"en": 0.997, "es": 1.0}
# condition_dev3_es after its round (2026-12-03): P 0.929 F1 0.929 (before: P 0.919 F1 0.857);
# P 0.974 F1 0.951 once a single headache with its day or cause is dropped.
# P 0.981 F1 0.954 with the everyday mentions.
DEV3_ES_PRECISION_FLOOR = 0.981
DEV3_ES_F1_FLOOR = 0.954
CONDITION_DEV3_ES = ROOT / "tests" / "condition_dev3_es.yml"
# condition_dev4_es (written blind to the lexicon, 2026-12-03), scored once before its round:
# P 0.938 R 0.981 F1 0.959 (fp 24, fn 7). After it (everyday mentions, a headache that came
# on once, accents the lexicon writes elsewhere, "espasmo hemi facial"): P 0.982 R 1.0 F1
# 0.991, optimistic, as the changes were chosen from its misses. Left: three annotation
# choices ("me truena la mandíbula", "estrabismo en adultos", a verb and its noun).
# With "con aura" and "en adultos" outside the name, as the development sets annotate them
# (2026-12-03): P 0.987 F1 0.993.
DEV4_ES_PRECISION_FLOOR = 0.987
DEV4_ES_F1_FLOOR = 0.993
CONDITION_DEV4_ES = ROOT / "tests" / "condition_dev4_es.yml"
# condition_dev5_es (written blind to the lexicon, 2026-12-03), scored once before its round:
# P 0.949 R 0.964 F1 0.957 (fp 20, fn 14). After it (DTM and the full name of the joint,
# "blefaroespasmo benigno esencial", one eye closing by itself, "estrabismo paralítico" and
# "infantil", "suden"; "con aura", "sin aura" and "en adultos" left outside the name):
# P 0.970 R 1.0 F1 0.985, optimistic, as the changes were chosen from its misses. Left:
# "me truena la mandíbula" and "espasmos en la cara" (the lexicon's choices), the sweat
# itself, needle nerves, a headache from the injection.
DEV5_ES_PRECISION_FLOOR = 0.970
DEV5_ES_F1_FLOOR = 0.985
CONDITION_DEV5_ES = ROOT / "tests" / "condition_dev5_es.yml"
# condition_dev6_es (written blind to the lexicon, 2026-12-03: reports copied from a doctor,
# several conditions in one message, no space after a full stop), scored once before its
# round: P 0.945 R 0.915 F1 0.930 (fp 25, fn 40). After it (a word split at a full stop, a
# question mark or a plus with no space after it, a silent h left out, a kind said after
# the name, four abbreviations, the weather's "depresión tropical"): P 0.950 R 0.968 F1
# 0.959, optimistic, as the changes were chosen from its misses. Left: HH, PB, PFP, TAG and
# TDM (everyday letters), a name inside quotes, diminutives ("dolorcitos de cabeza"),
# look-alikes ("ATM" the cash machine, "una jaqueca" for a chore) and annotation choices.
DEV6_ES_PRECISION_FLOOR = 0.950
DEV6_ES_F1_FLOOR = 0.959
CONDITION_DEV6_ES = ROOT / "tests" / "condition_dev6_es.yml"
# Training data: en P 0.977 F1 0.988, es P 0.996 F1 0.998; en P 0.982 F1 0.991, es P 0.997
# after the rounds of 2026-12-03.
TRAINING_PRECISION_FLOOR = {"en": 0.982, "es": 0.996}
TRAINING_F1_FLOOR = {"en": 0.991, "es": 0.998}


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
    from rasa.shared.nlu.training_data.loading import load_data

    intents = {i if isinstance(i, str) else next(iter(i))
               for i in yaml_files.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]}
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


@pytest.mark.parametrize("path, precision_floor, f1_floor", [
    (CONDITION_DEV3_ES, DEV3_ES_PRECISION_FLOOR, DEV3_ES_F1_FLOOR),
    (CONDITION_DEV4_ES, DEV4_ES_PRECISION_FLOOR, DEV4_ES_F1_FLOOR),
    (CONDITION_DEV5_ES, DEV5_ES_PRECISION_FLOOR, DEV5_ES_F1_FLOOR),
    (CONDITION_DEV6_ES, DEV6_ES_PRECISION_FLOOR, DEV6_ES_F1_FLOOR),
], ids=["dev3_es", "dev4_es", "dev5_es", "dev6_es"])
def test_condition_tokens_on_the_spanish_development_sets(typos, path, precision_floor, f1_floor):
    messages = load_messages(path, "es")
    texts = {m["text"].strip().lower() for m in messages}
    assert len(messages) >= 220 and not texts & training_texts()
    scored = score(typos, messages)
    print(path.stem, scored["es"])
    assert scored["es"]["precision"] >= precision_floor, f"{scored['es']}\n{misses(scored, 'es')}"
    assert scored["es"]["f1"] >= f1_floor, f"{scored['es']}\n{misses(scored, 'es')}"
