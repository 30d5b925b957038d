"""A tenant's spec from its config entry, and what the stack decides for every tenant: the Tenant
builds each layer's Args from these and the platform's handles (``components.tenant.tenant.layer_args``)."""

from __future__ import annotations

from components.aws.ci_identity import ci_variables
from components.aws.keys import signing_key_alias
from components.kubernetes.quotas import QUOTA_TIERS
from components.tenant.aws import image_repository_name, service_repository_name
from components.tenant.canary import CanaryStep, Kpi
from components.tenant.delivery import ServiceSpec
from components.tenant.edge import PublicRoute
from components.tenant.gitops_access import ssh_url
from components.tenant.namespace import EgressAllow
from components.tenant.spec import RepositorySpec, TenantSettings, TenantSpec
from policy_pack.policies.contract import BUILD_ENVIRONMENT
from stacks.config import PlatformConfig, public_host, rate_limit
from stacks.config import Tenant as TenantConfig
from stacks.settings import (
    edge_entry,
    erasure_image,
    name_prefix,
    platform_endpoints,
    retention,
    tenant_connection_limit_of,
    tenant_cost_tags,
    tenant_finops,
)


def service_specs(config: PlatformConfig, tenant: TenantConfig) -> list[ServiceSpec]:
    return [
        ServiceSpec(
            name=s.name,
            repository_url=ssh_url(config.github_org, service_repository_name(tenant.name, s.name)),
            latency_p95_ms=s.slo.latency_p95_ms,
            error_rate_percent=s.slo.error_rate_percent,
            worker_scaling=(s.scaling.min_replicas, s.scaling.max_replicas, s.scaling.target_queue_depth) if s.scaling else None,
            canary_steps=tuple(CanaryStep(weight=c.weight, pause_seconds=c.pause_seconds) for c in s.canary.steps),
            kpis=tuple(Kpi(name=k.name, query=k.query, at_least=k.at_least, at_most=k.at_most) for k in s.slo.kpis),
        )
        for s in tenant.services
    ]


def repositories(config: PlatformConfig, tenant: TenantConfig) -> dict[str, RepositorySpec]:
    """Each service's repository (the org stack's): the variables this environment writes there."""
    prefix = name_prefix(config)
    found = {}
    for s in tenant.services:
        repository, image = service_repository_name(tenant.name, s.name), image_repository_name(tenant.name, s.name)
        found[repository] = RepositorySpec(
            ci_variables=ci_variables(config.aws_account_id, config.region, prefix, repository, image, signing_key_alias(prefix)),
        )
    return found


def builds_images(config: PlatformConfig) -> bool:
    """Gate 1 publishes to this environment (``contract.BUILD_ENVIRONMENT``, first of the path): it also writes
    the repositories' Gate 1 variables (the build job runs in no GitHub environment); the others get the
    digest by promotion."""
    return config.environment == BUILD_ENVIRONMENT


def tenant_spec(config: PlatformConfig, tenant: TenantConfig) -> TenantSpec:
    return TenantSpec(
        name=tenant.name,
        cost_tags=tenant_cost_tags(config, tenant),
        finops=tenant_finops(config, tenant),
        owner_team=tenant.owner_team,
        owner_email=tenant.owner_email,
        maintainers=list(tenant.maintainers),
        tier=QUOTA_TIERS[tenant.tier],
        services=service_specs(config, tenant),
        repositories=repositories(config, tenant),
        monthly_budget_usd=tenant.monthly_budget_usd,
        retention=retention(config, tenant.data_class.value),
        connection_limit=tenant_connection_limit_of(config, tenant),
        allowed_registries=list(tenant.allowed_registries),
        egress=[EgressAllow(name=e.name, cidrs=list(e.cidrs), ports=list(e.ports)) for e in tenant.egress],
        mlops=tenant.mlops,
        public_routes=public_routes(config, tenant),
        **({"rate_limit_per_5_min": rate_limit(config, tenant)} if config.edge else {}),
    )


def public_routes(config: PlatformConfig, tenant: TenantConfig) -> list[PublicRoute]:
    return [PublicRoute(s.name, public_host(config, s), s.public.path) for s in tenant.services if s.public and config.edge]


def canary_approval(config: PlatformConfig) -> bool:
    """Whether a person promotes each canary before its last step: the config's choice, else prod's."""
    chosen = config.kubernetes.canary_approval
    return config.environment == "prod" if chosen is None else chosen


def tenant_settings(config: PlatformConfig) -> TenantSettings:
    return TenantSettings(
        org=config.github_org,
        environment=config.environment,
        region=config.region,
        kubernetes_version=config.cluster.kubernetes_version,
        endpoints=platform_endpoints(config),
        vault_address=config.vault.address,
        builds_images=builds_images(config),
        erasure_image=erasure_image(config),
        erasure_schedule=config.erasure.schedule,
        max_receive_count=config.outbox.max_receive_count,
        message_retention_seconds=config.outbox.message_retention_seconds,
        dlq_retention_seconds=config.outbox.dlq_retention_seconds,
        max_message_age_seconds=config.outbox.max_message_age_seconds,
        canary_approval=canary_approval(config),
        db_credential_ttl_seconds=config.vault.db_credential_ttl_seconds,
        token_ttl_seconds=config.vault.default_lease_ttl_seconds,
        max_ttl_seconds=config.vault.max_lease_ttl_seconds,
        edge=edge_entry(config),
    )
