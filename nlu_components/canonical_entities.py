"""Entities from the project's spaCy entity ruler, with canonical values.

Rasa's SpacyEntityExtractor reports the matched text ("sweaty", "migranes").
The ruler's patterns carry the canonical value as their id ("hyperhidrosis",
"chronic_migraine"), so slots and conditional responses see one spelling.
Condition names misspelt beyond the lexicon's list ("mygraines") are found too
(spacy_pipeline/typos.py), and an everyday mention is no condition: a single headache
with its day or cause, a workout sweat, nerves about the visit
(spacy_pipeline/everyday_mentions.py). A kind said after a Spanish name is part of it
("bruxismo infantil": spacy_pipeline/condition_kinds.py).
"""
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from spacy_pipeline.reported_entities import reported_entities
from spacy_pipeline.typos import ConditionTypos, Entity


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class CanonicalSpacyEntityExtractor(SpacyEntityExtractor):
    """SpacyEntityExtractor that uses the entity ruler's pattern id as the value."""

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        typos = self._typos_for(model)
        for message in messages:
            # A fresh doc, as Rasa's extractor does: the message's own doc is lower-cased.
            text = message.get(TEXT)
            entities = reported_entities(typos, model.model(text))
            found = self.add_extractor_name(self._as_rasa_entities(entities))
            extracted = self.filter_irrelevant_entities(found, self._config["dimensions"])
            message.set(ENTITIES, message.get(ENTITIES, []) + extracted, add_to_output=True)
        return messages

    def _typos_for(self, model: SpacyModel) -> ConditionTypos:
        """One typo check per loaded pipeline, so that it remembers the words it has seen."""
        if getattr(self, "_typos", None) is None or self._typos.nlp is not model.model:
            self._typos = ConditionTypos(model.model)
        return self._typos

    @staticmethod
    def _as_rasa_entities(entities: List[Entity]) -> List[Dict[Text, Any]]:
        return [
            {
                "entity": entity.label,
                "value": entity.value,
                "start": entity.start_char,
                "end": entity.end_char,
                "confidence": None,
            }
            for entity in entities
        ]
