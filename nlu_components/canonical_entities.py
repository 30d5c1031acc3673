"""Entities from the project's spaCy entity ruler, with canonical values.

Rasa's SpacyEntityExtractor reports the matched text ("sweaty", "migranes").
The ruler's patterns carry the canonical value as their id ("hyperhidrosis",
"chronic_migraine"), so slots and conditional responses see one spelling.
"""
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class CanonicalSpacyEntityExtractor(SpacyEntityExtractor):
    """SpacyEntityExtractor that uses the entity ruler's pattern id as the value."""

    @staticmethod
    def _extract_entities(doc: Any) -> List[Dict[Text, Any]]:
        return [
            {
                "entity": ent.label_,
                "value": ent.ent_id_ or ent.text,
                "start": ent.start_char,
                "end": ent.end_char,
                "confidence": None,
            }
            for ent in doc.ents
        ]
