"""Where the project's files and databases are, resolved from the repository root."""
import os
from pathlib import Path
from typing import Mapping, Optional

from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"  # generated files and the embedded databases, never committed

DEFAULT_TRACKER_STORE_URL = f"sqlite:///{VAR / 'conversations.db'}"


def tracker_store_url(env: Optional[Mapping[str, str]] = None) -> URL:
    """TRACKER_STORE_URL, or the embedded SQLite file; a relative SQLite path is
    taken from the repository root, as the Rasa server (started there) reads it."""
    env = os.environ if env is None else env
    url = make_url(env.get("TRACKER_STORE_URL") or DEFAULT_TRACKER_STORE_URL)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_absolute():
        url = url.set(database=str(ROOT / url.database))
    return url
