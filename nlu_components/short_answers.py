"""Rasa's FallbackClassifier, with a higher bar for the short answers yes and no.

A word the model has never seen ("blorf") spreads its confidence thinly over the
intents, and the one with the most short examples (affirm: "ok", "si", "yep")
can edge past the general threshold. Inside a form a stray affirm would count as
consent, or as "send it", so a yes or a no must be clearly one: below
`short_answer_threshold` the message falls back like any unclear one.
"""
from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ShortAnswerFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**FallbackClassifier.get_default_config(),
                "short_answer_intents": ["affirm", "deny"],
                "short_answer_threshold": 0.5}

    def _should_fallback(self, message: Message) -> bool:
        intent = message.data.get(INTENT) or {}
        if (intent.get(INTENT_NAME_KEY) in self.component_config["short_answer_intents"]
                and intent.get(PREDICTED_CONFIDENCE_KEY, 1.0) < self.component_config["short_answer_threshold"]):
            return True
        return super()._should_fallback(message)
