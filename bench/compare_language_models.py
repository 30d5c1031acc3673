"""One bilingual NLU model, or one model per language behind a router?

    .venv/bin/python -m bench.compare_language_models [--out results/language_models]

Trains three NLU models with config.yml (in a temporary folder; the model in
service is not touched): English (data/nlu*.yml), Spanish (data/es/*.yml) and
bilingual (both). Then measures, on the held-out sets tests/nlu_holdout.yml
(English) and tests/nlu_realistic_es.yml (Spanish), which training never sees:

- the bilingual model;
- the router: each message goes to the English or the Spanish model by the
  language lingua finds in it (nlu_components/language.py: a clear detection,
  else lingua's better guess).

Figures, as `rasa test nlu` computes them (as tests/test_nlu_holdout.py does):
intent accuracy, intent macro-F1, condition-entity F1. Written to
<out>/figures.json and printed as a table. Takes about 10 minutes on 2 cores.
"""
import argparse
import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict

from common.paths import ROOT

HELD_OUT = {"en": ROOT / "tests" / "nlu_holdout.yml", "es": ROOT / "tests" / "nlu_realistic_es.yml"}
EXTRACTOR = "CanonicalSpacyEntityExtractor"


def training_folders(work: Path, spanish_data: Path) -> Dict[str, Path]:
    english = sorted((ROOT / "data").glob("nlu*.yml"))
    spanish = sorted(spanish_data.glob("*.yml"))
    if not spanish:
        raise SystemExit("No Spanish training data in data/es/: nothing to compare")
    folders = {"en": english, "es": spanish, "bilingual": english + spanish}
    made = {}
    for name, files in folders.items():
        folder = work / f"data-{name}"
        folder.mkdir()
        for number, path in enumerate(files):
            shutil.copy(path, folder / f"{number:02d}-{path.name}")
        made[name] = folder
    return made


def train(work: Path, spanish_data: Path) -> Dict[str, Path]:
    from rasa.model_training import train_nlu

    models = {}
    for name, folder in training_folders(work, spanish_data).items():
        models[name] = Path(train_nlu(str(ROOT / "config.yml"), str(folder), str(work / "models"),
                                      fixed_model_name=f"nlu-{name}"))
    return models


class Router:
    """Looks like a Rasa message processor to `rasa test nlu`: each message goes to
    the model of the language it is written in."""

    def __init__(self, english: Any, spanish: Any) -> None:
        self.by_language = {"en": english.processor, "es": spanish.processor}
        self.model_metadata = english.processor.model_metadata
        self.routed = {"en": 0, "es": 0}

    async def parse_message(self, message: Any, tracker: Any = None, only_output_properties: bool = True) -> Dict:
        from nlu_components.language import confidences, detected_language

        text = message.text or ""
        language = detected_language(text)
        if language is None:
            scores = confidences(text)
            language = "es" if scores.get("es", 0.0) > scores.get("en", 0.0) else "en"
        self.routed[language] += 1
        return await self.by_language[language].parse_message(
            message, tracker=tracker, only_output_properties=only_output_properties)


def evaluate(processor: Any, held_out: Path, out: Path) -> Dict[str, float]:
    from rasa.nlu.test import run_evaluation

    out.mkdir(parents=True)
    asyncio.run(run_evaluation(str(held_out), processor, output_directory=str(out), disable_plotting=True))
    intents = json.loads((out / "intent_report.json").read_text())
    entities = json.loads((out / f"{EXTRACTOR}_report.json").read_text())
    return {"intent_accuracy": round(intents["accuracy"], 4),
            "intent_macro_f1": round(intents["macro avg"]["f1-score"], 4),
            "condition_entity_f1": round(entities.get("condition", {}).get("f1-score", 0.0), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "language_models")
    parser.add_argument("--spanish-data", type=Path, default=ROOT / "data" / "es")
    args = parser.parse_args()
    from rasa.core.agent import Agent

    with tempfile.TemporaryDirectory(prefix="language-models-") as folder:
        work = Path(folder)
        models = train(work, args.spanish_data)
        agents = {name: Agent.load(str(path)) for name, path in models.items()}
        router = Router(agents["en"], agents["es"])
        figures = {}
        for held_out_language, held_out in HELD_OUT.items():
            for setup, processor in (("bilingual", agents["bilingual"].processor), ("router", router)):
                figures[f"{setup} on {held_out_language}"] = evaluate(
                    processor, held_out, work / "results" / f"{setup}-{held_out_language}")
        figures["router: messages sent to each model"] = dict(router.routed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    for name, values in figures.items():
        print(f"{name:40s} {values}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
