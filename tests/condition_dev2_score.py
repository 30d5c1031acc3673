"""Token-level scoring of the `condition` entity, as Rasa scores entities: every token
inside an annotated `[...](condition)` span that the entity ruler (with the typo check,
spacy_pipeline/typos.py) does not cover is a false negative, every covered token outside
an annotated span a false positive. Tokens come from the same spaCy pipeline.

    .venv/bin/python -m tests.condition_dev2_score            # condition_dev2 and the training data
    .venv/bin/python -m tests.condition_dev2_score --misses   # with the tokens missed / found wrongly

Used by tests/test_condition_dev2.py.
"""
from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Tuple

from common.paths import ROOT
from spacy_pipeline.reported_entities import reported_entities

CONDITION_DEV2 = ROOT / "tests" / "condition_dev2.yml"
LABEL = "condition"


def training_files() -> List[Tuple[Path, str]]:
    return ([(p, "en") for p in sorted((ROOT / "data").glob("nlu*.yml"))]
            + [(p, "es") for p in sorted((ROOT / "data" / "es").glob("*.yml"))])


def load_messages(path: Path, language: str = "") -> List[Dict[str, object]]:
    """[{text, language, spans: [(start, end)]}]; the language from the intent block's
    metadata (condition_dev2.yml) or the one given (the training files)."""
    from rasa.shared.nlu.training_data.loading import load_data

    messages = []
    for example in load_data(str(path)).intent_examples:
        metadata = (example.get("metadata") or {}).get("intent") or {}
        messages.append({
            "text": example.get("text"),
            "language": metadata.get("language", language),
            "spans": [(e["start"], e["end"]) for e in example.get("entities") or []
                      if e["entity"] == LABEL],
        })
    return messages


def dev2_messages(path: Path = CONDITION_DEV2) -> List[Dict[str, object]]:
    return load_messages(path)


def training_messages() -> List[Dict[str, object]]:
    return [m for path, language in training_files() for m in load_messages(path, language)]


@functools.lru_cache(maxsize=None)
def training_texts() -> FrozenSet[str]:
    """The training examples' texts, lower-cased: what a held-out or development set may
    not contain (read once per process)."""
    return frozenset(m["text"].strip().lower() for m in training_messages())


def make_typos():
    from spacy_pipeline.build import build_pipeline
    from spacy_pipeline.typos import ConditionTypos

    return ConditionTypos(build_pipeline())


def _covered(doc, spans: Iterable[Tuple[int, int]]) -> set:
    return {t.i for t in doc for start, end in spans if t.idx < end and t.idx + len(t) > start}


def token_counts(typos, message: Dict[str, object]) -> Dict[str, object]:
    doc = typos.nlp(message["text"])
    entities = reported_entities(typos, doc)  # as the assistant does
    found = [(e.start_char, e.end_char) for e in entities if e.label == LABEL]
    gold, predicted = _covered(doc, message["spans"]), _covered(doc, found)
    return {"tp": len(gold & predicted), "fp": len(predicted - gold), "fn": len(gold - predicted),
            "missed": [doc[i].text for i in sorted(gold - predicted)],
            "wrong": [doc[i].text for i in sorted(predicted - gold)]}


def figures(counts: Iterable[Dict[str, object]]) -> Dict[str, float]:
    counts = list(counts)
    return precision_recall_f1(*(sum(c[k] for c in counts) for k in ("tp", "fp", "fn")))


def precision_recall_f1(tp: int, fp: int, fn: int) -> Dict[str, float]:
    """The figures from the counts (rounded to 3 places), with the counts."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "tp": tp, "fp": fp, "fn": fn}


def score(typos, messages: List[Dict[str, object]]) -> Dict[str, Dict[str, float]]:
    """Figures by language and overall, and each message's counts."""
    results = [{**m, **token_counts(typos, m)} for m in messages]
    by_language = {lang: figures(r for r in results if r["language"] == lang)
                   for lang in sorted({r["language"] for r in results})}
    return {**by_language, "all": figures(results), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    typos = make_typos()
    for name, messages in (("condition_dev2", dev2_messages()), ("training", training_messages())):
        scored = score(typos, messages)
        for key in [k for k in scored if k != "results"]:
            print(name, key, scored[key], f"({sum(r['language'] == key for r in scored['results']) or len(messages)} messages)")
        if args.misses:
            for r in scored["results"]:
                if r["missed"] or r["wrong"]:
                    print(f"  [{r['language']}] missed={r['missed']} wrong={r['wrong']}: {r['text']}")


if __name__ == "__main__":
    main()
