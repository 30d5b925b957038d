"""The Concierge for one tenant (ADR-0001): a tenant identity reaches only that tenant's secrets.

- KV v2 subtree ``kv/<tenant>/`` (seeded with an ownership record);
- a database role issuing short-lived PostgreSQL users limited to the tenant's schema and to the
  tenant's connection share (ADR-0002);
- the ``tenant-<name>`` policy (text from ``vault_policies``);
- a Kubernetes auth role bound to the tenant's namespace and service accounts only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_vault as vault

from components import options
from components.context import StackContext
from components.database import migration
from components.vault import policies as vp

#: How long a database credential the Concierge issues lives (read by the config model too).
DB_CREDENTIAL_TTL_SECONDS = 900


@dataclass(frozen=True)
class ConciergeArgs:
    """Attributes:
    tenant / owner_team / service_accounts: Whose identity, which service accounts.
    kv_mount / database_mount / database_connection / kubernetes_auth_path: Where the tenant's objects
      live, as outputs of the resources that create them (so these are created first).
    connection_limit: Per-credential connection cap (the tenant's pool share).
    db_credential_ttl_seconds / max_ttl_seconds / token_ttl_seconds: Credential and token lifetimes.
    vault_address: Where the tenant's pods reach Vault (recorded: the pack checks their egress reaches it).
    """

    tenant: str
    owner_team: str
    service_accounts: list[str]
    kv_mount: pulumi.Input[str]
    database_mount: pulumi.Input[str]
    database_connection: pulumi.Input[str]
    kubernetes_auth_path: pulumi.Input[str]
    connection_limit: int
    db_credential_ttl_seconds: int
    max_ttl_seconds: int
    token_ttl_seconds: int
    vault_address: str


class Concierge(pulumi.ComponentResource):
    policy_name: pulumi.Output[str]

    def __init__(self, name: str, args: ConciergeArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:vault:Concierge", name, {"tenant": args.tenant, "vaultAddress": args.vault_address}, opts)
        child = options.child(self, opts)
        policy = vault.Policy(f"{name}-policy", name=vp.tenant_policy_name(args.tenant), policy=vp.tenant_policy(args.tenant), opts=child)
        vault.kv.SecretV2(
            f"{name}-kv-owner",
            mount=args.kv_mount,
            name=f"{args.tenant}/_owner",
            data_json=json.dumps({"tenant": args.tenant, "ownerTeam": args.owner_team}),
            opts=options.child(self, opts, keep=ctx.protect),
        )
        vault.database.SecretBackendRole(
            f"{name}-db-role",
            backend=args.database_mount,
            name=args.tenant,
            db_name=args.database_connection,
            creation_statements=migration.creation_statements(args.tenant, args.connection_limit),
            revocation_statements=migration.revocation_statements(),
            renew_statements=migration.renew_statements(),
            default_ttl=args.db_credential_ttl_seconds,
            # At most an hour, renewals included (ADR-0002): pooler.create_user and renew_user refuse longer.
            max_ttl=min(args.max_ttl_seconds, args.db_credential_ttl_seconds * 4, migration.MAX_CREDENTIAL_SECONDS),
            opts=child,
        )
        vault.kubernetes.AuthBackendRole(
            f"{name}-k8s-role",
            backend=args.kubernetes_auth_path,
            role_name=args.tenant,
            bound_service_account_names=sorted(args.service_accounts),
            bound_service_account_namespaces=[args.tenant],
            audience="vault",
            token_policies=[policy.name],
            token_ttl=args.token_ttl_seconds,
            token_max_ttl=args.max_ttl_seconds,
            opts=child,
        )
        self.policy_name = policy.name
        self.register_outputs({"policyName": self.policy_name, "tenant": args.tenant, "vaultAddress": args.vault_address})
