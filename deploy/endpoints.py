"""Writes the endpoints file Rasa starts with, from the environment.

    python -m deploy.endpoints var/endpoints.yml

  ACTION_ENDPOINT_URL  the action server (default http://127.0.0.1:5055/webhook)
  TRACKER_STORE_URL    where conversations are kept, as an SQLAlchemy URL
                       (default sqlite:///var/conversations.db; PostgreSQL:
                       postgresql://user:password@host:5432/dbname)
  LOCK_STORE_URL       redis://[:password@]host:6379/1 - required before running
                       several Sanic workers or replicas; unset = in-process locks

The file may hold a database password, so it is written readable by its owner only.
"""
import os
import sys
from pathlib import Path
from typing import Any, Dict, Mapping
from urllib.parse import urlsplit

import yaml

from common.paths import VAR, tracker_store_url

DEFAULT_ACTION_ENDPOINT_URL = "http://127.0.0.1:5055/webhook"
# Rasa's SQL tracker store plus forget-me (see rasa_plugins/tracker_store.py).
TRACKER_STORE_TYPE = "rasa_plugins.tracker_store.ForgettingSQLTrackerStore"
# Rasa's response templates, in the conversation's language (see rasa_plugins/nlg.py).
NLG_TYPE = "rasa_plugins.nlg.LanguageResponseGenerator"


def tracker_store_config(env: Mapping[str, str]) -> Dict[str, Any]:
    """Rasa's SQL tracker store settings for TRACKER_STORE_URL in `env`."""
    parsed = tracker_store_url(env)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        path = Path(parsed.database or VAR / "conversations.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite", "db": str(path)}
    if dialect != "postgresql":
        raise ValueError(f"TRACKER_STORE_URL: unsupported database '{dialect}' (use sqlite or postgresql)")
    config: Dict[str, Any] = {"type": TRACKER_STORE_TYPE, "dialect": "postgresql",
                              "url": parsed.host or "localhost", "port": parsed.port or 5432,
                              "db": parsed.database or "rasa"}
    if parsed.username:
        config["username"] = parsed.username
    if parsed.password:
        config["password"] = parsed.password
    if parsed.query:
        config["query"] = dict(parsed.query)
    return config


def lock_store_config(url: str) -> Dict[str, Any]:
    """Rasa's Redis lock store settings for a redis:// URL."""
    parsed = urlsplit(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError("LOCK_STORE_URL must start with redis:// or rediss://")
    # Rasa's own "redis" type hands out tickets non-atomically (see rasa_plugins/lock_store.py).
    config: Dict[str, Any] = {"type": "rasa_plugins.lock_store.AtomicRedisLockStore",
                              "url": parsed.hostname or "localhost",
                              "port": parsed.port or 6379,
                              "db": int(parsed.path.strip("/") or 1),
                              "key_prefix": "botoxclinic"}
    if parsed.password:
        config["password"] = parsed.password
    if parsed.scheme == "rediss":
        config["use_ssl"] = True
    return config


def endpoints(env: Mapping[str, str]) -> Dict[str, Any]:
    config: Dict[str, Any] = {
        "action_endpoint": {"url": env.get("ACTION_ENDPOINT_URL") or DEFAULT_ACTION_ENDPOINT_URL},
        "tracker_store": tracker_store_config(env),
        "nlg": {"type": NLG_TYPE},
    }
    if env.get("LOCK_STORE_URL"):
        config["lock_store"] = lock_store_config(env["LOCK_STORE_URL"])
    return config


def describe(config: Mapping[str, Any]) -> str:
    """One line for the start-up output, without passwords."""
    tracker = config["tracker_store"]
    where = tracker["db"] if tracker["dialect"] == "sqlite" else f"postgresql://{tracker['url']}:{tracker['port']}/{tracker['db']}"
    lock = config.get("lock_store")
    locks = f"redis://{lock['url']}:{lock['port']}/{lock['db']}" if lock else "in-process"
    return f"Conversations: {where}; locks: {locks}"


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else VAR / "endpoints.yml"
    try:
        config = endpoints(os.environ)
    except ValueError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch(mode=0o600)
    os.chmod(target, 0o600)
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print(describe(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
