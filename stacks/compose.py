"""The one composition: every environment is this function applied to its config."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.quotas import QUOTA_TIERS
from components.tagging import SHARED_TENANT, CostTags, cost_scope_transform
from components.tenant import Tenant, TenantArgs, TenantProviders
from stacks.config import PlatformConfig, Tenant as TenantConfig


def shared_cost_tags(config: PlatformConfig) -> CostTags:
    """Platform-shared resources are paid by the platform team: tenant ``shared``."""
    return CostTags(config.environment, SHARED_TENANT, config.platform_owner, config.platform_cost_center)


def tenant_cost_tags(config: PlatformConfig, tenant: TenantConfig) -> CostTags:
    return CostTags(config.environment, tenant.name, tenant.owner_team, tenant.cost_center, tenant.data_class.value)


def tenant_args(config: PlatformConfig, tenant: TenantConfig) -> TenantArgs:
    return TenantArgs(
        name=tenant.name,
        cost_tags=tenant_cost_tags(config, tenant),
        tier=QUOTA_TIERS[tenant.tier],
        kubernetes_version=config.cluster.kubernetes_version,
        services=[s.name for s in tenant.services],
    )


def compose(config: PlatformConfig) -> None:
    # Safety net: anything outside a tenant scope is tagged as platform-shared.
    pulumi.runtime.register_resource_transform(cost_scope_transform(shared_cost_tags(config)))

    kubernetes = k8s.Provider("cluster", kubeconfig=pulumi.Output.secret("{}"))

    tenants = {
        t.name: Tenant(t.name, tenant_args(config, t), TenantProviders(kubernetes=kubernetes)) for t in config.tenants
    }
    pulumi.export("environment", config.environment)
    pulumi.export("tenantNamespaces", {name: t.namespace for name, t in tenants.items()})
