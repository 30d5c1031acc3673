"""Rasa's own consistency check of the training data and domain."""
from tests.rasa_cli import rasa


def test_rasa_data_validate_passes_without_warnings():
    result = rasa(["data", "validate", "--fail-on-warnings"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "UserWarning" not in output, output[-4000:]
