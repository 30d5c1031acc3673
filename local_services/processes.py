"""Starting and stopping the project's servers as child processes on loopback,
for the tests and the benchmark."""
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, Optional

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """This process's environment with telemetry and TensorFlow's chatter off."""
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})
    env.update(extra or {})
    return env


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Until GET `url` answers 200; raises with the log's end if the process exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not up after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
