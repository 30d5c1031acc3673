"""A condition's kind, said after its Spanish name, belongs to the name: "bruxismo
infantil", "espasmo hemifacial primario", "blefaroespasmo esencial benigno".

Listing every name with every kind in the lexicon would multiply its phrases by fifty.
Instead the `condition` entity runs on over the kind words that follow it (up to two),
read from spacy_pipeline/lexicon/condition_kinds_es.yml, which clinic staff can edit.
"""
import functools
import re
from pathlib import Path
from typing import List

from common import yaml_files
from common.text import fold
from spacy_pipeline.typos import Entity

KINDS_FILE = Path(__file__).parent / "lexicon" / "condition_kinds_es.yml"
CONDITION = "condition"
KINDS_AFTER_A_NAME = 2


@functools.lru_cache(maxsize=None)
def kind_after(kinds_file: Path = KINDS_FILE) -> "re.Pattern[str]":
    """Whitespace and one kind word, at the start of the folded text after a name."""
    kinds = yaml_files.safe_load(kinds_file.read_text(encoding="utf-8"))["condition_kinds"]
    longest_first = sorted({fold(str(kind)).strip() for kind in kinds}, key=len, reverse=True)
    return re.compile(r"\s+(?:" + "|".join(map(re.escape, longest_first)) + r")\b")


def with_condition_kinds(text: str, entities: List[Entity]) -> List[Entity]:
    """The entities, each condition running on over the kind words right after it."""
    folded = fold(text)
    kind = kind_after()
    starts = {entity.start_char for entity in entities}
    extended = []
    for entity in entities:
        end = entity.end_char
        if entity.label == CONDITION:
            for _ in range(KINDS_AFTER_A_NAME):
                match = kind.match(folded, end)
                # A kind word the ruler already found as something else stays that.
                if not match or any(end < start < match.end() for start in starts):
                    break
                end = match.end()
        extended.append(entity._replace(end_char=end))
    return extended
