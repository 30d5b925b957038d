"""Controls every S3 bucket of the platform carries, whatever else it is (ADR-8)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.stateful import stateful
from components.tagging import DATA_CLASS_TAG


def block_public_access(name: str, bucket: aws.s3.Bucket, parent: pulumi.Resource) -> aws.s3.BucketPublicAccessBlock:
    """All four public-access switches on: no ACL or policy can make the bucket public."""
    return aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def log_access(name: str, bucket: aws.s3.Bucket, target_bucket: pulumi.Input[str], parent: pulumi.Resource) -> aws.s3.BucketLogging:
    """Server access logging of ``bucket`` into the access log bucket, under ``<bucket>/``."""
    return aws.s3.BucketLogging(
        name,
        bucket=bucket.bucket,
        target_bucket=target_bucket,
        target_prefix=bucket.bucket.apply(lambda b: f"{b}/"),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def kms_encryption(kms_key_arn: pulumi.Input[str]) -> dict[str, Any]:
    """SSE-KMS with a customer managed key and an S3 Bucket Key (fewer KMS requests)."""
    return {
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key_arn},
        "bucket_key_enabled": True,
    }


def private_bucket(
    name: str,
    bucket_name: pulumi.Input[str],
    data_class: str,
    encryption: dict[str, Any],
    parent: pulumi.Resource,
    protect: bool,
) -> aws.s3.Bucket:
    """A versioned, private bucket of ``data_class``, encrypted by ``encryption`` (an SSE rule), kept in
    prod (``protect``); the caller adds its lifecycle, logging and policy."""
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        f"{name}-bucket", bucket=bucket_name, force_destroy=False, tags={DATA_CLASS_TAG: data_class}, opts=stateful(parent, protect)
    )
    aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.bucket, versioning_configuration={"status": "Enabled"}, opts=child)
    block_public_access(f"{name}-public-access-block", bucket, parent)
    aws.s3.BucketServerSideEncryptionConfiguration(f"{name}-encryption", bucket=bucket.bucket, rules=[encryption], opts=child)
    return bucket
