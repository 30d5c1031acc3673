"""Safety override: a message with a red flag is an emergency, whatever else it says.

The classifier alone can miss "I can't breathe, also how long does it last?",
so any `red_flag` entity found by the entity ruler replaces the predicted intent.
Self-harm goes to the crisis answer, every other red flag to the emergency answer.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

RED_FLAG_ENTITY = "red_flag"
SELF_HARM = "self_harm"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class RedFlagGuard(GraphComponent):
    """Puts the emergency or crisis intent first when a red flag is present."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "emergency_intent": "report_emergency_symptoms",
            "crisis_intent": "express_crisis",
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RedFlagGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._override(message)
        return messages

    def _override(self, message: Message) -> None:
        entities = message.get(ENTITIES) or []
        flags = {e["value"] for e in entities if e.get("entity") == RED_FLAG_ENTITY}
        if not flags:
            return
        intent_name = (
            self._config["crisis_intent"]
            if SELF_HARM in flags
            else self._config["emergency_intent"]
        )
        intent = {"name": intent_name, "confidence": 1.0}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get("name") != intent_name
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)
        # The flags did their job; keep them out of slots and entity evaluation.
        message.set(
            ENTITIES,
            [e for e in entities if e.get("entity") != RED_FLAG_ENTITY],
            add_to_output=True,
        )
