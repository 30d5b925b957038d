"""The one composition: every environment is this function applied to its config.

Providers are created here and passed to components explicitly; components never read config.
"""

from __future__ import annotations

import operator
from decimal import Decimal
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_github as github
import pulumi_kubernetes as k8s
import pulumi_vault as vault

from components.aws.access_logs import AccessLogs, AccessLogsArgs
from components.aws.audit_ledger import AuditLedger, AuditLedgerArgs
from components.aws.backup import Backup, BackupArgs
from components.aws.billing_export import BillingExport, BillingExportArgs
from components.aws.ci_identity import ROLE_PATH, CiIdentity, CiIdentityArgs, ImagePublisher, ci_variables, publisher_role_name_pattern
from components.aws.cluster import (
    CLUSTER_ADMIN_POLICY,
    CLUSTER_VIEW_POLICY,
    Cluster,
    ClusterAccess,
    ClusterArgs,
    control_plane_role_name_pattern,
)
from components.aws.db_manager import DbManager, DbManagerArgs
from components.aws.finops import CostAllocation, CostAllocationArgs
from components.aws.image_repository import ImageRepository, ImageRepositoryArgs
from components.aws.keys import PlatformKeys, PlatformKeysArgs, signing_key_alias
from components.aws.log_group import log_group
from components.aws.network import Network, NetworkArgs
from components.aws.scaler_identity import ScalerIdentity, ScalerIdentityArgs, TelemetryIdentity, TelemetryIdentityArgs
from components.aws.trail_alarms import TrailAlarms, TrailAlarmsArgs
from components.context import StackContext
from components.database.access import NAMESPACE as DB_MANAGER_NAMESPACE
from components.database.access import POOLER_PORT, DatabaseAccess, DatabaseAccessArgs
from components.database.pooler import TenantPool
from components.github.organization import GithubOrganization, GithubOrganizationArgs, TeamSpec, template_files
from components.github.template import TemplateValues, rendered_files
from components.kubernetes.admission import registry_host
from components.kubernetes.platform import KubernetesPlatform, KubernetesPlatformArgs
from components.kubernetes.quotas import QUOTA_TIERS, cpu_cores
from components.kubernetes.telemetry import COLLECTOR, OTLP_GRPC_PORT, OTLP_HTTP_ENDPOINT, OTLP_HTTP_PORT, CollectorSettings
from components.tagging import MANDATORY_TAG_KEYS, SHARED_TENANT, CostTags, cost_scope_transform
from components.tenant.aws import TenantAwsArgs, image_repository_name, log_group_name, service_repository_name
from components.tenant.concierge import ConciergeArgs
from components.tenant.delivery import ServiceSpec, TenantDeliveryArgs
from components.tenant.erasure import ErasureSettings
from components.tenant.github import TenantGithubArgs
from components.tenant.gitops_access import TenantGitopsAccessArgs, ssh_url
from components.tenant.mlops import TenantMlopsArgs
from components.tenant.namespace import PlatformEndpoints, TenantNamespaceArgs
from components.tenant.tenant import Tenant, TenantArgs, TenantProviders
from components.vault.platform import VaultPlatform, VaultPlatformArgs
from components.vault.policies import tenant_connection_limit
from policy_pack.policies import pricing
from policy_pack.policies.contract import ERASURE_NAME, PLATFORM_COMPONENT
from policy_pack.policies.lifecycle import AUDIT, Retention
from stacks.catalog import PLATFORM_REPOSITORIES
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
    """The configured image, or the DB Manager's (its ``erase`` command) from the platform registry."""
    return config.erasure.image or f"{platform_registry(config)}/platform/db-manager:{config.erasure.image_tag}"


def db_manager_image(config: PlatformConfig) -> str:
    """The DB Manager image (PgBouncer and the migration) from the platform registry."""
    return f"{platform_registry(config)}/platform/db-manager:{config.database.manager_image_tag}"


def platform_log_group_name(config: PlatformConfig) -> str:
    """Where the collector sends logs of no tenant namespace."""
    return f"/{name_prefix(config)}/platform"


def tenant_pools(config: PlatformConfig) -> list[TenantPool]:
    """Each tenant's pool at the pooler, capped at its tier's share of the database's connections."""
    return [TenantPool(t.name, tenant_connection_limit_of(config, t)) for t in config.tenants]


def tenant_connection_limit_of(config: PlatformConfig, tenant: TenantConfig) -> int:
    return tenant_connection_limit(
        config.database.max_connections, config.database.max_connections_percent, QUOTA_TIERS[tenant.tier].db_connection_percent
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
    )


