"""Key policies: who may administer each KMS key, and who may use it (ADR-0011, ADR-0022).

A key policy is the only authority over a KMS key: an IAM policy grants use of a key only where the key
policy delegates it to the account. AWS's default key policy delegates everything (``kms:*`` to the
account root), so that any role an IAM policy names could decrypt any store or sign any image. Here,
each key delegates administration to the account (IAM decides who administers), and use only as far
as the key's purpose requires:

- the signing key signs for the image publisher roles only, and anyone in the account may verify;
- the EKS secrets key is used by the cluster's control-plane role only;
- the platform data key and each tenant's key are used only through the AWS services that store data
  with them (``kms:ViaService``), never by a direct ``Decrypt`` of a copied ciphertext; a tenant's key
  through its own stores' services, and its log group's context.

Administration never includes ``kms:CreateGrant`` (a grant is use by delegation) nor any use action.
"""

from __future__ import annotations

from typing import Any

from components.aws.iam_documents import VERSION, Document

#: What an administrator of a key may do: everything but using it or granting its use.
KEY_ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:GetPublicKey",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]
#: Use of a symmetric key by a store's service on a caller's behalf (and the grant it may create).
SERVICE_USE_ACTIONS = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
#: What EKS envelope encryption needs of the cluster role (and terraform-aws-eks grants it).
ENVELOPE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ListGrants"]
VERIFY_ACTIONS = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Verify"]
LOGS_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]

#: The services that store platform data with the data key on a caller's behalf.
PLATFORM_DATA_SERVICES = ["backup", "dynamodb", "ecr", "rds", "s3", "secretsmanager", "sns", "sqs"]
#: The services that store a tenant's data with its key.
TENANT_DATA_SERVICES = ["dynamodb", "ecr", "s3", "sqs"]


def _root(account_id: str) -> dict[str, str]:
    return {"AWS": f"arn:aws:iam::{account_id}:root"}


