"""A whole Tenant from its spec, the stack's settings and the platform's handles, without the platform:
every layer it touches, in its cost scope, passing the pack's resource rules."""

from __future__ import annotations

from decimal import Decimal

import pulumi

from components.kubernetes.quotas import QUOTA_TIERS
from components.tagging import CostTags
from components.tenant.delivery import ServiceSpec
from components.tenant.namespace import PlatformEndpoints
from components.tenant.spec import PlatformHandles, RepositorySpec, TenantSettings, TenantSpec
from components.tenant.tenant import Tenant, TenantProviders, layer_args
from policy_pack.policies.lifecycle import default_retention
from tests.components.harness import PROD_CONTEXT, build, resource_violations

SPEC = TenantSpec(
    name="lending",
    cost_tags=CostTags("prod", "lending", "lending-team", "CC-1003", "pii"),
    finops={"usage": {}, "shareWeight": "1", "monthlyBudgetUsd": "300.00"},
    owner_team="lending-team",
    owner_email="lending-team@fintech-blueprint.example",
    maintainers=["alice"],
    tier=QUOTA_TIERS["small"],
    services=[ServiceSpec("loan-api", "git@github.com:fintech-blueprint/lending-loan-api.git", 300, Decimal("1.0"))],
    repositories={"lending-loan-api": RepositorySpec({"AWS_REGION": "eu-west-3"})},
    monthly_budget_usd=Decimal(300),
    retention=default_retention("pii"),
    connection_limit=40,
)
SETTINGS = TenantSettings(
    org="fintech-blueprint",
    environment="prod",
    region="eu-west-3",
    kubernetes_version="1.35",
    endpoints=PlatformEndpoints(["10.20.0.0/16"], 8200, "db-manager", 6432, "observability", (4317, 4318), "10.20.0.0/16"),
    vault_address="https://vault.example:8200",
    builds_images=False,
    erasure_image="111111111111.dkr.ecr.eu-west-3.amazonaws.com/platform/db-manager:1.0.0@sha256:" + "7e" * 32,
    erasure_schedule="0 3 * * *",
)
HANDLES = PlatformHandles(
    data_key_arn="arn:aws:kms:eu-west-3:111111111111:key/data",
    github_oidc_provider_arn="arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
    pod_identity_cluster_name="fintech-blueprint-prod",
    access_log_bucket="fintech-blueprint-prod-access-logs",
    ledger_bucket="fintech-blueprint-prod-audit-ledger",
    admitted_registries=["111111111111.dkr.ecr.eu-west-3.amazonaws.com/platform/*"],
    kv_mount="kv",
    database_mount="database",
    database_connection="aurora",
    kubernetes_auth_path="kubernetes-fintech-blueprint-prod",
    alert_topic_arn="arn:aws:sns:eu-west-3:111111111111:fintech-blueprint-prod-alerts",
)


def tenant() -> None:
    providers = TenantProviders(
        aws=pulumi.ProviderResource("aws", "aws", {"region": "eu-west-3"}),
        kubernetes=pulumi.ProviderResource("kubernetes", "cluster", {}),
        vault=pulumi.ProviderResource("vault", "vault", {"address": SETTINGS.vault_address}),
        github=pulumi.ProviderResource("github", "github", {"owner": SETTINGS.org}),
    )
    Tenant("lending", SPEC, SETTINGS, HANDLES, PROD_CONTEXT, providers)


def test_the_tenant_derives_each_layer_from_one_spec() -> None:
    args = layer_args(SPEC, SETTINGS, HANDLES)
    names = {args.aws.tenant, args.kubernetes.namespace, args.delivery.tenant, args.gitops.tenant, args.concierge.tenant}
    assert names == {"lending"}
    # pii has erasure: the job's identity joins the services' (ADR-0005), with the outbox's bounds.
    assert args.kubernetes.services == ["loan-api", "erasure"] and args.erasure is not None
    # The repository is the org stack's: this environment writes its variables into its GitHub environment.
    assert args.ci.environment == "prod" and list(args.ci.variables) == ["lending-loan-api"] and args.ci.gate1 == ()
    assert args.ci.variables["lending-loan-api"]["AWS_REGION"] == "eu-west-3"
    assert args.ci.variables["lending-loan-api"]["AUDIT_LEDGER_BUCKET"] == "fintech-blueprint-prod-audit-ledger"
    assert args.concierge.db_credential_ttl_seconds == 900 and args.concierge.connection_limit == 40


def test_a_tenant_alone_registers_every_layer_and_passes_the_pack() -> None:
    built = build(tenant, stack="prod", tags=None)
    types = built.types()
    for component in (
        "fintech:aws:TenantAws",
        "fintech:kubernetes:TenantNamespace",
        "fintech:kubernetes:TenantDelivery",
        "fintech:vault:Concierge",
        "fintech:github:RepositoryVariables",
        "fintech:tenant:GitopsAccess",
        "fintech:tenant:Erasure",
    ):
        assert types.get(component) == 1, component
    # The Tenant's own cost scope tags what it creates (no stack transform here).
    queue = next(r for r in built.of_type("aws:sqs/queue:Queue") if r.inputs["name"].endswith("outbox"))
    assert queue.inputs["tags"]["tenant"] == "lending" and queue.inputs["tags"]["data-class"] == "pii"
    assert resource_violations(built) == []
