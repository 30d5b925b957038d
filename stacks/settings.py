"""What the composition derives from a stack's config, once, for the platform and the tenants alike:
names, cost tags, retention, images, endpoints, pools and FinOps profiles. Pure: no resource is made here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pulumi

from components.aws.network import subnet_plan
from components.context import StackContext
from components.database.access import NAMESPACE as DB_MANAGER_NAMESPACE
from components.database.access import POOLER_PORT
from components.database.pooler import TenantPool
from components.github.organization import template_files
from components.github.template import TemplateValues, rendered_files
from components.kubernetes.gateway import EdgeEntry
from components.kubernetes.quotas import QUOTA_TIERS, cpu_cores
from components.kubernetes.telemetry import COLLECTOR, OTLP_GRPC_PORT, OTLP_HTTP_ENDPOINT, OTLP_HTTP_PORT
from components.tagging import SHARED_TENANT, CostTags
from components.tenant.namespace import PlatformEndpoints
from components.vault.policies import tenant_connection_limit
from policy_pack.policies import pricing
from policy_pack.policies.lifecycle import Retention
from stacks.config import DataClass, PlatformConfig, platform_registry
from stacks.config import Tenant as TenantConfig

PLATFORM_DATA_CLASS = DataClass.INTERNAL.value
#: Access logs and billing files name principals, addresses and amounts.
CONFIDENTIAL = DataClass.CONFIDENTIAL.value
#: The cluster component's name: its control-plane role is auto-named from it (the secrets key admits it).
CLUSTER_COMPONENT = "cluster"


def name_prefix(config: PlatformConfig) -> str:
    """Prefix of physical names: ``<org>-<env>``, e.g. ``fintech-blueprint-dev``."""
    return f"{config.github_org.lower()}-{config.environment}"


def stack_context(config: PlatformConfig, account_id: pulumi.Input[str]) -> StackContext:
    """The context every component of the stack shares, built once."""
    return StackContext(
        environment=config.environment,
        github_org=config.github_org,
        name_prefix=name_prefix(config),
        region=config.region,
        account_id=account_id,
        protect=config.protect,
        infra_repository=config.github.infra_repository,
    )


def shared_cost_tags(config: PlatformConfig) -> CostTags:
    """Platform-shared resources are paid by the platform team (tenant ``shared``); their data is ``internal``."""
    return CostTags(config.environment, SHARED_TENANT, config.platform_owner, config.platform_cost_center, PLATFORM_DATA_CLASS)


def tenant_cost_tags(config: PlatformConfig, tenant: TenantConfig) -> CostTags:
    return CostTags(config.environment, tenant.name, tenant.owner_team, tenant.cost_center, tenant.data_class.value)


def retention(config: PlatformConfig, data_class: str) -> Retention:
    """A store of ``data_class``: its tag and its lifecycle, from the stack's table (ADR-0005)."""
    return Retention(data_class, config.data_lifecycle.of(data_class))


def lifecycle_table(config: PlatformConfig) -> dict[str, dict[str, Any]]:
    """The effective table, camelCase (null: never), as the Platform records it for the pack."""
    return {name: row.as_config() for name, row in config.data_lifecycle.table().items()}


def erasure_image(config: PlatformConfig) -> str:
    """The configured image, or the DB Manager's (its ``erase`` command), by digest."""
    return config.erasure.image or db_manager_image(config)


def db_manager_image(config: PlatformConfig) -> str:
    """The DB Manager image (PgBouncer and the migration) from the platform registry, by digest."""
    database = config.database
    return f"{platform_registry(config)}/platform/db-manager:{database.manager_image_tag}@{database.manager_image_digest}"


def platform_log_group_name(config: PlatformConfig) -> str:
    """Where Fluent Bit sends the logs of every namespace that is not a tenant's."""
    return f"/{name_prefix(config)}/platform"


def tenant_pools(config: PlatformConfig) -> list[TenantPool]:
    """Each tenant's pool at the pooler, capped at its tier's share of the database's connections."""
    return [
        TenantPool(t.name, tenant_connection_limit_of(config, t), audited=bool({DataClass.PCI, DataClass.PII} & set(t.data_classes)))
        for t in config.tenants
    ]


def tenant_connection_limit_of(config: PlatformConfig, tenant: TenantConfig) -> int:
    return tenant_connection_limit(
        config.database.max_connections, config.database.max_connections_percent, QUOTA_TIERS[tenant.tier].db_connection_percent
    )


def edge_entry(config: PlatformConfig) -> EdgeEntry | None:
    """The stack's public entry (ADR-0028), or None where it has none."""
    edge = config.edge
    if edge is None:
        return None
    return EdgeEntry(
        domain=edge.domain, hosted_zone_id=edge.hosted_zone_id, tls_policy=edge.tls_policy, shield_advanced=edge.shield_advanced
    )


def platform_endpoints(config: PlatformConfig) -> PlatformEndpoints:
    """Where a tenant pod's platform peers are: Vault outside the cluster (ADR-0023), the pooler, the collector."""
    return PlatformEndpoints(
        vault_cidrs=list(config.vault.network_cidrs) or [config.network.cidr],
        vault_port=config.vault.port,
        pooler_namespace=DB_MANAGER_NAMESPACE,
        pooler_port=POOLER_PORT,
        telemetry_namespace=COLLECTOR.namespace,
        otlp_ports=(OTLP_GRPC_PORT, OTLP_HTTP_PORT),
        aws_endpoints_cidr=config.network.cidr,
        edge_cidrs=tuple(p.public_cidr for p in subnet_plan(config.network.cidr, config.network.az_count)),
    )


def repository_files(org: str, platform_team: str, tenant: str, service: str, owner_team: str) -> dict[str, str]:
    """The golden template's files holding a placeholder, rendered for one repository (#17 hop 1). No
    environment's value is among them (registries, keys): those are each environment's Actions
    variables, read by the promotion (#26)."""
    values = TemplateValues(
        org=org,
        tenant=tenant,
        service=service,
        owner_team=owner_team,
        platform_team=platform_team,
        otlp_endpoint=OTLP_HTTP_ENDPOINT,
    )
    return rendered_files(template_files(), values)


def _usage(*overrides: dict[str, Decimal]) -> dict[str, str]:
    merged = pricing.default_usage()
    for override in overrides:
        merged.update(override)
    return {key: str(value) for key, value in merged.items()}


def share_weight(config: PlatformConfig, tenant: TenantConfig) -> Decimal:
    """The tenant's weight in the split of platform-shared cost (``finops.sharedCostSplit``)."""
    rule = config.finops.shared_cost_split
    if rule == "weights":
        return config.finops.shared_cost_weights[tenant.name]
    if rule == "tier":
        return cpu_cores(QUOTA_TIERS[tenant.tier].cpu_requests)
    return Decimal(1)


def platform_finops(config: PlatformConfig) -> dict[str, Any]:
    return {"usage": _usage(config.finops.usage), "sharedCostSplit": config.finops.shared_cost_split, "region": config.region}


def tenant_finops(config: PlatformConfig, tenant: TenantConfig) -> dict[str, Any]:
    return {
        "usage": _usage(config.finops.usage, tenant.usage),
        "shareWeight": str(share_weight(config, tenant)),
        "monthlyBudgetUsd": f"{tenant.monthly_budget_usd:.2f}",
    }
