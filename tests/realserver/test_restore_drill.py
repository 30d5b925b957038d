"""#30 item 6, the restore drill on real servers (docs/runbooks/restore-database.md): a tenant's data is
backed up, the database is dropped, the cluster is restored from the recovery point under its
endpoint, and the tenant reads its data back through its pooler with a new Vault-issued user.

The recovery point is a base backup the bootstrap superuser takes of the running server, as AWS Backup
snapshots Aurora without the master user; the restored server starts from it on the same endpoint,
as the runbook's restore under the cluster's original identifier gives. What the drill proves is the
part the program owns: the migration's roles and grants, the lookup, Vault's statements and the
pooler come back with the data, and neither Vault nor the pooler needs a person once the endpoint
answers again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from components.database import migration
from components.vault import policies as vp
from tests.components.vault.openbao.conftest import Bao
from tests.realserver.conftest import (
    BOOTSTRAP,
    DATABASE,
    SERVER_NAME,
    SUPERUSER,
    Psql,
    Server,
    _as_server_user,
    _bindir,
    bootstrap,
    init_server,
    run_server,
    stop_pooler,
)
from tests.realserver.test_database_path import VAULT_PASSWORD, VAULT_USER, lookup_password, start_tenant_pooler

pytestmark = pytest.mark.realserver

TENANT = "payments"
MOUNT = "database-drill"


def creds(bao: Bao) -> dict[str, Any]:
    reply = bao.request("GET", f"{MOUNT}/creds/{TENANT}")
    assert reply.status == 200, reply.body
    return {"user": reply.body["data"]["username"], "password": reply.body["data"]["password"]}


def base_backup(server: Server) -> Any:
    """AWS Backup's recovery point of the running cluster: a consistent copy with the WAL it needs."""
    target = server.root / "recovery-point"
    env = {
        **os.environ,
        "PGPASSWORD": BOOTSTRAP["password"],
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": str(server.tls.ca),
        "PGHOSTADDR": "127.0.0.1",
    }
    command = [str(_bindir() / "pg_basebackup"), "-D", str(target), "-X", "stream", "-c", "fast"]
    command += ["-h", SERVER_NAME, "-p", str(server.port), "-U", SUPERUSER]
    subprocess.run([*_as_server_user(), *command], env=env, check=True, capture_output=True, timeout=120)
    return target


@pytest.fixture(scope="module")
def drill(bao: Bao) -> Iterator[dict[str, Any]]:
    root, tls = init_server("drill")
    servers = [run_server(root, tls)]
    poolers = []
    try:
        server = servers[0]
        bootstrap(server.psql)
        server.psql.ok(migration.migration_sql([TENANT], VAULT_USER, {TENANT}))
        server.psql.ok(migration.vault_login_sql(VAULT_USER, VAULT_PASSWORD))
        server.psql.ok(migration.lookup_password_sql({TENANT: lookup_password(TENANT)}))
        bao.ok("POST", f"sys/mounts/{MOUNT}", {"type": "database"})
        bao.ok(
            "POST",
            f"{MOUNT}/config/aurora",
            {
                "plugin_name": "postgresql-database-plugin",
                "connection_url": vp.database_connection_url(f"{SERVER_NAME}:{server.port}", DATABASE, str(tls.ca)),
                "username": VAULT_USER,
                "password": VAULT_PASSWORD,
                "allowed_roles": "*",
                "verify_connection": True,
            },
        )
        bao.ok(
            "POST",
            f"{MOUNT}/roles/{TENANT}",
            {
                "db_name": "aurora",
                "creation_statements": migration.creation_statements(TENANT, 4),
                "revocation_statements": migration.revocation_statements(),
                "renew_statements": migration.renew_statements(),
                "default_ttl": "5m",
                "max_ttl": "10m",
            },
        )
        pooler = start_tenant_pooler(server.psql, TENANT, tls.ca)
        poolers.append(pooler)
        reader = Psql(pooler.port)

        def through_pooler(sql: str) -> subprocess.CompletedProcess[str]:
            login = creds(bao)
            return reader.run(sql, user=login["user"], password=login["password"], database=TENANT)

        written = through_pooler(
            "CREATE TABLE settlements (id int PRIMARY KEY, amount numeric NOT NULL); INSERT INTO settlements VALUES (1, 10.50), (2, 99.99)"
        )
        assert written.returncode == 0, written.stderr
        recovery_point = base_backup(server)
        # Written after the recovery point: what the RPO says may be lost.
        assert through_pooler("INSERT INTO settlements VALUES (3, 1.00)").returncode == 0

        # The disaster: the master user drops the database, every session with it.
        server.psql.ok(f"DROP DATABASE {DATABASE} WITH (FORCE)", database="postgres")
        # Vault can no longer issue the tenant a user: nothing reaches the data.
        lost = bao.request("GET", f"{MOUNT}/creds/{TENANT}")

        # The runbook: the failed cluster is renamed away (stopped here), the recovery point restored
        # under the original identifier (same endpoint, same CA). Nothing else: Vault's connection pool
        # and the pooler reconnect on their own, without a reset or a restart.
        server.stop()
        started = time.monotonic()
        restored = run_server(root, tls, port=server.port, data=recovery_point)
        servers.append(restored)
        rows = through_pooler("SELECT string_agg(id || '=' || amount, ',' ORDER BY id) FROM settlements")
        yield {"lost": lost, "rows": rows, "restore_seconds": time.monotonic() - started, "restored": restored}
    finally:
        for pooler in poolers:
            stop_pooler(pooler)
        for server in servers:
            server.stop()
        bao.request("DELETE", f"sys/mounts/{MOUNT}")
        shutil.rmtree(root, ignore_errors=True)


def test_a_dropped_database_leaves_the_tenant_without_its_data(drill: dict[str, Any]) -> None:
    assert drill["lost"].status == 500 and f'database "{DATABASE}" does not exist' in str(drill["lost"].body)


def test_the_tenant_reads_its_data_back_through_its_pooler_after_the_restore(drill: dict[str, Any]) -> None:
    rows = drill["rows"]
    assert rows.returncode == 0, rows.stderr
    # What the recovery point held, exactly; the row written after it is the RPO's loss.
    assert rows.stdout.strip() == "1=10.50,2=99.99"


def test_the_restored_cluster_keeps_the_program_s_roles_and_audit_grants(drill: dict[str, Any]) -> None:
    restored: Server = drill["restored"]
    defaults = restored.psql.ok(
        "SELECT n.nspname || ' ' || d.defaclacl::text FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace"
    )
    assert f"{TENANT} " in defaults and "rds_pgaudit=arwd" in defaults
    owner = restored.psql.ok(f"SELECT nspowner::regrole FROM pg_namespace WHERE nspname = '{TENANT}'")
    assert owner == f"tenant_{TENANT}"
