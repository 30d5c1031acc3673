"""The Redis lock store hands out each ticket once, even to concurrent processes.

Rasa's own RedisLockStore reads, changes and writes the lock without atomicity,
so replicas racing on one conversation can get the same ticket and run two turns
at once (and the tracker store then drops one of them).
"""
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from urllib.parse import urlsplit

from conversation_locks import AtomicRedisLockStore
from tests.redis import running_redis

ISSUERS = 8
TICKETS_EACH = 25


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


def atomic_store(url: str) -> AtomicRedisLockStore:
    parsed = urlsplit(url)
    return AtomicRedisLockStore(EndpointConfig(url=parsed.hostname, port=parsed.port, db=1,
                                               key_prefix="locktest"))


def plain_store(url: str) -> RedisLockStore:
    parsed = urlsplit(url)
    return RedisLockStore(host=parsed.hostname, port=parsed.port, db=1, key_prefix="locktest")


def tickets_issued_concurrently(make_store, conversation: str) -> list:
    # One store (one Redis connection pool) per issuer, like separate replicas.
    stores = [make_store() for _ in range(ISSUERS)]

    def issue(store):
        return [store.issue_ticket(conversation) for _ in range(TICKETS_EACH)]

    with ThreadPoolExecutor(ISSUERS) as pool:
        return [ticket for batch in pool.map(issue, stores) for ticket in batch]


def test_concurrent_issuers_never_share_a_ticket(redis_url):
    tickets = tickets_issued_concurrently(lambda: atomic_store(redis_url), "atomic-conversation")
    assert len(tickets) == ISSUERS * TICKETS_EACH
    assert len(set(tickets)) == len(tickets)


def test_rasas_plain_redis_lock_store_does_share_tickets(redis_url):
    # The race the atomic store fixes; it shows this test setup can catch it.
    duplicated = 0
    for attempt in range(5):
        tickets = tickets_issued_concurrently(lambda: plain_store(redis_url), f"plain-{attempt}")
        duplicated = len(tickets) - len(set(tickets))
        if duplicated:
            break
    assert duplicated > 0


def test_a_turn_waits_for_the_ticket_before_it(redis_url):
    import asyncio

    store = atomic_store(redis_url)

    async def scenario():
        order = []

        async def turn(name, hold):
            async with store.lock("waiting-conversation", wait_time_in_seconds=0.05):
                order.append(f"{name} start")
                await asyncio.sleep(hold)
                order.append(f"{name} end")

        first = asyncio.create_task(turn("first", 0.3))
        await asyncio.sleep(0.05)
        await turn("second", 0)
        await first
        return order

    assert asyncio.run(scenario()) == ["first start", "first end", "second start", "second end"]
