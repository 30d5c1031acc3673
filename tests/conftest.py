import uuid
from pathlib import Path

import pytest

from tests.servers import Patient, action_server, rasa_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def assistant(artifacts: Path) -> str:
    """Base URL of a real Rasa server wired to a real action server, on loopback."""
    with action_server(artifacts) as action_url:
        with rasa_server(artifacts, action_url) as url:
            yield url


@pytest.fixture
def patient(assistant: str) -> Patient:
    return Patient(assistant, sender=f"test-{uuid.uuid4()}")
