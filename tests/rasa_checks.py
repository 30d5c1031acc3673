"""Rasa's own checks, run in the test process (no subprocess, so Rasa and the
model load once per session rather than once per check)."""
import functools
import warnings
from pathlib import Path
from typing import List, Sequence, Tuple

from common.paths import ROOT

# Rasa 3.6 raises this for every domain that has slots (rasa/shared/core/domain.py);
# `rasa data validate --fail-on-warnings` does not fail on it either.
ALWAYS_RAISED = "Slot auto-fill has been removed in 3.0"
# utter_default is said by action_core_fallback (actions/fallback.py) and utter_unclear by
# action_bare_answer (actions/clinic_info.py): custom actions the validator cannot see into.
NOT_A_PROBLEM = ("The utterance 'utter_default' is not used in any story or rule.",
                 "The utterance 'utter_unclear' is not used in any story or rule.")


def validate_data(
    domain: Path = ROOT / "domain.yml",
    data: Sequence[Path] = (ROOT / "data",),
    config: Path = ROOT / "config.yml",
) -> Tuple[bool, List[str]]:
    """`rasa data validate --fail-on-warnings`: (passed, the warnings it raised)."""
    import rasa.cli.utils
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        domain_path=str(domain), training_data_paths=[str(path) for path in data],
        config_path=str(config))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rasa.cli.utils.validate_files(True, None, importer)
            passed = True
        except SystemExit as exit_:  # Rasa exits with 1 on a failed validation
            passed = exit_.code in (0, None)
    messages = [str(w.message) for w in caught
                if issubclass(w.category, UserWarning) and not str(w.message).startswith(ALWAYS_RAISED)
                and str(w.message) not in NOT_A_PROBLEM]
    return passed, messages


def parse_all(agent, texts: Sequence[str]) -> List[dict]:
    """What `agent.parse_message` returns for each text, from one run of the model's
    NLU graph over all of them (Rasa's processor runs it once per message; the
    components take lists, so the classifier scores them as one matrix)."""
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT

    processor = agent.processor
    target = processor.model_metadata.nlu_target
    results = processor.graph_runner.run(
        inputs={PLACEHOLDER_MESSAGE: [UserMessage(text) for text in texts],
                PLACEHOLDER_TRACKER: DialogueStateTracker.from_events("parse-all", [])},
        targets=[target])
    parses = []
    for message in results[target]:
        parse = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, ENTITIES: []}
        parse.update(message.as_dict(only_output_properties=True))
        parses.append(parse)
    return parses


# What each safety level puts first; None: the classifier's answer (ask_cost) stands.
INTENT_PUT_FIRST = {"crisis": "express_crisis", "emergency": "report_emergency_symptoms",
                    "after_treatment": "report_symptoms_after_treatment", None: "ask_cost"}


def intent_after_the_guard(text: str) -> str:
    """The intent the red-flag guard leaves first when the classifier said ask_cost at 0.9
    and no phrase entities came with the text: only its patterns and rules decide."""
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text, "intent": {"name": "ask_cost", "confidence": 0.9},
                            "intent_ranking": [{"name": "ask_cost", "confidence": 0.9}], "entities": []})
    red_flag_guard().process([message])
    return message.get("intent")["name"]


@functools.lru_cache(maxsize=None)
def red_flag_guard():
    """The guard with its default patterns, read once."""
    from nlu_components.red_flags import RedFlagGuard

    return RedFlagGuard(RedFlagGuard.get_default_config())
