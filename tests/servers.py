"""Starts the real action server and Rasa server on loopback for end-to-end tests."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "assistant.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not up after {timeout}s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})
    env.update(extra or {})
    return env


@contextmanager
def action_server(log_dir: Path, env: Optional[Dict[str, str]] = None) -> Iterator[str]:
    """Yields the action server's webhook URL."""
    port = free_port()
    log = log_dir / f"action-server-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "rasa"), "run", "actions", "--port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env=base_env({"SANIC_HOST": "127.0.0.1", **(env or {})}),
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, timeout=90)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop(process)


@contextmanager
def rasa_server(
    log_dir: Path,
    action_url: str,
    extra_args: Optional[List[str]] = None,
    env: Optional[Dict[str, str]] = None,
) -> Iterator[str]:
    """Yields the Rasa server's base URL. Conversations go to TRACKER_STORE_URL from
    `env`, or to a fresh SQLite file in log_dir."""
    port = free_port()
    log = log_dir / f"rasa-server-{port}.log"
    server_env = base_env({"ACTION_ENDPOINT_URL": action_url,
                           "TRACKER_STORE_URL": f"sqlite:///{log_dir / f'conversations-{port}.db'}",
                           **(env or {})})
    endpoints_file = log_dir / f"endpoints-{port}.yml"
    subprocess.run([str(BIN / "python"), "-m", "tools.endpoints", str(endpoints_file)],
                   cwd=ROOT, env=server_env, check=True, capture_output=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(BIN / "rasa"), "run", "--model", str(MODEL),
                "--interface", "127.0.0.1", "--port", str(port),
                "--credentials", "credentials.yml", "--endpoints", str(endpoints_file),
                *(extra_args or []),
            ],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env=server_env,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/webhooks/rest/", process, log, timeout=180)
        yield url
    finally:
        stop(process)


class Patient:
    """One conversation over the REST channel."""

    def __init__(self, base_url: str, sender: str) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = sender

    def say(self, text: str) -> List[dict]:
        reply = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def say_text(self, text: str) -> str:
        return "\n".join(m.get("text") or "" for m in self.say(text))
