"""Unanswered messages as Rasa NLU training data, for staff to check and train on.

    python -m staff.review [--out results/review/unanswered.yml] [--since YYYY-MM-DD]
                           [--until YYYY-MM-DD] [--tracker-store-url URL]

Reads the same conversations as staff/report.py (retention period respected) and
writes every message the bot could not answer (nlu_fallback, out_of_scope,
action_core_fallback), redacted, as NLU YAML (version "3.1"). Each example is
filed under the intent the model ranked highest after the fallback: a GUESS,
marked as one in the file's comments with its confidence. Staff correct the
intent (or delete the example) and move the examples into data/nlu.yml, then
`make train`.

Left out, so the file merges into data/ without breaking `rasa data validate`:
  - texts already in the training data (under any intent: a conflict or a duplicate),
  - texts with entities (they would need annotating), with redacted parts
    ([phone], [email], [number], [name]) or with characters that Rasa reads as
    entity annotation ([ ] { } ( )),
  - what patients typed when a form asked for their name or contact,
  - messages whose guess is not an intent of the domain.
The file's header says how many of each were left out.
"""
import argparse
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set


from common.paths import ROOT
from common import yaml_files
from staff.report_metrics import normalise
from staff.report_data import (PLACEHOLDERS, Conversation, load_conversations, parse_day,
                               redact, reporting_window, tracker_store_url)

DEFAULT_OUT = ROOT / "results" / "review" / "unanswered.yml"
ANNOTATION_CHARACTERS = set("[]{}()")


@dataclass
class Example:
    text: str
    guesses: Counter = field(default_factory=Counter)
    confidence: float = 0.0  # the highest the model gave its guess
    count: int = 0

    @property
    def intent(self) -> str:
        return self.guesses.most_common(1)[0][0]


def training_texts(data_dir: Path) -> Set[str]:
    """Every example text already in the NLU training data, normalised like the report's groups."""
    texts: Set[str] = set()
    for path in sorted(data_dir.rglob("*.yml")):
        content = yaml_files.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in content.get("nlu") or []:
            examples = block.get("examples")
            if isinstance(examples, str):
                for line in examples.splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        texts.add(normalise(strip_annotations(line[2:])))
    return texts


def strip_annotations(text: str) -> str:
    """[Botox](product) -> Botox, the text the model sees."""
    return re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", text)


def domain_intents(domain_file: Path) -> Set[str]:
    domain = yaml_files.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    return {next(iter(i)) if isinstance(i, dict) else i for i in domain.get("intents") or []}


def collect(conversations: Iterable[Conversation], known: Set[str], intents: Set[str]) -> "tuple[List[Example], Counter]":
    """The exportable examples, and how many messages were left out for each reason."""
    examples: Dict[str, Example] = {}
    skipped: Counter = Counter()
    for conversation in conversations:
        for message in conversation.messages:
            if not message.unanswered_reason:
                continue
            reason = skip_reason(message, conversation, known, intents)
            if reason:
                skipped[reason] += 1
                continue
            text = " ".join(message.text.split())
            guess, confidence = message.best_guess()
            # Grouped like the report groups them: case, punctuation and digits aside.
            example = examples.setdefault(normalise(text), Example(text))
            example.guesses[guess] += 1
            example.confidence = max(example.confidence, confidence)
            example.count += 1
    return list(examples.values()), skipped


def skip_reason(message, conversation: Conversation, known: Set[str], intents: Set[str]) -> Optional[str]:
    text = " ".join(message.text.split())
    if message.private:
        return "answer to the name/contact question"
    if not text or "\n" in message.text.strip():
        return "empty or several lines"
    if redact(text, conversation.names, conversation.contacts) != text or any(p in text for p in PLACEHOLDERS):
        return "contains personal data"
    if ANNOTATION_CHARACTERS & set(text):
        return "contains [ ] { } ( )"
    # The message's language (nlu_components/language.py) is not annotated in training data.
    if any(e.get("entity") != "language" for e in message.entities):
        return "has entities to annotate"
    if normalise(text) in known:  # the same to the model; a conflict if under another intent
        return "already in the training data"
    guess, _ = message.best_guess()
    if guess not in intents:
        return "no usable guess"
    return None


def render(examples: List[Example], skipped: Counter, period: str) -> str:
    lines = [
        f"# Unanswered messages, {period}: exported by `make review` (staff/review.py).",
        "#",
        "# THE INTENTS BELOW ARE THE MODEL'S GUESSES, NOT CHECKED BY ANYONE.",
        "# For each example: move it under the right intent (or delete it), then copy",
        "# it into data/nlu.yml and run `make train`. Numbers in the comments are the",
        "# model's confidence in its guess and how many times patients sent the text.",
        "# Phone numbers, e-mail addresses and names were removed before export.",
    ]
    if skipped:
        lines.append("# Left out: " + "; ".join(f"{n} {reason}" for reason, n in sorted(skipped.items())) + ".")
    lines += ['version: "3.1"', "nlu:" if examples else "nlu: []"]
    by_intent: Dict[str, List[Example]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example)
    for intent in sorted(by_intent):
        group = sorted(by_intent[intent], key=lambda e: (-e.count, e.text))
        lines.append(f"# GUESS: {intent} - check every example below")
        lines += [f"#   confidence {e.confidence:.2f}, sent {e.count}x: {e.text}" for e in group]
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {e.text}" for e in group]
    return "\n".join(lines) + "\n"


def arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m staff.review", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--since", type=parse_day)
    parser.add_argument("--until", type=parse_day)
    parser.add_argument("--tracker-store-url", help="SQLAlchemy URL (default: TRACKER_STORE_URL)")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="training data, to skip known texts")
    parser.add_argument("--domain", type=Path, default=ROOT / "domain.yml")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = arguments(argv)
    window = reporting_window(args.since, args.until)
    conversations = load_conversations(tracker_store_url(args.tracker_store_url), window)
    examples, skipped = collect(conversations, training_texts(args.data), domain_intents(args.domain))
    start = datetime.fromtimestamp(window.start, window.zone).date()
    end = datetime.fromtimestamp(window.end - 1, window.zone).date()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(examples, skipped, f"{start} to {end}"), encoding="utf-8")
    print(f"{len(examples)} example(s) to review, {sum(skipped.values())} left out: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
