"""The clinical sign-off is visible: until a clinician signs off the medical
answers as they are now, `make run` and the staff report say
"Medical content is NOT clinically signed off".

(tests/test_content.py checks the record itself: once signed, the stored hash
must match the text.)
"""
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from common.paths import ROOT
from local_services.processes import base_env
from staff import report
from staff.content_review import (
    CHANGED, SIGNED, UNSIGNED, current_sign_off_state, load_yaml, responses_sha256, signed_content,
    sign_off_banner,
)

pytestmark = pytest.mark.unit

BANNER = "Medical content is NOT clinically signed off"


def test_the_banner_follows_the_state():
    assert sign_off_banner(SIGNED) is None
    assert BANNER in sign_off_banner(UNSIGNED) and "no clinician has reviewed" in sign_off_banner(UNSIGNED)
    assert BANNER in sign_off_banner(CHANGED) and "changed since" in sign_off_banner(CHANGED)


# --- make run (deploy/run-assistant), in dry-run mode ------------------------------------
def run_dry(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["deploy/run-assistant"], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env=base_env({"RUN_ASSISTANT_DRY_RUN": "1", "RASA_ENABLE_API": "", "SITE_ORIGIN": ""}))


def test_make_run_shows_the_banner_while_this_repository_is_not_signed_off():
    result = run_dry(ROOT)
    assert result.returncode == 0, result.stderr
    if current_sign_off_state() == SIGNED:
        assert BANNER not in result.stdout
    else:
        assert BANNER in result.stdout


def a_copy_of_what_the_start_script_reads(tmp_path: Path, review: dict) -> Path:
    """A minimal repository: the start script, the sign-off code, both languages' answers
    and this review."""
    for folder in ("deploy", "staff", "common", "content/es"):
        (tmp_path / folder).mkdir(parents=True)
    shutil.copy2(ROOT / "deploy" / "run-assistant", tmp_path / "deploy")
    for module in ("staff/__init__.py", "staff/content_review.py", "common/__init__.py", "common/paths.py",
                   "common/yaml_files.py"):
        if (ROOT / module).exists():
            shutil.copy2(ROOT / module, tmp_path / module)
    shutil.copy2(ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copy2(ROOT / "content" / "es" / "responses.yml", tmp_path / "content" / "es" / "responses.yml")
    (tmp_path / "content-review.yml").write_text(yaml.safe_dump(review), encoding="utf-8")
    (tmp_path / ".venv").symlink_to((ROOT / ".venv").resolve())
    return tmp_path


@pytest.mark.parametrize("signed_by, matches, banner_shown", [
    ("", True, True),                                  # nobody signed
    ("Dr. A. Example, MD (neurology)", True, False),   # signed, and the text is what was signed
    ("Dr. A. Example, MD (neurology)", False, True),   # signed, then the text changed
])
def test_make_run_banner_for_each_sign_off_state(tmp_path: Path, signed_by: str, matches: bool, banner_shown: bool):
    review = load_yaml(ROOT / "content-review.yml")
    medical = signed_content(review)
    review["reviews"] = [{"reviewed_by": signed_by, "reviewed_on": "2026-12-01",
                          "responses_sha256": responses_sha256(medical) if matches else "0" * 64}]
    result = run_dry(a_copy_of_what_the_start_script_reads(tmp_path, review))
    assert result.returncode == 0, result.stderr
    assert (BANNER in result.stdout) == banner_shown, result.stdout
    assert "-m rasa_sdk" in result.stdout, "the start goes on either way"


# --- the staff report ---------------------------------------------------------------------------
@pytest.fixture
def make_report(tmp_path: Path, monkeypatch):
    """Runs `python -m staff.report` on an empty conversation store; returns the HTML page."""
    monkeypatch.setenv("REPORT_PSEUDONYM_KEY", "test-key")

    def run(state=None) -> str:
        if state is not None:
            monkeypatch.setattr(report, "current_sign_off_state", lambda: state)
        out = tmp_path / "report"
        assert report.main(["--tracker-store-url", f"sqlite:///{tmp_path / 'none.db'}", "--out", str(out),
                            "--model", str(tmp_path / "no-model.tar.gz"),
                            "--holdout", str(tmp_path / "none.json")]) == 0
        return (out / "report.html").read_text(encoding="utf-8")
    return run


def test_the_staff_report_shows_the_banner_while_this_repository_is_not_signed_off(make_report):
    page = make_report()
    assert (BANNER in page) == (current_sign_off_state() != SIGNED)


@pytest.mark.parametrize("state, shown", [(UNSIGNED, True), (CHANGED, True), (SIGNED, False)])
def test_the_staff_report_banner_for_each_state(make_report, state: str, shown: bool):
    page = make_report(state)
    assert (BANNER in page) == shown
    if shown:
        assert page.index(BANNER) < page.index("<h1>Assistant insights</h1>"), "at the top"
