"""Which responses are medical, and a fingerprint of their text for sign-off.

    python -m staff.content_review     # prints the hash to put in content-review.yml
"""
import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List

import yaml

from common.paths import ROOT

DOMAIN_FILE = ROOT / "domain.yml"
REVIEW_FILE = ROOT / "content-review.yml"
SOURCES_FILE = ROOT / "content" / "sources.yml"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def medical_responses(
    domain: Dict[str, Any], review: Dict[str, Any]
) -> Dict[str, List[Dict[str, Any]]]:
    """Every response except those the review record lists as non-medical."""
    non_medical = set(review["non_medical_responses"])
    return {
        name: variations
        for name, variations in domain["responses"].items()
        if name not in non_medical
    }


def responses_sha256(responses: Dict[str, Any]) -> str:
    canonical = json.dumps(responses, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


SIGNED, UNSIGNED, CHANGED = "signed off", "not signed off", "changed since the last sign-off"


def sign_off_state(medical: Dict[str, Any], review: Dict[str, Any]) -> str:
    """Whether a clinician signed off exactly these medical answers."""
    signed = [entry for entry in review.get("reviews") or [] if entry.get("reviewed_by")]
    if not signed:
        return UNSIGNED
    return SIGNED if signed[-1].get("responses_sha256") == responses_sha256(medical) else CHANGED


def main() -> None:
    review = load_yaml(REVIEW_FILE)
    medical = medical_responses(load_yaml(DOMAIN_FILE), review)
    print(f"{len(medical)} medical responses; responses_sha256: {responses_sha256(medical)}")


if __name__ == "__main__":
    main()
