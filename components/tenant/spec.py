"""What a Tenant is built from: the tenant (``TenantSpec``), what the stack decides for every tenant
(``TenantSettings``) and what the platform hands it (``PlatformHandles``). Each field once: the Tenant
derives every layer's Args from these three, so a tenant field is added here and read where it is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pulumi

from components.aws import outbox
from components.github.variables import OrgRepositories
from components.kubernetes.gateway import EdgeEntry
from components.kubernetes.quotas import QuotaTier
from components.tagging import CostTags
from components.tenant.concierge import DB_CREDENTIAL_TTL_SECONDS
from components.tenant.delivery import ServiceSpec
from components.tenant.edge import DEFAULT_RATE_LIMIT_PER_5_MIN, PublicRoute
from components.tenant.namespace import EgressAllow, PlatformEndpoints
from components.vault import platform as vault_platform
from policy_pack.policies.lifecycle import Retention


@dataclass(frozen=True)
class RepositorySpec:
    """A service repository of the tenant (the org stack creates it, ADR-0031): the Actions variables this
    environment writes into its GitHub environment of the same name."""

    ci_variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TenantSpec:
    """One tenant.

    Attributes:
        name: Tenant name: its namespace, its PostgreSQL schema and roles, its cost tag.
        cost_tags: Its cost identity (owner, cost center, data class): the Tenant's transform scope.
        finops: What the estimate reads of it (usage, share weight, budget), recorded on the component.
        owner_team / owner_email / maintainers: Who owns it, hears about its budget, maintains its team.
        tier: Quota tier (ResourceQuota, LimitRange, database connections).
        services: Its workloads; each has a service repository in ``repositories`` (same order).
        repositories: Service repository name -> what it holds.
        monthly_budget_usd: Its AWS Budget.
        retention: The class and lifecycle of its stores (ADR-0005).
        connection_limit: Its share of the database's connections (its Vault role and its pool).
        allowed_registries: Its own registry prefixes, beyond the platform's. Default: none.
        egress: Destinations outside the cluster its pods may reach (ADR-0025). Default: none.
        mlops: The MLOps layer is on. Default: off.
        public_routes: Its services the internet reaches through its edge (ADR-0028). Default: none.
        rate_limit_per_5_min: Its web ACL's rate-based rule.
    """

    name: str
    cost_tags: CostTags
    finops: dict[str, Any]
    owner_team: str
    owner_email: str
    maintainers: list[str]
    tier: QuotaTier
    services: list[ServiceSpec]
    repositories: dict[str, RepositorySpec]
    monthly_budget_usd: Decimal
    retention: Retention
    connection_limit: int
    allowed_registries: list[str] = field(default_factory=list)
    egress: list[EgressAllow] = field(default_factory=list)
    mlops: bool = False
    public_routes: list[PublicRoute] = field(default_factory=list)
    rate_limit_per_5_min: int = DEFAULT_RATE_LIMIT_PER_5_MIN


@dataclass(frozen=True)
class TenantSettings:
    """What the stack decides for every tenant.

    Attributes:
        org / environment / region / kubernetes_version: Where the tenant runs.
        endpoints: Where its pods' platform peers are (Vault, the pooler, the collector).
        vault_address: The Concierge's address, as its services reach it.
        builds_images: This environment is where Gate 1 publishes (dev): it also writes the repositories'
            Gate 1 variables (ADR-0031).
        erasure_image / erasure_schedule: The erasure job, for tenants of a class with erasure.
        canary_approval: A person promotes each canary before its last step (ADR-0027).
        edge: The stack's public entry, if it has one. Default: none.
        outbox / vault lease fields: Defaults are the components' own (``components.aws.outbox``,
            ``components.vault.platform``).
    """

    org: str
    environment: str
    region: str
    kubernetes_version: str
    endpoints: PlatformEndpoints
    vault_address: str
    builds_images: bool
    erasure_image: str
    erasure_schedule: str
    max_receive_count: int = outbox.MAX_RECEIVE_COUNT
    message_retention_seconds: int = outbox.MESSAGE_RETENTION_SECONDS
    dlq_retention_seconds: int = outbox.DLQ_RETENTION_SECONDS
    max_message_age_seconds: int = outbox.MAX_MESSAGE_AGE_SECONDS
    canary_approval: bool = False
    db_credential_ttl_seconds: int = DB_CREDENTIAL_TTL_SECONDS
    token_ttl_seconds: int = vault_platform.DEFAULT_LEASE_TTL_SECONDS
    max_ttl_seconds: int = vault_platform.MAX_LEASE_TTL_SECONDS
    edge: EdgeEntry | None = None


@dataclass(frozen=True)
class PlatformHandles:
    """What the platform hands each tenant (outputs of its components).

    Attributes:
        data_key_arn: The platform data key (image repositories, model images).
        github_oidc_provider_arn: The account's GitHub OIDC provider (the tenant's publisher roles trust it).
        pod_identity_cluster_name: The cluster Pod Identity associations name.
        access_log_bucket: Where the tenant's buckets log access.
        ledger_bucket: The audit ledger (erasure evidence).
        admitted_registries: What every tenant namespace admits.
        kv_mount / database_mount / database_connection / kubernetes_auth_path: The Concierge's paths.
        alert_topic_arn: The stack's alert topic (``components.aws.alert_relay``).
        kubernetes_dependencies: What the tenant's Kubernetes objects need first (the platform charts' CRDs).
        aws_dependencies: What the tenant's AWS objects need first (the alert topic its owner subscribes to).
        org_repositories: The org stack's repositories (ADR-0031); none for a component alone in a test.
        public_subnet_ids: Where a tenant's ALB is (the edge).
    """

    data_key_arn: pulumi.Input[str]
    github_oidc_provider_arn: pulumi.Input[str]
    pod_identity_cluster_name: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str]
    ledger_bucket: pulumi.Input[str]
    admitted_registries: pulumi.Input[list[str]]
    kv_mount: pulumi.Input[str]
    database_mount: pulumi.Input[str]
    database_connection: pulumi.Input[str]
    kubernetes_auth_path: pulumi.Input[str]
    alert_topic_arn: str
    kubernetes_dependencies: list[pulumi.Resource] = field(default_factory=list)
    aws_dependencies: list[pulumi.Resource] = field(default_factory=list)
    public_subnet_ids: list[pulumi.Input[str]] = field(default_factory=list)
    org_repositories: OrgRepositories = field(default_factory=lambda: OrgRepositories(None))
