"""#17, the database hop against real servers: a tenant's Vault-issued user reaches its schema through
PgBouncer and nothing else, within its tenant's connection cap, until its lease ends (ADR-0002).

PostgreSQL and PgBouncer run the program's own migration, pooler configuration and Vault statements
(components/database/); OpenBao issues and revokes the users with its PostgreSQL plugin.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components.database import access, migration
from components.database.pooler import TenantPool, auth_file, pgbouncer_ini
from components.vault import policies as vp
from tests.components.database.pod_files import pod_files
from tests.components.vault.openbao.conftest import Bao, free_port
from tests.realserver.conftest import (
    DATABASE,
    MASTER,
    POOLER_ADMIN,
    SERVER_NAME,
    Pooler,
    Psql,
    make_ca,
    server_directory,
    start_pooler,
    stop_pooler,
)

pytestmark = pytest.mark.realserver

TENANTS = ("payments", "fraud")
#: payments holds pci data: its schema is object-audited (granted to rds_pgaudit, #27 item 6).
AUDITED = {"payments"}
CAP = 2
SLEEP = 6
SLEEPER = f"SELECT pg_sleep({SLEEP})"
VAULT_USER, VAULT_PASSWORD = "vault_admin", "vaultadminpassword1"


@dataclass
class Path_:
    postgres: Psql
    poolers: dict[str, Pooler]
    bao: Bao

    def creds(self, role: str) -> dict[str, Any]:
        reply = self.bao.request("GET", f"database/creds/{role}")
        assert reply.status == 200, reply.body
        return {"user": reply.body["data"]["username"], "password": reply.body["data"]["password"], "lease": reply.body["lease_id"]}

    def through_pooler(self, sql: str, creds: dict[str, Any], database: str, pooler: str = "") -> subprocess.CompletedProcess[str]:
        """Through the pooler of tenant ``pooler`` (default: the database's tenant's own)."""
        port = self.poolers[pooler or database].port
        return Psql(port).run(sql, user=creds["user"], password=creds["password"], database=database)


def refused(result: subprocess.CompletedProcess[str]) -> bool:
    """PgBouncer refuses a user its tenant's lookup does not find (gone, expired, or another tenant's):
    "no such user", or, where it answers a SCRAM exchange for an unknown user so as not to tell who
    exists, a failed SASL authentication."""
    return result.returncode != 0 and ("FATAL:  no such user" in result.stderr or "FATAL:  SASL authentication failed" in result.stderr)


def snapshot(postgres: Psql) -> str:
    """What the migration decides: roles, memberships, schemas and their owners and grants, the lookup."""
    return postgres.ok(
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
        " SELECT 'role ' || rolname || ' login=' || rolcanlogin || ' ' || coalesce(shobj_description(oid, 'pg_authid'), '')"
        "   FROM pg_roles WHERE rolname ~ '^(tenant|pooler)_|^vault_admin$'"
        " UNION ALL SELECT 'member ' || m.roleid::regrole || ' > ' || m.member::regrole || ' admin=' || m.admin_option"
        "   FROM pg_auth_members m WHERE m.roleid::regrole::text ~ '^(tenant|pooler)_|pg_signal_backend'"
        " UNION ALL SELECT 'schema ' || nspname || ' ' || nspowner::regrole || ' ' || coalesce(nspacl::text, '')"
        "   FROM pg_namespace WHERE nspname IN ('public', 'pooler', 'payments', 'fraud')"
        " UNION ALL SELECT 'function ' || p.oid::regprocedure || ' ' || coalesce(p.proacl::text, '') || ' ' || md5(p.prosrc)"
        "   FROM pg_proc p WHERE p.pronamespace = 'pooler'::regnamespace"
        " UNION ALL SELECT 'extension ' || extname || ' ' || extnamespace::regnamespace FROM pg_extension"
        " UNION ALL SELECT 'table ' || oid::regclass || ' ' || coalesce(relacl::text, '')"
        "   FROM pg_class WHERE relnamespace = 'pooler'::regnamespace AND relkind = 'r') s(x)"
    )


def pooler_files(tenant: str, ini: str, password: str, ca: Path) -> dict[str, str]:
    """A tenant's pooler pod's files, from the program's own pod spec and objects (components/database/
    access.py): pgbouncer.ini from its ConfigMap, its lookup role's password from its Secret (and the
    test's admin login), the CA from the ``rds-ca`` ConfigMap, each where the pod mounts it."""
    spec = access.pooler_deployment_spec("db-manager@sha256:" + "0" * 64, 1, "digest", tenant)["template"]["spec"]
    name = access.pooler_name(tenant)
    sources = {
        ("configMap", name): {"pgbouncer.ini": ini},
        ("secret", f"{name}-auth"): {"userlist.txt": auth_file({tenant: password}) + f'"{POOLER_ADMIN[0]}" "{POOLER_ADMIN[1]}"\n'},
        ("configMap", access.CA_CONFIG_MAP): {access.CA_KEY: ca.read_text()},
    }
    return pod_files(spec, sources)


