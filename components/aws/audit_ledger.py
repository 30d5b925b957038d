"""The immutable audit ledger (ADR-0008): an Object Lock COMPLIANCE bucket that CloudTrail writes to.

Nothing in the account, not even root, can delete or shorten a locked record before its retention
ends. The bucket is versioned, private, KMS-encrypted and TLS-only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location, s3_bucket
from components.aws.locked_bucket import locked_bucket
from components.aws.log_group import log_group
from components.context import StackContext
from components.naming import physical_name
from policy_pack.policies import lifecycle

#: Records kept as evidence: tiered to Deep Archive, never deleted by a lifecycle (ADR-0005).
AUDIT_DATA_CLASS = lifecycle.AUDIT


Selector = aws.cloudtrail.TrailAdvancedEventSelectorArgsDict
Field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgsDict


def trail_event_selectors(name_prefix: str, ledger_bucket: str) -> list[Selector]:
    """Management events, and S3 object-level (data) events on every bucket of the stack: the ledger,
    the model registries, tenant data. On the ledger itself only reads are recorded: its writes are
    CloudTrail's own deliveries, and Object Lock already makes them immutable."""
    own_buckets = f"arn:aws:s3:::{name_prefix}-"
    ledger = f"arn:aws:s3:::{ledger_bucket}/"

    # Typed: a misspelt operator (``starts_with`` for ``starts_withs``) would reach AWS unnoticed.
    def objects(name: str, *selectors: Field) -> Selector:
        base: list[Field] = [{"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]}]
        return {"name": name, "field_selectors": [*base, *selectors]}

    return [
        {"name": "Management events", "field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]},
        objects("Objects of the stack's buckets", {"field": "resources.ARN", "starts_withs": [own_buckets], "not_starts_withs": [ledger]}),
        objects(
            "Reads of the audit ledger", {"field": "readOnly", "equals": ["true"]}, {"field": "resources.ARN", "starts_withs": [ledger]}
        ),
    ]


def ledger_bucket_name(name_prefix: str, account_id: str) -> str:
    """The audit ledger's bucket (names are global: the account makes it unique)."""
    return physical_name(name_prefix, "audit-ledger", account_id)


@dataclass(frozen=True)
class AuditLedgerArgs:
    """Attributes:
    kms_key_arn: Encrypts objects, the trail and its log group.
    retention_days: Object Lock COMPLIANCE default retention.
    retention: The audit class's lifecycle: the ledger's tiering, the trail log group's retention.
    access_log_bucket: Where the ledger's server access logs go (``AccessLogs``).
    """

    kms_key_arn: pulumi.Input[str]
    retention_days: int
    retention: lifecycle.Retention
    access_log_bucket: pulumi.Input[str]


class AuditLedger(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    trail_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: AuditLedgerArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:AuditLedger", name, None, opts)
        child = options.child(self, opts)
        account = pulumi.Output.from_input(ctx.account_id)
        bucket_name = account.apply(lambda a: ledger_bucket_name(ctx.name_prefix, a))
        trail_name = physical_name(ctx.name_prefix, "audit")
        bucket = locked_bucket(
            f"{name}-bucket",
            bucket_name=bucket_name,
            retention_days=args.retention_days,
            kms_key_arn=args.kms_key_arn,
            parent=self,
            protect=ctx.protect,
            access_log_bucket=args.access_log_bucket,
            retention=args.retention,
        )
        policy_document = pulumi.Output.all(bucket_arn=s3_bucket(bucket.bucket), account=account).apply(
            lambda v: json.dumps(
                iam_documents.ledger_bucket_policy(
                    bucket_arn=v["bucket_arn"], trail_arn=f"arn:aws:cloudtrail:{ctx.region}:{v['account']}:trail/{trail_name}"
                )
            )
        )
        policy = aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.bucket, policy=policy_document, opts=child)
        trail_arn = account.apply(lambda a: f"arn:aws:cloudtrail:{ctx.region}:{a}:trail/{trail_name}")
        logs = log_group(
            f"{name}-trail-logs",
            log_group_name=f"/aws/cloudtrail/{trail_name}",
            retention=args.retention,
            kms_key_arn=args.kms_key_arn,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        delivery = aws.iam.Role(
            f"{name}-trail-delivery",
            assume_role_policy=trail_arn.apply(lambda arn: json.dumps(iam_documents.service_trust("cloudtrail.amazonaws.com", arn))),
            path="/fintech-blueprint/",
            opts=child,
        )
        delivery_policy = aws.iam.RolePolicy(
            f"{name}-trail-delivery",
            role=delivery.name,
            policy=Location.of(self).log_group(logs.name).apply(lambda arn: json.dumps(iam_documents.log_stream_writer(arn))),
            opts=child,
        )
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=bucket.bucket,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=args.kms_key_arn,
            cloud_watch_logs_group_arn=logs.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=delivery.arn,
            advanced_event_selectors=bucket.bucket.apply(lambda ledger: trail_event_selectors(ctx.name_prefix, ledger)),
            opts=options.child(self, opts, after=[policy, delivery_policy], keep=ctx.protect),
        )
        self.bucket_name = bucket.bucket
        self.trail_arn = trail.arn
        self.log_group_name = logs.name
        self.register_outputs({"bucketName": self.bucket_name, "trailArn": self.trail_arn, "logGroupName": self.log_group_name})
