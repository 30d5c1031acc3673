"""A yes or a no must be clearly one (nlu_components/short_answers.py): a word the
model never saw falls back instead of edging into affirm, which inside a form
would count as consent."""
import asyncio

import pytest

from nlu_components.short_answers import ShortAnswerFallbackClassifier
from rasa.shared.nlu.training_data.message import Message

pytestmark = pytest.mark.unit


def classified(intent: str, confidence: float, runner_up: float = 0.1) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": runner_up}]
    return Message(data={"text": "x", "intent": ranking[0], "intent_ranking": ranking})


@pytest.mark.parametrize("intent, confidence, falls_back", [
    ("affirm", 0.31, True),        # above the general 0.3, below the short-answer bar
    ("deny", 0.49, True),
    ("affirm", 0.5, False),
    ("ask_migraine", 0.31, False),  # other intents keep the general threshold
    ("ask_migraine", 0.29, True),
])
def test_a_weak_yes_or_no_falls_back(intent, confidence, falls_back):
    classifier = ShortAnswerFallbackClassifier(
        {**ShortAnswerFallbackClassifier.get_default_config(), "threshold": 0.3})
    [message] = classifier.process([classified(intent, confidence)])
    assert (message.get("intent")["name"] == "nlu_fallback") == falls_back


@pytest.mark.parametrize("text, intent", [
    ("blorf", "unclear"), ("xqzv plorth", "unclear"), ("blorf wuzzle", "unclear"),
    ("yes", "affirm"), ("ok", "affirm"), ("yes you can contact me", "affirm"), ("sí", "affirm"),
    ("no", "deny"), ("no thanks", "deny"), ("no gracias", "deny"),
])
def test_the_trained_model_reads_nonsense_as_unclear_and_real_answers_as_answers(trained_agent, text, intent):
    parsed = asyncio.run(trained_agent.parse_message(text))
    if intent == "unclear":  # both get "I can't help with that" and the clinic's contact
        assert parsed["intent"]["name"] in ("nlu_fallback", "out_of_scope")
    else:
        assert parsed["intent"]["name"] == intent
