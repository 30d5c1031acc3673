"""A throwaway Redis server for tests and the benchmark.

    with running_redis() as url:   # "redis://127.0.0.1:<port>/1"
        ...

The server runs from a temporary directory on 127.0.0.1 on a free port, keeps
nothing on disk (`--save ''`, `--appendonly no`: it only holds short-lived locks
and counters) and is stopped and deleted on exit. If `redis-server` is not
installed it is installed from Debian when running as root; otherwise
RedisUnavailable says what to install.

The module is named after the service, but inside the `local_services` package it
does not shadow the `redis` client library (absolute imports: `import redis`
still finds redis-py).
"""
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import redis

from local_services.processes import free_port

INSTALL_COMMAND = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server"
NOT_INSTALLED = (
    "redis-server not found on PATH and not running as root, so it cannot be "
    "installed here; install the Debian package `redis-server`"
)
START_ATTEMPTS = 3  # another process may take our free port before Redis binds it
START_TIMEOUT_SECONDS = 20


class RedisUnavailable(RuntimeError):
    """redis-server is missing and could not be installed, or did not start."""


def find_redis_server() -> Optional[str]:
    """Path of redis-server; installs the Debian package first if missing and root."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() != 0:
        return None
    result = subprocess.run(["sh", "-c", INSTALL_COMMAND], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=600)
    if result.returncode != 0:
        raise RedisUnavailable(f"redis-server is missing and `{INSTALL_COMMAND}` failed:\n{result.stdout[-2000:]}")
    return shutil.which("redis-server")


@contextmanager
def running_redis(db: int = 1) -> Iterator[str]:
    """Start redis-server; yield a redis:// URL for database `db` in it."""
    binary = find_redis_server()
    if binary is None:
        raise RedisUnavailable(NOT_INSTALLED)
    workdir = Path(tempfile.mkdtemp(prefix="locks-redis-"))
    process: Optional[subprocess.Popen] = None
    try:
        for _ in range(START_ATTEMPTS):
            port = free_port()
            log = workdir / f"redis-{port}.log"
            process = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no",  # nothing on disk: locks only
                 "--dir", str(workdir), "--logfile", str(log),
                 "--daemonize", "no", "--protected-mode", "yes"],
                cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            )
            if _wait_for_ping(port, process):
                break
            _stop(process)
            process = None
            text = log.read_text(errors="replace") if log.exists() else ""
            if "Address already in use" not in text:
                raise RedisUnavailable(f"redis-server did not start:\n{text[-3000:]}")
        else:
            raise RedisUnavailable(f"redis-server: no free port after {START_ATTEMPTS} attempts")
        yield f"redis://127.0.0.1:{port}/{db}"
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_ping(port: int, process: subprocess.Popen) -> bool:
    """True once the server answers PING; False if it exited or never answered."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.ping():
                    return True
            except redis.RedisError:
                time.sleep(0.1)
        return False
    finally:
        client.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: Redis shuts down (no save, as configured)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
