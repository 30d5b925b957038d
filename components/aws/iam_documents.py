"""Every IAM and resource-policy document the program produces, as pure functions.

Least-privilege action lists live here once (like CDK's grant helpers) and are linted by a real IAM
linter (parliament) in the tests. Documents are returned as dicts; callers ``json.dumps`` them.
"""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]
VERSION = "2012-10-17"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"

ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
ECR_PUSH_ACTIONS = [
    *ECR_PULL_ACTIONS,
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
SIGN_ACTIONS = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"]
QUEUE_PRODUCER_ACTIONS = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
QUEUE_CONSUMER_ACTIONS = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
]
TABLE_ACTIONS = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]
KMS_USE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]


def document(*statements: dict[str, Any]) -> Document:
    return {"Version": VERSION, "Statement": list(statements)}


def service_trust(service: str, source_arn: str | None = None) -> Document:
    """Trust policy for an AWS service principal (EKS control plane, EC2 nodes, flow logs…); with
    ``source_arn``, only on behalf of that resource (the confused-deputy guard)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_arn:
        statement["Condition"] = {"StringEquals": {"aws:SourceArn": source_arn}}
    return document(statement)


def github_oidc_trust(provider_arn: str, org: str, repository: str, subjects: list[str]) -> Document:
    """Trust for GitHub Actions of one repository, restricted to the given subject suffixes.

    ``subjects`` are e.g. ``["ref:refs/heads/main"]`` or ``["environment:prod"]``; never a wildcard.
    """
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                    f"{GITHUB_OIDC_HOST}:sub": [f"repo:{org}/{repository}:{s}" for s in subjects],
                }
            },
        }
    )


POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"


def pod_identity_trust(*, account_id: str, cluster_arn: str, namespace: str, service_account: str) -> Document:
    """Trust for one Kubernetes service account through EKS Pod Identity.

    Unlike IRSA, nothing in it comes from the cluster once created (IRSA names the cluster's OIDC
    issuer, a random id): the document is known, and checked, at the first preview. The session tags
    EKS adds bind it to one namespace and service account of one cluster.
    """
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Service": POD_IDENTITY_SERVICE},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": account_id,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": service_account,
                },
                "ArnEquals": {"aws:SourceArn": cluster_arn},
            },
        }
    )


def key_grant(sid: str, actions: list[str] | str, keys_arn: str, alias: str) -> dict[str, Any]:
    """Use of one KMS key named by its alias: a key's ARN holds a random id, unknown until it
    exists, while its alias is the program's choice (``kms:ResourceAliases``)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": keys_arn,
        "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}},
    }


def image_publisher(*, repository_arns: list[str], keys_arn: str, signing_alias: str, records_arn: str | None = None) -> Document:
    """CI of a repository: push to its own image repositories, sign with the platform key, and append
    its deployment records under its own prefix of the audit ledger (``records_arn``; #26 item 6)."""
    statements = [
        {"Sid": "Authenticate", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "PushOwnImages", "Effect": "Allow", "Action": ECR_PUSH_ACTIONS, "Resource": repository_arns},
        key_grant("SignWithPlatformKey", SIGN_ACTIONS, keys_arn, signing_alias),
    ]
    if records_arn:
        # PutObject only: the ledger's Object Lock keeps what is written, and nothing else is readable.
        statements.append({"Sid": "AppendDeploymentRecords", "Effect": "Allow", "Action": "s3:PutObject", "Resource": records_arn})
    return document(*statements)


def log_stream_writer(log_group_arn: str) -> Document:
    """A service delivering to one log group (VPC flow logs, CloudTrail)."""
    return document(
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        }
    )


def queue_access(*, queue_arn: str, producer_arns: list[str], consumer_arns: list[str]) -> Document:
    """Queue policy: only the tenant's own identities, TLS only."""
    return document(
        {
            "Sid": "TenantProducers",
            "Effect": "Allow",
            "Principal": {"AWS": producer_arns},
            "Action": QUEUE_PRODUCER_ACTIONS,
            "Resource": queue_arn,
        },
        {
            "Sid": "TenantConsumers",
            "Effect": "Allow",
            "Principal": {"AWS": consumer_arns},
            "Action": QUEUE_CONSUMER_ACTIONS,
            "Resource": queue_arn,
        },
        deny_insecure_transport("sqs:*", queue_arn),
    )


