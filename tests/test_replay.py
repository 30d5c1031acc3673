"""Every message the project knows, replayed through the shared running assistant:
the training data, the held-out NLU sets and the safety sets. A healthy server
answers each one, and never with the fault apology (that is for real faults:
an action failing or hanging). The fuzz corpus gets the same check in
tests/test_fuzz_rest.py."""
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import pytest
import requests
import yaml

from common.paths import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NLU_FILES = [*sorted((ROOT / "data").glob("nlu*.yml")), ROOT / "tests" / "nlu_holdout.yml",
             ROOT / "tests" / "nlu_realistic.yml"]
SAFETY_FILES = [ROOT / "tests" / "safety_set.yml", ROOT / "tests" / "safety_dev.yml",
                ROOT / "tests" / "safety_dev2.yml"]
# Under the rate limit of the shared stack (20 messages per sender per minute).
MESSAGES_PER_SENDER = 10
FAULT_APOLOGY = "something went wrong on our side"


def example_texts(path: Path) -> List[str]:
    texts = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        for line in (block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                texts.append(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:]))
    return texts


def every_message() -> List[str]:
    texts = [text for path in NLU_FILES for text in example_texts(path)]
    texts += [m["text"] for path in SAFETY_FILES
              for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]]
    return texts


def test_every_known_message_gets_an_answer_and_never_the_fault_apology(stack):
    texts = every_message()
    senders = [f"replay-{uuid.uuid4()}" for _ in range(len(texts) // MESSAGES_PER_SENDER + 1)]
    url = f"{stack.url}/webhooks/rest/webhook"

    def send(numbered):
        number, text = numbered
        reply = requests.post(url, json={"sender": senders[number % len(senders)], "message": text},
                              timeout=60)
        answer = reply.json() if reply.status_code == 200 else []
        joined = " ".join(m.get("text") or "" for m in answer)
        return reply.status_code, bool(joined.strip()), FAULT_APOLOGY in joined, text

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(send, enumerate(texts)))
    print(f"\nReplayed {len(texts)} messages from {len(senders)} senders")
    not_ok = [text for status, _, _, text in outcomes if status != 200]
    silent = [text for status, answered, _, text in outcomes if status == 200 and not answered]
    apologies = [text for _, _, apologised, text in outcomes if apologised]
    assert len(texts) > 2000
    assert not not_ok, not_ok[:10]
    assert not silent, silent[:10]
    assert not apologies, f"{len(apologies)} fault apologies, e.g. {apologies[:10]}"
