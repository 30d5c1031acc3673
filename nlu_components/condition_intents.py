"""A question about one condition that names another: the named condition wins.

"this sweating is honestly destroying my life, is there anything that actually
works?" was classified as the migraine question (0.36: migraine examples share
its despair), while the lexicon found "sweating". The lexicon's condition is the
patient's own word, so the answer follows it: the intent becomes that condition's
question, at the classifier's confidence (the fallback threshold still applies).
Only when the message names exactly one condition, not the classifier's own.

The same holds for a message the classifier calls out of scope: "mi hijo es bisco
desde chiquito, el botox le puede servir?" names strabismus in a word the lexicon
knows and the training data does not. Of 6,538 known messages (training data,
development sets), 2 are out of scope naming one condition.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu_components.red_flags import put_first


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NamedConditionWins(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The condition questions and their conditions, as domain.yml's `condition` slot
        # maps them (tests/test_nlu_components.py keeps the two the same).
        return {"condition_intents": {
            "ask_migraine": "chronic_migraine", "ask_sweating": "hyperhidrosis", "ask_tmj": "tmj",
            "ask_facial_spasm": "hemifacial_spasm", "ask_strabismus": "strabismus",
            "ask_bells_palsy": "bells_palsy", "ask_anxiety_depression": "anxiety_depression",
        },
            # Intents with no condition of their own that a named condition overrules.
            "unrelated_intents": ["out_of_scope"]}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.condition_of_intent: Dict[Text, Text] = dict(config["condition_intents"])
        self.intent_of_condition = {condition: intent for intent, condition in self.condition_of_intent.items()}
        self.unrelated_intents = set(config["unrelated_intents"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "NamedConditionWins":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._follow_the_named_condition(message)
        return messages

    def _follow_the_named_condition(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        if name not in self.condition_of_intent and name not in self.unrelated_intents:
            return
        named = {e.get("value") for e in message.get(ENTITIES) or [] if e.get("entity") == "condition"}
        if self.condition_of_intent.get(name) in named or len(named) != 1:
            return
        replacement = self.intent_of_condition.get(named.pop())
        if replacement is None:
            return
        # The overruled question leaves the ranking: at the same confidence it would make
        # the fallback classifier call the message ambiguous.
        put_first(message, replacement, intent.get(PREDICTED_CONFIDENCE_KEY), name)
