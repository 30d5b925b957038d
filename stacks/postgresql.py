"""Names that become PostgreSQL identifiers (a tenant's schema, its roles, Vault's login role): what the
server refuses unquoted, from ``data/postgresql_names.json`` (which names its source). Pure."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from components.database.migration import POOLER_SCHEMA, group_role, lookup_role

DATA = Path(__file__).parent / "data" / "postgresql_names.json"


@functools.cache
def _names() -> dict[str, Any]:
    names: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return names


def reserved_words() -> frozenset[str]:
    return frozenset(_names()["reserved"])


def identifier_problem(name: str, what: str) -> str | None:
    """Why ``name`` cannot be the unquoted identifier ``what`` (a schema, a role), or None."""
    if name in reserved_words():
        return f"{name!r} is a PostgreSQL reserved key word, which cannot name {what} unquoted: pick another name"
    for prefix, reason in _names()["reservedPrefixes"].items():
        if name.startswith(prefix):
            return f"{name!r} starts with {prefix!r}: {reason}"
    return None


def tenant_schema_problem(tenant: str) -> str | None:
    """A tenant's name is its schema (``-`` as ``_``): not a key word, not a reserved prefix, and not a
    schema the database or the platform already has."""
    schema = tenant.replace("-", "_")
    taken = {**_names()["existingSchemas"], POOLER_SCHEMA: "the pooler's lookup function lives there (ADR-0002)"}
    if schema in taken:
        return f"{tenant!r} names schema {schema!r}, which already exists ({taken[schema]}): pick another name"
    return identifier_problem(schema, f"the tenant's schema {schema!r}")


def vault_user_problem(name: str, tenants: list[str]) -> str | None:
    """Vault's login role: a role name the server accepts, and none of the roles the migration creates."""
    problem = identifier_problem(name, "a role")
    if problem:
        return problem
    for tenant in tenants:
        if name in (group_role(tenant), lookup_role(tenant)):
            return f"{name!r} is tenant {tenant!r}'s own role: Vault's login must be a role of its own"
    if name.startswith(("tenant_", "pooler_")):
        return f"{name!r} starts like the roles the migration creates per tenant (tenant_*, pooler_*): pick another name"
    return None
