"""The red-flag patterns' prefilter (nlu_components/required_literals.py): a pattern is
skipped only on text that lacks every literal its matches must contain, so the guard
finds exactly what it found without the prefilter."""
import re
from pathlib import Path

import pytest

from common.paths import ROOT
from common.text import fold
from nlu_components.red_flags import load_patterns, pattern_flags
from nlu_components.required_literals import may_match, required_literals

pytestmark = pytest.mark.unit

PATTERN_FILES = [ROOT / "spacy_pipeline" / "lexicon" / name
                 for name in ("red_flag_patterns.yml", "red_flag_patterns_es.yml")]


@pytest.mark.parametrize("pattern, literals", [
    (r"\bburden\b", {"burden"}),
    (r"\b(kill|hurt) (my ?self|him ?self)\b", {"kill", "hurt"}),
    # The most selective requirement: the shortest literal of its set is the longest.
    (r"\b(i'?m|im) a burden\b", {" a burden"}),
    (r"\bwon'?t be (here|around)\b", {"t be "}),
    # Optional parts, empty repeats and lookarounds supply nothing.
    (r"(not )?(?!never)x+", {"x"}),
    (r"(really )?(so )?", None),
    (r"\b(a|b\w*)\b", {"a", "b"}),
    (r"\b(a|\w+)\b", None),
])
def test_the_literals_every_match_must_contain(pattern, literals):
    found = required_literals(re.compile(pattern))
    assert (set(found) if found is not None else None) == literals


def test_patterns_that_ignore_case_always_run():
    assert required_literals(re.compile("burden", re.IGNORECASE)) is None
    assert may_match("anything", None)


def known_texts():
    """The look-alikes and signs the guard's own tests try, in both languages."""
    source = "".join((ROOT / "tests" / name).read_text(encoding="utf-8")
                     for name in ("test_red_flag_guard.py", "test_red_flags_es.py"))
    return [fold(text) for text in re.findall(r'\(\s*"([^"]{8,})",\s*(?:"[a-z_]+"|None)\)', source)]


def test_the_prefilter_changes_no_match_of_any_pattern():
    patterns = [pattern for path in PATTERN_FILES for pattern in load_patterns(Path(path))]
    assert all(literals for _, _, literals in patterns), "every shipped pattern has literals"
    unfiltered = [(category, pattern, None) for category, pattern, _ in patterns]
    texts = known_texts()
    assert len(texts) > 600
    flagged = 0
    for text in texts:
        expected = pattern_flags(text, unfiltered)
        assert pattern_flags(text, patterns) == expected, text
        flagged += bool(expected)
    print(f"{flagged} of {len(texts)} texts flagged")
    assert flagged > 300  # the texts do reach the patterns
