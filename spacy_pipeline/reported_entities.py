"""The entities the assistant reports for a message, in one place, so that the extractor
(nlu_components/canonical_entities.py) and the scoring of the development sets
(tests/condition_dev2_score.py, tests/test_condition_dev.py) cannot drift apart: what the
ruler and the typo check find, less the everyday mentions, each condition with its kind."""
from typing import List

from spacy.tokens import Doc

from spacy_pipeline.condition_kinds import with_condition_kinds
from spacy_pipeline.everyday_mentions import without_everyday_mentions
from spacy_pipeline.typos import ConditionTypos, Entity


def reported_entities(typos: ConditionTypos, doc: Doc) -> List[Entity]:
    return with_condition_kinds(doc.text, without_everyday_mentions(doc.text, typos.entities(doc)))
