"""Vault policy text and the mount layout of the Concierge (ADR-0001), as pure functions.

The same functions feed the components, the policy pack's path check and the OpenBao tests, so what
is proven against a running server is exactly what is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass

from policy_pack.policies import contract

KV_MOUNT = contract.VAULT_KV_MOUNT
DATABASE_MOUNT = contract.VAULT_DATABASE_MOUNT
DATABASE_CONNECTION = "aurora"
GITHUB_JWT_PATH = "jwt-github"
KV_WRITE = ["create", "read", "update", "delete", "list"]


def database_connection_url(host_port: str, database: str, ca_file: str) -> str:
    """Vault's PostgreSQL connection (pgx): TLS ``verify-full``, the server's certificate checked against
    ``ca_file`` (a path on the Vault server) and the name Vault dials (the writer endpoint)."""
    return f"postgresql://{{{{username}}}}:{{{{password}}}}@{host_port}/{database}?sslmode=verify-full&sslrootcert={ca_file}"


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
    return contract.tenant_vault_policy(tenant)


def tenant_policy(tenant: str) -> str:
    # Text that reaches a real object keeps its spelling: a new one would update every policy in place.
    return render_policy(f"Tenant {tenant}: its own paths only (ADR-1 Concierge)", tenant_rules(tenant))


MANAGE = ("create", "read", "update", "delete", "list")
#: What this program manages in Vault: (path, why, sudo needed). The deploy job may manage exactly
#: these; the preview job may read them. ``+`` matches one path segment (a mount or auth path).
AUDIT_PATH = "stdout-audit"
MANAGED_PATHS: tuple[tuple[str, str, bool], ...] = (
    ("sys/audit", "list the audit devices", True),
    (f"sys/audit/{AUDIT_PATH}", "the audit device", True),
    ("sys/mounts", "list the secrets engines", False),
    ("sys/mounts/*", "the KV and database engines and their tuning", False),
    ("sys/auth", "list the auth methods", False),
    ("sys/policies/acl/*", "tenant and CI policies", False),
    ("auth/+/config", "auth method configuration", False),
    ("auth/+/role/*", "Kubernetes and JWT roles", False),
    (f"{DATABASE_MOUNT}/config/*", "the database connection", False),
    (f"{DATABASE_MOUNT}/roles/*", "tenant database roles", False),
    (f"{KV_MOUNT}/data/+/_owner", "each tenant's ownership record", False),
    (f"{KV_MOUNT}/metadata/+/_owner", "its versions", False),
)
CI_DEPLOY_POLICY = "ci-infra-deploy"
CI_PREVIEW_POLICY = "ci-infra-preview"


def _managed(auth_paths: list[str]) -> list[tuple[str, str, bool]]:
    """Every path the program manages; enabling or tuning an auth method needs sudo, so each is named."""
    auth = [
        (f"sys/auth/{p}{suffix}", f"the {p} auth method{why}", True)
        for p in auth_paths
        for suffix, why in (("", ""), ("/tune", "'s tuning"))
    ]
    return [*MANAGED_PATHS, *auth]


def ci_deploy_rules(auth_paths: list[str]) -> list[PathRule]:
    """``pulumi up`` from the infra repository: manage what the program manages, nothing else
    (no tenant secrets, no credentials)."""
    rules = [PathRule(path, (*MANAGE, "sudo") if sudo else MANAGE, why) for path, why, sudo in _managed(auth_paths)]
    return [*rules, PathRule(f"{KV_MOUNT}/data/platform/ci/*", ("read",), "deploy-time platform settings")]


def ci_preview_rules(auth_paths: list[str]) -> list[PathRule]:
    """``pulumi preview`` of a pull request: read what the program manages."""
    return [PathRule(path, ("read", "list", "sudo") if sudo else ("read", "list"), why) for path, why, sudo in _managed(auth_paths)]


def ci_deploy_policy(auth_paths: list[str]) -> str:
    return render_policy("GitHub Actions deploy job of the infra repository (ADR-3)", ci_deploy_rules(auth_paths))


def ci_preview_policy(auth_paths: list[str]) -> str:
    return render_policy("GitHub Actions preview job of the infra repository (ADR-3)", ci_preview_rules(auth_paths))


def tenant_connection_limit(max_connections: int, proxy_percent: int, tier_percent: int) -> int:
    """A tenant's share of the pooled connections: tier percent of what the proxy may open (>= 1)."""
    return max(1, max_connections * proxy_percent * tier_percent // 10_000)
