"""Conversation tests (tests/test_stories.yml), as `rasa test core` runs them."""
import asyncio

import pytest

from common.paths import ROOT

pytestmark = pytest.mark.unit


def test_conversation_stories_have_no_prediction_errors(trained_agent, tmp_path):
    from rasa.core.test import test as test_stories
    from rasa.core.test import WrongPredictionException

    try:
        asyncio.run(test_stories(str(ROOT / "tests" / "test_stories.yml"), trained_agent,
                                 out_directory=str(tmp_path), fail_on_prediction_errors=True,
                                 disable_plotting=True))
    except WrongPredictionException:
        failed = tmp_path / "failed_test_stories.yml"
        pytest.fail(failed.read_text() if failed.exists() else "prediction errors")
