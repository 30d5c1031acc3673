"""Notes the red-flag guard leaves for the channel that answers the same message.

When the classifier alone senses a crisis or an emergency, the patient's
question is still answered, and one gentle line is added after the answer
(nlu_components/red_flags.py). Rasa's dialogue rules answer an intent; they
cannot say "after whatever the answer is, add this". The channel can: it sends
the answer, so it adds the line. The note travels in a context variable that the
channel sets around one message's turn; NLU runs inside that turn (same task),
so the guard can add to it. Outside a channel (rasa shell, tests of the
component) nobody collects, and leaving a note does nothing. The note is also
stored with the message's parse data (key `safety_note`) for the staff report.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, List, Optional

PARSE_KEY = "safety_note"

_notes: ContextVar[Optional[List[str]]] = ContextVar("safety_notes", default=None)


@contextmanager
def collecting() -> Iterator[List[str]]:
    """Collects the notes left while one message is handled: "crisis", "emergency"."""
    token = _notes.set([])
    try:
        yield _notes.get()
    finally:
        _notes.reset(token)


def leave(kind: str) -> None:
    notes = _notes.get()
    if notes is not None and kind not in notes:
        notes.append(kind)
