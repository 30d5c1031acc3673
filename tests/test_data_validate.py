"""Rasa's own consistency check of the training data and domain."""
import pytest

from tests.rasa_checks import validate_data

pytestmark = pytest.mark.unit


def test_rasa_data_validate_passes_without_warnings():
    passed, warnings = validate_data()
    assert passed, warnings
    assert not warnings
