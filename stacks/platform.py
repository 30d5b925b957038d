"""The platform every tenant builds on, one step per layer (foundation, cluster platform, records,
database, billing, Vault, GitHub, cost allocation); each step reads the config and the handles the
earlier steps left on the component, and leaves its own."""

from __future__ import annotations

import datetime
import operator
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_github as github
import pulumi_kubernetes as k8s
import pulumi_vault as vault

from components import options
from components.aws.access_logs import AccessLogs, AccessLogsArgs
from components.aws.alert_relay import AlertRelay, AlertRelayArgs
from components.aws.alert_relay import topic_arn as alert_topic_arn
from components.aws.audit_ledger import AuditLedger, AuditLedgerArgs
from components.aws.backup import Backup, BackupArgs, BackupCopy
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
from components.aws.edge_identity import EdgeIdentity, EdgeIdentityArgs
from components.aws.finops import CostAllocation, CostAllocationArgs
from components.aws.image_repository import ImageRepository, ImageRepositoryArgs
from components.aws.keys import PlatformKeys, PlatformKeysArgs, signing_key_alias
from components.aws.log_group import log_group
from components.aws.network import Network, NetworkArgs
from components.aws.scaler_identity import (
    AdmissionIdentity,
    AdmissionIdentityArgs,
    LogShipperIdentity,
    LogShipperIdentityArgs,
    MetricsReaderIdentity,
    MetricsReaderIdentityArgs,
    NodeAutoscalerIdentity,
    NodeAutoscalerIdentityArgs,
    ScalerIdentity,
    ScalerIdentityArgs,
    TelemetryIdentity,
    TelemetryIdentityArgs,
)
from components.aws.trail_alarms import TrailAlarms, TrailAlarmsArgs
from components.database.access import DatabaseAccess, DatabaseAccessArgs
from components.github.variables import OrgRepositories, RepositoryVariables, RepositoryVariablesArgs
from components.kubernetes.admission import registry_host
from components.kubernetes.cloudwatch_metrics import ExporterSettings
from components.kubernetes.gateway import EdgeSettings
from components.kubernetes.logging import ShipperSettings
from components.kubernetes.node_autoscaler import AutoscalerSettings
from components.kubernetes.platform import KubernetesPlatform, KubernetesPlatformArgs
from components.kubernetes.telemetry import CollectorSettings
from components.tagging import MANDATORY_TAG_KEYS, SHARED_TENANT
from components.tenant.spec import PlatformHandles
from components.tenant.tenant import promotion_variables
from components.vault.platform import VaultPlatform, VaultPlatformArgs
from policy_pack.policies.contract import CI_VARIABLES, PLATFORM_COMPONENT, PLATFORM_IMAGE_PREFIX
from policy_pack.policies.lifecycle import AUDIT
from stacks import eks_versions, regions
from stacks.catalog import PLATFORM_REPOSITORIES
from stacks.config import ORG_CONTRACT_VERSION, PlatformConfig, pooler_replicas
from stacks.settings import (
    CLUSTER_COMPONENT,
    CONFIDENTIAL,
    PLATFORM_DATA_CLASS,
    db_manager_image,
    edge_entry,
    lifecycle_table,
    platform_finops,
    platform_log_group_name,
    retention,
    stack_context,
    tenant_pools,
)
from stacks.tenants import builds_images


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
        self.aws_provider = aws.Provider("aws", region=config.region, allowed_account_ids=[config.aws_account_id])
        self.on_aws = self.child(self.aws_provider)
        self.invoke = pulumi.InvokeOutputOptions(provider=self.aws_provider)
        self.account_id = aws.get_caller_identity_output(opts=self.invoke).account_id
        self.ctx = stack_context(config, self.account_id)

        self._foundation(config)
        self._cluster_platform(config)
        self._records(config)
        self._database(config)
        self._billing(config)
        self._vault(config)
        self._database_access(config)
        self._github(config)
        self._cost_allocation(config)
        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "accountId": self.account_id,
                "finops": finops_profile,
                "dataLifecycle": recorded["dataLifecycle"],
            }
        )

    def _foundation(self, config: PlatformConfig) -> None:
        """Keys, network, registries, CI identities, the cluster and its operators' identities, the platform log group."""
        zones = aws.get_availability_zones_output(state="available", opts=self.invoke).names
        upgrade = eks_versions.warning(config.cluster.kubernetes_version, datetime.datetime.now(datetime.UTC).date())
        if upgrade:
            pulumi.log.warn(f"cluster.kubernetesVersion: {upgrade}")
        self.keys = PlatformKeys(
            "platform-keys",
            PlatformKeysArgs(
                create_autoscaling_service_role=config.cluster.create_autoscaling_service_role,
                role_path=ROLE_PATH,
                signer_role_names=publisher_role_name_pattern(self.ctx.name_prefix),
                cluster_role_names=control_plane_role_name_pattern(CLUSTER_COMPONENT),
            ),
            self.ctx,
            self.on_aws,
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
            self.ctx,
            self.on_aws,
        )
        self.platform_images = {
            repo.name: ImageRepository(
                f"registry-{repo.name}",
                ImageRepositoryArgs(repository_name=f"{PLATFORM_IMAGE_PREFIX}{repo.name}", kms_key_arn=self.keys.data_key_arn),
                self.ctx,
                self.on_aws,
            )
            for repo in PLATFORM_REPOSITORIES
            if repo.ships_image
        }
        self.ci = CiIdentity(
            "ci-identity",
            CiIdentityArgs(
                publishers=[ImagePublisher(name, [image.arn]) for name, image in self.platform_images.items()],
                alert_topic_arn=alert_topic_arn(config.region, config.aws_account_id, self.ctx.name_prefix),
                hosted_zone_id=config.edge.hosted_zone_id if config.edge else None,
            ),
            self.ctx,
            self.on_aws,
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
                autoscaled=config.cluster.node_autoscaler.enabled,
                access=[
                    ClusterAccess("deploy", self.ci.deploy_role_arn, CLUSTER_ADMIN_POLICY),
                    ClusterAccess("preview", self.ci.preview_role_arn, CLUSTER_VIEW_POLICY),
                    *(ClusterAccess(f"admin-{i}", arn, CLUSTER_ADMIN_POLICY) for i, arn in enumerate(config.cluster.admin_role_arns)),
                ],
                log_retention=retention(config, PLATFORM_DATA_CLASS),
            ),
            self.ctx,
            self.on_aws,
        )
        ScalerIdentity("keda-operator", ScalerIdentityArgs(self.cluster.pod_identity_cluster_name), self.ctx, self.on_aws)
        AdmissionIdentity("kyverno-admission", AdmissionIdentityArgs(self.cluster.pod_identity_cluster_name), self.ctx, self.on_aws)
        if config.cluster.node_autoscaler.enabled:
            NodeAutoscalerIdentity(
                "cluster-autoscaler", NodeAutoscalerIdentityArgs(self.cluster.pod_identity_cluster_name), self.ctx, self.on_aws
            )
        self.collector = CollectorSettings(region=config.region)
        self.shipper = ShipperSettings(
            region=config.region, name_prefix=self.ctx.name_prefix, platform_log_group=platform_log_group_name(config)
        )
        log_group(
            "platform-logs",
            log_group_name=self.shipper.platform_log_group,
            retention=retention(config, PLATFORM_DATA_CLASS),
            kms_key_arn=self.keys.data_key_arn,
            opts=self.child(self.aws_provider, keep=self.ctx.protect),
        )
        # Alerts reach a person (#30 item 1): the alert topic, the platform team's subscription, Alertmanager's identity.
        self.alerts = AlertRelay(
            "alert-relay",
            AlertRelayArgs(
                region=config.region,
                account_id=config.aws_account_id,
                platform_email=config.alerting.platform_email,
                kms_key_arn=self.keys.data_key_arn,
                cluster_name=self.cluster.pod_identity_cluster_name,
            ),
            self.ctx,
            self.on_aws,
        )
        self.alert_topic_arn = alert_topic_arn(config.region, config.aws_account_id, self.ctx.name_prefix)
        TelemetryIdentity("otel-collector", TelemetryIdentityArgs(self.cluster.pod_identity_cluster_name), self.ctx, self.on_aws)
        MetricsReaderIdentity(
            "cloudwatch-exporter", MetricsReaderIdentityArgs(self.cluster.pod_identity_cluster_name), self.ctx, self.on_aws
        )
        if config.edge is not None:
            # The edge's controllers (#29 item 2, ADR-0028): the load balancer controller and external-dns.
            EdgeIdentity(
                "edge-identity",
                EdgeIdentityArgs(
                    cluster_name=self.cluster.pod_identity_cluster_name,
                    hosted_zone_id=config.edge.hosted_zone_id,
                ),
                self.ctx,
                self.on_aws,
            )
        LogShipperIdentity(
            "log-shipper",
            LogShipperIdentityArgs(
                cluster_name=self.cluster.pod_identity_cluster_name,
                platform_log_group=self.shipper.platform_log_group,
                tenant_log_groups=self.shipper.tenant_group_pattern,
            ),
            self.ctx,
            self.on_aws,
        )

    def _cluster_platform(self, config: PlatformConfig) -> None:
        """The cluster's provider and what runs on the cluster for every tenant (charts, admission)."""
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
                collector=self.collector,
                shipper=self.shipper,
                exporter=ExporterSettings(region=config.region, environment=config.environment),
                vault_address=config.vault.address,
                alert_topic_arn=self.alert_topic_arn,
                region=config.region,
                protect=self.ctx.protect,
                edge=EdgeSettings(
                    entry=entry,
                    cluster_name=self.cluster.pod_identity_cluster_name,
                    vpc_id=self.network.vpc_id,
                    region=config.region,
                    owner_id=self.ctx.name_prefix,
                )
                if (entry := edge_entry(config))
                else None,
                node_autoscaler=AutoscalerSettings(
                    cluster_name=self.cluster.pod_identity_cluster_name,
                    region=config.region,
                    max_nodes=config.cluster.node_max,
                    scale_down_unneeded_minutes=config.cluster.node_autoscaler.scale_down_unneeded_minutes,
                    scale_down_utilization=config.cluster.node_autoscaler.scale_down_utilization_threshold,
                )
                if config.cluster.node_autoscaler.enabled
                else None,
            ),
            self.child(self.kubernetes_provider),
        )

    def _records(self, config: PlatformConfig) -> None:
        """What keeps evidence: access logs, the audit ledger and trail, the CIS alarms."""
        self.access_logs = AccessLogs("access-logs", AccessLogsArgs(retention=retention(config, CONFIDENTIAL)), self.ctx, self.on_aws)
        self.ledger = AuditLedger(
            "audit-ledger",
            AuditLedgerArgs(
                kms_key_arn=self.keys.data_key_arn,
                retention_days=config.audit.ledger_retention_days,
                retention=retention(config, AUDIT),
                access_log_bucket=self.access_logs.bucket_name,
            ),
            self.ctx,
            self.on_aws,
        )
        TrailAlarms(
            "trail-alarms",
            TrailAlarmsArgs(
                log_group_name=self.ledger.log_group_name,
                alert_email=config.audit.security_alert_email,
                kms_key_arn=self.keys.data_key_arn,
            ),
            self.ctx,
            self.on_aws,
        )

    def _database(self, config: PlatformConfig) -> None:
        """Aurora behind the DB Manager, the pooler and migration in the cluster, backups."""
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
            self.ctx,
            self.on_aws,
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
                copy=BackupCopy(
                    region=copy_region,
                    provider=aws.Provider(f"aws-{copy_region}", region=copy_region, allowed_account_ids=[config.aws_account_id]),
                )
                if (copy_region := config.backup.copy_region)
                else None,
            ),
            self.ctx,
            self.on_aws,
        )

    def _database_access(self, config: PlatformConfig) -> None:
        """The pooler and the migration in the cluster (after Vault: the migration sets Vault's first login)."""
        DatabaseAccess(
            "db-access",
            DatabaseAccessArgs(
                image=db_manager_image(config),
                writer_endpoint=self.db.writer_endpoint,
                vault_user=config.database.vault_username,
                vault_password=self.vault.database_login,
                ca_bundle=regions.rds_ca_bundle(config.region),
                pools=tenant_pools(config),
                kubernetes_version=config.cluster.kubernetes_version,
                vpc_cidr=config.network.cidr,
                cluster_name=self.cluster.pod_identity_cluster_name,
                replicas=pooler_replicas(config),
            ),
            self.ctx,
            self.child(self.aws_provider, self.kubernetes_provider, after=[self.kubernetes]),
        )

    def _billing(self, config: PlatformConfig) -> None:
        """The FOCUS billing export (its own us-east-1 provider)."""
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
                self.ctx,
                self.on_aws,
            )

    def _vault(self, config: PlatformConfig) -> None:
        """The Concierge: Vault's mounts, auth methods and CI logins."""
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
                database_ca_file=config.vault.database_ca_file,
                default_lease_ttl_seconds=config.vault.default_lease_ttl_seconds,
                max_lease_ttl_seconds=config.vault.max_lease_ttl_seconds,
            ),
            self.ctx,
            self.child(self.vault_provider),
        )

    def _github(self, config: PlatformConfig) -> None:
        """The org stack's outputs (ADR-0031), and this environment's variables on the platform repositories
        that ship an image: the organization's objects are the org stack's, deployed first."""
        self.github_provider = github.Provider("github", owner=config.github_org)
        self.org = pulumi.StackReference("org", stack_name=config.org.stack, opts=pulumi.ResourceOptions(parent=self))
        read = {name: self.org.require_output(name) for name in config.org.reads}
        # Every use of the repositories first checks that the org stack speaks this program's contract.
        checked = pulumi.Output.all(read["contractVersion"], read["organization"], read["repositories"]).apply(
            lambda known: _checked_contract(config, *known)
        )
        self.org_repositories = OrgRepositories(checked)
        prefix = self.ctx.name_prefix
        RepositoryVariables(
            "platform-ci",
            RepositoryVariablesArgs(
                environment=config.environment,
                variables={
                    r.name: {
                        **ci_variables(
                            config.aws_account_id,
                            config.region,
                            prefix,
                            r.name,
                            f"{PLATFORM_IMAGE_PREFIX}{r.name}",
                            signing_key_alias(prefix),
                        ),
                        **promotion_variables(self.cluster.pod_identity_cluster_name, self.ledger.bucket_name),
                    }
                    for r in PLATFORM_REPOSITORIES
                    if r.ships_image
                },
                gate1=CI_VARIABLES if builds_images(config) else (),
            ),
            self.org_repositories,
            self.child(self.github_provider),
        )

    def _cost_allocation(self, config: PlatformConfig) -> None:
        """Cost allocation tags and the platform's own budget."""
        CostAllocation(
            "cost-allocation",
            CostAllocationArgs(
                tag_keys=list(MANDATORY_TAG_KEYS) if config.finops.activate_cost_allocation_tags else [],
                shared_budget_name=self.ctx.name(SHARED_TENANT),
                shared_budget_usd=config.finops.platform_monthly_budget_usd,
                alert_email=config.finops.alert_email,
            ),
            self.on_aws,
        )

    def child(
        self, *providers: pulumi.ProviderResource, after: list[pulumi.Resource] | None = None, keep: bool | None = None
    ) -> pulumi.ResourceOptions:
        """A platform component's options: parented here with ``providers``, aliased to the stack's root
        where stacks created before the Platform component had it (no replacement)."""
        return options.child(
            self, after=after or [], keep=keep, providers=providers, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]
        )

    def handles(self) -> PlatformHandles:
        """What every tenant is handed (after every step ran)."""
        return PlatformHandles(
            data_key_arn=self.keys.data_key_arn,
            github_oidc_provider_arn=self.ci.provider_arn,
            pod_identity_cluster_name=self.cluster.pod_identity_cluster_name,
            access_log_bucket=self.access_logs.bucket_name,
            ledger_bucket=self.ledger.bucket_name,
            admitted_registries=self.kubernetes.admitted_registries,
            kv_mount=self.vault.kv_mount,
            database_mount=self.vault.database_mount,
            database_connection=self.vault.database_connection,
            kubernetes_auth_path=self.vault.kubernetes_auth_path,
            alert_topic_arn=self.alert_topic_arn,
            kubernetes_dependencies=[*self.kubernetes.releases.values(), *self.kubernetes.priority_classes],
            org_repositories=self.org_repositories,
            aws_dependencies=[self.alerts.topic],
            public_subnet_ids=list(self.network.public_subnet_ids),
        )


class OrgContractError(Exception):
    """The org stack's outputs are not what this program reads (another contract version or organization)."""


def _checked_contract(config: PlatformConfig, version: object, organization: object, repositories: Any) -> Any:
    if version != ORG_CONTRACT_VERSION:
        raise OrgContractError(
            f"the org stack {config.org.stack!r} exports contract version {version!r}; this program reads version "
            f"{ORG_CONTRACT_VERSION}: deploy the org stack of this commit first (ADR-0031)"
        )
    if organization != config.github_org:
        raise OrgContractError(f"githubOrg is {config.github_org!r} but the org stack {config.org.stack!r} manages {organization!r}")
    return repositories