def repository_files(config: PlatformConfig, tenant: str, service: str, owner_team: str, image_repository: str) -> dict[str, str]:
    """The golden template's files holding a placeholder, rendered for one repository (#17 hop 1)."""
    values = TemplateValues(
        org=config.github_org,
        tenant=tenant,
        service=service,
        owner_team=owner_team,
        platform_team=config.platform_owner,
        image_repository=f"{platform_registry(config)}/{image_repository}",
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


class Platform(pulumi.ComponentResource):
    """What the tenants build on: the platform-shared components, parented here so that the inventory
    shows the platform as one unit like a Tenant. The providers stay at the stack's root: a provider's
    URN is part of every resource's state, and moving it would replace them all.

    Stacks created before the platform was a component had its components at the root: the alias
    keeps their URNs (and every descendant's) without a replacement.
    """

    def __init__(self, config: PlatformConfig) -> None:
        # The stack's FinOps profile, as props and outputs: the estimate reads it from the plan (the
        # pack's tenant-estimate-within-budget from a preview's state, where outputs replace props).
        # Not an attribute named like the prop: the SDK replaces a component's prop attributes with the
        # engine's outputs, unknown in a preview (the mocks echo them, so only the real engine shows it).
        finops_profile = platform_finops(config)
        # The lifecycle table likewise: the pack checks every store against the row of its class.
        recorded = {"finops": finops_profile, "dataLifecycle": lifecycle_table(config)}
        super().__init__(PLATFORM_COMPONENT, "platform", recorded, None)
        inside = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)])
        self.aws_provider = aws.Provider("aws", region=config.region, allowed_account_ids=[config.aws_account_id])
        on_aws = pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(providers=[self.aws_provider]))
        invoke = pulumi.InvokeOutputOptions(provider=self.aws_provider)
        self.account_id = aws.get_caller_identity_output(opts=invoke).account_id
        zones = aws.get_availability_zones_output(state="available", opts=invoke).names
        self.ctx = ctx = stack_context(config, self.account_id)

        self.keys = PlatformKeys(
            "platform-keys",
            PlatformKeysArgs(
                create_autoscaling_service_role=config.cluster.create_autoscaling_service_role,
                role_path=ROLE_PATH,
                signer_role_names=publisher_role_name_pattern(ctx.name_prefix),
                cluster_role_names=control_plane_role_name_pattern(CLUSTER_COMPONENT),
            ),
            ctx,
            on_aws,
        )
        self.network = Network(
            "network",
            NetworkArgs(
                availability_zones=[zones.apply(operator.itemgetter(i)) for i in range(config.network.az_count)],
                kms_key_arn=self.keys.data_key_arn,
                cidr=config.network.cidr,
                nat_gateways=config.network.nat_gateways,
                flow_log_retention=retention(config, PLATFORM_DATA_CLASS),
            ),
            ctx,
            on_aws,
        )
        self.platform_images = {
            repo.name: ImageRepository(
                f"registry-{repo.name}",
                ImageRepositoryArgs(repository_name=f"platform/{repo.name}", kms_key_arn=self.keys.data_key_arn),
                ctx,
                on_aws,
            )
            for repo in PLATFORM_REPOSITORIES
            if repo.ships_image
        }
        self.ci = CiIdentity(
            "ci-identity",
            CiIdentityArgs(publishers=[ImagePublisher(name, [image.arn]) for name, image in self.platform_images.items()]),
            ctx,
            on_aws,
        )
        self.cluster = Cluster(
            CLUSTER_COMPONENT,
            ClusterArgs(
                kubernetes_version=config.cluster.kubernetes_version,
                subnet_ids=list(self.network.private_subnet_ids),
                secrets_key_arn=self.keys.secrets_key_arn,
                data_key_arn=self.keys.data_key_arn,
                endpoint_public_access=config.cluster.endpoint_public_access,
                public_access_cidrs=list(config.cluster.public_access_cidrs),
                instance_types=list(config.cluster.node_instance_types),
                node_min=config.cluster.node_min,
                node_desired=config.cluster.node_desired,
                node_max=config.cluster.node_max,
                access=[
                    ClusterAccess("deploy", self.ci.deploy_role_arn, CLUSTER_ADMIN_POLICY),
                    ClusterAccess("preview", self.ci.preview_role_arn, CLUSTER_VIEW_POLICY),
                    *(ClusterAccess(f"admin-{i}", arn, CLUSTER_ADMIN_POLICY) for i, arn in enumerate(config.cluster.admin_role_arns)),
                ],
                log_retention=retention(config, PLATFORM_DATA_CLASS),
            ),
            ctx,
            on_aws,
        )
        ScalerIdentity("keda-operator", ScalerIdentityArgs(self.cluster.pod_identity_cluster_name), ctx, on_aws)
        collector = CollectorSettings(
            region=config.region,
            platform_log_group=platform_log_group_name(config),
            tenant_log_groups={t.name: log_group_name(ctx.name_prefix, t.name) for t in config.tenants},
        )
        log_group(
            "platform-logs",
            log_group_name=collector.platform_log_group,
            retention=retention(config, PLATFORM_DATA_CLASS),
            kms_key_arn=self.keys.data_key_arn,
            opts=pulumi.ResourceOptions.merge(on_aws, pulumi.ResourceOptions(protect=ctx.protect, retain_on_delete=ctx.protect)),
        )
        TelemetryIdentity(
            "otel-collector",
            TelemetryIdentityArgs(
                self.cluster.pod_identity_cluster_name, [collector.platform_log_group, *collector.tenant_log_groups.values()]
            ),
            ctx,
            on_aws,
        )
        self.kubernetes_provider = k8s.Provider("cluster", kubeconfig=self.cluster.kubeconfig)
        self.kubernetes = KubernetesPlatform(
            "kubernetes-platform",
            KubernetesPlatformArgs(
                kubernetes_version=config.cluster.kubernetes_version,
                registry_host=self.account_id.apply(lambda account: registry_host(account, config.region)),
                signing_public_key_pem=self.keys.signing_public_key_pem,
                ha=config.kubernetes.gitops_ha,
                chaos_enabled=config.kubernetes.chaos_enabled,
                allowed_registries=list(config.kubernetes.allowed_registries),
                metrics_retention=config.kubernetes.metrics_retention,
                collector=collector,
            ),
            pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(providers=[self.kubernetes_provider])),
        )

        self.access_logs = AccessLogs("access-logs", AccessLogsArgs(retention=retention(config, CONFIDENTIAL)), ctx, on_aws)
        self.ledger = AuditLedger(
            "audit-ledger",
            AuditLedgerArgs(
                kms_key_arn=self.keys.data_key_arn,
                retention_days=config.audit.ledger_retention_days,
                retention=retention(config, AUDIT),
                access_log_bucket=self.access_logs.bucket_name,
            ),
            ctx,
            on_aws,
        )
        TrailAlarms(
            "trail-alarms",
            TrailAlarmsArgs(
                log_group_name=self.ledger.log_group_name,
                alert_email=config.audit.security_alert_email,
                kms_key_arn=self.keys.data_key_arn,
            ),
            ctx,
            on_aws,
        )
        self.db = DbManager(
            "db-manager",
            DbManagerArgs(
                vpc_id=self.network.vpc_id,
                vpc_cidr=config.network.cidr,
                subnet_ids=list(self.network.private_subnet_ids),
                kms_key_arn=self.keys.data_key_arn,
                engine_version=config.database.engine_version,
                instance_class=config.database.instance_class,
                instances=config.database.instances,
                backup_retention_days=config.database.backup_retention_days,
                retention=retention(config, config.database_class.value),
                max_connections_percent=config.database.max_connections_percent,
                monitoring=config.database.monitoring,
            ),
            ctx,
            on_aws,
        )
        DatabaseAccess(
            "db-access",
            DatabaseAccessArgs(
                image=db_manager_image(config),
                writer_endpoint=self.db.writer_endpoint,
                vault_user=config.database.vault_username,
                pools=tenant_pools(config),
                kubernetes_version=config.cluster.kubernetes_version,
                vpc_cidr=config.network.cidr,
                cluster_name=self.cluster.pod_identity_cluster_name,
                replicas=config.database.pooler_replicas,
            ),
            ctx,
            pulumi.ResourceOptions.merge(
                inside, pulumi.ResourceOptions(providers=[self.aws_provider, self.kubernetes_provider], depends_on=[self.kubernetes])
            ),
        )
        Backup(
            "backup",
            BackupArgs(
                kms_key_arn=self.keys.data_key_arn,
                cluster_identifier=self.db.cluster_identifier,
                ledger_bucket=self.ledger.bucket_name,
                retention_days=config.backup.retention_days,
                schedule=config.backup.schedule,
                lock_mode=config.backup.vault_lock,
            ),
            ctx,
            on_aws,
        )
        if config.finops.billing_export:
            # Data Exports exists only in us-east-1: its own provider, pinned to the same account.
            exports_provider = aws.Provider("aws-us-east-1", region="us-east-1", allowed_account_ids=[config.aws_account_id])
            BillingExport(
                "billing-export",
                BillingExportArgs(
                    kms_key_arn=self.keys.data_key_arn,
                    access_log_bucket=self.access_logs.bucket_name,
                    retention=retention(config, CONFIDENTIAL),
                    exports_provider=exports_provider,
                ),
                ctx,
                on_aws,
            )
        self.vault_provider = vault.Provider("vault", address=config.vault.address)
        self.vault = VaultPlatform(
            "vault-platform",
            VaultPlatformArgs(
                kubernetes_host=self.cluster.endpoint,
                kubernetes_ca_pem=self.cluster.certificate_authority_pem,
                token_reviewer_jwt=self.kubernetes.vault_reviewer_jwt,
                # The writer endpoint: RDS Proxy admits IAM or Secrets Manager users only, not Vault's (ADR-0002).
                database_url=pulumi.Output.concat(self.db.writer_endpoint, ":5432"),
                database_username=config.database.vault_username,
                tenants=[t.name for t in config.tenants],
                default_lease_ttl_seconds=config.vault.default_lease_ttl_seconds,
                max_lease_ttl_seconds=config.vault.max_lease_ttl_seconds,
            ),
            ctx,
            pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(providers=[self.vault_provider])),
        )
        self.github_provider = github.Provider("github", owner=config.github_org)
        self.github = (
            None
            if not config.github.manage_organization
            else GithubOrganization(
                "github-org",
                GithubOrganizationArgs(
                    billing_email=config.github.billing_email,
                    teams=[
                        TeamSpec(
                            config.platform_owner,
                            "Platform team: owns the platform repositories",
                            list(config.github.platform_maintainers),
                        ),
                        TeamSpec("security", "Security & QA: reviews Gate 1 and policy changes", list(config.github.security_maintainers)),
                    ],
                    platform_repositories=[(r.name, r.description) for r in PLATFORM_REPOSITORIES],
                    required_approvals=config.github.required_approvals,
                    repository_files={
                        r.name: repository_files(config, "platform", r.name, config.platform_owner, f"platform/{r.name}")
                        for r in PLATFORM_REPOSITORIES
                    },
                ),
                ctx,
                pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(providers=[self.github_provider])),
            )
        )
        CostAllocation(
            "cost-allocation",
            CostAllocationArgs(
                tag_keys=list(MANDATORY_TAG_KEYS) if config.finops.activate_cost_allocation_tags else [],
                shared_budget_name=ctx.name(SHARED_TENANT),
                shared_budget_usd=config.finops.platform_monthly_budget_usd,
                alert_email=config.finops.alert_email,
            ),
            on_aws,
        )
        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "accountId": self.account_id,
                "finops": finops_profile,
                "dataLifecycle": recorded["dataLifecycle"],
            }
        )


