"""Every message the project knows, in English and Spanish (the training data, the
held-out NLU sets and the held-out safety set), checked against the shared running
assistant: a healthy server answers each one, and never with the fault apology
(that is for real faults: an action failing or hanging). The fuzz corpus gets the
same check in tests/test_fuzz_rest.py.

What the server does with a message after understanding it depends only on what
it understood (the intent and the entities, language included) and on the
conversation so far. So each message is parsed here by the same model, and one
message for each distinct understanding is sent to the server once: every other
one as the first message of a conversation, the rest in the middle of one (after
nine others, which opens forms and leaves questions pending). That is about a
fifteenth of the messages for the same dialogue paths; sending all of them took
most of this module's minutes. (Until 2026-12-03 each was sent twice, once in each
place; with 9,950 known messages that took two minutes of `make test`.)
"""
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import requests

from common.paths import ROOT
from common import yaml_files
from tests.rasa_checks import parse_all

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NLU_FILES = [*sorted((ROOT / "data").glob("nlu*.yml")), *sorted((ROOT / "data" / "es").glob("*.yml")),
             ROOT / "tests" / "nlu_holdout.yml", ROOT / "tests" / "nlu_realistic.yml",
             ROOT / "tests" / "nlu_realistic_es.yml"]
# The held-out safety set; the development sets' first answers are checked in
# tests/test_safety_set.py, and parsing their 3,000 messages here as well added 77 distinct
# understandings (half of them the fixed crisis, 911 or urgent answer) for 25 s of
# `make test` (2026-12-03).
SAFETY_FILES = [ROOT / "tests" / "safety_set.yml"]
# Under the rate limit of the shared stack (20 messages per sender per minute).
MESSAGES_PER_SENDER = 10
FAULT_APOLOGY = ("something went wrong on our side", "algo falló de nuestro lado")


def example_texts(path: Path) -> List[str]:
    texts = []
    for block in yaml_files.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        for line in (block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                texts.append(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:]))
    return texts


def every_message() -> List[str]:
    texts = [text for path in NLU_FILES for text in example_texts(path)]
    texts += [m["text"] for path in SAFETY_FILES
              for m in yaml_files.safe_load(path.read_text(encoding="utf-8"))["messages"]]
    return texts


Understanding = Tuple[str, Tuple[Tuple[str, str], ...]]


def understanding(parse: Dict) -> Understanding:
    entities = sorted({(e["entity"], str(e.get("value"))) for e in parse.get("entities") or []})
    return parse["intent"]["name"], tuple(entities)


def one_message_per_understanding(agent, texts: List[str]) -> Dict[Understanding, str]:
    chosen: Dict[Understanding, str] = {}
    for text, parse in zip(texts, parse_all(agent, texts)):
        chosen.setdefault(understanding(parse), text)
    return chosen


def test_every_known_message_gets_an_answer_and_never_the_fault_apology(stack, trained_agent):
    texts = every_message()
    chosen = list(one_message_per_understanding(trained_agent, texts).values())
    # Every other chosen message opens a conversation; the rest come in the middle of one.
    openers = [(f"replay-first-{uuid.uuid4()}", text) for text in chosen[0::2]]
    in_the_middle = chosen[1::2]
    senders = [f"replay-{uuid.uuid4()}" for _ in range(len(in_the_middle) // MESSAGES_PER_SENDER + 1)]
    middles = [(senders[number % len(senders)], text) for number, text in enumerate(in_the_middle)]
    url = f"{stack.url}/webhooks/rest/webhook"

    def send(sender_and_text):
        sender, text = sender_and_text
        reply = requests.post(url, json={"sender": sender, "message": text}, timeout=60)
        answer = reply.json() if reply.status_code == 200 else []
        joined = " ".join(m.get("text") or "" for m in answer)
        return reply.status_code, bool(joined.strip()), any(a in joined for a in FAULT_APOLOGY), text

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(send, openers + middles))
    print(f"\n{len(texts)} known messages, {len(chosen)} distinct understandings, "
          f"{len(outcomes)} sent")
    not_ok = [text for status, _, _, text in outcomes if status != 200]
    silent = [text for status, answered, _, text in outcomes if status == 200 and not answered]
    apologies = [text for _, _, apologised, text in outcomes if apologised]
    assert len(texts) > 5000 and len(chosen) > 200
    assert not not_ok, not_ok[:10]
    assert not silent, silent[:10]
    assert not apologies, f"{len(apologies)} fault apologies, e.g. {apologies[:10]}"
