"""Secret keys kept in files under var/ when the environment gives none."""
import os
import secrets
import time
from pathlib import Path


def read_or_create_key_file(path: Path) -> bytes:
    """The key in `path`; on first use a random one, readable by its owner only.

    O_EXCL: if two processes start at once, only one writes a key and the other
    reads it (waiting briefly while it is still being written).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return _wait_for_key(path)
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(secrets.token_hex(32))
    return _wait_for_key(path)


def _wait_for_key(path: Path) -> bytes:
    for _ in range(50):
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key.encode("ascii")
        time.sleep(0.1)
    raise OSError(f"key file {path} is empty")
