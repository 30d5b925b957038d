"""The Tenant: one config entry fans out across every layer of the platform.

A Tenant is a *cost scope*: it carries a resource transform that tags/labels itself and every
descendant with the tenant's cost identity (components/tagging.py), so no child repeats the tags.
Each layer the tenant touches is its own child component, in its own module; the Tenant wires the
outputs of one layer into the next (service roles -> service accounts, outbox -> autoscaling).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components import options
from components.context import StackContext
from components.github.variables import OrgRepositories, RepositoryVariables, RepositoryVariablesArgs
from components.tagging import CostTags, cost_scope_transform
from components.tenant.aws import TenantAws, TenantAwsArgs
from components.tenant.concierge import Concierge, ConciergeArgs
from components.tenant.delivery import TenantDelivery, TenantDeliveryArgs
from components.tenant.edge import TenantEdge, TenantEdgeArgs
from components.tenant.erasure import ErasureSettings, TenantErasure, TenantErasureArgs
from components.tenant.gitops_access import TenantGitopsAccess, TenantGitopsAccessArgs
from components.tenant.mlops import TenantKey, TenantMlops, TenantMlopsArgs
from components.tenant.namespace import TenantNamespace, TenantNamespaceArgs
from components.tenant.spec import PlatformHandles, TenantSettings, TenantSpec
from policy_pack.policies.contract import CI_VARIABLES, ERASURE_NAME, PROMOTION_VARIABLES, TENANT_COMPONENT


@dataclass(frozen=True)
class TenantProviders:
    """Providers the tenant's layers use; the composition owns them."""

    aws: pulumi.ProviderResource
    kubernetes: pulumi.ProviderResource
    vault: pulumi.ProviderResource
    github: pulumi.ProviderResource


@dataclass(frozen=True)
class TenantArgs:
    """Inputs of one tenant: its cost identity and one args object per layer it touches.

    Attributes:
        kubernetes_dependencies: Platform resources the tenant's Kubernetes objects need first
            (CRDs come with the platform charts). Default: none.
        mlops: The MLOps layer, when the tenant activates it (reader roles are wired here). Default: off.
        erasure: The erasure queue and job, when the tenant's data class has erasure. Default: none.
        gitops: Argo CD's credentials for the tenant's repositories (a deploy key and repository Secret each).
        ci: The Actions variables this environment writes on the tenant's repositories (ADR-0031).
        repositories: The org stack's repositories, which the deploy keys and variables name.
        edge: Its public entry, when a service is public (ADR-0028). Default: none.
    """

    name: str
    cost_tags: CostTags
    #: What the cost estimate needs of the tenant (usage profile, share weight, tier, budget): recorded
    #: on the component (props and outputs) for the estimate and tenant-estimate-within-budget.
    finops: dict[str, Any]
    aws: TenantAwsArgs
    kubernetes: TenantNamespaceArgs
    delivery: TenantDeliveryArgs
    gitops: TenantGitopsAccessArgs
    concierge: ConciergeArgs
    ci: RepositoryVariablesArgs
    mlops: TenantMlopsArgs | None = None
    erasure: ErasureSettings | None = None
    edge: TenantEdgeArgs | None = None
    kubernetes_dependencies: list[pulumi.Resource] = field(default_factory=list)
    aws_dependencies: list[pulumi.Resource] = field(default_factory=list)
    repositories: OrgRepositories = field(default_factory=lambda: OrgRepositories(None))


