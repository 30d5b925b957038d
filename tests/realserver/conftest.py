"""Real PostgreSQL and PgBouncer servers on loopback (Debian's packages; `.ci/run` installs them on a
fresh machine), with the OpenBao dev server of the Vault tier. Each is stopped by PID even on failure.

Both refuse to run as root: when the tests run as root they run as the ``postgres`` user the Debian
package creates, in a directory it owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.components.vault.openbao.conftest import bao, free_port, stop_process  # noqa: F401  (the shared OpenBao fixture)

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "superuser-password-for-tests"
DATABASE = "platform"


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found or not shutil.which("pgbouncer"):
        raise RuntimeError("PostgreSQL and PgBouncer are not installed: `apt-get install postgresql pgbouncer` (.ci/run does it)")
    return Path(found[-1]).parent


def _as_server_user() -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []


def server_directory(prefix: str) -> Path:
    """A directory the server user can reach: pytest's own tree is private to root."""
    return Path(tempfile.mkdtemp(prefix=f"blueprint-{prefix}-"))


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(SUPERUSER)
        for p in [path, *path.rglob("*")]:
            os.chown(p, user.pw_uid, user.pw_gid)


@dataclass
class Psql:
    """``psql`` against one server: a query's rows, or its error."""

    port: int

    def run(
        self, sql: str, user: str = SUPERUSER, password: str = SUPERUSER_PASSWORD, database: str = DATABASE
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5", "PGSSLMODE": "disable"}
        command = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-XAtq", "-c", sql]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    def ok(self, sql: str, **login: str) -> str:
        result = self.run(sql, **login)
        assert result.returncode == 0, f"{sql}: {result.stderr}"
        return result.stdout.strip()


def _wait(check: Psql, process: subprocess.Popen[bytes], what: str, query: str = "SELECT 1", **login: str) -> None:
    deadline = time.monotonic() + 30
    while check.run(query, **login).returncode != 0:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start (exit code {process.poll()})")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Psql]:
    bindir = _bindir()
    root = server_directory("postgres")
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    (root / "pwfile").write_text(SUPERUSER_PASSWORD)
    _own(root)
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=scram-sha-256", f"--pwfile={root / 'pwfile'}"]
    subprocess.run([*_as_server_user(), *initdb], check=True, capture_output=True)
    port = free_port()
    log = (root / "server.log").open("w")
    settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sockets}", "-c", "max_connections=50"]
    process = subprocess.Popen(
        [*_as_server_user(), str(bindir / "postgres"), "-D", str(data), "-p", str(port), *settings], stdout=log, stderr=subprocess.STDOUT
    )
    server = Psql(port)
    try:
        _wait(server, process, "PostgreSQL", database="postgres")
        server.ok(f"CREATE DATABASE {DATABASE}", database="postgres")
        yield server
    finally:
        stop_process(process)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Pooler:
    port: int
    directory: Path
    process: subprocess.Popen[bytes]


def start_pooler(directory: Path, ini: str, auth_file: str) -> Pooler:
    """PgBouncer with ``ini`` (its ``auth_file`` path is ``directory/userlist.txt``)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "userlist.txt").write_text(auth_file)
    (directory / "pgbouncer.ini").write_text(ini + f"unix_socket_dir = {directory}\nlogfile = {directory / 'pgbouncer.log'}\n")
    _own(directory)
    port = int(next(line.split("=")[1] for line in ini.splitlines() if line.startswith("listen_port")).strip())
    process = subprocess.Popen(
        [*_as_server_user(), "pgbouncer", str(directory / "pgbouncer.ini")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    pooler = Pooler(port, directory, process)
    try:
        _wait(Psql(port), process, "PgBouncer", "SHOW VERSION", user="pooler_admin", password="pooler-admin-password", database="pgbouncer")
    except BaseException:
        stop_pooler(pooler)
        raise
    return pooler


def stop_pooler(pooler: Pooler) -> None:
    stop_process(pooler.process)
    if os.environ.get("KEEP") is None:
        shutil.rmtree(pooler.directory, ignore_errors=True)
