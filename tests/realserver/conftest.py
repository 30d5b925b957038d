"""Real PostgreSQL and PgBouncer servers on loopback (Debian's packages; `.ci/run` installs them on a
fresh machine), with the OpenBao dev server of the Vault tier. Each is stopped by PID even on failure.

PostgreSQL runs on Aurora's terms (#27): TLS required (``hostssl`` only, a certificate for
``localhost`` from a CA the fixture generates, and every client here verifies it: ``verify-full``),
and the tests work as a master user that is **not** a superuser: ``platform_admin`` is created as the
AWS documentation creates RDS's (``LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION``), a
member of a ``rds_superuser`` stand-in granted what that role may do here (see every session:
``pg_monitor``; end them: ``pg_signal_backend``). The bootstrap superuser stands for ``rdsadmin``:
only the fixture uses it, before any test.

Both refuse to run as root: when the tests run as root they run as the ``postgres`` user the Debian
package creates, in a directory it owns.
"""

from __future__ import annotations

import functools
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

from tests.components.database.pod_files import materialize, rooted
from tests.components.vault.openbao.conftest import bao, free_port, stop_process  # noqa: F401  (the shared OpenBao fixture)

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "superuser-password-for-tests"
#: Aurora's master user (components/aws/db_manager.py) and what RDS grants it.
MASTER, MASTER_PASSWORD = "platform_admin", "master-password-for-tests"
RDS_SUPERUSER_GRANTS = ("pg_monitor", "pg_signal_backend")
DATABASE = "platform"
#: PgBouncer's admin console login (tests only: the program's pooler has none).
POOLER_ADMIN = ("pooler_admin", "pooler-admin-password")
#: The name the server's certificate carries (verify-full checks it).
SERVER_NAME = "localhost"


@dataclass(frozen=True)
class Tls:
    """A CA and the server certificate it signed (``ca``: what clients verify against)."""

    ca: Path
    cert: Path
    key: Path