def layer_args(spec: TenantSpec, settings: TenantSettings, platform: PlatformHandles) -> TenantArgs:
    """Each layer's Args of one tenant, derived from its spec, the stack's settings and the platform's
    handles (pure: a test builds it without Pulumi)."""
    names = [s.name for s in spec.services]
    erasure = spec.retention.lifecycle.erasure
    # The erasure job runs as its own ServiceAccount: created with the services', bound to the tenant's Vault role.
    identities = [*names, ERASURE_NAME] if erasure else names
    transit = spec.retention.transit_seconds
    return TenantArgs(
        name=spec.name,
        cost_tags=spec.cost_tags,
        finops=spec.finops,
        aws=TenantAwsArgs(
            tenant=spec.name,
            services=names,
            monthly_budget_usd=spec.monthly_budget_usd,
            owner_email=spec.owner_email,
            image_key_arn=platform.data_key_arn,
            github_oidc_provider_arn=platform.github_oidc_provider_arn,
            cluster_name=platform.pod_identity_cluster_name,
            retention=spec.retention,
            access_log_bucket=platform.access_log_bucket,
            max_receive_count=settings.max_receive_count,
            message_retention_seconds=settings.message_retention_seconds,
            dlq_retention_seconds=settings.dlq_retention_seconds,
            alert_topic_arn=platform.alert_topic_arn,
        ),
        kubernetes=TenantNamespaceArgs(
            namespace=spec.name,
            tier=spec.tier,
            kubernetes_version=settings.kubernetes_version,
            services=identities,
            admitted_registries=platform.admitted_registries,
            allowed_registries=list(spec.allowed_registries),
            egress=list(spec.egress),
            endpoints=settings.endpoints,
            public_services=sorted({r.service for r in spec.public_routes}),
        ),
        delivery=TenantDeliveryArgs(
            tenant=spec.name,
            services=spec.services,
            region=settings.region,
            owner_email=spec.owner_email,
            alert_topic_arn=platform.alert_topic_arn,
            environment=settings.environment,
            outbox_max_age_seconds=settings.max_message_age_seconds,
            canary_approval=settings.canary_approval,
        ),
        gitops=TenantGitopsAccessArgs(tenant=spec.name, org=settings.org, repositories=list(spec.repositories), stack=settings.environment),
        concierge=ConciergeArgs(
            tenant=spec.name,
            owner_team=spec.owner_team,
            service_accounts=identities,
            kv_mount=platform.kv_mount,
            database_mount=platform.database_mount,
            database_connection=platform.database_connection,
            kubernetes_auth_path=platform.kubernetes_auth_path,
            connection_limit=spec.connection_limit,
            db_credential_ttl_seconds=settings.db_credential_ttl_seconds,
            max_ttl_seconds=settings.max_ttl_seconds,
            token_ttl_seconds=settings.token_ttl_seconds,
            vault_address=settings.vault_address,
        ),
        ci=RepositoryVariablesArgs(
            environment=settings.environment,
            variables={
                name: {**repo.ci_variables, **promotion_variables(platform.pod_identity_cluster_name, platform.ledger_bucket)}
                for name, repo in spec.repositories.items()
            },
            gate1=CI_VARIABLES if settings.builds_images else (),
        ),
        mlops=TenantMlopsArgs(
            tenant=spec.name,
            image_key_arn=platform.data_key_arn,
            access_log_bucket=platform.access_log_bucket,
            retention=spec.retention,
        )
        if spec.mlops
        else None,
        erasure=ErasureSettings(
            image=settings.erasure_image,
            schedule=settings.erasure_schedule,
            region=settings.region,
            cluster_name=platform.pod_identity_cluster_name,
            ledger_bucket=platform.ledger_bucket,
            retention_seconds=(min(settings.message_retention_seconds, transit), min(settings.dlq_retention_seconds, transit)),
            max_receive_count=settings.max_receive_count,
        )
        if erasure
        else None,
        edge=TenantEdgeArgs(
            tenant=spec.name,
            routes=list(spec.public_routes),
            hosted_zone_id=settings.edge.hosted_zone_id,
            domain=settings.edge.domain,
            rate_limit_per_5_min=spec.rate_limit_per_5_min,
            tls_policy=settings.edge.tls_policy,
            shield_advanced=settings.edge.shield_advanced,
            public_subnet_ids=list(platform.public_subnet_ids),
            cost_tags=spec.cost_tags.mandatory(),
            waf_log_key_arn=platform.data_key_arn,
            retention=spec.retention,
        )
        if spec.public_routes and settings.edge
        else None,
        kubernetes_dependencies=list(platform.kubernetes_dependencies),
        aws_dependencies=list(platform.aws_dependencies),
        repositories=platform.org_repositories,
    )


