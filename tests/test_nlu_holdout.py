"""NLU quality on tests/nlu_holdout.yml, a file training never sees."""
import json
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from tests.rasa_cli import MODEL, ROOT, rasa

HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
EXTRACTOR = "CanonicalSpacyEntityExtractor"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nlu-results")
    result = rasa(["test", "nlu", "--model", str(MODEL), "--nlu", str(HOLDOUT), "--out", str(out)])
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
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
