"""The record of platform deliveries already received (connectors/dedup.py).

Each store is checked the way replicas use it: two store objects (two
processes' worth) on one Redis or one database, claiming the same ids, some at
the same moment. Redis and PostgreSQL are real (system tier); SQLite and memory
need no server. The channels' use of it, end to end: tests/test_channel_deliveries.py.
"""
import asyncio
import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List

import pytest
import redis
import sqlalchemy as sa

from connectors import dedup
from connectors.dedup import SeenInDatabase, SeenInProcess, SeenInRedis, store_from_environment

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def claims_at_once(stores: List, delivery: str, each: int = 4) -> List[bool]:
    """`each` claims of one id from every store, all at the same moment."""
    calls = [store.first_time for store in stores for _ in range(each)]
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda first_time: first_time(delivery), calls))


def check_shared_by_replicas(make_store: Callable[[], object]) -> None:
    one, two = make_store(), make_store()
    delivery = f"telegram:{uuid.uuid4().int % 10**9}"
    assert one.first_time(delivery)
    assert not two.first_time(delivery), "the other replica sees it"
    assert not one.first_time(delivery)
    assert two.first_time(f"slack:Ev{uuid.uuid4().hex[:10]}"), "another id is new"
    assert sum(claims_at_once([one, two], f"facebook:m_{uuid.uuid4().hex}")) == 1


# ---------------------------------------------------------------------------
# In process (the embedded default)
# ---------------------------------------------------------------------------
def test_in_process_an_id_is_new_once_until_it_expires():
    clock = Clock()
    seen = SeenInProcess(keep_seconds=60, clock=clock)
    assert seen.first_time("slack:Ev1") and not seen.first_time("slack:Ev1")
    assert seen.first_time("telegram:Ev1"), "ids are per channel"
    clock.now += 59
    assert not seen.first_time("slack:Ev1")
    clock.now += 1.5
    assert seen.first_time("slack:Ev1"), "expired: a delivery this late is a new one"


def test_in_process_memory_is_bounded():
    seen = SeenInProcess(max_ids=3, clock=Clock())
    for delivery in "abcd":
        assert seen.first_time(delivery)
    assert seen.first_time("a"), "the oldest was forgotten"
    assert not seen.first_time("d")


def test_in_process_claims_at_the_same_moment_are_one_first():
    assert sum(claims_at_once([SeenInProcess()], "twilio:SM1", each=16)) == 1


# ---------------------------------------------------------------------------
# SQL: an SQLite file here, PostgreSQL below
# ---------------------------------------------------------------------------
def test_database_ids_are_shared_and_expire(tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    clock = Clock(1_700_000_000)
    check_shared_by_replicas(lambda: SeenInDatabase(url, keep_seconds=60, clock=clock))
    one = SeenInDatabase(url, keep_seconds=60, clock=clock)
    assert one.first_time("twilio:SM-expiring")
    clock.now += 61
    assert SeenInDatabase(url, keep_seconds=60, clock=clock).first_time("twilio:SM-expiring")


def test_database_expired_ids_are_deleted(tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    clock = Clock(1_700_000_000)
    seen = SeenInDatabase(url, keep_seconds=60, clock=clock)
    for number in range(5):
        assert seen.first_time(f"telegram:{number}")
    clock.now += 120
    seen._count = 0  # the next claim sweeps every expired id
    assert seen.first_time("telegram:new")
    with sa.create_engine(url).connect() as connection:
        assert connection.execute(sa.text("SELECT delivery FROM seen_deliveries")).scalars().all() == [
            "telegram:new"]


@pytest.mark.system
def test_postgresql_ids_are_shared_by_replicas(postgres_server):
    check_shared_by_replicas(lambda: SeenInDatabase(postgres_server))


# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------
@pytest.mark.system
def test_redis_ids_are_shared_by_replicas_and_expire(redis_url):
    check_shared_by_replicas(lambda: SeenInRedis(redis_url))
    delivery = f"slack:Ev{uuid.uuid4().hex[:10]}"
    assert SeenInRedis(redis_url, keep_seconds=3600).first_time(delivery)
    ttl = redis.Redis.from_url(redis_url).ttl(dedup.KEY_PREFIX + delivery)
    assert 3590 <= ttl <= 3600


# ---------------------------------------------------------------------------
# Which store, and what happens when it fails
# ---------------------------------------------------------------------------
def test_the_store_follows_the_deployment(tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'conversations.db'}"
    assert isinstance(store_from_environment({"TRACKER_STORE_URL": sqlite_url}), SeenInProcess)
    assert isinstance(store_from_environment({}), SeenInProcess), "the embedded default"
    postgres = store_from_environment({"TRACKER_STORE_URL": "postgresql://u:p@db.example:5432/rasa"})
    assert isinstance(postgres, SeenInDatabase)
    with_redis = store_from_environment({"TRACKER_STORE_URL": "postgresql://u:p@db.example:5432/rasa",
                                         "LOCK_STORE_URL": "redis://redis.example:6379/1"})
    assert isinstance(with_redis, SeenInRedis), "Redis when replicas share one"


def test_an_unreachable_store_lets_the_message_through(monkeypatch, caplog):
    class Broken:
        def first_time(self, delivery: str) -> bool:
            raise redis.ConnectionError("refused")

    monkeypatch.setattr(dedup, "_store", Broken())
    assert asyncio.run(dedup.first_delivery("slack", "Ev1"))
    assert asyncio.run(dedup.first_delivery("slack", "Ev1")), "answered twice rather than lost"
    assert "ConnectionError" in caplog.text and "Ev1" not in caplog.text


def test_a_delivery_without_an_id_is_always_answered(monkeypatch):
    monkeypatch.setattr(dedup, "_store", SeenInProcess())
    assert all(asyncio.run(dedup.first_delivery("slack", None)) for _ in range(2))
    ids = itertools.repeat("Ev9", 2)
    assert [asyncio.run(dedup.first_delivery("slack", i)) for i in ids] == [True, False]
