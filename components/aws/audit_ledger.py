"""The immutable audit ledger (ADR-8): an Object Lock COMPLIANCE bucket that CloudTrail writes to.

Nothing in the account, not even root, can delete or shorten a locked record before its retention
ends. The bucket is versioned, private, KMS-encrypted and TLS-only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import iam_documents
from components.aws.arns import s3_bucket
from components.aws.locked_bucket import locked_bucket
from components.context import StackContext
from components.naming import physical_name
from components.stateful import stateful
from components.tagging import DATA_CLASS_TAG

AUDIT_DATA_CLASS = "confidential"


@dataclass(frozen=True)
class AuditLedgerArgs:
    """Attributes:
    kms_key_arn: Encrypts objects and the trail.
    retention_days: Object Lock COMPLIANCE default retention.
    """

    kms_key_arn: pulumi.Input[str]
    retention_days: int


class AuditLedger(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    trail_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AuditLedgerArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:AuditLedger", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = pulumi.Output.from_input(ctx.account_id)
        bucket_name = account.apply(lambda a: physical_name(ctx.name_prefix, "audit-ledger", a))
        trail_name = physical_name(ctx.name_prefix, "audit")
        # Audit records name people and accounts: more sensitive than the platform default.
        bucket = locked_bucket(
            f"{name}-bucket",
            bucket_name,
            args.retention_days,
            args.kms_key_arn,
            self,
            ctx.protect,
            tags={DATA_CLASS_TAG: AUDIT_DATA_CLASS},
        )
        policy_document = pulumi.Output.all(s3_bucket(bucket.bucket), account).apply(
            lambda a: json.dumps(iam_documents.ledger_bucket_policy(a[0], f"arn:aws:cloudtrail:{ctx.region}:{a[1]}:trail/{trail_name}"))
        )
        policy = aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.bucket, policy=policy_document, opts=child)
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=bucket.bucket,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=args.kms_key_arn,
            opts=stateful(self, ctx.protect, depends_on=[policy]),
        )
        self.bucket_name = bucket.bucket
        self.trail_arn = trail.arn
        self.register_outputs({"bucketName": self.bucket_name, "trailArn": self.trail_arn})
