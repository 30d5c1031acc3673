"""The custom NLU components, on real Rasa Message objects."""
import pytest
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from nlu_components.canonical_entities import CanonicalSpacyEntityExtractor
from nlu_components.condition_intents import NamedConditionWins
from nlu_components.red_flags import RedFlagGuard
from spacy_pipeline.build import build_pipeline

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def spacy_model() -> SpacyModel:
    return SpacyModel(model=build_pipeline(), model_name="test")


def extract(spacy_model, text):
    extractor = CanonicalSpacyEntityExtractor({"dimensions": None})
    message = Message.build(text=text)
    extractor.process([message], spacy_model)
    return message


def classified(text, intent, entities):
    message = Message.build(text=text)
    message.set("intent", {"name": intent, "confidence": 0.8})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.8}])
    message.set("entities", entities)
    return message


def test_extractor_reports_canonical_values_with_offsets(spacy_model):
    entities = extract(spacy_model, "Botox for my migranes and sweaty palms").get("entities")
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in entities] == [
        ("condition", "chronic_migraine", 13, 21),
        ("condition", "hyperhidrosis", 26, 32),
        ("body_area", "hands", 33, 38),
    ]


def test_red_flag_overrides_any_intent_and_leaves_other_entities():
    guard = RedFlagGuard(RedFlagGuard.get_default_config())
    condition = {"entity": "condition", "value": "chronic_migraine"}
    message = classified("migraine botox, I can't breathe", "ask_duration",
                         [condition, {"entity": "red_flag", "value": "breathing", "start": 17, "end": 30}])
    guard.process([message])
    assert message.get("intent") == {"name": "report_emergency_symptoms", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "report_emergency_symptoms"
    assert message.get("intent_ranking")[1]["name"] == "ask_duration"
    assert message.get("entities") == [condition]


def test_self_harm_wins_over_other_red_flags():
    guard = RedFlagGuard(RedFlagGuard.get_default_config())
    message = classified("I can't breathe and I want to die", "ask_pain", [
        {"entity": "red_flag", "value": "breathing", "start": 2, "end": 15},
        {"entity": "red_flag", "value": "self_harm", "start": 22, "end": 33},
    ])
    guard.process([message])
    assert message.get("intent")["name"] == "express_crisis"


def test_no_red_flag_leaves_the_classification_alone():
    guard = RedFlagGuard(RedFlagGuard.get_default_config())
    message = classified("does it hurt", "ask_pain", [])
    guard.process([message])
    assert message.get("intent") == {"name": "ask_pain", "confidence": 0.8}


def sweating(start=5, end=13):
    return {"entity": "condition", "value": "hyperhidrosis", "start": start, "end": end}


def test_a_condition_question_that_names_another_condition_gets_the_named_ones():
    check = NamedConditionWins(NamedConditionWins.get_default_config())
    message = classified("this sweating is destroying my life, does anything work?", "ask_migraine", [sweating()])
    check.process([message])
    assert message.get("intent") == {"name": "ask_sweating", "confidence": 0.8}
    assert [e["name"] for e in message.get("intent_ranking")] == ["ask_sweating"]


def test_an_out_of_scope_message_naming_one_condition_gets_that_conditions_answer():
    check = NamedConditionWins(NamedConditionWins.get_default_config())
    message = classified("mi hijo es bisco, el botox le puede servir?", "out_of_scope",
                         [{"entity": "condition", "value": "strabismus"}])
    check.process([message])
    assert message.get("intent") == {"name": "ask_strabismus", "confidence": 0.8}


@pytest.mark.parametrize("intent, entities", [
    ("ask_migraine", [sweating(), {"entity": "condition", "value": "chronic_migraine"}]),  # names its own too
    ("ask_migraine", [sweating(), {"entity": "condition", "value": "tmj"}]),  # two others: unclear which
    ("ask_pain", [sweating()]),  # not a condition question: the condition goes to the slot
    ("out_of_scope", []),  # names nothing
    ("out_of_scope", [sweating(), {"entity": "condition", "value": "tmj"}]),
    ("ask_migraine", []),
])
def test_otherwise_the_classification_stands(intent, entities):
    check = NamedConditionWins(NamedConditionWins.get_default_config())
    message = classified("text", intent, entities)
    check.process([message])
    assert message.get("intent")["name"] == intent


def test_the_condition_questions_are_the_ones_the_domain_maps_to_a_condition():
    from common import yaml_files
    from common.paths import ROOT

    domain = yaml_files.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    mapped = {m["intent"]: m["value"] for m in domain["slots"]["condition"]["mappings"]
              if m.get("type") == "from_intent"}
    assert NamedConditionWins.get_default_config()["condition_intents"] == mapped
