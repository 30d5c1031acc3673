"""Processes the benchmark starts: rasa train / test, Redis, the action server and
Rasa servers. Everything binds to 127.0.0.1 on a free port and is stopped on exit."""
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

from common.paths import ROOT
from local_services.processes import base_env, free_port, stop, wait_until_up
from local_services.redis import RedisUnavailable, running_redis

BIN = Path(sys.executable).parent
RASA = str(BIN / "rasa")
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
# The REST channel apologises after BOT_RESPONSE_TIMEOUT_SECONDS (10 s in production).
# Under load the slow config would then be measured as "fast apologies"; a long
# timeout makes latency the real time to the real answer.
BENCH_RESPONSE_TIMEOUT = "300"


def run_logged(command: List[str], log: Path, env: Dict[str, str], timeout: float) -> float:
    """Runs a command from the project root, output to `log`; returns wall-clock seconds."""
    started = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, timeout=timeout)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                           f"{log.read_text(errors='replace')[-3000:]}")
    return elapsed


def train(config: Path, out_dir: Path, name: str, log: Path) -> float:
    """Trains into out_dir/name.tar.gz; returns training wall-clock seconds.

    A fresh, empty training cache: Rasa otherwise reuses components trained by
    `make train` from .rasa/cache and the training time would measure the cache."""
    cache = out_dir / f"cache-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    env = base_env({"RASA_CACHE_DIRECTORY": str(cache)})
    seconds = run_logged([RASA, "train", "--config", str(config), "--domain", "domain.yml",
                          "--data", "data", "--out", str(out_dir), "--fixed-model-name", name],
                         log, env, timeout=4 * 3600)
    shutil.rmtree(cache, ignore_errors=True)  # it can be hundreds of MB
    return seconds


def test_nlu(model: Path, out_dir: Path, log: Path) -> Dict[str, float]:
    """Intent accuracy and macro-F1 on the held-out NLU file."""
    run_logged([RASA, "test", "nlu", "--model", str(model), "--nlu", str(HOLDOUT),
                "--out", str(out_dir), "--no-plot"], log, base_env(), timeout=3600)
    report = json.loads((out_dir / "intent_report.json").read_text())
    return {"accuracy": report["accuracy"],
            "macro_f1": report["macro avg"]["f1-score"],
            "weighted_f1": report["weighted avg"]["f1-score"]}


def rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (KiB)."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Field 4 of /proc/<pid>/stat is the parent; the name may contain spaces.
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


@contextmanager
def redis_server() -> Iterator[Optional[str]]:
    """A throwaway Redis on loopback; yields its URL, or None if there is none."""
    try:
        with running_redis() as url:
            yield url
    except RedisUnavailable:
        yield None


@contextmanager
def action_server(log_dir: Path) -> Iterator[str]:
    """The project's action server; yields its webhook URL."""
    port = free_port()
    log = log_dir / f"action-server-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen([RASA, "run", "actions", "--port", str(port)], cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   env=base_env({"SANIC_HOST": "127.0.0.1"}))
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, timeout=120)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop(process)


class RasaServer:
    """One `rasa run` process. `startup_seconds` is the time from launch until the
    first POST to the REST webhook got a bot answer."""

    def __init__(self, process: subprocess.Popen, url: str, startup_seconds: float) -> None:
        self.process = process
        self.url = url
        self.startup_seconds = startup_seconds

    def rss_kib(self) -> int:
        return rss_kib(self.process.pid)


def _first_answer(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rasa run exited early:\n{log.read_text()[-3000:]}")
        try:
            reply = requests.post(f"{url}/webhooks/rest/webhook", timeout=60,
                                  json={"sender": "bench-startup", "message": "hello"})
            if reply.status_code == 200 and reply.json():
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} gave no answer after {timeout}s:\n{log.read_text()[-3000:]}")


@contextmanager
def rasa_server(model: Path, log_dir: Path, name: str, action_url: str,
                tracker_url: str, lock_url: Optional[str]) -> Iterator[RasaServer]:
    port = free_port()
    log = log_dir / f"rasa-{name}-{port}.log"
    env = base_env({"ACTION_ENDPOINT_URL": action_url, "TRACKER_STORE_URL": tracker_url,
                    "BOT_RESPONSE_TIMEOUT_SECONDS": BENCH_RESPONSE_TIMEOUT})
    env.pop("LOCK_STORE_URL", None)
    if lock_url:
        env["LOCK_STORE_URL"] = lock_url
    endpoints = log_dir / f"endpoints-{name}-{port}.yml"
    subprocess.run([str(BIN / "python"), "-m", "deploy.endpoints", str(endpoints)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [RASA, "run", "--model", str(model), "--interface", "127.0.0.1",
             "--port", str(port), "--credentials", "credentials.yml",
             "--endpoints", str(endpoints)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        _first_answer(url, process, log, timeout=600)
        yield RasaServer(process, url, time.perf_counter() - started)
    finally:
        stop(process)


def sqlite_url(path: Path) -> str:
    """A fresh SQLite tracker store file."""
    if path.exists():
        os.remove(path)
    return f"sqlite:///{path}"
