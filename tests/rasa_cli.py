"""Runs Rasa's own command line from tests, the way a developer would."""
import subprocess
import sys
from pathlib import Path
from typing import List

from tests.servers import MODEL, ROOT, base_env

RASA = str(Path(sys.executable).parent / "rasa")


def rasa(args: List[str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RASA, *args], cwd=ROOT, env=base_env(), capture_output=True, text=True,
        timeout=timeout,
    )


__all__ = ["rasa", "MODEL", "ROOT"]
