"""The staff report says the language of each conversation (staff/report_data.py,
staff/report_metrics.py), from the events the tracker store keeps."""
import pytest

from staff.report_data import build_conversations
from staff.report_metrics import languages

pytestmark = pytest.mark.unit


def session(sender, start, texts, language_slots):
    events = [(sender, "action", start, "action_session_start", {}),
              (sender, "slot", start, None, {"name": "language", "value": "en"})]
    for offset, text in enumerate(texts, start=1):
        events.append((sender, "user", start + offset, None,
                       {"text": text, "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}}))
        if language_slots.get(text):
            events.append((sender, "slot", start + offset, None, {"name": "language",
                                                                  "value": language_slots[text]}))
    return events


def test_each_conversation_is_counted_in_the_language_it_was_last_in():
    events = (session("a", 100.0, ["hola, quisiera una cita", "ok"], {"hola, quisiera una cita": "es"})
              + session("b", 200.0, ["hello there"], {})
              + session("c", 300.0, ["necesito ayuda con migrañas", "English, please", "thanks"],
                        {"necesito ayuda con migrañas": "es", "English, please": "en"})
              + session("d", 400.0, ["me sudan las manos"], {"me sudan las manos": "es"}))
    conversations = build_conversations(events)

    assert {c.sender_id: c.language for c in conversations} == {"a": "es", "b": "en", "c": "en", "d": "es"}
    assert languages(conversations) == [
        {"language": "en", "conversations": 2, "user_messages": 4},
        {"language": "es", "conversations": 2, "user_messages": 3},
    ]
