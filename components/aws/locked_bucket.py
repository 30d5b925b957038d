"""A write-once bucket (ADR-0005, ADR-0008): versioned, Object Lock COMPLIANCE, private, KMS-encrypted.

Shared by the audit ledger and the model registry: what is written there cannot be altered or
deleted by anyone, root included, before its retention ends.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import options
from components.aws.buckets import block_public_access, kms_encryption, log_access, versioned_bucket
from policy_pack.policies.lifecycle import Retention


def locked_bucket(
    name: str,
    *,
    bucket_name: pulumi.Input[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    protect: bool,
    access_log_bucket: pulumi.Input[str],
    retention: Retention,
) -> aws.s3.Bucket:
    """The bucket, its four controls, its class's lifecycle and its access logging; the caller adds the
    bucket policy it needs. Object Lock keeps every version at least ``retention_days`` whatever the
    lifecycle says: an expiry only adds a delete marker until then."""
    child = options.child(parent)
    bucket = versioned_bucket(
        name, parts=name, bucket_name=bucket_name, retention=retention, parent=parent, protect=protect, object_lock=True
    )
    aws.s3.BucketObjectLockConfiguration(
        f"{name}-lock", bucket=bucket.bucket, rule={"default_retention": {"mode": "COMPLIANCE", "days": retention_days}}, opts=child
    )
    block_public_access(f"{name}-public-access-block", bucket=bucket, parent=parent)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.bucket,
        rules=[kms_encryption(kms_key_arn)],
        opts=child,
    )
    log_access(f"{name}-access-logging", bucket=bucket, target_bucket=access_log_bucket, parent=parent)
    return bucket
