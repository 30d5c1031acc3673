"""Pseudonyms for conversation ids, for booking rows and logs.

On SMS a conversation id is a phone number, so it never goes into a log or a
staff table as it is: a keyed HMAC stands in for it. A plain hash would not do:
there are few enough phone numbers to hash them all and look the result up.
"""
import hashlib
import hmac
import os
import threading
from pathlib import Path
from typing import Dict

from common.key_files import read_or_create_key_file
from common.paths import VAR

SENDER_HASH_KEY_ENV = "SENDER_HASH_KEY"
SENDER_HASH_KEY_FILE_ENV = "SENDER_HASH_KEY_FILE"
DEFAULT_SENDER_HASH_KEY_FILE = VAR / "sender-hash.key"
LOG_PSEUDONYM_LENGTH = 12


def hash_sender_id(sender_id: str) -> str:
    """Keyed HMAC-SHA256 hex of a conversation id: staff can't read it, duplicates
    still match.

    A plain hash would not do: on SMS the conversation id is a phone number, and
    there are few enough of those to hash them all and look the result up.
    """
    key = sender_hash_key()
    return hmac.new(key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()


_sender_hash_keys: Dict[str, bytes] = {}
_sender_hash_keys_lock = threading.Lock()


def sender_hash_key() -> bytes:
    """The secret for `hash_sender_id`: SENDER_HASH_KEY, or a per-install key file.

    Without SENDER_HASH_KEY a random key is generated once and kept in
    var/sender-hash.key (SENDER_HASH_KEY_FILE overrides the path), readable by its
    owner only: anyone who can read it can brute-force phone numbers again. It must
    stay the same across restarts, or a retried booking would no longer match its
    first copy; several servers sharing one database must share SENDER_HASH_KEY.
    """
    secret = os.environ.get(SENDER_HASH_KEY_ENV)
    if secret:
        return secret.encode("utf-8")
    path = Path(os.environ.get(SENDER_HASH_KEY_FILE_ENV) or DEFAULT_SENDER_HASH_KEY_FILE)
    with _sender_hash_keys_lock:
        if str(path) not in _sender_hash_keys:
            _sender_hash_keys[str(path)] = read_or_create_key_file(path)
        return _sender_hash_keys[str(path)]


def log_pseudonym(sender_id: str) -> str:
    """A short pseudonym for logs: staff with the key can match it, nobody else."""
    return "s-" + hash_sender_id(sender_id)[:LOG_PSEUDONYM_LENGTH]
