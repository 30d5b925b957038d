"""Vault policy text and the mount layout of the Concierge (ADR-1), as pure functions.

The same functions feed the components, the policy pack's path check and the OpenBao tests, so what
is proven against a running server is exactly what is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass

KV_MOUNT = "kv"
DATABASE_MOUNT = "database"
DATABASE_CONNECTION = "aurora"
GITHUB_JWT_PATH = "jwt-github"
KV_WRITE = ["create", "read", "update", "delete", "list"]


def kubernetes_auth_path(cluster_name: str) -> str:
    return f"kubernetes-{cluster_name}"


@dataclass(frozen=True)
class PathRule:
    path: str
    capabilities: tuple[str, ...]
    why: str


def tenant_rules(tenant: str) -> list[PathRule]:
    """Everything a tenant identity may reach: its KV subtree and its database credentials."""
    return [
        PathRule(f"{KV_MOUNT}/data/{tenant}/*", tuple(KV_WRITE), "the tenant's secrets"),
        PathRule(f"{KV_MOUNT}/metadata/{tenant}/*", ("read", "list", "delete"), "list and version the tenant's secrets"),
        PathRule(f"{DATABASE_MOUNT}/creds/{tenant}", ("read",), "short-lived database credentials (tenant schema only)"),
    ]


def render_policy(header: str, rules: list[PathRule]) -> str:
    """HCL in the canonical layout ``bao/vault policy fmt`` produces."""
    blocks = [f"# {header}"]
    for rule in rules:
        capabilities = ", ".join(f'"{c}"' for c in rule.capabilities)
        blocks.append(f'# {rule.why}\npath "{rule.path}" {{\n  capabilities = [{capabilities}]\n}}')
    return "\n\n".join(blocks) + "\n"


def tenant_policy_name(tenant: str) -> str:
    return f"tenant-{tenant}"


def tenant_policy(tenant: str) -> str:
    return render_policy(f"Tenant {tenant}: its own paths only (ADR-1 Concierge)", tenant_rules(tenant))


def ci_policy_rules() -> list[PathRule]:
    """What the infra repository's CI reads from Vault during a deploy (no tenant data)."""
    return [PathRule(f"{KV_MOUNT}/data/platform/ci/*", ("read",), "deploy-time platform settings")]


def ci_policy() -> str:
    return render_policy("GitHub Actions of the infra repository (ADR-3)", ci_policy_rules())


def tenant_db_creation_statements(tenant: str, connection_limit: int) -> list[str]:
    """Dynamic PostgreSQL user: login until expiry, rights on the tenant's schema only (ADR-2)."""
    schema = f'"{tenant}"'
    return [
        f"CREATE ROLE \"{{{{name}}}}\" WITH LOGIN PASSWORD '{{{{password}}}}' VALID UNTIL '{{{{expiration}}}}' "
        f"CONNECTION LIMIT {connection_limit};",
        f'GRANT USAGE ON SCHEMA {schema} TO "{{{{name}}}}";',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO "{{{{name}}}}";',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO "{{{{name}}}}";',
        f'ALTER ROLE "{{{{name}}}}" SET search_path = {schema};',
    ]


def tenant_db_revocation_statements() -> list[str]:
    return ['REASSIGN OWNED BY "{{name}}" TO CURRENT_USER;', 'DROP OWNED BY "{{name}}";', 'DROP ROLE IF EXISTS "{{name}}";']


def tenant_connection_limit(max_connections: int, proxy_percent: int, tier_percent: int) -> int:
    """A tenant's share of the pooled connections: tier percent of what the proxy may open (>= 1)."""
    return max(1, max_connections * proxy_percent * tier_percent // 10_000)
