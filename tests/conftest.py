import uuid
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from actions import clinic_data

from tests.postgres import NOT_INSTALLED, find_postgres_bin, running_postgres
from tests.servers import Patient, action_server, rasa_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def bookings_url(tmp_path_factory) -> str:
    """A real SQLite bookings database for the end-to-end servers."""
    return f"sqlite:///{tmp_path_factory.mktemp('bookings') / 'bookings.db'}"


@pytest.fixture(scope="session")
def assistant(artifacts: Path, bookings_url: str) -> str:
    """Base URL of a real Rasa server wired to a real action server, on loopback."""
    with action_server(artifacts, env={"BOOKINGS_DATABASE_URL": bookings_url}) as action_url:
        with rasa_server(artifacts, action_url) as url:
            yield url


@pytest.fixture
def patient(assistant: str) -> Patient:
    return Patient(assistant, sender=f"test-{uuid.uuid4()}")


@pytest.fixture
def clinic_file(monkeypatch, tmp_path):
    """Point the actions at an edited copy of the sample clinic."""
    def write(change):
        content = yaml.safe_load(clinic_data.DEFAULT_CLINIC_FILE.read_text())
        change(content)
        path = tmp_path / "clinic.yml"
        path.write_text(yaml.safe_dump(content))
        monkeypatch.setenv("CLINIC_FILE", str(path))
        clinic_data.load_clinic.cache_clear()
    yield write
    clinic_data.load_clinic.cache_clear()


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL 15 for one test module (skipped where none is installed)."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        pytest.skip(NOT_INSTALLED)
    with running_postgres(bin_dir) as url:
        yield url
