"""Vault platform configuration (ADR-0001): audit device, mounts and auth methods, TTL-bounded everywhere.

- An audit device (never ``log_raw``).
- KV v2 at ``kv/`` (tenant subtrees ``kv/<tenant>/``) and the database secrets engine at ``database/``,
  pointed at the DB Manager's RDS Proxy.
- A Kubernetes auth method per cluster, and a JWT auth method for GitHub Actions whose role is bound
  to the infra repository and the stack's environment.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random
import pulumi_vault as vault

from components import options
from components.context import StackContext
from components.vault import policies as vp

GITHUB_OIDC_DISCOVERY_URL = "https://token.actions.githubusercontent.com"


#: Lease bounds of every mount and auth method, read by VaultPlatformArgs and the config model (``vault.*``).
DEFAULT_LEASE_TTL_SECONDS = 3600
MAX_LEASE_TTL_SECONDS = 86400


def duration(seconds: int) -> str:
    return f"{seconds}s"


def ci_role_name(label: str, environment: str) -> str:
    """The JWT role a workflow job names to log in (``infra-dev``, ``infra-preview-prod``…)."""
    return f"{label}-{environment}"


@dataclass(frozen=True)
class VaultPlatformArgs:
    """Attributes:
    kubernetes_host / kubernetes_ca_pem: The cluster whose service accounts log in.
    token_reviewer_jwt: The token Vault presents to the cluster's TokenReview API (a secret).
    default_lease_ttl_seconds / max_lease_ttl_seconds: Bounds on every mount and auth method.
    database_url: ``host:port`` of the Aurora writer endpoint (RDS Proxy refuses Vault's password logins, ADR-0002).
    database_username: Vault's administrative login; its password is generated here (a secret), and
      rotated by Vault after the first ``up`` (``vault write -f database/rotate-root/aurora``, ADR-0001),
      so no person types it and no stack file holds it.
    database_ca_file: Where the Vault server holds the RDS root CAs (``vault.databaseCaFile``): the
      PostgreSQL plugin (pgx) reads ``sslrootcert`` as a path on the Vault server, and verifies the
      writer endpoint's certificate and name against it (``verify-full``).
    """

    kubernetes_host: pulumi.Input[str]
    kubernetes_ca_pem: pulumi.Input[str]
    token_reviewer_jwt: pulumi.Input[str]
    database_url: pulumi.Input[str]
    database_username: str
    database_ca_file: str = "/vault/userconfig/rds-ca/rds-ca.pem"
    default_lease_ttl_seconds: int = DEFAULT_LEASE_TTL_SECONDS
    max_lease_ttl_seconds: int = MAX_LEASE_TTL_SECONDS


class VaultPlatform(pulumi.ComponentResource):
    """Exposes each mount and auth path as the output of the resource that creates it, so that what
    lives under them (tenant KV seeds, database roles, Kubernetes auth roles) is created after."""

    kv_mount: pulumi.Output[str]
    database_mount: pulumi.Output[str]
    database_connection: pulumi.Output[str]
    kubernetes_auth_path: pulumi.Output[str]

    def __init__(self, name: str, args: VaultPlatformArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:vault:VaultPlatform", name, None, opts)
        child = options.child(self, opts)
        ttl = {"default_lease_ttl_seconds": args.default_lease_ttl_seconds, "max_lease_ttl_seconds": args.max_lease_ttl_seconds}
        tune = {
            "default_lease_ttl": duration(args.default_lease_ttl_seconds),
            "max_lease_ttl": duration(args.max_lease_ttl_seconds),
        }

        audit = vault.Audit(f"{name}-audit", type="file", path=vp.AUDIT_PATH, options={"file_path": "stdout", "format": "json"}, opts=child)
        # The mounts hold every tenant's secrets and leases: kept where the stack protects state (ADR-0005).
        after_audit = options.child(self, opts, after=[audit], keep=ctx.protect)
        self.kv = vault.Mount(
            f"{name}-kv",
            path=vp.KV_MOUNT,
            type="kv",
            options={"version": "2"},
            description="Tenant and platform secrets (KV v2)",
            **ttl,
            opts=after_audit,
        )
        self.database = vault.Mount(
            f"{name}-database",
            path=vp.DATABASE_MOUNT,
            type="database",
            description="Short-lived PostgreSQL credentials (ADR-2)",
            **ttl,
            opts=after_audit,
        )
        # Vault rotates this password once it owns the connection; Pulumi must not put the old one back.
        login = random.RandomPassword(f"{name}-db-login", length=40, special=False, opts=child)
        connection = vault.database.SecretBackendConnection(
            f"{name}-aurora",
            backend=self.database.path,
            name=vp.DATABASE_CONNECTION,
            # Any role of this mount: each tenant's role is the tenant's own object (its Concierge), and a
            # list of tenants here would rewrite the connection at every onboarding (Vault closes and
            # reopens a connection whose config is written: every tenant's issuance, #27 item 3). Who
            # may write roles on the mount is the CI deploy policy; every statement goes through the
            # migration's functions, which refuse a user outside a tenant group.
            allowed_roles=["*"],
            verify_connection=False,
            postgresql={
                "connection_url": pulumi.Output.from_input(args.database_url).apply(
                    lambda url: vp.database_connection_url(url, "postgres", args.database_ca_file)
                ),
                "username": args.database_username,
                "password": login.result,
                "max_open_connections": 4,
            },
            opts=options.child(self, opts, ignore_changes=["postgresql.password"]),
        )

        kubernetes = vault.AuthBackend(
            f"{name}-kubernetes",
            type="kubernetes",
            path=vp.kubernetes_auth_path(ctx.cluster_name),
            description=f"Service accounts of cluster {ctx.cluster_name}",
            tune=tune,
            opts=after_audit,
        )
        vault.kubernetes.AuthBackendConfig(
            f"{name}-kubernetes",
            backend=kubernetes.path,
            kubernetes_host=args.kubernetes_host,
            kubernetes_ca_cert=args.kubernetes_ca_pem,
            token_reviewer_jwt=args.token_reviewer_jwt,
            disable_local_ca_jwt=True,  # Vault runs outside the cluster: it has no local service account
            opts=child,
        )

        github = vault.jwt.AuthBackend(
            f"{name}-github",
            path=vp.GITHUB_JWT_PATH,
            oidc_discovery_url=GITHUB_OIDC_DISCOVERY_URL,
            bound_issuer=GITHUB_OIDC_DISCOVERY_URL,
            description="GitHub Actions OIDC",
            tune=tune,
            opts=after_audit,
        )
        # The deploy and preview jobs log in with their GitHub OIDC token: no Vault token is stored.
        # The first `up` runs with a bootstrap token (it creates this method); every later one logs in.
        auth_paths = [vp.kubernetes_auth_path(ctx.cluster_name), vp.GITHUB_JWT_PATH]
        deploy = vault.Policy(f"{name}-ci-policy", name=vp.CI_DEPLOY_POLICY, policy=vp.ci_deploy_policy(auth_paths), opts=child)
        preview = vault.Policy(f"{name}-ci-preview-policy", name=vp.CI_PREVIEW_POLICY, policy=vp.ci_preview_policy(auth_paths), opts=child)
        repository = f"{ctx.github_org}/{ctx.infra_repository}"
        for label, claims, policy in (
            ("infra", {"repository": repository, "environment": ctx.environment}, deploy),
            ("infra-preview", {"repository": repository, "event_name": "pull_request"}, preview),
            # The scheduled drift check (.github/workflows/drift.yml): a preview, from its own environment.
            ("infra-drift", {"repository": repository, "environment": f"drift-{ctx.environment}"}, preview),
        ):
            vault.jwt.AuthBackendRole(
                f"{name}-github-{label}",
                backend=github.path,
                role_name=ci_role_name(label, ctx.environment),
                role_type="jwt",
                user_claim="repository",
                bound_audiences=[f"https://github.com/{ctx.github_org}"],
                bound_claims=claims,
                token_policies=[policy.name],
                token_ttl=900,
                token_max_ttl=args.default_lease_ttl_seconds,
                opts=child,
            )
        self.database_login: pulumi.Output[str] = pulumi.Output.secret(login.result)
        self.kv_mount, self.database_mount = self.kv.path, self.database.path
        self.database_connection, self.kubernetes_auth_path = connection.name, kubernetes.path
        self.register_outputs({"kubernetesAuthPath": self.kubernetes_auth_path})
