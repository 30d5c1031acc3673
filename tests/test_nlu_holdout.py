"""NLU quality on tests/nlu_holdout.yml, a file training never sees.

The figures are also written to results/nlu_holdout.json, which the staff
report (staff/report.py) shows next to the model in service.
"""
import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from common.paths import ROOT
from tests.servers import MODEL

pytestmark = pytest.mark.unit

HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
EXTRACTOR = "CanonicalSpacyEntityExtractor"
FIGURES = ROOT / "results" / "nlu_holdout.json"


def write_figures(out: Path) -> None:
    """The holdout scores, with the model they were measured on, for the report."""
    from staff.report import model_metadata
    intents = json.loads((out / "intent_report.json").read_text())
    entities = json.loads((out / f"{EXTRACTOR}_report.json").read_text())
    metadata = model_metadata(MODEL)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps({
        "intent_accuracy": round(intents["accuracy"], 4),
        "intent_macro_f1": round(intents["macro avg"]["f1-score"], 4),
        "condition_entity_f1": round(entities.get("condition", {}).get("f1-score", 0.0), 4),
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": str(MODEL.relative_to(ROOT)),
        "model_id": metadata.get("model_id", ""),
        "model_trained_at": metadata.get("trained_at", ""),
        "holdout": str(HOLDOUT.relative_to(ROOT)),
    }, indent=2) + "\n")


@pytest.fixture(scope="module")
def report(trained_agent, tmp_path_factory) -> Path:
    """`rasa test nlu` on the held-out file, with the model loaded in this process."""
    from rasa.nlu.test import run_evaluation

    out = tmp_path_factory.mktemp("nlu-results")
    asyncio.run(run_evaluation(str(HOLDOUT), trained_agent.processor, output_directory=str(out),
                               disable_plotting=True))
    write_figures(out)
    return out


def test_holdout_is_not_in_the_training_data():
    def texts(path):
        return {m.get("text").strip().lower() for m in load_data(str(path)).intent_examples}
    training = set().union(*(texts(path) for path in (ROOT / "data").glob("nlu*.yml")))
    assert not texts(HOLDOUT) & training


def test_intent_accuracy_and_macro_f1(report):
    intents = json.loads((report / "intent_report.json").read_text())
    print(f"holdout intent accuracy={intents['accuracy']:.3f} "
          f"macro-F1={intents['macro avg']['f1-score']:.3f}")
    assert intents["accuracy"] >= 0.90
    assert intents["macro avg"]["f1-score"] >= 0.88


def test_condition_entity_f1(report):
    entities = json.loads((report / f"{EXTRACTOR}_report.json").read_text())
    f1 = entities["condition"]["f1-score"]
    print(f"holdout condition entity F1={f1:.3f}")
    assert f1 >= 0.90
