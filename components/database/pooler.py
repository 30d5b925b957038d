"""PgBouncer in front of Aurora (ADR-0002): one pool per tenant, named after it, capped at the tenant's
share of the database's connections.

A client connects to the database named after its tenant with its Vault-issued user. PgBouncer looks
the user up with that tenant's lookup role (``auth_user``), which only finds current members of the
tenant's group: a user of another tenant is refused at the pooler, before it can take a connection of
this tenant's pool. Transaction pooling; server connections per tenant never exceed
``max_db_connections``.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.database.migration import AUTH_QUERY, lookup_role


@dataclass(frozen=True)
class TenantPool:
    """A tenant's pool; ``audited``: its schema holds pci or pii data, whose reads and writes pgAudit
    logs object by object (ADR-0002, #27 item 6)."""

    tenant: str
    max_connections: int
    audited: bool = False


@dataclass(frozen=True)
class PoolerSettings:
    """Attributes:
    server_host / server_port / database: Where the pooler connects (the Aurora writer endpoint).
    listen_port: Where clients connect.
    auth_file: The lookup roles' verifiers (``"role" "SCRAM-SHA-256$…"``), mounted from a Secret.
    server_tls: ``verify-full`` against Aurora; ``disable`` only for loopback tests.
    max_client_connections: Clients the pooler accepts in all.
    """

    server_host: str
    database: str
    auth_file: str
    server_port: int = 5432
    listen_port: int = 6432
    listen_address: str = "0.0.0.0"
    server_tls: str = "verify-full"
    server_tls_ca_file: str = "/etc/pgbouncer/rds-ca.pem"
    max_client_connections: int = 2000
    query_wait_timeout_seconds: int = 30


def pgbouncer_ini(settings: PoolerSettings, pools: list[TenantPool], admin_users: tuple[str, ...] = ()) -> str:
    databases = [
        f"{pool.tenant} = host={settings.server_host} port={settings.server_port} dbname={settings.database} "
        f"auth_user={lookup_role(pool.tenant)} pool_size={pool.max_connections} max_db_connections={pool.max_connections}"
        for pool in sorted(pools, key=lambda p: p.tenant)
    ]
    tls = [f"server_tls_sslmode = {settings.server_tls}"]
    if settings.server_tls != "disable":
        tls.append(f"server_tls_ca_file = {settings.server_tls_ca_file}")
    options = [
        f"listen_addr = {settings.listen_address}",
        f"listen_port = {settings.listen_port}",
        "auth_type = scram-sha-256",
        f"auth_file = {settings.auth_file}",
        f"auth_query = {AUTH_QUERY}",
        "pool_mode = transaction",
        f"max_client_conn = {settings.max_client_connections}",
        f"query_wait_timeout = {settings.query_wait_timeout_seconds}",
        "ignore_startup_parameters = extra_float_digits,options",
        # No Unix socket: the root filesystem is read-only and clients come over TCP.
        "unix_socket_dir =",
        *tls,
    ]
    if admin_users:
        options.append(f"admin_users = {','.join(admin_users)}")
    return "\n".join(["[databases]", *databases, "", "[pgbouncer]", *options]) + "\n"


def auth_file(passwords: dict[str, str]) -> str:
    """PgBouncer's ``auth_file``: each tenant's lookup role and its password (the migration sets the same,
    ``migration.lookup_password_sql``), with which PgBouncer logs in to run ``auth_query``."""
    return "".join(f'"{lookup_role(tenant)}" "{password}"\n' for tenant, password in sorted(passwords.items()))