def lookup_password(tenant: str) -> str:
    return f"lookup{tenant.replace('-', '')}"


def start_tenant_pooler(postgres: Psql, tenant: str, ca: Path, **changes: Any) -> Pooler:
    """The tenant's own pooler, as the program renders it (one pool), on this server."""
    ini = pooler_ini(postgres, tenant, **changes)
    return start_pooler(server_directory(f"pgbouncer-{tenant}"), ini, pooler_files(tenant, ini, lookup_password(tenant), ca))


def pooler_ini(postgres: Psql, tenant: str, **changes: Any) -> str:
    """The program's pgbouncer.ini for ``tenant`` (its settings: auth file, TLS mode and CA path), pointed at this server."""
    settings = dataclasses.replace(
        access.pooler_settings(),
        server_host=SERVER_NAME,
        server_port=postgres.port,
        database=DATABASE,
        listen_address="127.0.0.1",
        listen_port=free_port(),
        **{"query_wait_timeout_seconds": 20, **changes},
    )
    return pgbouncer_ini(settings, [TenantPool(tenant, CAP)], admin_users=(POOLER_ADMIN[0],))


@pytest.fixture(scope="module")
def path(postgres: Psql, bao: Bao) -> Iterator[Path_]:
    assert postgres.ca is not None
    # The migration Job's three files, in its order, as the master user (no superuser).
    postgres.ok(migration.migration_sql(list(TENANTS), VAULT_USER, AUDITED))
    postgres.ok(migration.vault_login_sql(VAULT_USER, VAULT_PASSWORD))
    postgres.ok(migration.lookup_password_sql({t: lookup_password(t) for t in TENANTS}))
    poolers: dict[str, Pooler] = {}
    bao.ok("POST", "sys/mounts/database", {"type": "database"})
    bao.ok(
        "POST",
        "database/config/aurora",
        {
            "plugin_name": "postgresql-database-plugin",
            "connection_url": vp.database_connection_url(f"{SERVER_NAME}:{postgres.port}", DATABASE, str(postgres.ca)),
            "username": VAULT_USER,
            "password": VAULT_PASSWORD,
            "allowed_roles": "*",
            "verify_connection": True,
        },
    )
    for tenant in TENANTS:
        role = {
            "db_name": "aurora",
            "creation_statements": migration.creation_statements(tenant, CAP + 2),
            "revocation_statements": migration.revocation_statements(),
            "renew_statements": migration.renew_statements(),
            "default_ttl": "5m",
            "max_ttl": "10m",
        }
        bao.ok("POST", f"database/roles/{tenant}", role)
        bao.ok("POST", f"database/roles/{tenant}-short", {**role, "default_ttl": "3s", "max_ttl": "3s"})
    try:
        for tenant in TENANTS:
            poolers[tenant] = start_tenant_pooler(postgres, tenant, postgres.ca)
        yield Path_(postgres, poolers, bao)
    finally:
        for pooler in poolers.values():
            stop_pooler(pooler)


