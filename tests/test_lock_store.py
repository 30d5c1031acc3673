"""The Redis lock store hands out each ticket once, even to concurrent processes.

Rasa's own RedisLockStore reads, changes and writes the lock without atomicity,
so replicas racing on one conversation can get the same ticket and run two turns
at once (and the tracker store then drops one of them).
"""
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins.lock_store import AtomicRedisLockStore

pytestmark = pytest.mark.system

ISSUERS = 8
TICKETS_EACH = 25


def atomic_store(url: str) -> AtomicRedisLockStore:
    parsed = urlsplit(url)
    return AtomicRedisLockStore(EndpointConfig(url=parsed.hostname, port=parsed.port, db=1,
                                               key_prefix="locktest"))


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