def promotion_variables(cluster_name: pulumi.Input[str], ledger_bucket: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """What the promotion reads in an environment besides Gate 1's variables (``contract.PROMOTION_VARIABLES``)."""
    return dict(zip(PROMOTION_VARIABLES, (cluster_name, ledger_bucket), strict=True))


class Tenant(pulumi.ComponentResource):
    namespace: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: TenantSpec,
        settings: TenantSettings,
        platform: PlatformHandles,
        ctx: StackContext,
        providers: TenantProviders,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        args = layer_args(spec, settings, platform)
        scope = pulumi.ResourceOptions(transforms=[cost_scope_transform(args.cost_tags)])
        # The data class as a prop: the pack reads it to check the tenant's stores against its lifecycle.
        recorded = {"finops": args.finops, "dataClass": args.cost_tags.data_class}
        super().__init__(TENANT_COMPONENT, name, recorded, pulumi.ResourceOptions.merge(opts, scope))

        self.aws = TenantAws(name, args.aws, ctx, options.child(self, opts, after=args.aws_dependencies, providers=[providers.aws]))
        on_cluster = options.child(self, opts, after=args.kubernetes_dependencies, providers=[providers.kubernetes])
        # Each service account gets its role through a Pod Identity association (TenantAws): no annotation.
        self.kubernetes = TenantNamespace(name, args.kubernetes, ctx, on_cluster)
        self.delivery = TenantDelivery(
            name,
            args.delivery,
            self.aws.outbox.queue_url,
            options.child(self, opts, after=[*args.kubernetes_dependencies, self.kubernetes], providers=[providers.kubernetes]),
            outbox_queue_name=self.aws.outbox_queue_name,
        )
        if args.mlops is not None:
            TenantMlops(
                name,
                args.mlops,
                ctx,
                TenantKey(self.aws.key_arn, self.aws.key_alias),
                list(self.aws.service_role_names.values()),
                options.child(self, opts, providers=[providers.aws]),
            )
        if args.erasure is not None:
            TenantErasure(
                f"{name}-erasure",
                TenantErasureArgs(
                    tenant=args.name,
                    settings=args.erasure,
                    key_arn=self.aws.key_arn,
                    key_alias=self.aws.key_alias,
                    table_name=self.aws.outbox.table_name,
                    data_bucket=self.aws.data_bucket_name,
                    requester_arns=list(self.aws.service_role_arns.values()),
                ),
                ctx,
                options.child(
                    self, opts, after=[*args.kubernetes_dependencies, self.kubernetes], providers=[providers.aws, providers.kubernetes]
                ),
            )
        if args.edge is not None:
            TenantEdge(
                name,
                args.edge,
                ctx,
                options.child(
                    self, opts, after=[*args.kubernetes_dependencies, self.kubernetes], providers=[providers.aws, providers.kubernetes]
                ),
            )
        self.concierge = Concierge(name, args.concierge, ctx, options.child(self, opts, providers=[providers.vault]))
        # The repositories are the org stack's (ADR-0031): this environment writes its variables there.
        RepositoryVariables(f"{name}-ci", args.ci, args.repositories, options.child(self, opts, providers=[providers.github]))
        # Argo CD's read-only credentials for the tenant's repositories.
        TenantGitopsAccess(
            name,
            args.gitops,
            options.child(self, opts, after=args.kubernetes_dependencies, providers=[providers.github, providers.kubernetes]),
            repositories=args.repositories,
        )
        self.namespace = self.kubernetes.namespace
        self.register_outputs(
            {
                "namespace": self.namespace,
                "imageRepositoryUrls": self.aws.image_repository_urls,
                "finops": args.finops,
                "dataClass": args.cost_tags.data_class,
            }
        )
