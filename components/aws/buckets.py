"""Controls every S3 bucket of the platform carries, whatever else it is (ADR-0008)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components import options
from components.tagging import DATA_CLASS_TAG
from policy_pack.policies.lifecycle import (
    ABORT_MULTIPART_DAYS,
    WARM_STORAGE_CLASS,
    Retention,
    noncurrent_days,
)


def block_public_access(name: str, *, bucket: aws.s3.Bucket, parent: pulumi.Resource) -> aws.s3.BucketPublicAccessBlock:
    """All four public-access switches on: no ACL or policy can make the bucket public."""
    return aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=options.child(parent),
    )


def log_access(name: str, *, bucket: aws.s3.Bucket, target_bucket: pulumi.Input[str], parent: pulumi.Resource) -> aws.s3.BucketLogging:
    """Server access logging of ``bucket`` into the access log bucket, under ``<bucket>/``."""
    return aws.s3.BucketLogging(
        name,
        bucket=bucket.bucket,
        target_bucket=target_bucket,
        target_prefix=bucket.bucket.apply(lambda b: f"{b}/"),
        opts=options.child(parent),
    )


def kms_encryption(kms_key_arn: pulumi.Input[str]) -> dict[str, Any]:
    """SSE-KMS with a customer managed key and an S3 Bucket Key (fewer KMS requests)."""
    return {
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key_arn},
        "bucket_key_enabled": True,
    }


def s3_lifecycle_rules(retention: Retention) -> list[dict[str, Any]]:
    """The S3 lifecycle rules of a bucket holding ``retention``'s class (pulumi_aws input names). A record
    store (the ledger, ``retention.never_delete``) is tiered only: no version of it ever expires."""
    lifecycle, never_delete = retention.lifecycle, retention.never_delete
    rule: dict[str, Any] = {
        "id": "data-lifecycle",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
    }
    transitions = []
    if lifecycle.warm_after_days is not None:
        transitions.append({"days": lifecycle.warm_after_days, "storage_class": WARM_STORAGE_CLASS})
    if lifecycle.cold_after_days is not None:
        transitions.append({"days": lifecycle.cold_after_days, "storage_class": lifecycle.cold_storage_class})
    if transitions:
        rule["transitions"] = transitions
    if not never_delete:
        if lifecycle.expire_after_days is not None:
            rule["expiration"] = {"days": lifecycle.expire_after_days}
        rule["noncurrent_version_expiration"] = {"noncurrent_days": noncurrent_days(lifecycle)}
    return [rule]


def data_lifecycle(
    name: str, *, bucket: aws.s3.Bucket, retention: Retention, parent: pulumi.Resource, versioning: pulumi.Resource
) -> aws.s3.BucketLifecycleConfiguration:
    """The bucket's lifecycle from its class's row (ADR-0005): tiering, expiry, old versions, stale
    multipart uploads. After versioning: S3 applies noncurrent-version rules only to a versioned bucket."""
    return aws.s3.BucketLifecycleConfiguration(
        name, bucket=bucket.bucket, rules=s3_lifecycle_rules(retention), opts=options.child(parent, after=[versioning])
    )


def private_bucket(
    name: str,
    *,
    bucket_name: pulumi.Input[str],
    retention: Retention,
    encryption: dict[str, Any],
    parent: pulumi.Resource,
    protect: bool,
) -> aws.s3.Bucket:
    """A versioned, private bucket of ``retention``'s class with that class's lifecycle, encrypted by
    ``encryption`` (an SSE rule), kept in prod (``protect``); the caller adds logging and policy."""
    bucket = versioned_bucket(f"{name}-bucket", parts=name, bucket_name=bucket_name, retention=retention, parent=parent, protect=protect)
    block_public_access(f"{name}-public-access-block", bucket=bucket, parent=parent)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.bucket, rules=[encryption], opts=options.child(parent)
    )
    return bucket


def versioned_bucket(
    name: str,
    *,
    parts: str,
    bucket_name: pulumi.Input[str],
    retention: Retention,
    parent: pulumi.Resource,
    protect: bool,
    object_lock: bool = False,
) -> aws.s3.Bucket:
    """What every bucket of the platform starts from: tagged with its class, versioned, with its class's
    lifecycle, kept in prod. ``name``: the bucket's resource name; ``parts``: its companions' prefix
    (``<parts>-versioning``, ``<parts>-lifecycle``)."""
    bucket = aws.s3.Bucket(
        name,
        bucket=bucket_name,
        object_lock_enabled=True if object_lock else None,
        force_destroy=False,
        tags={DATA_CLASS_TAG: retention.data_class},
        opts=options.child(parent, keep=protect),
    )
    versioning = aws.s3.BucketVersioning(
        f"{parts}-versioning",
        bucket=bucket.bucket,
        versioning_configuration={"status": "Enabled"},
        opts=options.child(parent),
    )
    data_lifecycle(f"{parts}-lifecycle", bucket=bucket, retention=retention, parent=parent, versioning=versioning)
    return bucket
