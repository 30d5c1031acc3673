"""Shared fixtures: the running assistant, throwaway databases, the trained model.

Test tiers (markers, registered in pytest.ini; every test has at least one, and
the last of these that it has is its tier, e.g. a module of unit tests with one
PostgreSQL case marked system):
  unit    starts no server of any kind (it may load the trained model or use SQLite)
  e2e     talks to the shared running assistant (`stack`) or a browser
  system  starts processes of its own (faults, replicas, start-up refusals, rate
          limits) or uses PostgreSQL or Redis
`make test-fast` runs the unit tier; `make test` runs them all in two processes
(pytest-xdist, one per core): the e2e tier stays together on one of them, with
the one shared stack, and each system module stays whole on one of them, with
its own servers; unit tests go wherever there is room.

With CI=true, missing infrastructure (PostgreSQL, Redis, Chromium) fails the run
instead of skipping tests, so a CI machine cannot silently test less.
"""
import os

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import skops.io  # noqa: E402,F401  (before rasa and TensorFlow: see deploy/rasa_server.py)

import threading  # noqa: E402
import uuid  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Iterator, Optional  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from clinic import config as clinic_config  # noqa: E402
from common import yaml_files  # noqa: E402
from local_services.postgres import (  # noqa: E402
    NOT_INSTALLED, PostgresUnavailable, create_database, find_postgres_bin, running_postgres,
)
from local_services.redis import RedisUnavailable, running_redis  # noqa: E402
from tests.browser import launch_chromium  # noqa: E402
from tests.fake_platforms import FakePlatforms  # noqa: E402
from tests.handoff_helpers import clinic_without_staff_hours  # noqa: E402
from tests.infrastructure import ARTIFACTS, unavailable  # noqa: E402
from tests.platforms import channel_credentials  # noqa: E402
from tests.make_run_deployment import Deployment, made_run  # noqa: E402
from tests.replicas import Replicas, two_replicas  # noqa: E402
from tests.servers import MODEL, Patient, action_server, rasa_server  # noqa: E402

TIERS = ("unit", "e2e", "system")
# Set by `make test` for the tests it runs while the model trains (those not marked `model`).
WHILE_THE_MODEL_TRAINS = "TESTS_WHILE_THE_MODEL_TRAINS"


# ---------------------------------------------------------------------------
# Tiers, and the shared stack started in the background
# ---------------------------------------------------------------------------
def tier(item) -> int:
    """0 unit, 1 e2e, 2 system: the last tier marker a test has."""
    return max(index for index, name in enumerate(TIERS) if item.get_closest_marker(name))


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items) -> None:
    untiered = [item.nodeid for item in items if not any(item.get_closest_marker(t) for t in TIERS)]
    if untiered:
        raise pytest.UsageError(f"each test needs one of the markers {', '.join(TIERS)}: "
                                f"{', '.join(untiered[:10])}")
    for item in items:
        # `make test` runs the rest while the model trains (Makefile, test).
        if tier(item) > 0 or "trained_agent" in item.fixturenames:
            item.add_marker(pytest.mark.model)
        if tier(item) == 1:
            item.add_marker(pytest.mark.xdist_group("shared-stack"))
        elif tier(item) == 2 and not item.get_closest_marker("xdist_group"):
            # A module may name its group, to share a session fixture with another.
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    # Unit tests first: they run while the shared stack boots in the background.
    items.sort(key=tier)


def pytest_collection_finish(session) -> None:
    # The shared assistant takes about 20 s to start: boot it while the first
    # tests run, if any selected test needs it. Not in an xdist worker: every
    # worker collects every test, and only one of them will run the e2e tier.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any("stack" in getattr(item, "fixturenames", ()) for item in session.items):
        SharedStack.instance().start_in_background()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass
class Stack:
    """The shared running assistant: one Rasa server with every channel, one action server."""

    url: str
    fake: FakePlatforms  # the platforms' APIs, on loopback
    tracker_db: Path  # the SQLite conversation store the Rasa server writes
    bookings_url: str  # the bookings database the action server writes
    log_dir: Path  # both servers' logs
    # The staff inbox (handoff/): its database, shared by both servers, and the key both
    # use to name conversations (actions.storage.hash_sender_id).
    handoff_url: str = ""
    sender_hash_key_file: Optional[Path] = None

    def patient(self, prefix: str = "test") -> Patient:
        return Patient(self.url, sender=f"{prefix}-{uuid.uuid4()}")

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.log_dir.glob("*.log"))


