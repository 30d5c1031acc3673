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
PYTHON = str(BIN / "python")
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


def _children() -> Dict[int, List[int]]:
    """Every process's children, from /proc."""
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
    return children


def descendant_with(pid: int, argument: str) -> Optional[int]:
    """The first descendant of `pid` whose command line has `argument` in it."""
    children, todo = _children(), [pid]
    while todo:
        current = todo.pop(0)
        try:
            arguments = Path(f"/proc/{current}/cmdline").read_bytes().split(b"\0")
        except OSError:
            arguments = []
        if current != pid and argument.encode() in arguments:
            return current
        todo.extend(children.get(current, []))
    return None


def _tree(pid: int) -> List[int]:
    """`pid` and all its descendants."""
    children, todo, found = _children(), [pid], []
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants: what
    a server spent, whatever else the shared machine was doing meanwhile."""
    ticks = 0
    for current in _tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (KiB)."""
    children = _children()
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
    """A running Rasa server. `startup_seconds` is the time from launch until the
    first POST to the REST webhook got a bot answer; `pid` is the Rasa server's
    own process (with run-assistant, not the script's nor the action server's)."""

    def __init__(self, process: subprocess.Popen, url: str, startup_seconds: float,
                 pid: int) -> None:
        self.process = process
        self.url = url
        self.startup_seconds = startup_seconds
        self.pid = pid

    def rss_kib(self) -> int:
        """The Rasa server's resident memory, its worker processes included."""
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        """The Rasa server's CPU time so far, its worker processes included."""
        return cpu_seconds(self.pid)


def _first_answer(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-3000:]}")
        try:
            reply = requests.post(f"{url}/webhooks/rest/webhook", timeout=60,
                                  json={"sender": "bench-startup", "message": "hello"})
            if reply.status_code == 200 and reply.json():
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} gave no answer after {timeout}s:\n{log.read_text()[-3000:]}")


def _bench_env(work: Path, name: str, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of a served config: its own fresh databases in the work
    directory (never the worktree's var/), no channel secrets, no Redis unless given."""
    env = base_env({"TRACKER_STORE_URL": sqlite_url(work / f"conversations-{name}.db"),
                    "BOOKINGS_DATABASE_URL": sqlite_url(work / f"bookings-{name}.db"),
                    "SENDER_HASH_KEY": "bench-only-key",
                    "BOT_RESPONSE_TIMEOUT_SECONDS": BENCH_RESPONSE_TIMEOUT})
    for key in list(env):
        if key in ("LOCK_STORE_URL", "SANIC_WORKERS", "ACTION_ENDPOINT_URL") or key.startswith(
                ("TWILIO_", "FACEBOOK_", "TELEGRAM_", "SLACK_")):
            del env[key]
    env.update(extra or {})
    return env


@contextmanager
def _serving(command: List[str], env: Dict[str, str], url: str, log: Path,
             rasa_argument: Optional[str] = None, root: Path = ROOT) -> Iterator[RasaServer]:
    """Starts `command` in `root`, waits for the first answer at `url`, stops it on
    exit. `rasa_argument` names the Rasa server among the command's descendants."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                   env=env)
    try:
        _first_answer(url, process, log, timeout=600)
        startup = time.perf_counter() - started
        pid = descendant_with(process.pid, rasa_argument) if rasa_argument else process.pid
        yield RasaServer(process, url, startup, pid or process.pid)
    finally:
        stop(process)


@contextmanager
def assistant(model: Path, work: Path, name: str, extra_env: Optional[Dict[str, str]] = None,
              root: Path = ROOT) -> Iterator[RasaServer]:
    """The assistant exactly as `make run` starts it: deploy/run-assistant, which
    starts its own action server and the Rasa server through deploy/rasa_server.py
    with the project's channels and endpoints (SQLite conversations; in-process
    locks unless LOCK_STORE_URL is in `extra_env`). `root`: another checkout of
    the project to run instead of this one (bench/compare.py)."""
    rasa_port, action_port = free_port(), free_port()
    env = _bench_env(work, name, {"RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
                                  "RUN_ASSISTANT_VAR_DIR": str(work / f"var-{name}"),
                                  **(extra_env or {})})
    with _serving([str(root / "deploy" / "run-assistant"), str(model)], env,
                  f"http://127.0.0.1:{rasa_port}", work / f"assistant-{name}-{rasa_port}.log",
                  rasa_argument="deploy.rasa_server", root=root) as server:
        yield server


@contextmanager
def project_server(model: Path, work: Path, name: str, action_url: str,
                   extra_env: Optional[Dict[str, str]] = None) -> Iterator[RasaServer]:
    """Only the Rasa server of `make run` (deploy/rasa_server.py, the project's
    channels and endpoints), using an action server started elsewhere: for
    replicas that share one."""
    port = free_port()
    env = _bench_env(work, name, {"ACTION_ENDPOINT_URL": action_url, **(extra_env or {})})
    var = work / f"var-{name}-{port}"
    var.mkdir(parents=True)
    for writer, path in (("deploy.credentials", var / "credentials.yml"),
                         ("deploy.endpoints", var / "endpoints.yml")):
        subprocess.run([PYTHON, "-m", writer, str(path)], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    command = [PYTHON, "-m", "deploy.rasa_server", "run", "--model", str(model),
               "--interface", "127.0.0.1", "--port", str(port),
               "--credentials", str(var / "credentials.yml"),
               "--endpoints", str(var / "endpoints.yml")]
    with _serving(command, env, f"http://127.0.0.1:{port}",
                  work / f"rasa-{name}-{port}.log") as server:
        yield server


# What `rasa init` writes: the stock REST channel, and an endpoints file with only
# the action server, so Rasa uses its own defaults (in-memory tracker store,
# in-process locks).
STOCK_CREDENTIALS = "rest:\n"


@contextmanager
def stock_rasa_server(model: Path, work: Path, name: str,
                      action_url: str) -> Iterator[RasaServer]:
    """A model served as a user trying Rasa would: plain `rasa run`, the stock REST
    channel, Rasa's own default stores."""
    port = free_port()
    credentials, endpoints = (work / f"{kind}-{name}-{port}.yml"
                              for kind in ("credentials", "endpoints"))
    credentials.write_text(STOCK_CREDENTIALS)
    endpoints.write_text(f"action_endpoint:\n  url: {action_url}\n")
    command = [RASA, "run", "--model", str(model), "--interface", "127.0.0.1",
               "--port", str(port), "--credentials", str(credentials),
               "--endpoints", str(endpoints)]
    with _serving(command, _bench_env(work, name), f"http://127.0.0.1:{port}",
                  work / f"rasa-{name}-{port}.log") as server:
        yield server


def sqlite_url(path: Path) -> str:
    """A fresh SQLite tracker store file."""
    if path.exists():
        os.remove(path)
    return f"sqlite:///{path}"
