"""Cross-validation of config.yml on the training data, per language.

    .venv/bin/python -m bench.cross_validate [--folds 3] [--seed 12] [--baseline REF]

Splits the training examples (data/nlu*.yml: English, data/es/*.yml: Spanish)
into k folds, stratified by intent, trains config.yml's NLU on k-1 of them
(Rasa's own training, in a temporary folder; the model in service is not
touched) and scores the fold left out with `rasa test nlu`'s evaluation. The
figures are pooled over the folds and given per language: intent accuracy,
intent macro-F1, condition-entity F1 and the most frequent confusions.

Folds are fixed by the seed and the text of each example (its place in a file
does not matter). With --baseline REF (a git commit), the examples that were
already in the data at REF keep the folds they had there, the newer ones get
folds of their own, and the figures are given twice: on the examples that were
there at REF (comparable with a run at REF) and on all of them. The held-out
files in tests/ are never read.

Writes <out>/figures.json and prints a summary. About 8 minutes of CPU (3 trainings).
"""
import argparse
import asyncio
import hashlib
import json
import re
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple


from common.paths import ROOT
from common import yaml_files

EXTRACTOR = "CanonicalSpacyEntityExtractor"
ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")

# (language, intent, example as written with its annotations)
Example = Tuple[str, str, str]


def data_files(root: Path) -> Dict[str, List[Path]]:
    return {"en": sorted((root / "data").glob("nlu*.yml")), "es": sorted((root / "data" / "es").glob("*.yml"))}


def examples_in(text: str, language: str) -> List[Example]:
    content = yaml_files.safe_load(text) or {}
    found = []
    for item in content.get("nlu", []):
        if "intent" in item:
            for line in item["examples"].splitlines():
                if line.startswith("- "):
                    found.append((language, item["intent"], line[2:].strip()))
    return found


def current_examples() -> List[Example]:
    return [example for language, paths in data_files(ROOT).items()
            for path in paths for example in examples_in(path.read_text(encoding="utf-8"), language)]


