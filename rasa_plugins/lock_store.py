"""Rasa's Redis lock store, made safe for several Rasa processes at once.

Selected in the endpoints file (deploy/endpoints.py) as
`type: rasa_plugins.lock_store.AtomicRedisLockStore` whenever LOCK_STORE_URL is set.

Rasa keeps one "ticket lock" per conversation in Redis and changes it by reading
it, changing it in Python and writing it back. Two replicas receiving a message
of the same conversation at the same moment can both read "no lock", both take
ticket 0 and both run their turn at once; the later tracker save then drops the
other turn's events (seen in tests/test_replicas.py). Here each of those
read-change-write steps holds a short Redis mutex for that conversation, so
tickets are handed out one at a time across all processes.
"""
import logging
from contextlib import contextmanager
from typing import Iterator, Text

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# Holding the mutex covers a few Redis round trips; these only bound a crash.
MUTEX_TIMEOUT_SECONDS = 10
MUTEX_WAIT_SECONDS = 10


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket updates are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds custom lock stores from their endpoint settings.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    @contextmanager
    def _mutex(self, conversation_id: Text) -> Iterator[None]:
        mutex = self.red.lock(f"{self.key_prefix}{conversation_id}:mutex",
                              timeout=MUTEX_TIMEOUT_SECONDS,
                              blocking_timeout=MUTEX_WAIT_SECONDS)
        with mutex:  # raises LockError if Redis never grants it; Rasa reports that
            yield

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
