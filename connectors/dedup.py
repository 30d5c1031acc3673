"""Which platform deliveries were already received, so a repeated one is answered once.

Messaging platforms deliver "at least once": Slack retries an event it thinks
failed (X-Slack-Retry-Num), and Messenger, Telegram and Twilio can send the same
message again. Each delivery carries the platform's own id (Slack's event_id,
Messenger's message mid, Telegram's update_id, Twilio's MessageSid); the first
delivery of an id is answered and any later one is dropped. A Slack retry of an
event that never reached the server has an id not seen yet, so it is answered.

Where the ids are kept, so that replicas agree:
- LOCK_STORE_URL set (the Redis replicas need anyway): in that Redis;
- else, with TRACKER_STORE_URL on PostgreSQL: in a table of that database;
- else (the embedded default: SQLite, one process): in this process's memory.
  A restart forgets them, and a second process would not see them.

Each id is kept for KEEP_SECONDS, longer than any platform keeps retrying. Ids
name deliveries, not people, and no message content is kept. If the store
cannot be reached the message is answered: a rare duplicate answer is better
than a lost patient message.
"""
import asyncio
import logging
import os
import threading
import time
from collections import OrderedDict
from typing import Callable, Optional

logger = logging.getLogger(__name__)

KEEP_SECONDS = 48 * 3600
KEY_PREFIX = "botoxclinic:delivery:"


class SeenInProcess:
    """Ids kept in memory: the embedded default (one process)."""

    where = "in this process only"

    def __init__(self, keep_seconds: float = KEEP_SECONDS, max_ids: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.keep_seconds = keep_seconds
        self.max_ids = max_ids
        self._clock = clock
        self._expires: "OrderedDict[str, float]" = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def first_time(self, delivery: str) -> bool:
        now = self._clock()
        with self._lock:
            while self._expires and next(iter(self._expires.values())) <= now:
                self._expires.popitem(last=False)
            if delivery in self._expires:
                return False
            self._expires[delivery] = now + self.keep_seconds
            while len(self._expires) > self.max_ids:  # bound memory
                self._expires.popitem(last=False)
            return True


class SeenInRedis:
    """Ids kept in Redis with an expiry, shared by every replica (SET NX is atomic)."""

    where = "in Redis, shared by every replica"

    def __init__(self, redis_url: str, keep_seconds: float = KEEP_SECONDS) -> None:
        import redis

        self.keep_seconds = int(keep_seconds)
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)

    def first_time(self, delivery: str) -> bool:
        return bool(self._redis.set(KEY_PREFIX + delivery, b"1", nx=True, ex=self.keep_seconds))


class SeenInDatabase:
    """Ids kept in a table of the conversations' SQL database, shared by every replica.

    The id is the primary key, so of two replicas inserting it at once, one fails.
    Expired ids are deleted as new ones come in.
    """

    where = "in the conversations database, shared by every replica"
    PURGE_EVERY = 500  # deliveries between deletions of every expired id

    def __init__(self, url, keep_seconds: float = KEEP_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        import sqlalchemy as sa

        self.keep_seconds = keep_seconds
        self._clock = clock
        self._sa = sa
        url = sa.engine.make_url(url)
        # Fail fast when the server is unreachable: the platform waits for our answer.
        connect_args = {"connect_timeout": 5} if url.get_driver_name() == "psycopg2" else {}
        # hide_parameters: errors would otherwise quote the values.
        self._engine = sa.create_engine(url, future=True, hide_parameters=True, pool_pre_ping=True,
                                        connect_args=connect_args)
        self._table = sa.Table(
            "seen_deliveries", sa.MetaData(),
            sa.Column("delivery", sa.String(255), primary_key=True),
            sa.Column("expires_at", sa.Float, nullable=False, index=True),
        )
        self._schema_ready = False
        self._count = 0
        self._lock = threading.Lock()

    def first_time(self, delivery: str) -> bool:
        sa, table = self._sa, self._table
        if not self._schema_ready:
            try:
                table.metadata.create_all(self._engine, checkfirst=True)
            except sa.exc.DatabaseError:  # another replica created it at the same moment
                if not sa.inspect(self._engine).has_table(table.name):
                    raise
            self._schema_ready = True
        now = self._clock()
        with self._lock:
            self._count += 1
            purge_all = self._count % self.PURGE_EVERY == 1
        with self._engine.begin() as connection:
            expired = table.c.expires_at <= now
            connection.execute(table.delete().where(
                expired if purge_all else sa.and_(table.c.delivery == delivery, expired)))
        try:
            with self._engine.begin() as connection:
                connection.execute(table.insert().values(delivery=delivery,
                                                         expires_at=now + self.keep_seconds))
        except sa.exc.IntegrityError:
            return False
        return True


def store_kind(environ=None) -> str:
    """Where the ids are kept ("redis", "database" or "process"), from the environment."""
    from common.paths import tracker_store_url

    environ = os.environ if environ is None else environ
    if (environ.get("LOCK_STORE_URL") or "").strip():
        return "redis"
    return "process" if tracker_store_url(environ).get_backend_name() == "sqlite" else "database"


def store_from_environment(environ=None):
    """Redis with LOCK_STORE_URL, else PostgreSQL from TRACKER_STORE_URL, else in process."""
    from common.paths import tracker_store_url

    environ = os.environ if environ is None else environ
    kind = store_kind(environ)
    if kind == "redis":
        return SeenInRedis(environ["LOCK_STORE_URL"].strip())
    if kind == "database":
        return SeenInDatabase(tracker_store_url(environ))
    return SeenInProcess()


_store = None
_store_lock = threading.Lock()


def seen_deliveries():
    """This process's store of delivery ids, chosen once from the environment."""
    global _store
    with _store_lock:
        if _store is None:
            _store = store_from_environment()
            logger.info("Delivery ids for de-duplication are kept %s", _store.where)
        return _store


async def first_delivery(channel: str, delivery_id: Optional[str]) -> bool:
    """Whether this is the first delivery of `delivery_id` on `channel` (True without an id)."""
    if not delivery_id:
        return True
    key = f"{channel}:{delivery_id}"
    try:
        store = seen_deliveries()
        if isinstance(store, SeenInProcess):
            return store.first_time(key)
        return await asyncio.to_thread(store.first_time, key)
    except Exception as error:  # an unreachable store never costs a patient's message
        logger.error("%s: could not check for a repeated delivery (%s); answering it",
                     channel, type(error).__name__)
        return True