def test_the_migration_step_is_idempotent(path: Path_) -> None:
    before = snapshot(path.postgres)
    assert "role tenant_payments login=false" in before and "schema payments tenant_payments" in before
    for _ in range(2):
        path.postgres.ok(migration.migration_sql(list(TENANTS), VAULT_USER, AUDITED))
        # Vault's first password is set once: a rerun (with another) leaves the one Vault holds.
        path.postgres.ok(migration.vault_login_sql(VAULT_USER, "anotherpassword2"))
    assert snapshot(path.postgres) == before
    assert path.postgres.run("SELECT 1", user=VAULT_USER, password=VAULT_PASSWORD).returncode == 0
    # The audit grants hold on the real server: payments' future tables go to rds_pgaudit, fraud's do not.
    defaults = path.postgres.ok(
        "SELECT n.nspname || ' ' || d.defaclacl::text FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace"
    )
    assert "payments" in defaults and "rds_pgaudit=arwd/tenant_payments" in defaults and "fraud" not in defaults


def test_a_tenant_user_works_in_its_own_schema_through_the_pooler(path: Path_) -> None:
    creds = path.creds("payments")
    result = path.through_pooler(
        "CREATE TABLE IF NOT EXISTS ledger (id int); INSERT INTO ledger VALUES (1); "
        "SELECT current_user, (SELECT tableowner FROM pg_tables WHERE tablename = 'ledger'), count(*) FROM ledger",
        creds,
        "payments",
    )
    assert result.returncode == 0, result.stderr
    acting, owner, rows = result.stdout.strip().splitlines()[-1].split("|")
    # Sessions act as the tenant's group: what a short-lived user creates outlives it.
    assert (acting, owner) == ("tenant_payments", "tenant_payments") and int(rows) >= 1


def test_a_tenant_user_is_refused_another_tenant_s_schema_and_public(path: Path_) -> None:
    path.through_pooler("CREATE TABLE IF NOT EXISTS scores (id int)", path.creds("fraud"), "fraud")
    creds = path.creds("payments")
    for sql in ("SELECT * FROM fraud.scores", "CREATE TABLE fraud.stolen (id int)"):
        result = path.through_pooler(sql, creds, "payments")
        assert result.returncode != 0 and "permission denied for schema fraud" in result.stderr
    result = path.through_pooler("CREATE TABLE public.loose (id int)", creds, "payments")
    assert result.returncode != 0 and "permission denied for schema public" in result.stderr


def test_a_tenant_user_cannot_take_a_connection_of_another_tenant_s_pool(path: Path_) -> None:
    # Neither fraud's pooler (its lookup role finds no payments user) nor fraud's pool on it.
    result = path.through_pooler("SELECT 1", path.creds("payments"), "fraud")
    assert refused(result)
    result = path.through_pooler("SELECT 1", path.creds("payments"), "payments", pooler="fraud")
    assert result.returncode != 0
    assert refused(result)