def make_ca(directory: Path, name: str, server_name: str = SERVER_NAME) -> Tls:
    """A throwaway CA (EC P-256, one day) and a server certificate for ``server_name`` only (so that
    dialling 127.0.0.1 fails verify-full: the name is checked, not just the CA)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (directory / f"{name}-{part}" for part in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = functools.partial(subprocess.run, check=True, capture_output=True)
    run(["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "1", "-subj", f"/CN={name} test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])  # fmt: skip
    run(["openssl", "req", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={server_name}"])
    extensions = directory / f"{name}-ext.cnf"
    extensions.write_text(f"subjectAltName=DNS:{server_name}\nextendedKeyUsage=serverAuth\n")
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "1",
         "-extfile", extensions])  # fmt: skip
    key.chmod(0o600)
    return Tls(ca, cert, key)


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
    """``psql`` against one server: a query's rows, or its error. With ``ca``: TLS, the server's
    certificate and name verified (``verify-full``); without: the pooler's plain loopback listener."""

    port: int
    ca: Path | None = None

    def run(
        self, sql: str, user: str = MASTER, password: str = MASTER_PASSWORD, database: str = DATABASE
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5", "PGSSLMODE": "disable"}
        host = "127.0.0.1"
        if self.ca is not None:
            env |= {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(self.ca), "PGHOSTADDR": "127.0.0.1"}
            host = SERVER_NAME
        command = ["psql", "-h", host, "-p", str(self.port), "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-XAtq", "-c", sql]
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


@dataclass
class Server:
    """One PostgreSQL server: its directory (``data``, ``sockets``, ``tls``), process and port."""

    root: Path
    tls: Tls
    port: int
    process: subprocess.Popen[bytes]

    @property
    def psql(self) -> Psql:
        return Psql(self.port, self.tls.ca)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def stop(self) -> None:
        stop_process(self.process)


#: The bootstrap superuser's login: it stands for ``rdsadmin`` (and AWS Backup's snapshots).
BOOTSTRAP = {"user": SUPERUSER, "password": SUPERUSER_PASSWORD, "database": "postgres"}


def init_server(prefix: str) -> tuple[Path, Tls]:
    """A new data directory, TLS only (Aurora's rds.force_ssl): no plain ``host`` line, so a client
    without TLS is refused; only the bootstrap superuser may take a base backup (AWS's snapshot)."""
    root = server_directory(prefix)
    (root / "sockets").mkdir()
    (root / "pwfile").write_text(SUPERUSER_PASSWORD)
    tls = make_ca(root / "tls", "aurora")
    _own(root)
    initdb = [str(_bindir() / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER, "--auth=scram-sha-256", f"--pwfile={root / 'pwfile'}"]
    subprocess.run([*_as_server_user(), *initdb], check=True, capture_output=True)
    (root / "data" / "pg_hba.conf").write_text(
        f"hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl replication {SUPERUSER} 127.0.0.1/32 scram-sha-256\n"
    )
    _own(root)
    return root, tls


def run_server(root: Path, tls: Tls, port: int | None = None, data: Path | None = None) -> Server:
    """PostgreSQL on ``data`` (default: ``root/data``), waited for until it answers."""
    data = data or root / "data"
    port = port or free_port()
    log = (root / "server.log").open("a")
    settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={root / 'sockets'}", "-c", "max_connections=50"]
    settings += ["-c", "ssl=on", "-c", f"ssl_cert_file={tls.cert}", "-c", f"ssl_key_file={tls.key}"]
    process = subprocess.Popen(
        [*_as_server_user(), str(_bindir() / "postgres"), "-D", str(data), "-p", str(port), *settings], stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    server = Server(root, tls, port, process)
    try:
        _wait(server.psql, process, "PostgreSQL", **BOOTSTRAP)
    except BaseException:
        server.stop()
        raise
    return server


def bootstrap(server: Psql) -> None:
    """What RDS does when it creates the cluster: the rest is the master user's."""
    server.ok(f"CREATE ROLE rds_superuser NOLOGIN; GRANT {', '.join(RDS_SUPERUSER_GRANTS)} TO rds_superuser", **BOOTSTRAP)
    server.ok(
        f"CREATE ROLE {MASTER} WITH LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION "
        f"PASSWORD '{MASTER_PASSWORD}' IN ROLE rds_superuser",
        **BOOTSTRAP,
    )
    server.ok(f"CREATE DATABASE {DATABASE}", database="postgres")


@pytest.fixture(scope="session")
def postgres() -> Iterator[Psql]:
    root, tls = init_server("postgres")
    server = run_server(root, tls)
    try:
        bootstrap(server.psql)
        yield server.psql
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Pooler:
    port: int
    directory: Path
    process: subprocess.Popen[bytes]


def start_pooler(directory: Path, ini: str, files: dict[str, str]) -> Pooler:
    """PgBouncer on ``ini`` (as rendered: absolute paths), with ``files`` (absolute path -> content: what
    its pod mounts) written under ``directory`` and the ini's paths moved there: the process opens
    exactly the files the pod would, and nothing else."""
    directory.mkdir(parents=True, exist_ok=True)
    materialize(files, directory)
    config = directory / "pgbouncer.ini"
    config.write_text(rooted(ini, directory) + f"logfile = {directory / 'pgbouncer.log'}\n")
    _own(directory)
    port = int(next(line.split("=")[1] for line in ini.splitlines() if line.startswith("listen_port")).strip())
    process = subprocess.Popen([*_as_server_user(), "pgbouncer", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pooler = Pooler(port, directory, process)
    try:
        _wait(Psql(port), process, "PgBouncer", "SHOW VERSION", user=POOLER_ADMIN[0], password=POOLER_ADMIN[1], database="pgbouncer")
    except BaseException:
        stop_pooler(pooler)
        raise
    return pooler


def stop_pooler(pooler: Pooler) -> None:
    stop_process(pooler.process)
    if os.environ.get("KEEP") is None:
        shutil.rmtree(pooler.directory, ignore_errors=True)
