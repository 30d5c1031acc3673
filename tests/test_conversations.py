"""Conversation tests (tests/test_stories.yml), run with `rasa test core`."""
from tests.rasa_cli import MODEL, ROOT, rasa


def test_conversation_stories_have_no_prediction_errors(tmp_path):
    result = rasa([
        "test", "core", "--model", str(MODEL),
        "--stories", str(ROOT / "tests" / "test_stories.yml"),
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    ])
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + (result.stdout + result.stderr)[-4000:]