def test_the_tenant_connection_cap_holds(path: Path_) -> None:
    creds = path.creds("payments")
    started = time.monotonic()
    clients = [
        subprocess.Popen(
            ["psql", "-h", "127.0.0.1", "-p", str(path.poolers["payments"].port), "-U", creds["user"], "-d", "payments", "-XAtqc", SLEEPER],
            env={"PGPASSWORD": creds["password"], "PGSSLMODE": "disable", "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(CAP + 2)
    ]
    # The server side while the clients run: never more than the cap of the tenant's sessions.
    most_on_server = 0
    deadline = time.monotonic() + SLEEP - 1
    while time.monotonic() < deadline:
        on_server = path.postgres.ok("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND usename LIKE 'v-%'")
        most_on_server = max(most_on_server, int(on_server))
        time.sleep(0.2)
    assert [c.wait(timeout=30) for c in clients] == [0] * (CAP + 2)  # the held ones ran once a connection freed
    assert most_on_server == CAP
    # Where the pooler holds the extra clients depends on timing (the pool's queue, or the login queue,
    # since the lookup itself needs one of the database's capped connections); that they waited does not:
    # CAP + 2 sleeps through CAP connections take two rounds.
    assert time.monotonic() - started >= 2 * SLEEP


def test_revoking_the_lease_ends_access(path: Path_) -> None:
    creds = path.creds("payments")
    assert path.through_pooler("SELECT 1", creds, "payments").returncode == 0
    path.bao.ok("PUT", "sys/leases/revoke", {"lease_id": creds["lease"]})
    assert path.postgres.ok(f"SELECT count(*) FROM pg_roles WHERE rolname = '{creds['user']}'") == "0"
    result = path.through_pooler("SELECT 1", creds, "payments")
    assert refused(result)


def test_an_expired_lease_ends_access(path: Path_) -> None:
    creds = path.creds("payments-short")
    issued = time.monotonic()
    assert path.through_pooler("SELECT 1", creds, "payments").returncode == 0
    # OpenBao revokes an expired lease from its expiration manager, shortly after the 3 s TTL; a loaded
    # runner may take a few seconds more, so wait for the refusal rather than for a fixed sleep.
    time.sleep(3)
    while not refused(result := path.through_pooler("SELECT 1", creds, "payments")) and time.monotonic() - issued < 30:
        assert result.returncode == 0, result.stderr  # still allowed, or refused for the expected reason
        time.sleep(0.5)
    assert refused(result), result.stderr


def test_the_pooler_configuration_is_the_program_s(path: Path_) -> None:
    pooler = path.poolers["payments"]
    ini = (pooler.directory / "pgbouncer.ini").read_text()
    assert f"payments = host={SERVER_NAME} port={path.postgres.port} dbname={DATABASE} auth_user=pooler_payments" in ini
    assert f"max_db_connections={CAP}" in ini and "pool_mode = transaction" in ini
    # The program's TLS to Aurora and its files, where the pod mounts them (moved under the test's root).
    assert "server_tls_sslmode = verify-ca" in ini
    assert f"server_tls_ca_file = {pooler.directory}{access.CA_FILE}" in ini
    assert f"auth_file = {pooler.directory}{access.AUTH_FILE}" in ini and "unix_socket_dir =\n" in ini
    assert "fraud" not in ini


def test_the_names_a_tenant_cannot_take_are_the_server_s(postgres: Psql) -> None:
    """#28 item 6: the vendored list of key words a tenant's schema or Vault's role cannot be holds every
    word this server reserves (pg_get_keywords: reserved, or reserved but for function and type names),
    and the server refuses what the config model refuses: a reserved word and the pg_ prefix."""
    from stacks import postgresql

    served = set(postgres.ok("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')").split())
    assert served and served <= postgresql.reserved_words(), served - postgresql.reserved_words()
    for name in ("order", "user", "pg_bank"):
        assert postgresql.tenant_schema_problem(name) is not None
        assert postgres.run(f"CREATE SCHEMA {name}").returncode != 0, name
    assert postgresql.tenant_schema_problem("orders") is None
    assert postgres.run("CREATE SCHEMA orders").returncode == 0
    postgres.ok("DROP SCHEMA orders")


#: The lookup PgBouncer's documentation shows and this program shipped before #27: it reads pg_shadow.
OLD_LOOKUP = """CREATE OR REPLACE FUNCTION public.old_lookup(i_username text)
RETURNS TABLE (uname text, phash text) LANGUAGE sql SECURITY DEFINER AS $fn$
  SELECT usename::text, passwd::text FROM pg_catalog.pg_shadow WHERE usename = i_username
$fn$"""


def test_the_master_user_is_no_superuser_and_cannot_read_password_verifiers(postgres: Psql) -> None:
    """RDS's privilege model (#27): the master user is not a superuser, and the catalogs that hold the
    server's verifiers are closed to it, so a lookup reading them fails even as SECURITY DEFINER."""
    assert postgres.ok("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == "f"
    assert postgres.ok("SELECT current_user") == MASTER
    assert postgres.ok("SELECT pg_has_role('rds_superuser', 'MEMBER')") == "t"
    for catalog in ("pg_shadow", "pg_authid"):
        result = postgres.run(f"SELECT count(*) FROM pg_catalog.{catalog}")
        assert (
            result.returncode != 0 and f"permission denied for {'view' if catalog == 'pg_shadow' else 'table'} {catalog}" in result.stderr
        )
    postgres.ok("CREATE SCHEMA IF NOT EXISTS scratch")
    postgres.ok(OLD_LOOKUP.replace("public.", "scratch."))
    result = postgres.run("SELECT * FROM scratch.old_lookup('platform_admin')")
    assert result.returncode != 0 and "permission denied for view pg_shadow" in result.stderr
    postgres.ok("DROP SCHEMA scratch CASCADE")


def test_the_server_requires_tls_and_clients_verify_it(postgres: Psql, tmp_path: Path) -> None:
    """A client without TLS is refused; one that trusts another CA refuses the server."""
    plain = Psql(postgres.port).run("SELECT 1")
    assert plain.returncode != 0 and "no encryption" in plain.stderr
    other = make_ca(tmp_path, "other")
    wrong = Psql(postgres.port, other.ca).run("SELECT 1")
    assert wrong.returncode != 0 and "certificate verify failed" in wrong.stderr


def test_the_verifier_is_the_one_rfc_7677_defines(postgres: Psql) -> None:
    """pooler.scram_verifier against Python's own PBKDF2 and HMAC (RFC 5802 section 3), for the same salt."""
    salt = bytes(range(16))
    ours = postgres.ok(f"SELECT pooler.scram_verifier('pencil-Vault-1', '\\x{salt.hex()}'::bytea, 4096)")
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil-Vault-1", salt, 4096)
    stored = hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()
    server = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    assert ours == f"SCRAM-SHA-256$4096:{b64(salt).decode()}${b64(stored).decode()}:{b64(server).decode()}"
    assert postgres.run("SELECT pooler.scram_verifier('é', '\\x00'::bytea, 4096)").returncode != 0


def test_vault_s_login_reaches_the_verifiers_only_through_the_functions(path: Path_) -> None:
    """Vault's role reads no verifier, drops through drop_user only users create_user made, and makes none
    outside a tenant group nor one that outlives an hour (ADR-0002)."""
    vault = {"user": VAULT_USER, "password": VAULT_PASSWORD}
    assert path.postgres.ok("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", **vault) == "f"
    for table in ("pooler.verifiers", "pg_catalog.pg_authid"):
        assert path.postgres.run(f"SELECT * FROM {table}", **vault).returncode != 0
    path.postgres.ok("SELECT pooler.drop_user('tenant_payments'); SELECT pooler.drop_user('pooler_fraud')", **vault)
    assert path.postgres.ok("SELECT count(*) FROM pg_roles WHERE rolname IN ('tenant_payments', 'pooler_fraud')") == "2"
    for name, tenant, until, error in (
        ("v-test-x", "rds-superuser", "now() + interval '5 minutes'", "no tenant group tenant_rds_superuser"),
        ("v-test-x", "payments", "now() + interval '2 hours'", "a tenant credential lives at most one hour"),
        ("platform_admin2", "payments", "now()", "not a Vault user name"),
    ):
        result = path.postgres.run(f"SELECT pooler.create_user('{name}', 'Secret1', {until}, '{tenant}', 2)", **vault)
        assert result.returncode != 0 and error in result.stderr, result.stderr
    assert path.postgres.ok("SELECT count(*) FROM pg_roles WHERE rolname IN ('v-test-x', 'platform_admin2')") == "0"
    # Any name Vault's default template makes (its display name may hold '@' or '.'), quoted where used.
    odd = "v-oidc-a@b.-payments-Xy9-1733570000"
    path.postgres.ok(f"SELECT pooler.create_user('{odd}', 'Secret1', now() + interval '5 minutes', 'payments', 2)", **vault)
    assert path.postgres.ok(f"SELECT pg_has_role('{odd}', 'tenant_payments', 'MEMBER')") == "t"
    path.postgres.ok(f"SELECT pooler.drop_user('{odd}')", **vault)
    assert path.postgres.ok(f"SELECT count(*) FROM pg_roles WHERE rolname = '{odd}'") == "0"


def test_a_vault_user_logs_in_directly_with_the_verifier_the_program_computed(path: Path_) -> None:
    """The server checks the Vault-issued password against the verifier pooler.create_user computed."""
    creds = path.creds("fraud")
    assert path.postgres.ok("SELECT current_user", user=creds["user"], password=creds["password"], database=DATABASE) == "tenant_fraud"
    assert path.postgres.run("SELECT 1", user=creds["user"], password=creds["password"] + "x").returncode != 0


def test_a_renewed_lease_moves_the_expiry_where_the_pooler_reads_it(path: Path_) -> None:
    creds = path.creds("payments")
    before = path.postgres.ok(f"SELECT valid_until FROM pooler.verifiers WHERE uname = '{creds['user']}'")
    reply = path.bao.request("PUT", "sys/leases/renew", body={"lease_id": creds["lease"], "increment": 540})
    assert reply.status == 200, reply.body
    after = path.postgres.ok(f"SELECT valid_until > '{before}'::timestamptz FROM pooler.verifiers WHERE uname = '{creds['user']}'")
    assert after == "t"
    assert path.postgres.ok(f"SELECT rolvaliduntil > '{before}'::timestamptz FROM pg_roles WHERE rolname = '{creds['user']}'") == "t"


def test_a_pooler_that_trusts_another_ca_reaches_no_database(path: Path_, tmp_path: Path) -> None:
    """The pooler verifies Aurora's certificate against the CA its pod mounts: given another, it refuses
    the server and the tenant gets no connection."""
    other = make_ca(tmp_path, "other")
    pooler = start_tenant_pooler(path.postgres, "payments", other.ca, query_wait_timeout_seconds=5)
    try:
        creds = path.creds("payments")
        result = Psql(pooler.port).run("SELECT 1", user=creds["user"], password=creds["password"], database="payments")
        assert result.returncode != 0, result.stdout
        log = (pooler.directory / "pgbouncer.log").read_text()
        assert "certificate verify failed" in log, log[-2000:]
    finally:
        stop_pooler(pooler)


def test_onboarding_a_tenant_leaves_the_others_sessions_and_poolers_alone(path: Path_) -> None:
    """#27 item 3, on the real servers: while a payments session runs through its pooler, a new tenant's
    migration runs and its own pooler starts; the payments session finishes, its pooler is the same
    process, and the new tenant's user works through its own pooler only."""
    creds = path.creds("payments")
    payments = path.poolers["payments"]
    session = subprocess.Popen(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(payments.port),
            "-U",
            creds["user"],
            "-d",
            "payments",
            "-XAtqc",
            "SELECT pg_sleep(3), 'done'",
        ],
        env={"PGPASSWORD": creds["password"], "PGSSLMODE": "disable", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    path.postgres.ok(migration.tenant_migration_sql("lending", VAULT_USER))
    path.postgres.ok(migration.lookup_password_sql({"lending": lookup_password("lending")}))
    role = {"db_name": "aurora", "creation_statements": migration.creation_statements("lending", 2), "default_ttl": "5m"}
    path.bao.ok("POST", "database/roles/lending", {**role, "revocation_statements": migration.revocation_statements()})
    assert path.postgres.ca is not None
    lending = start_tenant_pooler(path.postgres, "lending", path.postgres.ca)
    try:
        out, err = session.communicate(timeout=30)
        assert session.returncode == 0 and out.strip().endswith("|done"), err
        assert payments.process.poll() is None
        lender = path.bao.request("GET", "database/creds/lending").body["data"]
        through = Psql(lending.port).run("SELECT current_user", user=lender["username"], password=lender["password"], database="lending")
        assert through.returncode == 0 and through.stdout.strip() == "tenant_lending", through.stderr
        assert refused(path.through_pooler("SELECT 1", {"user": lender["username"], "password": lender["password"]}, "payments"))
    finally:
        stop_pooler(lending)


def test_vault_refuses_a_server_its_ca_does_not_sign(path: Path_, tmp_path: Path) -> None:
    """Vault's connection verifies the certificate and the name (verify-full): the same server is refused
    against another CA, and under a name its certificate does not carry."""
    other = make_ca(tmp_path, "other")
    assert path.postgres.ca is not None
    for host, ca in ((SERVER_NAME, other.ca), ("127.0.0.1", path.postgres.ca)):
        config = {
            "plugin_name": "postgresql-database-plugin",
            "connection_url": vp.database_connection_url(f"{host}:{path.postgres.port}", DATABASE, str(ca)),
            "username": VAULT_USER,
            "password": VAULT_PASSWORD,
            "allowed_roles": "*",
            "verify_connection": True,
        }
        reply = path.bao.request("POST", "database/config/elsewhere", body=config)
        assert reply.status == 400 and "certificate" in json.dumps(reply.body), (host, reply.status, reply.body)
