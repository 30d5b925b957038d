"""Compliant and non-compliant cases of the aws-storage rules."""

from __future__ import annotations

from ._common import DENY_TLS, Case, Res, StackCase, allow, doc

BUCKET = Res("aws:s3/bucket:Bucket", "ledger", {"bucket": "ledger-1"})


ACCESS_LOG_BUCKET = Res("aws:s3/bucket:Bucket", "access-logs", {"bucket": "acme-dev-access-logs-1"})


LEDGER_LOGGING = {"bucket": "ledger-1", "targetBucket": "acme-dev-access-logs-1", "targetPrefix": "ledger-1/"}


def bucket_part(type_: str, name: str) -> Res:
    return Res(type_, name, {"bucket": "ledger-1"})


RESOURCE_CASES: dict[str, Case] = {
    "s3-public-access-block": Case(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True},
        {"blockPublicAcls": True, "blockPublicPolicy": False, "ignorePublicAcls": True},
    ),
    "s3-no-public-acl": Case("aws:s3/bucket:Bucket", {"acl": "private"}, {"acl": "public-read"}),
    "s3-sse-kms": Case(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "k"}, "bucketKeyEnabled": True}]},
        {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
        more_bad=(
            (
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                {"bucket": "acme-dev-access-logs-1", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
            ),
            (
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}, "bucketKeyEnabled": True}]},
            ),
            (
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "k"}}]},
            ),
        ),
    ),
    "s3-versioning": Case(
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
        {"versioningConfiguration": {"status": "Enabled"}},
        {"versioningConfiguration": {"status": "Suspended"}},
    ),
    "s3-object-lock-compliance": Case(
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        {"rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 30}}},
        {"rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}}},
        more_bad=(
            ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", {"rule": {"defaultRetention": {"mode": "COMPLIANCE"}}}),
        ),
    ),
    "s3-tls-only": Case(
        "aws:s3/bucketPolicy:BucketPolicy", {"policy": doc(DENY_TLS)}, {"policy": doc(allow("s3:GetObject", Principal="*"))}
    ),
}


STACK_CASES: dict[str, StackCase] = {
    "s3-access-logging": StackCase(
        [
            BUCKET,
            ACCESS_LOG_BUCKET,
            Res("aws:s3/bucketLogging:BucketLogging", "ledger-logging", LEDGER_LOGGING, property_dependencies={"bucket": ["ledger"]}),
        ],
        # The models bucket is logged (so the destination is known); the ledger is not.
        [
            BUCKET,
            ACCESS_LOG_BUCKET,
            Res("aws:s3/bucket:Bucket", "models", {"bucket": "models-1"}),
            Res(
                "aws:s3/bucketLogging:BucketLogging",
                "models-logging",
                {"bucket": "models-1", "targetBucket": "acme-dev-access-logs-1"},
                property_dependencies={"bucket": ["models"]},
            ),
        ],
        "ledger",
    ),
    "s3-bucket-controls": StackCase(
        [
            BUCKET,
            bucket_part("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab"),
            bucket_part("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse"),
            bucket_part("aws:s3/bucketVersioning:BucketVersioning", "versioning"),
        ],
        [BUCKET, bucket_part("aws:s3/bucketVersioning:BucketVersioning", "versioning")],
        "ledger",
    ),
}
