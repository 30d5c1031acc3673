"""The words a regular expression's every match must contain, to skip it cheaply.

The red-flag guard runs about 1,300 patterns on every message and most messages match
none of them; running them was over a third of a parse (2026-12-03). `"burden" in text`
costs far less than a regular expression, so each pattern gets the literal text that
every one of its matches must contain, read from the pattern's parse tree: a run of
plain characters ("burden"), or for an alternation one literal per branch ({"kill",
"hurt", "harm"}). Only mandatory parts count: an optional group, a repeat that may be
empty and a lookaround never supply one. When no literal can be found, the pattern
always runs. Text without any of the literals cannot match, so skipping the pattern
changes no result (tests/test_required_literals.py checks that on every known message).
"""
import re
from typing import FrozenSet, Optional, Pattern

try:  # Python 3.11 moved the parser
    from re import _constants as constants, _parser as parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants as constants  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

Literals = FrozenSet[str]


def required_literals(pattern: Pattern) -> Optional[Literals]:
    """Strings one of which is in every match of `pattern`; None if none is known.
    Patterns that ignore case or read bytes always run."""
    if not isinstance(pattern.pattern, str) or pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    return _required(parser.parse(pattern.pattern, pattern.flags))


def may_match(text: str, literals: Optional[Literals]) -> bool:
    return literals is None or any(literal in text for literal in literals)


def _required(items) -> Optional[Literals]:
    """The most selective requirement of a sequence: the one whose shortest literal is longest."""
    candidates = []
    run = []

    def end_run() -> None:
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, argument in items:
        if op is constants.LITERAL:
            run.append(chr(argument))
            continue
        end_run()
        inner = None
        if op is constants.SUBPATTERN:
            inner = _required(argument[-1])
        elif op is constants.BRANCH:
            branches = [_required(branch) for branch in argument[1]]
            if all(branches):
                inner = frozenset().union(*branches)
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and argument[0] >= 1:
            inner = _required(argument[2])
        if inner:
            candidates.append(inner)
    end_run()
    return max(candidates, key=lambda literals: min(map(len, literals)), default=None)
