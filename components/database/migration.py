"""The database's own migration (ADR-0002): what the DB Manager's migration step applies, idempotently,
before any tenant connects. Per tenant: a group role that owns the tenant's schema, which Vault's
dynamic users join and act as; a pooler lookup role that can only see that tenant's users. Shared:
the lookup function PgBouncer's ``auth_query`` calls, and ``public`` closed to everyone.

Every statement may run again: roles are created only when missing, schemas ``IF NOT EXISTS``, grants
and revokes are idempotent by nature, and the function is replaced.
"""

from __future__ import annotations

import re

#: The schema of the pooler's lookup function.
POOLER_SCHEMA = "pooler"
LOOKUP_FUNCTION = f"{POOLER_SCHEMA}.user_lookup"
#: What PgBouncer runs, as the tenant's lookup role, to fetch a connecting user's password verifier.
AUTH_QUERY = f"SELECT uname, phash FROM {LOOKUP_FUNCTION}($1)"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not a PostgreSQL identifier this migration writes unquoted")
    return value


def group_role(tenant: str) -> str:
    """The role that owns a tenant's schema; its Vault users are members and act as it."""
    return _identifier(f"tenant_{tenant.replace('-', '_')}")


def lookup_role(tenant: str) -> str:
    """The pooler's ``auth_user`` for the tenant's pool: the lookup answers it for the tenant's members only."""
    return _identifier(f"pooler_{tenant.replace('-', '_')}")


def schema(tenant: str) -> str:
    return _identifier(tenant.replace("-", "_"))


def _create_role(name: str, options: str) -> str:
    return f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE {name} {options}; END IF; END $$;"


def lookup_function_sql() -> str:
    """A connecting user's name and verifier, if it is a current (not expired) member of the group the
    calling lookup role serves; no row otherwise (PgBouncer then fails the login as a wrong password,
    telling nothing of who exists). SECURITY DEFINER: only its owner (the migration's superuser) reads
    ``pg_shadow``; the lookup roles may only call it."""
    return f"""CREATE OR REPLACE FUNCTION {LOOKUP_FUNCTION}(i_username text)
RETURNS TABLE (uname text, phash text) LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $fn$
  SELECT s.usename::text, s.passwd::text
  FROM pg_catalog.pg_shadow s
  WHERE s.usename = i_username
    AND (s.valuntil IS NULL OR s.valuntil > now())
    AND session_user LIKE 'pooler\\_%'
    AND pg_catalog.pg_has_role(s.usename, 'tenant_' || substr(session_user, 8), 'MEMBER')
$fn$;"""


#: pgAudit's object-audit role on RDS and Aurora (``pgaudit.role``, whose only allowed value it is):
#: what it is granted is logged, whoever reads or writes it (Aurora User Guide, "Auditing database objects").
AUDIT_ROLE = "rds_pgaudit"
AUDITED_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def audit_sql(tenant: str) -> list[str]:
    """Object audit of a pci/pii tenant's schema: every table, now and created later by its group."""
    group, own = group_role(tenant), schema(tenant)
    return [
        f"GRANT {AUDITED_PRIVILEGES} ON ALL TABLES IN SCHEMA {own} TO {AUDIT_ROLE};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {group} IN SCHEMA {own} GRANT {AUDITED_PRIVILEGES} ON TABLES TO {AUDIT_ROLE};",
    ]


def migration_sql(tenants: list[str], vault_user: str, audited: frozenset[str] | set[str] = frozenset()) -> str:
    """The whole migration for ``tenants``; ``vault_user`` (the role Vault logs in with) may grant each
    tenant's group to the users it creates; the schemas of ``audited`` tenants are object-audited."""
    vault = _identifier(vault_user)
    lines = [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        # Revoking a lease closes the user's sessions first.
        f"GRANT pg_signal_backend TO {vault};",
        f"CREATE SCHEMA IF NOT EXISTS {POOLER_SCHEMA};",
        f"REVOKE ALL ON SCHEMA {POOLER_SCHEMA} FROM PUBLIC;",
        lookup_function_sql(),
        f"REVOKE ALL ON FUNCTION {LOOKUP_FUNCTION}(text) FROM PUBLIC;",
        _create_role(AUDIT_ROLE, "NOLOGIN"),
    ]
    for tenant in sorted(tenants):
        group, lookup, own = group_role(tenant), lookup_role(tenant), schema(tenant)
        lines += [
            _create_role(group, "NOLOGIN"),
            _create_role(lookup, "LOGIN"),
            f"GRANT {group} TO {vault} WITH ADMIN OPTION;",
            f"CREATE SCHEMA IF NOT EXISTS {own} AUTHORIZATION {group};",
            f"REVOKE ALL ON SCHEMA {own} FROM PUBLIC;",
            f"GRANT USAGE ON SCHEMA {POOLER_SCHEMA} TO {lookup};",
            f"GRANT EXECUTE ON FUNCTION {LOOKUP_FUNCTION}(text) TO {lookup};",
        ]
        if tenant in audited:
            lines += audit_sql(tenant)
    return "\n".join(lines) + "\n"


def creation_statements(tenant: str, connection_limit: int) -> list[str]:
    """Vault's dynamic user of a tenant: login until its lease expires, a member of the tenant's group,
    every session acting as that group in the tenant's schema (what it creates, the group owns).
    ``connection_limit`` bounds one user's sessions; the tenant's whole share is the pooler's cap."""
    group, own = group_role(tenant), schema(tenant)
    return [
        f"CREATE ROLE \"{{{{name}}}}\" WITH LOGIN PASSWORD '{{{{password}}}}' VALID UNTIL '{{{{expiration}}}}' "
        f"CONNECTION LIMIT {connection_limit} IN ROLE {group};",
        f'ALTER ROLE "{{{{name}}}}" SET role = {group};',
        f'ALTER ROLE "{{{{name}}}}" SET search_path = {own};',
    ]


def revocation_statements() -> list[str]:
    """End the lease now: its sessions are closed and the role dropped. It owns nothing (its sessions act
    as the group), so nothing is left behind."""
    return [
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';",
        'DROP ROLE IF EXISTS "{{name}}";',
    ]


def lookup_password_sql(passwords: dict[str, str]) -> str:
    """Sets each tenant's lookup role password (the pooler's ``auth_file`` holds the same): kept out of
    the migration's ConfigMap, in a Secret. Passwords are alphanumeric (``RandomPassword``, no specials)."""
    lines = []
    for tenant, password in sorted(passwords.items()):
        if not password.isalnum():
            raise ValueError(f"the lookup password of {tenant!r} must be alphanumeric")
        lines.append(f"ALTER ROLE {lookup_role(tenant)} WITH PASSWORD '{password}';")
    return "\n".join(lines) + "\n"
