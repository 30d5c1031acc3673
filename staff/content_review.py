"""Which responses are medical, and a fingerprint of their text for sign-off.

The fingerprint covers the English answers (domain.yml) and the Spanish ones
(content/es/responses.yml): a change to either needs a new sign-off.

    python -m staff.content_review           # prints the hash to put in content-review.yml
    python -m staff.content_review --banner  # the warning `make run` shows until a
                                             # clinician signs the current text off
"""
import argparse
import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List, Optional


from common.paths import ROOT
from common import yaml_files

DOMAIN_FILE = ROOT / "domain.yml"
REVIEW_FILE = ROOT / "content-review.yml"
SOURCES_FILE = ROOT / "content" / "sources.yml"
SPANISH_FILE = ROOT / "content" / "es" / "responses.yml"


def load_yaml(path: Path) -> Any:
    return yaml_files.safe_load(path.read_text(encoding="utf-8"))


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


def signed_content(review: Dict[str, Any]) -> Dict[str, Any]:
    """The medical answers in both languages, as the sign-off pins them."""
    return {"en": medical_responses(load_yaml(DOMAIN_FILE), review),
            "es": medical_responses(load_yaml(SPANISH_FILE), review)}


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


NOT_SIGNED_OFF = "Medical content is NOT clinically signed off"


def sign_off_banner(state: str) -> Optional[str]:
    """The warning to show wherever the answers are used, or None once signed off."""
    if state == SIGNED:
        return None
    why = ("no clinician has reviewed the medical answers yet" if state == UNSIGNED
           else "the medical answers changed since the last clinical sign-off")
    return f"{NOT_SIGNED_OFF}: {why}. See content-review.yml."


def current_sign_off_state() -> str:
    """The sign-off state of the medical answers, in both languages, as they are now."""
    review = load_yaml(REVIEW_FILE)
    return sign_off_state(signed_content(review), review)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m staff.content_review", description=__doc__.split("\n")[0])
    parser.add_argument("--banner", action="store_true",
                        help="print the not-signed-off warning (nothing once signed off)")
    if parser.parse_args(argv).banner:
        banner = sign_off_banner(current_sign_off_state())
        if banner:
            print(f"*** {banner} ***")
        return
    review = load_yaml(REVIEW_FILE)
    content = signed_content(review)
    print(f"{len(content['en'])} medical responses in English, {len(content['es'])} in Spanish; "
          f"responses_sha256: {responses_sha256(content)}")


if __name__ == "__main__":
    main()
