"""A throwaway PostgreSQL server for tests and the benchmark.

    with running_postgres() as url:   # SQLAlchemy URL of an empty database
        ...
    create_database(url)              # another empty database on the same server

The server lives in a temporary directory, listens on 127.0.0.1 on a free port with
trust authentication (it holds only test data and is gone at the end), and is stopped
and deleted on exit. PostgreSQL refuses to run as root, so under root `initdb` and
`pg_ctl` run as the `postgres` system user.
"""
import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import sqlalchemy as sa

from local_services.processes import free_port

POSTGRES_USER = "postgres"  # both the system user (under root) and the superuser role
REQUIRED_PROGRAMS = ("initdb", "pg_ctl", "postgres")
NOT_INSTALLED = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in "
    "/usr/lib/postgresql/*/bin; install PostgreSQL 15 to run the PostgreSQL tests"
)
START_ATTEMPTS = 3  # another process may take our free port before the server binds it


class PostgresUnavailable(RuntimeError):
    """The throwaway server could not be set up."""


def find_postgres_bin() -> Optional[Path]:
    """Directory holding initdb, pg_ctl and postgres, or None if not installed."""
    candidates: List[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        # Debian links pg_ctl into /usr/local/bin; its siblings live where it points.
        candidates.append(Path(os.path.realpath(on_path)).parent)
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [
        Path(directory)
        for directory in sorted(versions, key=_version_number, reverse=True)
    ]
    for directory in candidates:
        if all(os.access(directory / program, os.X_OK) for program in REQUIRED_PROGRAMS):
            return directory
    return None


def _version_number(bin_dir: str) -> float:
    try:
        return float(Path(bin_dir).parent.name)
    except ValueError:
        return 0.0


def _as_server_user(command: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: run it as the postgres system user then."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(POSTGRES_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and there is no '{POSTGRES_USER}' system user to run "
            "PostgreSQL as"
        ) from None
    if shutil.which("runuser"):
        return ["runuser", "-u", POSTGRES_USER, "--", *command]
    return ["su", POSTGRES_USER, "-s", "/bin/sh", "-c", shlex.join(command)]


def _run(command: List[str], what: str) -> None:
    result = subprocess.run(
        _as_server_user(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise PostgresUnavailable(f"{what} failed ({result.returncode}):\n{result.stdout}")


def _give_to_server_user(directory: Path) -> None:
    if os.geteuid() == 0:
        account = pwd.getpwnam(POSTGRES_USER)
        os.chown(directory, account.pw_uid, account.pw_gid)


@contextmanager
def running_postgres(bin_dir: Optional[Path] = None) -> Iterator[str]:
    """Start a PostgreSQL server; yield the SQLAlchemy URL of a fresh database in it."""
    bin_dir = bin_dir or find_postgres_bin()
    if bin_dir is None:
        raise PostgresUnavailable(NOT_INSTALLED)
    # Not pytest's tmp_path: under root that is private to root, and the server
    # user must be able to write here.
    workdir = Path(tempfile.mkdtemp(prefix="bookings-pg-"))
    data_dir = workdir / "data"
    log_file = workdir / "server.log"
    started = False
    try:
        _give_to_server_user(workdir)
        _run(
            [
                str(bin_dir / "initdb"),
                "--pgdata", str(data_dir),
                "--username", POSTGRES_USER,
                "--auth", "trust",
                "--encoding", "UTF8",
                "--locale", "C",
                "--no-sync",  # throwaway data: skip the fsyncs, start faster
            ],
            "initdb",
        )
        port = _start(bin_dir, data_dir, workdir, log_file)
        started = True
        server_url = f"postgresql+psycopg2://{POSTGRES_USER}@127.0.0.1:{port}/postgres"
        yield create_database(server_url)
    finally:
        if started:
            _stop(bin_dir, data_dir)
        shutil.rmtree(workdir, ignore_errors=True)


def _start(bin_dir: Path, data_dir: Path, socket_dir: Path, log_file: Path) -> int:
    for _ in range(START_ATTEMPTS):
        port = free_port()
        server_options = (
            f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        )
        try:
            _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "start",
                    "--pgdata", str(data_dir),
                    "--log", str(log_file),
                    "--options", server_options,
                    "--wait",
                    "--timeout", "60",
                ],
                "pg_ctl start",
            )
            return port
        except PostgresUnavailable as error:
            log = log_file.read_text(errors="replace") if log_file.exists() else ""
            if "could not bind" not in log:
                raise PostgresUnavailable(f"{error}\nserver log:\n{log[-3000:]}") from None
    raise PostgresUnavailable(f"no free port after {START_ATTEMPTS} attempts")


def _stop(bin_dir: Path, data_dir: Path) -> None:
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        _run([pg_ctl, "stop", "--pgdata", str(data_dir), "--mode", "fast", "--wait"], "stop")
    except PostgresUnavailable:
        _run([pg_ctl, "stop", "--pgdata", str(data_dir), "--mode", "immediate"], "stop")


def create_database(url: str) -> str:
    """Create a new, empty database on the server of `url`; return its URL."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    # CREATE DATABASE cannot run inside a transaction.
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return str(sa.engine.make_url(url).set(database=name))
