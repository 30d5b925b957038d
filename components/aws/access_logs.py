"""The S3 server access log bucket (ADR-0008): who asked for which object of the stack's buckets,
kept as long as their class (confidential: they name principals and addresses) says.

S3 delivers server access logs only to a bucket encrypted with SSE-S3 (AES256): SSE-KMS is not
supported on a log destination. The pack's ``s3-sse-kms`` admits SSE-S3 for buckets named
``*-access-logs-*`` (its ``sseS3Buckets`` setting) and nothing else. The bucket is private,
versioned, TLS-only, writable only by the S3 logging service for this account's buckets, and its
objects follow the lifecycle of their class.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import s3_bucket
from components.aws.buckets import private_bucket
from components.context import StackContext
from policy_pack.policies.lifecycle import Retention

#: Access logs name principals and source addresses.
ACCESS_LOG_DATA_CLASS = "confidential"


def access_log_bucket_name(name_prefix: str, account_id: str) -> str:
    """``<prefix>-access-logs-<account>``: the name ``s3-sse-kms`` recognizes as a log destination."""
    return f"{name_prefix}-access-logs-{account_id}"


@dataclass(frozen=True)
class AccessLogsArgs:
    """Attributes:
    retention: The lifecycle of the confidential class (``ACCESS_LOG_DATA_CLASS``).
    """

    retention: Retention


class AccessLogs(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: AccessLogsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:AccessLogs", name, None, opts)
        child = options.child(self, opts)
        account = pulumi.Output.from_input(ctx.account_id)
        bucket = private_bucket(
            name,
            bucket_name=account.apply(lambda a: access_log_bucket_name(ctx.name_prefix, a)),
            retention=args.retention,
            encryption={"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}},
            parent=self,
            protect=ctx.protect,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.bucket,
            policy=pulumi.Output.all(bucket_arn=s3_bucket(bucket.bucket), account_id=account).apply(
                lambda v: json.dumps(iam_documents.access_log_bucket_policy(**v, name_prefix=ctx.name_prefix))
            ),
            opts=child,
        )
        self.bucket_name = bucket.bucket
        self.register_outputs({"bucketName": self.bucket_name})