def examples_at(ref: str) -> List[Example]:
    """The training examples as they were at a git commit."""
    listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", ref, "data/"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.split()
    found = []
    for name in listed:
        if re.fullmatch(r"data/nlu[^/]*\.yml", name):
            language = "en"
        elif re.fullmatch(r"data/es/[^/]+\.yml", name):
            language = "es"
        else:
            continue
        text = subprocess.run(["git", "show", f"{ref}:{name}"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
        found.extend(examples_in(text, language))
    return found


def as_typed(example: str) -> str:
    return " ".join(ANNOTATION.sub(r"\1", example).lower().split())


def assign_folds(examples: Iterable[Example], folds: int, seed: int) -> Dict[Example, int]:
    """Stratified by intent: within each intent, examples in an order fixed by the
    seed and their text, dealt out to the folds in turn."""
    by_intent: Dict[str, List[Example]] = {}
    for example in examples:
        by_intent.setdefault(example[1], []).append(example)
    assigned = {}
    for intent in sorted(by_intent):
        ordered = sorted(by_intent[intent],
                         key=lambda e: hashlib.sha1(f"{seed}|{e[0]}|{e[2]}".encode()).hexdigest())
        for number, example in enumerate(ordered):
            assigned[example] = number % folds
    return assigned


def write_nlu(path: Path, examples: Iterable[Example]) -> None:
    by_intent: Dict[str, List[str]] = {}
    for _, intent, text in examples:
        by_intent.setdefault(intent, []).append(text)
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in by_intent[intent])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def evaluate(processor, examples: List[Example], out: Path) -> Tuple[List[dict], Dict[str, float]]:
    """Per-example intent results, and the condition entity's counts."""
    from rasa.nlu.test import run_evaluation

    out.mkdir(parents=True)
    write_nlu(out / "test.yml", examples)
    asyncio.run(run_evaluation(str(out / "test.yml"), processor, output_directory=str(out),
                               successes=True, errors=True, disable_plotting=True))
    results = []
    for name in ("intent_successes.json", "intent_errors.json"):
        if (out / name).exists():
            results.extend(json.loads((out / name).read_text()))
    report = json.loads((out / f"{EXTRACTOR}_report.json").read_text()).get("condition", {})
    support = report.get("support", 0)
    true_positives = report.get("recall", 0.0) * support
    precision = report.get("precision", 0.0)
    predicted = true_positives / precision if precision else 0.0
    return results, {"tp": true_positives, "fn": support - true_positives, "fp": predicted - true_positives}


def scores(results: List[dict], entity_counts: List[Dict[str, float]]) -> dict:
    from sklearn.metrics import f1_score

    truth = [r["intent"] for r in results]
    predicted = [(r.get("intent_prediction") or {}).get("name") or "None" for r in results]
    confusions = Counter((t, p) for t, p in zip(truth, predicted) if t != p)
    per_intent = Counter(truth)
    wrong = Counter(t for t, p in zip(truth, predicted) if t != p)
    tp = sum(c["tp"] for c in entity_counts)
    fp = sum(c["fp"] for c in entity_counts)
    fn = sum(c["fn"] for c in entity_counts)
    return {
        "examples": len(results),
        "intent_accuracy": round(sum(t == p for t, p in zip(truth, predicted)) / max(len(results), 1), 4),
        "intent_macro_f1": round(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro",
                                          zero_division=0), 4),
        "condition_entity_f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else None,
        "weakest_intents": [
            {"intent": intent, "accuracy": round(1 - wrong[intent] / per_intent[intent], 3),
             "examples": per_intent[intent]}
            for intent in sorted(per_intent, key=lambda i: (1 - wrong[i] / per_intent[i], i))[:12]],
        "confusions": [{"intent": t, "predicted": p, "count": n} for (t, p), n in confusions.most_common(25)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--baseline", help="a git commit: score also on the examples that were there")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "cross_validation")
    args = parser.parse_args()

    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    examples = current_examples()
    original = None
    if args.baseline:
        at_baseline = set(examples_at(args.baseline))
        original = [e for e in examples if e in at_baseline]
        newer = [e for e in examples if e not in at_baseline]
        fold_of = {**assign_folds(original, args.folds, args.seed), **assign_folds(newer, args.folds, args.seed)}
    else:
        fold_of = assign_folds(examples, args.folds, args.seed)
    original_set = set(original) if original is not None else set(examples)

    results: Dict[str, List[dict]] = {}
    entity_counts: Dict[str, List[Dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="cross-validation-") as folder:
        work = Path(folder)
        for fold in range(args.folds):
            train_folder = work / f"train-{fold}"
            train_folder.mkdir()
            write_nlu(train_folder / "nlu.yml", [e for e in examples if fold_of[e] != fold])
            model = train_nlu(str(ROOT / "config.yml"), str(train_folder), str(work / "models"),
                              fixed_model_name=f"fold-{fold}")
            processor = Agent.load(model).processor
            for language in ("en", "es"):
                for subset, members in (("original", original_set), ("all", None)):
                    if subset == "all" and original is None:
                        continue
                    test = [e for e in examples if fold_of[e] == fold and e[0] == language
                            and (members is None or e in members)]
                    if not test:
                        continue
                    found, counts = evaluate(processor, test, work / "results" / f"{fold}-{language}-{subset}")
                    key = f"{language}, {subset} examples" if original is not None else language
                    results.setdefault(key, []).extend(found)
                    entity_counts.setdefault(key, []).append(counts)
            print(f"fold {fold + 1} of {args.folds} done", flush=True)

    figures = {
        "folds": args.folds, "seed": args.seed, "baseline": args.baseline,
        "training_examples": dict(Counter(e[0] for e in examples)),
        "by_language": {key: scores(found, entity_counts[key]) for key, found in results.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "figures.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    for key, values in figures["by_language"].items():
        print(f"\n{key}: {values['examples']} examples, intent accuracy {values['intent_accuracy']}, "
              f"macro-F1 {values['intent_macro_f1']}, condition-entity F1 {values['condition_entity_f1']}")
        print("  weakest: " + ", ".join(f"{w['intent']} {w['accuracy']}" for w in values["weakest_intents"][:8]))
        print("  confusions: " + ", ".join(f"{c['intent']}->{c['predicted']} {c['count']}"
                                             for c in values["confusions"][:12]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
