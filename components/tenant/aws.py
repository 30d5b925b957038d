"""A tenant's AWS footprint: its own KMS key, image repositories and CI publisher roles, one workload
role per service (EKS Pod Identity), the outbox/DLQ/idempotency store, its data bucket, the tenant's
log group and its budget. Every store carries the tenant's data class and that class's lifecycle
(ADR-0005).

Every data store of the tenant is encrypted with the tenant's key and its roles are granted that key
only: no tenant role can decrypt another tenant's data, whatever the other tenant's resource policies
say, and destroying the key (after its deletion window) erases the tenant's data everywhere
(ADR-0022). Image repositories stay on the platform data key: ECR decrypts through its own grant for
whoever may pull, so a tenant key adds no isolation there, and a repository's key cannot change
without replacing the repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import alert_relay, iam_documents, key_policies, outbox
from components.aws.arns import Location, s3_bucket
from components.aws.buckets import kms_encryption, log_access, private_bucket
from components.aws.ci_identity import ROLE_PATH, ImagePublisher, publisher_role
from components.aws.finops import monthly_budget
from components.aws.image_repository import ImageRepository, ImageRepositoryArgs
from components.aws.keys import tenant_key_alias
from components.aws.log_group import log_group
from components.aws.outbox import Outbox, OutboxArgs
from components.context import StackContext
from components.naming import physical_name
from policy_pack.policies.lifecycle import Retention


def image_repository_name(tenant: str, service: str) -> str:
    return f"{tenant}/{service}"


def service_repository_name(tenant: str, service: str) -> str:
    """The GitHub repository of a tenant service (also the OIDC subject of its CI)."""
    return f"{tenant}-{service}"


def _pod_identity_trust(location: Location, cluster_name: pulumi.Input[str], tenant: str, service: str) -> pulumi.Output[str]:
    return pulumi.Output.all(account_id=location.account, cluster_arn=location.eks_cluster(cluster_name)).apply(
        lambda v: json.dumps(iam_documents.pod_identity_trust(**v, namespace=tenant, service_account=service))
    )


@dataclass(frozen=True)
class TenantAwsArgs:
    """Attributes:
    tenant / services: Who and what.
    monthly_budget_usd / owner_email: The tenant's AWS Budget and who hears about it.
    image_key_arn: The platform data key, which encrypts the tenant's image repositories.
    github_org / github_oidc_provider_arn: CI publishing through OIDC (signing with the platform key).
    cluster_name: The cluster whose Pod Identity maps each service account to its workload role.
    retention: The tenant's data class and its lifecycle: the data bucket's tiering and expiry, the log
        group's retention, and the longest a queue may hold a message.
    access_log_bucket: Where the data bucket's server access logs go (``AccessLogs``).
    max_receive_count / message_retention_seconds / dlq_retention_seconds: The outbox (see Outbox);
        both retentions are capped at the class's (``Retention.transit_seconds``).
    alert_topic_arn: The stack's alert topic: the owner subscribes to the tenant's notifications on it
        (``components.aws.alert_relay``). None: no subscription.
    """

    tenant: str
    services: list[str]
    monthly_budget_usd: Decimal
    owner_email: str
    image_key_arn: pulumi.Input[str]
    github_oidc_provider_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    retention: Retention
    access_log_bucket: pulumi.Input[str]
    max_receive_count: int = outbox.MAX_RECEIVE_COUNT
    message_retention_seconds: int = outbox.MESSAGE_RETENTION_SECONDS
    dlq_retention_seconds: int = outbox.DLQ_RETENTION_SECONDS
    alert_topic_arn: str | None = None


def log_group_name(name_prefix: str, tenant: str) -> str:
    return f"/{name_prefix}/tenants/{tenant}"


class TenantAws(pulumi.ComponentResource):
    key_arn: pulumi.Output[str]
    key_alias: str
    image_repository_urls: dict[str, pulumi.Output[str]]
    service_role_arns: dict[str, pulumi.Output[str]]
    service_role_names: dict[str, pulumi.Output[str]]
    outbox: Outbox
    outbox_queue_name: str
    data_bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: TenantAwsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:TenantAws", name, None, opts)
        child = options.child(self, opts)
        location = Location.of(self)
        logs_name = log_group_name(ctx.name_prefix, args.tenant)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{ctx.name_prefix}: data at rest of tenant {args.tenant} (images, queues, table, logs, models)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.from_input(ctx.account_id).apply(
                lambda account: json.dumps(key_policies.tenant_key_policy(account, ctx.region, logs_name))
            ),
            opts=options.child(self, opts, keep=ctx.protect),
        )
        self.key_alias = tenant_key_alias(ctx.name_prefix, args.tenant)
        aws.kms.Alias(f"{name}-key-alias", name=self.key_alias, target_key_id=key.key_id, opts=child)
        self.key_arn = key.arn
        self.image_repository_urls, self.service_role_arns, roles = {}, {}, {}
        for service in args.services:
            repo = ImageRepository(
                f"{name}-{service}",
                ImageRepositoryArgs(
                    repository_name=image_repository_name(args.tenant, service),
                    kms_key_arn=args.image_key_arn,
                ),
                ctx,
                child,
            )
            self.image_repository_urls[service] = repo.url
            publisher_role(
                f"{name}-{service}-ci",
                provider_arn=args.github_oidc_provider_arn,
                github_org=ctx.github_org,
                publisher=ImagePublisher(service_repository_name(args.tenant, service), [repo.arn]),
                name_prefix=ctx.name_prefix,
                environment=ctx.environment,
                location=location,
                opts=child,
            )
            trust = _pod_identity_trust(location, args.cluster_name, args.tenant, service)
            roles[service] = aws.iam.Role(
                f"{name}-{service}-workload",
                path=ROLE_PATH,
                assume_role_policy=trust,
                name=physical_name(ctx.name_prefix, args.tenant, service, max_length=64),
                opts=child,
            )
            aws.eks.PodIdentityAssociation(
                f"{name}-{service}-identity",
                cluster_name=args.cluster_name,
                namespace=args.tenant,
                service_account=service,
                role_arn=roles[service].arn,
                opts=child,
            )
            # From the role's name (known at a first preview): queue policies name these principals.
            self.service_role_arns[service] = location.role(roles[service].name, ROLE_PATH)
        self.service_role_names = {service: role.name for service, role in roles.items()}

        # Somewhere compliant for a service's files: the tenant's key, its class's lifecycle, logged access.
        data_bucket = private_bucket(
            f"{name}-data",
            bucket_name=pulumi.Output.from_input(ctx.account_id).apply(
                lambda account: physical_name(ctx.name_prefix, args.tenant, "data", account)
            ),
            retention=args.retention,
            encryption=kms_encryption(key.arn),
            parent=self,
            protect=ctx.protect,
        )
        log_access(f"{name}-data-access-logging", bucket=data_bucket, target_bucket=args.access_log_bucket, parent=self)
        aws.s3.BucketPolicy(
            f"{name}-data-policy",
            bucket=data_bucket.bucket,
            policy=s3_bucket(data_bucket.bucket).apply(
                lambda arn: json.dumps(iam_documents.document(iam_documents.deny_insecure_transport("s3:*", arn, f"{arn}/*")))
            ),
            opts=child,
        )
        self.data_bucket_name = data_bucket.bucket

        #: Known at plan time: the tenant's queue alerts name it.
        self.outbox_queue_name = physical_name(ctx.name_prefix, args.tenant, "outbox", max_length=76)
        self.outbox = Outbox(
            f"{name}-outbox",
            OutboxArgs(
                queue_name=self.outbox_queue_name,
                table_name=physical_name(ctx.name_prefix, args.tenant, "idempotency"),
                kms_key_arn=self.key_arn,
                identity_arns=list(self.service_role_arns.values()),
                max_receive_count=args.max_receive_count,
                message_retention_seconds=min(args.message_retention_seconds, args.retention.transit_seconds),
                dlq_retention_seconds=min(args.dlq_retention_seconds, args.retention.transit_seconds),
                protect=ctx.protect,
            ),
            child,
        )
        for service, role in roles.items():
            aws.iam.RolePolicy(
                f"{name}-{service}-workload",
                role=role.id,
                opts=child,
                policy=pulumi.Output.all(
                    queue_arns=pulumi.Output.all(self.outbox.queue_arn, self.outbox.dlq_arn),
                    table_arn=self.outbox.table_arn,
                    bucket_arn=s3_bucket(data_bucket.bucket),
                    keys_arn=location.kms_keys(),
                ).apply(lambda v: json.dumps(iam_documents.workload_access(**v, data_alias=self.key_alias))),
            )

        log_group(
            f"{name}-logs",
            log_group_name=logs_name,
            retention=args.retention,
            kms_key_arn=self.key_arn,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        monthly_budget(
            f"{name}-budget",
            physical_name(ctx.name_prefix, "tenant", args.tenant),
            args.tenant,
            args.monthly_budget_usd,
            args.owner_email,
            child,
        )
        # The tenant's alerts reach its owner (#30 item 1): its own subscription, filtered to its notifications.
        if args.alert_topic_arn:
            alert_relay.tenant_subscription(
                f"{name}-alerts", tenant=args.tenant, owner_email=args.owner_email, topic=args.alert_topic_arn, opts=child
            )
        self.register_outputs(
            {
                "keyArn": self.key_arn,
                "imageRepositoryUrls": self.image_repository_urls,
                "serviceRoleArns": self.service_role_arns,
                "outboxQueueUrl": self.outbox.queue_url,
                "dataBucket": self.data_bucket_name,
            }
        )