class SharedStack:
    """Starts the shared assistant once per session, in a background thread."""

    _instance: Optional["SharedStack"] = None

    @classmethod
    def instance(cls) -> "SharedStack":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        self._thread: Optional[threading.Thread] = None
        self._exit = ExitStack()
        self._stack: Optional[Stack] = None
        self._error: Optional[BaseException] = None

    def start_in_background(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._start, name="shared-stack", daemon=True)
            self._thread.start()

    def _start(self) -> None:
        try:
            work = ARTIFACTS / f"stack-{uuid.uuid4().hex[:8]}"
            work.mkdir(parents=True)
            fake = self._exit.enter_context(FakePlatforms())
            bookings_url = f"sqlite:///{work / 'bookings.db'}"
            handoff = {
                "HANDOFF_DATABASE_URL": f"sqlite:///{work / 'handoff.db'}",
                "SENDER_HASH_KEY_FILE": str(work / "sender-hash.key"),
                # No staff on duty, ever: asking for a person always gets the callback
                # offer, whatever the time of day (tests/handoff_helpers.py explains).
                "CLINIC_FILE": str(clinic_without_staff_hours(work / "clinic.yml")),
            }
            action_url = self._exit.enter_context(action_server(work, env={
                "BOOKINGS_DATABASE_URL": bookings_url, **handoff}))
            tracker_db = work / "conversations.db"
            url = self._exit.enter_context(rasa_server(
                work, action_url,
                credentials={**channel_credentials(fake), "handoff.inbox.StaffInboxInput": {}},
                env={"TRACKER_STORE_URL": f"sqlite:///{tracker_db}", "HANDOFF_CHECK_SECONDS": "1",
                     **handoff}))
            self._stack = Stack(url, fake, tracker_db, bookings_url, work,
                                handoff["HANDOFF_DATABASE_URL"], work / "sender-hash.key")
        except BaseException as error:  # reported to the tests that need it
            self._error = error

    def wait(self) -> Stack:
        self.start_in_background()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._stack

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._exit.close()


@pytest.fixture(scope="session")
def stack(artifacts: Path) -> Iterator[Stack]:
    shared = SharedStack.instance()
    try:
        yield shared.wait()
    finally:
        shared.close()


@pytest.fixture
def patient(stack: Stack) -> Patient:
    return stack.patient()


# ---------------------------------------------------------------------------
# Throwaway PostgreSQL and Redis: one of each per session
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[str]:
    """URL of the session's PostgreSQL 15 server (its default database)."""
    if find_postgres_bin() is None:
        unavailable(NOT_INSTALLED)
    try:
        with running_postgres() as url:
            yield url
    except PostgresUnavailable as problem:
        unavailable(f"PostgreSQL could not be started: {problem}")


@pytest.fixture(scope="module")
def postgres_server(postgres_cluster: str) -> str:
    """A fresh, empty database for one test module."""
    return create_database(postgres_cluster)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    try:
        with running_redis() as url:
            yield url
    except RedisUnavailable as problem:
        unavailable(str(problem))


@pytest.fixture(scope="session")
def replicas(artifacts: Path, postgres_cluster: str, redis_url: str) -> Iterator[Replicas]:
    """Two Rasa replicas sharing PostgreSQL and Redis (tests/replicas.py), started once
    for the modules in the xdist group "replicas"."""
    with two_replicas(artifacts, postgres_cluster, redis_url) as deployment:
        yield deployment


@pytest.fixture(scope="session")
def deployed(tmp_path_factory, artifacts: Path) -> Iterator[Deployment]:
    """`make run` as a clinic starts it (tests/make_run_deployment.py), started once
    for the modules in the xdist group "make-run"."""
    with made_run(tmp_path_factory.mktemp("make-run"), artifacts) as deployment:
        yield deployment


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from Debian, driven by Playwright (never a downloaded browser).

    Per module: while Playwright's sync API runs, the main thread has a running
    event loop, and later tests' asyncio.run() would refuse to start."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


# ---------------------------------------------------------------------------
# The trained model, loaded in this process
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def trained_agent():
    """The model `make train` built, loaded as the Rasa server loads it, with
    rasa_plugins/server_patches.py (no servers: for NLU and story checks). The
    patches change no result; they halve the time of a parse."""
    import logging

    import structlog
    from rasa.core.agent import Agent

    from rasa_plugins import server_patches

    # Unconfigured, structlog prints Rasa's debug events, message texts among them, into
    # the test output (held-out texts must stay unread); the servers log at INFO too.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    server_patches.apply()
    if os.environ.get(WHILE_THE_MODEL_TRAINS):
        pytest.fail("this test needs the trained model: mark it `model` (pytest.ini)")
    return Agent.load(str(MODEL))


@pytest.fixture(scope="session")
def typos():
    """The repository's spaCy pipeline, built in this process, with the typo check
    (spacy_pipeline/typos.py): the condition entities without a trained model."""
    from tests.condition_dev2_score import make_typos

    return make_typos()


# ---------------------------------------------------------------------------
# The clinic file
# ---------------------------------------------------------------------------
@pytest.fixture
def clinic_file(monkeypatch, tmp_path):
    """Point the actions at an edited copy of the sample clinic."""
    def write(change):
        content = yaml_files.safe_load(clinic_config.DEFAULT_CLINIC_FILE.read_text())
        change(content)
        path = tmp_path / "clinic.yml"
        path.write_text(yaml.safe_dump(content))
        monkeypatch.setenv("CLINIC_FILE", str(path))
        clinic_config.load_clinic.cache_clear()
    yield write
    clinic_config.load_clinic.cache_clear()
