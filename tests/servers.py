"""The real action server and Rasa server, started on loopback for the tests.

Both are started the way deploy/run-assistant starts them: rasa-sdk's own entry
point for the actions, and deploy/rasa_server.py for Rasa.
"""
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests
import yaml

from common.paths import ROOT
from local_services.processes import base_env, free_port, stop, wait_until_up

BIN = Path(sys.executable).parent
PYTHON = str(BIN / "python")
MODEL = ROOT / "models" / "assistant.tar.gz"


def action_server_command(port: int) -> List[str]:
    return [PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]


def rasa_server_command(port: int, endpoints: Path, credentials: Path, *extra: str) -> List[str]:
    return [PYTHON, "-m", "deploy.rasa_server", "run", "--model", str(MODEL),
            "--interface", "127.0.0.1", "--port", str(port),
            "--credentials", str(credentials), "--endpoints", str(endpoints), *extra]


def write_endpoints(path: Path, env: Dict[str, str]) -> None:
    """Rasa's endpoints file from `env`, written by deploy/endpoints.py as `make run` does."""
    subprocess.run([PYTHON, "-m", "deploy.endpoints", str(path)], cwd=ROOT, env=env,
                   check=True, capture_output=True)


@contextmanager
def action_server(log_dir: Path, env: Optional[Dict[str, str]] = None) -> Iterator[str]:
    """Yields the action server's webhook URL."""
    port = free_port()
    log = log_dir / f"action-server-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            action_server_command(port), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env=base_env({"SANIC_HOST": "127.0.0.1", **(env or {})}))
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, timeout=90)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop(process)


@contextmanager
def rasa_server(
    log_dir: Path,
    action_url: str,
    credentials: Optional[Dict[str, Any]] = None,
    env: Optional[Dict[str, str]] = None,
) -> Iterator[str]:
    """Yields the Rasa server's base URL. Channels from `credentials` (default: the
    repository's credentials.yml: REST, the widget and the staff inbox); conversations
    go to TRACKER_STORE_URL from `env`, or to log_dir/conversations-<port>.db, and the
    staff inbox's data to HANDOFF_DATABASE_URL, or log_dir/handoff-<port>.db."""
    port = free_port()
    log = log_dir / f"rasa-server-{port}.log"
    server_env = base_env({"ACTION_ENDPOINT_URL": action_url,
                           "TRACKER_STORE_URL": f"sqlite:///{log_dir / f'conversations-{port}.db'}",
                           # The staff inbox's database (handoff/), never the repository's var/.
                           "HANDOFF_DATABASE_URL": f"sqlite:///{log_dir / f'handoff-{port}.db'}",
                           **(env or {})})
    endpoints_file = log_dir / f"endpoints-{port}.yml"
    write_endpoints(endpoints_file, server_env)
    credentials_file = ROOT / "credentials.yml"
    if credentials is not None:
        credentials_file = log_dir / f"credentials-{port}.yml"
        credentials_file.write_text(yaml.safe_dump(credentials))
    with log.open("w") as out:
        process = subprocess.Popen(rasa_server_command(port, endpoints_file, credentials_file),
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=server_env)
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