DATA_OBJECT_ACTIONS = ["s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
DATA_BUCKET_ACTIONS = ["s3:ListBucket"]
#: Erasure removes every version of a subject's objects, not only the current one.
ERASURE_OBJECT_ACTIONS = sorted({*DATA_OBJECT_ACTIONS, "s3:DeleteObjectVersion"})
ERASURE_BUCKET_ACTIONS = ["s3:ListBucket", "s3:ListBucketVersions"]


def data_bucket_access(sid: str, bucket_arn: str, object_actions: list[str], bucket_actions: list[str]) -> list[dict[str, Any]]:
    return [
        {"Sid": f"{sid}Objects", "Effect": "Allow", "Action": object_actions, "Resource": f"{bucket_arn}/*"},
        {"Sid": f"{sid}Listing", "Effect": "Allow", "Action": bucket_actions, "Resource": bucket_arn},
    ]


def workload_access(*, queue_arns: list[str], table_arn: str, bucket_arn: str, keys_arn: str, data_alias: str) -> Document:
    """A tenant service's own data plane: its outbox queue(s), its idempotency table, its data bucket,
    the tenant key."""
    return document(
        {
            "Sid": "OwnQueues",
            "Effect": "Allow",
            "Action": sorted(set(QUEUE_PRODUCER_ACTIONS + QUEUE_CONSUMER_ACTIONS)),
            "Resource": queue_arns,
        },
        {"Sid": "OwnIdempotencyTable", "Effect": "Allow", "Action": TABLE_ACTIONS, "Resource": table_arn},
        *data_bucket_access("OwnDataBucket", bucket_arn, DATA_OBJECT_ACTIONS, DATA_BUCKET_ACTIONS),
        key_grant("UseDataKey", KMS_USE_ACTIONS, keys_arn, data_alias),
    )


def erasure_access(*, queue_arn: str, table_arn: str, bucket_arn: str, evidence_arn: str, keys_arn: str, data_alias: str) -> Document:
    """The tenant's erasure job: drain its erasure queue, erase or anonymize in its table and bucket
    (every version), and write its evidence under its own prefix of the audit ledger.

    The evidence is written with SSE-S3 (it holds a request id, a keyed hash of the subject and counts:
    no personal data), so the job needs no use of the platform's data key (ADR-0022)."""
    return document(
        {"Sid": "DrainErasureQueue", "Effect": "Allow", "Action": QUEUE_CONSUMER_ACTIONS, "Resource": queue_arn},
        {"Sid": "EraseInTable", "Effect": "Allow", "Action": TABLE_ACTIONS, "Resource": table_arn},
        *data_bucket_access("EraseInDataBucket", bucket_arn, ERASURE_OBJECT_ACTIONS, ERASURE_BUCKET_ACTIONS),
        {
            "Sid": "WriteEvidence",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": evidence_arn,
            "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
        },
        key_grant("UseTenantKey", KMS_USE_ACTIONS, keys_arn, data_alias),
    )


def deny_insecure_transport(action: str, *resources: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": list(resources),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def access_log_bucket_policy(*, bucket_arn: str, account_id: str, name_prefix: str) -> Document:
    """The access log bucket: the S3 logging service writes logs of this account's own buckets only."""
    return document(
        {
            "Sid": "S3ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{name_prefix}-*"},
            },
        },
        deny_insecure_transport("s3:*", bucket_arn, f"{bucket_arn}/*"),
    )


def ledger_bucket_policy(*, bucket_arn: str, trail_arn: str) -> Document:
    """The audit ledger: CloudTrail may write, nobody may read or write without TLS."""
    return document(
        {
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
        {
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}},
        },
        deny_insecure_transport("s3:*", bucket_arn, f"{bucket_arn}/*"),
    )
