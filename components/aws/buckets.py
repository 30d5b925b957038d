"""Controls every S3 bucket of the platform carries, whatever else it is (ADR-8)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


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