def service_specs(config: PlatformConfig, tenant: TenantConfig) -> list[ServiceSpec]:
    return [
        ServiceSpec(
            name=s.name,
            repository_url=ssh_url(config.github_org, service_repository_name(tenant.name, s.name)),
            latency_p95_ms=s.slo.latency_p95_ms,
            error_rate_percent=s.slo.error_rate_percent,
            worker_scaling=(s.scaling.min_replicas, s.scaling.max_replicas, s.scaling.target_queue_depth) if s.scaling else None,
        )
        for s in tenant.services
    ]


def tenant_args(config: PlatformConfig, tenant: TenantConfig, platform: Platform) -> TenantArgs:
    services = [s.name for s in tenant.services]
    stores = retention(config, tenant.data_class.value)
    erasure = stores.lifecycle.erasure
    # The erasure job runs as its own ServiceAccount: created with the services', bound to the tenant's Vault role.
    identities = [*services, ERASURE_NAME] if erasure else services
    transit = stores.transit_seconds
    return TenantArgs(
        name=tenant.name,
        cost_tags=tenant_cost_tags(config, tenant),
        finops=tenant_finops(config, tenant),
        aws=TenantAwsArgs(
            tenant=tenant.name,
            services=services,
            monthly_budget_usd=tenant.monthly_budget_usd,
            owner_email=tenant.owner_email,
            image_key_arn=platform.keys.data_key_arn,
            github_oidc_provider_arn=platform.ci.provider_arn,
            cluster_name=platform.cluster.pod_identity_cluster_name,
            retention=stores,
            access_log_bucket=platform.access_logs.bucket_name,
            max_receive_count=config.outbox.max_receive_count,
            message_retention_seconds=config.outbox.message_retention_seconds,
            dlq_retention_seconds=config.outbox.dlq_retention_seconds,
        ),
        kubernetes=TenantNamespaceArgs(
            namespace=tenant.name,
            tier=QUOTA_TIERS[tenant.tier],
            kubernetes_version=config.cluster.kubernetes_version,
            services=identities,
            admitted_registries=platform.kubernetes.admitted_registries,
            allowed_registries=list(tenant.allowed_registries),
            endpoints=platform_endpoints(config),
        ),
        delivery=TenantDeliveryArgs(
            tenant=tenant.name, services=service_specs(config, tenant), region=config.region, owner_email=tenant.owner_email
        ),
        gitops=TenantGitopsAccessArgs(
            tenant=tenant.name,
            org=config.github_org,
            repositories=[service_repository_name(tenant.name, s.name) for s in tenant.services],
            stack=config.environment,
        ),
        concierge=ConciergeArgs(
            tenant=tenant.name,
            owner_team=tenant.owner_team,
            service_accounts=identities,
            kv_mount=platform.vault.kv_mount,
            database_mount=platform.vault.database_mount,
            database_connection=platform.vault.database_connection,
            kubernetes_auth_path=platform.vault.kubernetes_auth_path,
            connection_limit=tenant_connection_limit_of(config, tenant),
            db_credential_ttl_seconds=config.vault.db_credential_ttl_seconds,
            max_ttl_seconds=config.vault.max_lease_ttl_seconds,
            token_ttl_seconds=config.vault.default_lease_ttl_seconds,
            vault_address=config.vault.address,
        ),
        github=TenantGithubArgs(
            team_slug=tenant.owner_team,
            maintainers=list(tenant.maintainers),
            repositories=[(service_repository_name(tenant.name, s.name), f"{tenant.name}: {s.kind} {s.name}") for s in tenant.services],
            required_approvals=config.github.required_approvals,
            ci_variables={
                service_repository_name(tenant.name, s.name): ci_variables(
                    config.aws_account_id,
                    config.region,
                    name_prefix(config),
                    service_repository_name(tenant.name, s.name),
                    image_repository_name(tenant.name, s.name),
                    signing_key_alias(name_prefix(config)),
                )
                for s in tenant.services
            },
            repository_files={
                service_repository_name(tenant.name, s.name): repository_files(
                    config, tenant.name, s.name, tenant.owner_team, image_repository_name(tenant.name, s.name)
                )
                for s in tenant.services
            },
        )
        if config.github.manage_organization
        else None,
        mlops=TenantMlopsArgs(
            tenant=tenant.name,
            image_key_arn=platform.keys.data_key_arn,
            access_log_bucket=platform.access_logs.bucket_name,
            retention=stores,
        )
        if tenant.mlops
        else None,
        erasure=ErasureSettings(
            image=erasure_image(config),
            schedule=config.erasure.schedule,
            region=config.region,
            cluster_name=platform.cluster.pod_identity_cluster_name,
            ledger_bucket=platform.ledger.bucket_name,
            retention_seconds=(min(config.outbox.message_retention_seconds, transit), min(config.outbox.dlq_retention_seconds, transit)),
            max_receive_count=config.outbox.max_receive_count,
        )
        if erasure
        else None,
        kubernetes_dependencies=list(platform.kubernetes.releases.values()),
        github_dependencies=[platform.github] if platform.github else [],
    )


def compose(config: PlatformConfig) -> None:
    # Safety net: anything outside a tenant scope is tagged as platform-shared.
    pulumi.runtime.register_resource_transform(cost_scope_transform(shared_cost_tags(config)))
    platform = Platform(config)
    providers = TenantProviders(
        aws=platform.aws_provider,
        kubernetes=platform.kubernetes_provider,
        vault=platform.vault_provider,
        github=platform.github_provider,
    )
    tenants = {t.name: Tenant(t.name, tenant_args(config, t, platform), platform.ctx, providers) for t in config.tenants}

    pulumi.export("environment", config.environment)
    pulumi.export("clusterName", platform.cluster.name)
    pulumi.export("signingKeyArn", platform.keys.signing_key_arn)
    pulumi.export("signingPublicKeyPem", platform.keys.signing_public_key_pem)
    pulumi.export("auditLedgerBucket", platform.ledger.bucket_name)
    pulumi.export("ciDeployRoleArn", platform.ci.deploy_role_arn)
    pulumi.export("ciPreviewRoleArn", platform.ci.preview_role_arn)
    pulumi.export("databaseProxyEndpoint", platform.db.proxy_endpoint)
    pulumi.export("tenantNamespaces", {name: t.namespace for name, t in tenants.items()})
