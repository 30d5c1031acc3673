"""`python -m staff.review`: unanswered messages as NLU YAML that Rasa accepts.

The conversations are written with Rasa's own SQLTrackerStore (no servers):
the parse data mirrors what the model gives for such messages. The export is
merged into a copy of the project's training data and `rasa data validate
--fail-on-warnings` must accept it; the same check with one conflicting text
added fails, so the check can catch what the export leaves out.
"""
import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from common.paths import ROOT
from common import yaml_files
from local_services.processes import base_env
from tests.rasa_checks import validate_data

# The trained model: its metadata, or the staff tool that loads it.
pytestmark = [pytest.mark.unit, pytest.mark.model]

KNOWN_TEXT = "how much is it"  # in data/nlu.yml under ask_cost


def message(text: str, intent: str, ranking: Dict[str, float], entities: Optional[List[dict]] = None,
            then: str = "utter_cannot_help") -> list:
    """A user message as the model parsed it, and the bot's reply."""
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking.items()]
    parse_data = {"text": text, "intent": ranked[0], "intent_ranking": ranked, "entities": entities or []}
    return [UserUttered(text, intent=ranked[0], entities=entities or [], parse_data=parse_data, input_channel="rest"),
            ActionExecuted(then), ActionExecuted("action_listen")]


CONVERSATIONS = {
    "review-1": [
        *message("xqzv plorth", "nlu_fallback", {"nlu_fallback": 0.3, "affirm": 0.26, "out_of_scope": 0.12}),
        *message("Xqzv, plorth!", "nlu_fallback", {"nlu_fallback": 0.3, "affirm": 0.22, "greet": 0.1}),
        *message("who won the football game", "out_of_scope", {"out_of_scope": 0.96, "ask_who_treats": 0.02}),
        *message("is there parking for bikes", "ask_location", {"ask_location": 0.21, "ask_hours": 0.2},
                 then="action_default_fallback"),
    ],
    "review-2": [
        # Each of these is left out.
        *message(KNOWN_TEXT, "nlu_fallback", {"nlu_fallback": 0.3, "greet": 0.25}),
        *message("does it help my migranes", "nlu_fallback", {"nlu_fallback": 0.3, "ask_migraine": 0.28},
                 entities=[{"entity": "condition", "value": "chronic_migraine", "start": 16, "end": 24}]),
        *message("call me on 617-555-0123 about it", "nlu_fallback", {"nlu_fallback": 0.3, "request_callback": 0.2}),
        *message("mail jane.roe@example.com", "out_of_scope", {"out_of_scope": 0.7, "ask_contact": 0.2}),
        *message("what about [this](that)", "nlu_fallback", {"nlu_fallback": 0.3, "affirm": 0.2}),
        *message("asdf", "nlu_fallback", {"nlu_fallback": 0.3, "not_an_intent_of_the_domain": 0.2}),
        # Answered: not exported.
        *message("does botox help migraines", "ask_migraine", {"ask_migraine": 0.99}, then="utter_migraine"),
    ],
}


async def save_conversations(url_path: Path) -> None:
    store = SQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(url_path))
    for sender, events in CONVERSATIONS.items():
        start = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        await store.save(DialogueStateTracker.from_events(sender, start + events))


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("review")
    asyncio.run(save_conversations(work / "conversations.db"))
    out = work / "unanswered.yml"
    result = subprocess.run([sys.executable, "-m", "staff.review", "--tracker-store-url",
                             f"sqlite:///{work / 'conversations.db'}", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=base_env({"REPORT_PSEUDONYM_KEY": "test"}))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return out


def validate_with(export_text: str, work: Path) -> Tuple[bool, List[str]]:
    """`rasa data validate --fail-on-warnings` on the project's data with the export added."""
    work.mkdir(parents=True)
    (work / "review.yml").write_text(export_text, encoding="utf-8")
    # The project's data validates without warnings (tests/test_data_validate.py),
    # so any warning here comes from the export.
    return validate_data(data=[ROOT / "data", work / "review.yml"])


def examples(export: Path) -> Dict[str, str]:
    data = yaml_files.safe_load(export.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    return {line[2:]: block["intent"] for block in data["nlu"] for line in block["examples"].splitlines()}


def test_the_export_lists_unanswered_texts_under_the_models_guess(export):
    assert examples(export) == {
        "xqzv plorth": "affirm",  # and "Xqzv, plorth!": the same text to the model
        "who won the football game": "out_of_scope",
        "is there parking for bikes": "ask_location",  # action_default_fallback
    }
    content = export.read_text(encoding="utf-8")
    assert "THE INTENTS BELOW ARE THE MODEL'S GUESSES" in content
    assert "# GUESS: affirm" in content and "confidence 0.26, sent 2x: xqzv plorth" in content
    assert ("Left out: 1 already in the training data; 1 contains [ ] { } ( ); 2 contains personal data; "
            "1 has entities to annotate; 1 no usable guess.") in content


def test_no_personal_data_in_the_export(export):
    content = export.read_text(encoding="utf-8")
    for secret in ("617-555-0123", "5550123", "jane.roe@example.com", "review-1", "review-2"):
        assert secret not in content


def test_rasa_accepts_the_export_merged_into_the_training_data(export, tmp_path):
    passed, warnings = validate_with(export.read_text(encoding="utf-8"), tmp_path / "valid")
    assert passed and not warnings, warnings


def test_the_validation_would_catch_a_conflicting_text(export, tmp_path):
    conflicting = export.read_text(encoding="utf-8").replace(
        "    - who won the football game", f"    - who won the football game\n    - {KNOWN_TEXT}")
    passed, warnings = validate_with(conflicting, tmp_path / "conflict")
    assert not passed
    assert any(f"The example '{KNOWN_TEXT}' was found labeled with multiple" in w for w in warnings), warnings