def administration(account_id: str) -> dict[str, Any]:
    """Administration delegated to the account's IAM: no use, no grants."""
    return {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": _root(account_id), "Action": KEY_ADMIN_ACTIONS, "Resource": "*"}


def use_through_services(sid: str, account_id: str, region: str, services: list[str]) -> dict[str, Any]:
    """Use of the key by the account's principals (as their IAM policies allow), only through the
    named services: a stolen ciphertext cannot be decrypted with a direct call."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": _root(account_id),
        "Action": SERVICE_USE_ACTIONS,
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": account_id,
                "kms:ViaService": [f"{service}.{region}.amazonaws.com" for service in sorted(services)],
            }
        },
    }


def _logs(account_id: str, region: str, log_group_pattern: str) -> dict[str, Any]:
    return {
        "Sid": "CloudWatchLogs",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": LOGS_ACTIONS,
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:{log_group_pattern}"}
        },
    }


def _cloudtrail(sid: str, action: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": action,
        "Resource": "*",
        "Condition": condition,
    }


def role_arn_pattern(account_id: str, path: str, name_pattern: str) -> str:
    return f"arn:aws:iam::{account_id}:role{path}{name_pattern}"


def data_key_policy(account_id: str, region: str) -> Document:
    """The platform data key: the platform's stores through their services, logs, the CIS alarms'
    topic, node volumes (Auto Scaling's service-linked role) and the trail."""
    autoscaling = f"arn:aws:iam::{account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    return {
        "Version": VERSION,
        "Statement": [
            administration(account_id),
            use_through_services("UseThroughPlatformStores", account_id, region, PLATFORM_DATA_SERVICES),
            _logs(account_id, region, "*"),
            {
                # The CIS alarms publish to the encrypted security topic (AWS: encrypted SNS topics and CloudWatch).
                "Sid": "CloudWatchAlarmsToEncryptedTopic",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
            {
                "Sid": "NodeVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                "Resource": "*",
            },
            {
                "Sid": "NodeVolumeGrants",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
            {
                # AWS Data Exports writes the billing export into a bucket encrypted with this key.
                "Sid": "DataExportsDelivery",
                "Effect": "Allow",
                "Principal": {"Service": ["bcm-data-exports.amazonaws.com", "billingreports.amazonaws.com"]},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
            # DescribeKey carries no encryption context: a context condition would deny it.
            _cloudtrail("CloudTrailDescribe", "kms:DescribeKey", {"StringEquals": {"aws:SourceAccount": account_id}}),
            _cloudtrail(
                "CloudTrailEncrypt",
                "kms:GenerateDataKey*",
                {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account_id}:trail/*"}},
            ),
            # The ledger bucket uses an S3 Bucket Key: CloudTrail decrypts the bucket-level data key.
            _cloudtrail("CloudTrailBucketKey", "kms:Decrypt", {"StringEquals": {"aws:SourceAccount": account_id}}),
        ],
    }


def secrets_key_policy(account_id: str, region: str, cluster_role_arn_pattern: str) -> Document:
    """The EKS secrets key: envelope encryption by the cluster's control-plane role only; the cluster's
    creator may let EKS create its grant (through EKS, for an AWS resource)."""
    return {
        "Version": VERSION,
        "Statement": [
            administration(account_id),
            {
                "Sid": "EnvelopeEncryptionByTheClusterRole",
                "Effect": "Allow",
                "Principal": _root(account_id),
                "Action": ENVELOPE_ACTIONS,
                "Resource": "*",
                "Condition": {"ArnLike": {"aws:PrincipalArn": cluster_role_arn_pattern}},
            },
            {
                "Sid": "GrantForTheCluster",
                "Effect": "Allow",
                "Principal": _root(account_id),
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": account_id, "kms:ViaService": f"eks.{region}.amazonaws.com"},
                    "Bool": {"kms:GrantIsForAWSResource": "true"},
                },
            },
        ],
    }


def signing_key_policy(account_id: str, signer_role_arn_pattern: str) -> Document:
    """The cosign signing key: only the image publisher roles sign (the deploy role administers it but
    cannot sign); anyone in the account may verify and read the public key."""
    return {
        "Version": VERSION,
        "Statement": [
            administration(account_id),
            {"Sid": "VerifyInTheAccount", "Effect": "Allow", "Principal": _root(account_id), "Action": VERIFY_ACTIONS, "Resource": "*"},
            {
                "Sid": "SignByImagePublishersOnly",
                "Effect": "Allow",
                "Principal": _root(account_id),
                "Action": "kms:Sign",
                "Resource": "*",
                "Condition": {"ArnLike": {"aws:PrincipalArn": signer_role_arn_pattern}},
            },
        ],
    }


def tenant_key_policy(account_id: str, region: str, log_group_name: str) -> Document:
    """A tenant's key: its stores through their services (its roles' IAM policies name only this key),
    and its own log group."""
    return {
        "Version": VERSION,
        "Statement": [
            administration(account_id),
            use_through_services("UseThroughTenantStores", account_id, region, TENANT_DATA_SERVICES),
            _logs(account_id, region, log_group_name),
        ],
    }


#: Replicating a multi-region key is its administration too (the key policy must allow it: IAM alone cannot).
REPLICATION_ACTIONS = ["kms:ReplicateKey", "kms:UpdatePrimaryRegion"]


def backup_copy_key_policy(account_id: str, regions: list[str]) -> Document:
    """The multi-region key of the recovery points copied to a second region (primary and replica alike):
    administered by the account's IAM (replication included), used only through AWS Backup and RDS (which
    copies Aurora's snapshots) in the two regions."""
    via = sorted(f"{service}.{region}.amazonaws.com" for service in ("backup", "rds") for region in regions)
    return {
        "Version": VERSION,
        "Statement": [
            {**administration(account_id), "Action": sorted([*KEY_ADMIN_ACTIONS, *REPLICATION_ACTIONS])},
            {
                "Sid": "UseThroughBackup",
                "Effect": "Allow",
                "Principal": _root(account_id),
                "Action": SERVICE_USE_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:CallerAccount": account_id, "kms:ViaService": via}},
            },
        ],
    }
