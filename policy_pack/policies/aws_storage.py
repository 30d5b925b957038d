"""S3: data buckets and the immutable audit ledger (ADR-0005 data lifecycle, ADR-0008 compliance).

Sub-resources exist under both the v7 tokens and the legacy ``…V2`` tokens; both are covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatch
from typing import Any

from ._lib import (
    CRITICAL,
    HIGH,
    MEDIUM,
    Finding,
    ResourceRule,
    StackRule,
    config_value,
    denies_insecure_transport,
    get,
    is_set,
    items,
    named,
    schema,
)

BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]
ACLS = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"]
PUBLIC_ACCESS_BLOCK = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]
SSE = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]
VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"]
OBJECT_LOCK = [
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
]
BUCKET_POLICY = ["aws:s3/bucketPolicy:BucketPolicy"]
LOGGING = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"]
#: S3 delivers server access logs only to SSE-S3 buckets: these (and only these) may use AES256.
DEFAULT_SSE_S3_BUCKETS = ["*-access-logs-*"]


def references_bucket(resource: Any, bucket: Any) -> bool:
    """Whether a bucket's companion resource (its versioning, lifecycle, logging...) is for ``bucket``:
    by dependency, or by name where the name is known."""
    if any(d.urn == bucket.urn for d in resource.property_dependencies.get("bucket", [])):
        return True
    name = get(bucket.props, "bucket")
    return bool(name) and get(resource.props, "bucket") == name


PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _pab(props, _args):
    missing = [flag for flag in PAB_FLAGS if get(props, flag) is not True]
    if missing:
        yield f"set {', '.join(missing)} to true"


def _no_public_acl(props, _args):
    acl = get(props, "acl")
    if acl in PUBLIC_ACLS:
        yield f"acl {acl!r} makes objects public: use 'private' (or omit it)"


def _sse_kms(props, args):
    if any(fnmatch(str(get(props, "bucket", "")), p) for p in config_value(args, "sseS3Buckets", DEFAULT_SSE_S3_BUCKETS)):
        if any(get(r, "applyServerSideEncryptionByDefault.sseAlgorithm") != "AES256" for r in items(get(props, "rules"))):
            yield "an access log destination must use sseAlgorithm AES256 (S3 delivers no server access logs to SSE-KMS)"
        return
    rules = items(get(props, "rules"))
    algorithms = [get(r, "applyServerSideEncryptionByDefault.sseAlgorithm") for r in rules]
    keys = [is_set(r, "applyServerSideEncryptionByDefault.kmsMasterKeyId") for r in rules]
    if not rules or any(a not in ("aws:kms", "aws:kms:dsse") for a in algorithms):
        yield "use sseAlgorithm aws:kms (or aws:kms:dsse) in every rule"
    elif not all(keys):
        yield "name the customer managed key in kmsMasterKeyId"
    elif not all(get(r, "bucketKeyEnabled") is True for r in rules):
        yield "set bucketKeyEnabled to true to cut KMS request costs"


def _versioning(props, _args):
    if get(props, "versioningConfiguration.status") != "Enabled":
        yield "set versioningConfiguration.status to Enabled"


def _object_lock(props, _args):
    mode = get(props, "rule.defaultRetention.mode")
    if mode != "COMPLIANCE":
        yield f"default retention mode is {mode!r}: audit records need COMPLIANCE (not even root can delete them)"
    if not (get(props, "rule.defaultRetention.days") or get(props, "rule.defaultRetention.years")):
        yield "set a default retention period (days or years)"


def _tls_only(props, _args):
    if not denies_insecure_transport(get(props, "policy")):
        yield "add a Deny statement for requests with aws:SecureTransport = false"


def _bucket_controls(args) -> Iterator[Finding]:
    wanted = {
        "public access block": PUBLIC_ACCESS_BLOCK,
        "default encryption": SSE,
        "versioning": VERSIONING,
    }
    for bucket in named(args.resources, *BUCKETS):
        for label, types in wanted.items():
            if not any(references_bucket(r, bucket) for r in named(args.resources, *types)):
                yield f"bucket {bucket.name!r} has no {label} resource", bucket.urn


def _access_logging(args) -> Iterator[Finding]:
    logging = list(named(args.resources, *LOGGING))
    targets = {get(r.props, "targetBucket") for r in logging}
    for bucket in named(args.resources, *BUCKETS):
        if get(bucket.props, "bucket") in targets:
            continue  # the log destination itself
        if not any(references_bucket(r, bucket) for r in logging):
            yield f"bucket {bucket.name!r} has no server access logging (S3 BucketLogging)", bucket.urn


POLICIES = [
    ResourceRule(
        name="s3-public-access-block",
        description="S3 public access blocks enable all four protections.",
        severity=CRITICAL,
        adr="ADR-0005",
        domain="aws-storage",
        types=PUBLIC_ACCESS_BLOCK,
        check=_pab,
    ),
    ResourceRule(
        name="s3-no-public-acl",
        description="S3 buckets and ACLs are never public.",
        severity=CRITICAL,
        adr="ADR-0005",
        domain="aws-storage",
        types=BUCKETS + ACLS,
        check=_no_public_acl,
    ),
    ResourceRule(
        name="s3-sse-kms",
        description="S3 default encryption uses a customer managed KMS key (SSE-S3 only on access log destinations, sseS3Buckets).",
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-storage",
        types=SSE,
        check=_sse_kms,
        config_schema=schema(sseS3Buckets={"type": "array", "items": {"type": "string"}, "default": DEFAULT_SSE_S3_BUCKETS}),
    ),
    ResourceRule(
        name="s3-versioning",
        description="S3 bucket versioning is enabled.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="aws-storage",
        types=VERSIONING,
        check=_versioning,
    ),
    ResourceRule(
        name="s3-object-lock-compliance",
        description="S3 Object Lock uses COMPLIANCE mode with a default retention.",
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-storage",
        types=OBJECT_LOCK,
        check=_object_lock,
    ),
    ResourceRule(
        name="s3-tls-only",
        description="S3 bucket policies deny requests not sent over TLS.",
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-storage",
        types=BUCKET_POLICY,
        check=_tls_only,
    ),
    StackRule(
        name="s3-bucket-controls",
        description="Every bucket has a public access block, default encryption and versioning.",
        severity=HIGH,
        adr="ADR-0005",
        domain="aws-storage",
        check=_bucket_controls,
        reads=[*BUCKETS, *PUBLIC_ACCESS_BLOCK, *SSE, *VERSIONING],
    ),
    StackRule(
        name="s3-access-logging",
        description="Every S3 bucket but the log destination has server access logging.",
        severity=MEDIUM,
        adr="ADR-0008",
        domain="aws-storage",
        check=_access_logging,
        reads=[*BUCKETS, *LOGGING],
    ),
]
