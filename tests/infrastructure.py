"""What to do when a test's infrastructure (PostgreSQL, Redis, Chromium) is missing."""
import os
from pathlib import Path

import pytest

# Server logs and screenshots from the tests (git ignores it).
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip a test whose infrastructure is missing; under CI=true, fail instead, so
    a CI machine cannot silently test less."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)
