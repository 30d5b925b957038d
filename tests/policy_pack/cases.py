"""One compliant and one non-compliant input per policy: the pack's fixtures.

Resource cases give props as the engine sends them (camelCase; policy documents as JSON strings).
Stack cases give small resource sets; ``bad_name`` is the resource the violation must name.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from components.aws.buckets import s3_lifecycle_rules
from components.kubernetes.admission import own_repositories
from policy_pack.policies import lifecycle
from policy_pack.policies.contract import CIS_CONTROLS, CIS_METRIC_NAMESPACE

TAGS = {"environment": "dev", "tenant": "payments", "owner": "payments-team", "cost-center": "CC-1", "managed-by": "pulumi"}


@dataclass(frozen=True)
class Case:
    type: str
    ok: dict[str, Any]
    bad: dict[str, Any]
    config: dict[str, Any] | None = None
    ok_type: str | None = None  # for a type ban, the compliant alternative
    #: One more failing resource per further branch of the rule: (type, props), or (type, props, config)
    #: for a branch that a policy config switches on.
    more_bad: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True)
class Res:
    type: str
    name: str
    props: dict[str, Any]
    protect: bool = False
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    parent: str | None = None  # the name of another Res of the case


@dataclass(frozen=True)
class StackCase:
    ok: list[Res]
    bad: list[Res]
    bad_name: str
    config: dict[str, Any] | None = None
    #: One more failing stack per further branch of the rule, with the resource it names.
    more_bad: tuple[tuple[list[Res], str], ...] = ()


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "arn:aws:s3:::b/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


DENY_TLS = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}

CONTAINER = {
    "name": "app",
    "image": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/payments/api:1.2.3",
    "securityContext": {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
}


def deployment(container_patch: dict[str, Any] | None = None, pod_patch: dict[str, Any] | None = None) -> dict[str, Any]:
    container = copy.deepcopy(CONTAINER)
    for key, value in (container_patch or {}).items():
        if isinstance(value, dict) and isinstance(container.get(key), dict):
            container[key] = {**container[key], **value}
        else:
            container[key] = value
    pod = {"containers": [container], **(pod_patch or {})}
    return {
        "metadata": {"name": "api", "namespace": "payments", "labels": TAGS},
        "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {"metadata": {"labels": {"app": "api"}}, "spec": pod}},
    }


DEPLOYMENT = "kubernetes:apps/v1:Deployment"
ECR = "aws:ecr/repository:Repository"
KEY = "aws:kms/key:Key"
QUEUE = "aws:sqs/queue:Queue"
EKS = "aws:eks/cluster:Cluster"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
ROLE = "aws:iam/role:Role"
RDS = "aws:rds/cluster:Cluster"
REPO = "github:index/repository:Repository"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
NS = "kubernetes:core/v1:Namespace"

EKS_OK = {
    "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:x"}},
    "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    "accessConfig": {"authenticationMode": "API"},
}
RULESET_OK = {
    "enforcement": "active",
    "target": "branch",
    "rules": {
        "pullRequest": {"requiredApprovingReviewCount": 2, "dismissStaleReviewsOnPush": True, "requireCodeOwnerReview": True},
        "requiredStatusChecks": {"requiredChecks": [{"context": "lint"}]},
        "nonFastForward": True,
        "deletion": True,
    },
}
REPO_OK = {
    "visibility": "private",
    "vulnerabilityAlerts": True,
    "deleteBranchOnMerge": True,
    "securityAndAnalysis": {"secretScanning": {"status": "enabled"}, "secretScanningPushProtection": {"status": "enabled"}},
}
GITHUB_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:org/infra:environment:prod",
        }
    },
}
TENANT_POLICY = 'path "kv/data/payments/*" {\n  capabilities = ["read"]\n}\n'


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(base), **changes}


KEY_ADMIN = {
    "Sid": "KeyAdministration",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": ["kms:DescribeKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
    "Resource": "*",
}
USE_VIA_SQS = {
    "Sid": "UseThroughStores",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
    "Resource": "*",
    "Condition": {"StringEquals": {"kms:ViaService": "sqs.eu-west-3.amazonaws.com", "kms:CallerAccount": "123456789012"}},
}


def sign_by(principal_arn: str) -> dict[str, Any]:
    return {
        "Sid": "Sign",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:Sign",
        "Resource": "*",
        "Condition": {"ArnLike": {"aws:PrincipalArn": principal_arn}},
    }


def key_use(alias: str | None) -> str:
    """A tenant role's policy using a KMS key, by alias (or, with None, by ARN alone)."""
    statement = allow(["kms:Decrypt", "kms:GenerateDataKey"], "arn:aws:kms:eu-west-3:123456789012:key/*", Sid="UseKey")
    if alias:
        statement["Condition"] = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}}
    return doc(statement)


def tenant_with_key(tenant: str, grants: list[str | None], own_key: bool = True) -> list[Res]:
    """A tenant component, its AWS layer, (its key and alias), and one role policy per grant."""
    layer = f"{tenant}-aws"
    resources = [Res("fintech:platform:Tenant", tenant, {}), Res("fintech:aws:TenantAws", layer, {}, parent=tenant)]
    if own_key:
        resources += [
            Res(KEY, f"{tenant}-key", {"tags": {"tenant": tenant}}, parent=layer),
            Res("aws:kms/alias:Alias", f"{tenant}-key-alias", {"name": f"alias/acme-dev-tenant-{tenant}"}, parent=layer),
        ]
    else:
        resources.append(Res(QUEUE, f"{tenant}-outbox", {"tags": {"tenant": tenant}}, parent=layer))
    resources += [
        Res("aws:iam/rolePolicy:RolePolicy", f"{tenant}-policy-{i}", {"policy": key_use(g)}, parent=layer) for i, g in enumerate(grants)
    ]
    return resources


PLATFORM_ALIASES = [
    Res("aws:kms/alias:Alias", "data-alias", {"name": "alias/acme-dev-data"}),
    Res("aws:kms/alias:Alias", "signing-alias", {"name": "alias/acme-dev-cosign"}),
]

LIFECYCLE_CONFIG = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
WHOLE_BUCKET = {"status": "Enabled", "filter": {"prefix": ""}}


def platform_table(**rows: dict[str, Any]) -> Res:
    """The Platform component recording the lifecycle table: the defaults, with ``rows`` over them."""
    table = {name: {**row.as_config(), **rows.get(name, {})} for name, row in lifecycle.DEFAULTS.items()}
    return Res("fintech:platform:Platform", "platform", {"dataLifecycle": table})


def classed(type_: str, name: str, data_class: str | None, **props: Any) -> Res:
    return Res(type_, name, {**props, "tags": {"data-class": data_class} if data_class else {}})


def class_bucket(data_class: str, rules: list[dict[str, Any]] | None, name: str = "data") -> list[Res]:
    """A bucket of ``data_class`` and, unless ``rules`` is None, its lifecycle configuration."""
    bucket = classed("aws:s3/bucket:Bucket", name, data_class, bucket=f"{name}-1")
    return [bucket] + ([Res(LIFECYCLE_CONFIG, f"{name}-lifecycle", {"bucket": f"{name}-1", "rules": rules})] if rules is not None else [])


def engine_rules(data_class: str, **row: Any) -> list[dict[str, Any]]:
    """The program's S3 rules for a class, camelCase as the engine hands them to the pack."""
    retention = lifecycle.Retention(data_class, lifecycle.DEFAULTS[data_class].with_changes(**row))
    return [camel(rule) for rule in s3_lifecycle_rules(retention)]


def camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def erasure_tenant(
    tenant: str, data_class: str, *, queue: bool = True, dlq: bool = True, job: bool = True, identity: bool = True
) -> list[Res]:
    """A tenant component of ``data_class`` and whichever parts of the erasure path are asked for."""
    parts = [Res("fintech:platform:Tenant", tenant, {"dataClass": data_class})]
    if queue:
        redrive = {"redrivePolicy": '{"deadLetterTargetArn": "arn:aws:sqs:::q-dlq", "maxReceiveCount": 5}'} if dlq else {}
        parts.append(Res(QUEUE, f"{tenant}-erasure-queue", {"name": f"acme-dev-{tenant}-erasure", **redrive}, parent=tenant))
    if job:
        parts.append(Res("kubernetes:batch/v1:CronJob", f"{tenant}-erasure-job", {"metadata": {"name": "erasure", "namespace": tenant}}))
    if identity:
        parts.append(
            Res(
                "aws:eks/podIdentityAssociation:PodIdentityAssociation",
                f"{tenant}-erasure-identity",
                {"namespace": tenant, "serviceAccount": "erasure"},
            )
        )
    return parts


RESOURCE_CASES: dict[str, Case] = {
    "s3-lifecycle-complete": Case(
        LIFECYCLE_CONFIG,
        {"rules": [{**WHOLE_BUCKET, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}, "expiration": {"days": 30}}]},
        {"rules": [{"status": "Enabled", "filter": {"prefix": "logs/"}, "expiration": {"days": 30}}]},
        more_bad=(
            (LIFECYCLE_CONFIG, {"rules": [{**WHOLE_BUCKET, "expiration": {"days": 30}}]}),
            (LIFECYCLE_CONFIG, {"rules": [{**WHOLE_BUCKET, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]}),
        ),
    ),
    "dynamodb-ttl-enabled": Case(
        "aws:dynamodb/table:Table", {"ttl": {"enabled": True, "attributeName": "expiresAt"}}, {"ttl": {"enabled": False}}
    ),
    "sqs-retention-explicit": Case(QUEUE, {"messageRetentionSeconds": 345600}, {}),
    "required-cost-tags": Case("aws:sqs/queue:Queue", {"tags": {**TAGS, "data-class": "pci"}}, {"tags": {"environment": "dev"}}),
    "ecr-tag-immutability": Case(ECR, {"imageTagMutability": "IMMUTABLE"}, {}),
    "ecr-scan-on-push": Case(
        ECR, {"imageScanningConfiguration": {"scanOnPush": True}}, {"imageScanningConfiguration": {"scanOnPush": False}}
    ),
    "ecr-kms-encryption": Case(
        ECR,
        {"encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:k"}]},
        {"encryptionConfigurations": [{"encryptionType": "AES256"}]},
    ),
    "ecr-no-open-policy": Case(
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        {"policy": doc(allow("ecr:BatchGetImage", Principal={"AWS": "arn:aws:iam::1:role/ci"}))},
        {"policy": doc(allow("ecr:BatchGetImage", Principal="*"))},
    ),
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
    "kms-key-rotation": Case(KEY, {"enableKeyRotation": True}, {"enableKeyRotation": False}),
    "kms-no-lockout-bypass": Case(KEY, {"bypassPolicyLockoutSafetyCheck": False}, {"bypassPolicyLockoutSafetyCheck": True}),
    "kms-key-description": Case(KEY, {"description": "payments data at rest"}, {"description": "key"}),
    "kms-deletion-window": Case(KEY, {"deletionWindowInDays": 30}, {"deletionWindowInDays": 7}),
    "kms-key-policy-explicit": Case(
        KEY,
        {"policy": doc(KEY_ADMIN, USE_VIA_SQS)},
        {},
        more_bad=(
            (KEY, {"policy": doc({**KEY_ADMIN, "Action": "kms:*"})}),
            (KEY, {"policy": doc({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})}),
            (KEY, {"policy": doc({**KEY_ADMIN, "Action": None, "NotAction": "kms:ScheduleKeyDeletion"})}),
            (KEY, {"policy": "not a document"}),
        ),
    ),
    "kms-signing-key-signers": Case(
        KEY,
        {"keyUsage": "SIGN_VERIFY", "policy": doc(KEY_ADMIN, sign_by("arn:aws:iam::123456789012:role/fintech-blueprint/acme-dev-ci-*"))},
        {"keyUsage": "SIGN_VERIFY", "policy": doc(KEY_ADMIN, {**sign_by(""), "Condition": {}})},
        more_bad=(
            (KEY, {"keyUsage": "SIGN_VERIFY", "policy": doc(sign_by("arn:aws:iam::123456789012:role/fintech-blueprint/acme-dev-deploy"))}),
            (KEY, {"keyUsage": "SIGN_VERIFY", "policy": doc({**sign_by(""), "Principal": {"Service": "codebuild.amazonaws.com"}})}),
            (KEY, {"keyUsage": "SIGN_VERIFY", "policy": doc({**sign_by(""), "Principal": {"AWS": "arn:aws:iam::123456789012:role/ops"}})}),
        ),
    ),
    "sqs-encryption": Case(QUEUE, {"kmsMasterKeyId": "arn:aws:kms:k"}, {"sqsManagedSseEnabled": False}),
    "sqs-dead-letter-queue": Case(
        QUEUE,
        {"redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:dlq", "maxReceiveCount": 5})},
        {},
        more_bad=((QUEUE, {"redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:dlq"})}),),
    ),
    "sqs-policy-least-privilege": Case(
        "aws:sqs/queuePolicy:QueuePolicy",
        {"policy": doc(allow("sqs:SendMessage", "arn:aws:sqs:q", Principal={"AWS": "arn:aws:iam::1:role/a"}))},
        {"policy": doc(allow("sqs:*", "arn:aws:sqs:q", Principal={"AWS": "arn:aws:iam::1:role/a"}))},
        more_bad=(("aws:sqs/queuePolicy:QueuePolicy", {"policy": doc(allow("sqs:SendMessage", "arn:aws:sqs:q", Principal="*"))}),),
    ),
    "sqs-policy-tls-only": Case("aws:sqs/queuePolicy:QueuePolicy", {"policy": doc(DENY_TLS)}, {"policy": doc(allow("sqs:SendMessage"))}),
    "eks-secrets-encryption": Case(EKS, EKS_OK, with_(EKS_OK, encryptionConfig={"resources": ["configmaps"]})),
    "eks-endpoint-access": Case(
        EKS,
        with_(EKS_OK, vpcConfig={"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}),
        with_(EKS_OK, vpcConfig={"endpointPublicAccess": True}),
        more_bad=(
            (
                EKS,
                with_(EKS_OK, vpcConfig={"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}),
                {"eks-endpoint-access": {"allowPublicWithCidrs": False}},
            ),
        ),
    ),
    "eks-control-plane-logging": Case(EKS, EKS_OK, with_(EKS_OK, enabledClusterLogTypes=["api", "audit"])),
    "eks-access-entries": Case(EKS, EKS_OK, with_(EKS_OK, accessConfig={"authenticationMode": "CONFIG_MAP"})),
    "eks-node-group-launch-template": Case("aws:eks/nodeGroup:NodeGroup", {"launchTemplate": {"id": "lt-1", "version": "1"}}, {}),
    "ec2-imdsv2": Case(
        LT,
        {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
        {"metadataOptions": {"httpTokens": "optional"}},
        more_bad=((LT, {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 3}}),),
    ),
    "ec2-ebs-encryption": Case(
        LT,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]},
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
    ),
    "ec2-no-world-ingress": Case(
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [{"fromPort": 5432, "toPort": 5432, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/16"]}]},
        {"ingress": [{"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}]},
    ),
    "ec2-security-group-rule-description": Case(
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [{"fromPort": 5432, "toPort": 5432, "description": "PostgreSQL from the VPC"}], "egress": []},
        {"ingress": [{"fromPort": 5432, "toPort": 5432, "description": "ok"}], "egress": [{"fromPort": 0, "toPort": 0}]},
    ),
    "vpc-default-security-group-closed": Case(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        {"vpcId": "vpc-1"},
        {"vpcId": "vpc-1", "ingress": [{"fromPort": 0, "toPort": 0, "protocol": "-1", "self": True, "description": "AWS default"}]},
    ),
    "ec2-subnet-no-auto-public-ip": Case("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": False}, {"mapPublicIpOnLaunch": True}),
    "iam-no-star-action": Case(
        "aws:iam/policy:Policy",
        {"policy": doc(allow("s3:GetObject"))},
        {"policy": doc(allow("*", "*"))},
        more_bad=(("aws:iam/policy:Policy", {"policy": doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})}),),
    ),
    "iam-no-star-resource-write": Case(
        "aws:iam/rolePolicy:RolePolicy",
        {
            "policy": doc(
                allow(["ec2:*"], "*", Condition={"StringEquals": {"aws:ResourceTag/environment": "dev"}}),
                # No resource-level permissions exist for it: '*' is its only scope.
                allow(["ce:UpdateCostAllocationTagsStatus"], "*"),
            )
        },
        {"policy": doc(allow(["s3:PutObject", "ce:UpdateCostAllocationTagsStatus"], "*"))},
    ),
    "iam-no-admin-attachment": Case(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
        {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    "iam-trust-scoped": Case(
        ROLE,
        {"assumeRolePolicy": doc(GITHUB_TRUST)},
        {
            "assumeRolePolicy": doc(
                {
                    **GITHUB_TRUST,
                    "Condition": {
                        "StringLike": {
                            "token.actions.githubusercontent.com:sub": "repo:*",
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        }
                    },
                }
            )
        },
        more_bad=(
            (ROLE, {"assumeRolePolicy": doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})}),
            (
                ROLE,
                {
                    "assumeRolePolicy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "pods.eks.amazonaws.com"},
                            "Action": ["sts:AssumeRole", "sts:TagSession"],
                        }
                    )
                },
            ),
            (
                ROLE,
                {
                    "assumeRolePolicy": doc(
                        {**GITHUB_TRUST, "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}
                    )
                },
            ),
            (
                ROLE,
                {
                    "assumeRolePolicy": doc(
                        {
                            **GITHUB_TRUST,
                            "Condition": {
                                "StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/infra:ref:refs/heads/main"}
                            },
                        }
                    )
                },
            ),
        ),
    ),
    "iam-no-access-keys": Case("aws:iam/accessKey:AccessKey", {"assumeRolePolicy": doc(GITHUB_TRUST)}, {"user": "ci"}, ok_type=ROLE),
    "cloudwatch-log-retention": Case(
        "aws:cloudwatch/logGroup:LogGroup",
        {"retentionInDays": 365},
        {},
        more_bad=(("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 7}),),
    ),
    "cloudwatch-log-kms": Case("aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": "arn:aws:kms:k"}, {}),
    "cloudtrail-hardened": Case(
        "aws:cloudtrail/trail:Trail",
        {"enableLogFileValidation": True, "isMultiRegionTrail": True, "kmsKeyId": "k"},
        {"enableLogFileValidation": True},
        more_bad=(("aws:cloudtrail/trail:Trail", {"isMultiRegionTrail": True, "kmsKeyId": "k"}),),
    ),
    "vpc-flow-log-all-traffic": Case("aws:ec2/flowLog:FlowLog", {"trafficType": "ALL"}, {"trafficType": "REJECT"}),
    "rds-encryption": Case(RDS, {"storageEncrypted": True, "kmsKeyId": "k"}, {"storageEncrypted": False}),
    "rds-iam-auth": Case(RDS, {"iamDatabaseAuthenticationEnabled": True}, {}),
    "rds-backups": Case(
        RDS,
        {"backupRetentionPeriod": 14, "deletionProtection": True},
        {"backupRetentionPeriod": 14},
        config={"rds-backups": {"requireDeletionProtection": True}},
    ),
    "rds-monitoring": Case(
        "aws:rds/clusterInstance:ClusterInstance",
        {"performanceInsightsEnabled": True, "monitoringInterval": 60},
        {"performanceInsightsEnabled": True},
        config={"rds-monitoring": {"requireMonitoring": True}},
        more_bad=(("aws:rds/clusterInstance:ClusterInstance", {"monitoringInterval": 60}),),
    ),
    "rds-not-public": Case("aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": False}, {"publiclyAccessible": True}),
    "rds-proxy-tls-iam": Case(
        "aws:rds/proxy:Proxy",
        {"requireTls": True, "auths": [{"iamAuth": "REQUIRED"}]},
        {"requireTls": True, "auths": [{"iamAuth": "DISABLED"}]},
        more_bad=(("aws:rds/proxy:Proxy", {"requireTls": False, "auths": [{"iamAuth": "REQUIRED"}]}),),
    ),
    "dynamodb-recovery-encryption": Case(
        "aws:dynamodb/table:Table",
        {"pointInTimeRecovery": {"enabled": True}, "serverSideEncryption": {"enabled": True, "kmsKeyArn": "k"}},
        {"pointInTimeRecovery": {"enabled": False}},
    ),
    "budget-notifications": Case(
        "aws:budgets/budget:Budget",
        {"notifications": [{"notificationType": t, "subscriberEmailAddresses": ["a@b.c"]} for t in ("ACTUAL", "FORECASTED")]},
        {"notifications": [{"notificationType": "ACTUAL", "subscriberEmailAddresses": ["a@b.c"]}]},
    ),
    "cost-allocation-tag-active": Case(
        "aws:costexplorer/costAllocationTag:CostAllocationTag", {"status": "Active"}, {"status": "Inactive"}
    ),
    "k8s-no-privileged": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"privileged": True}})),
    "k8s-run-as-non-root": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"runAsNonRoot": False}})),
    "k8s-no-privilege-escalation": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"allowPrivilegeEscalation": True}})),
    "k8s-resource-requests-limits": Case(DEPLOYMENT, deployment(), deployment({"resources": {"requests": {"cpu": "100m"}}})),
    "k8s-pinned-images": Case(DEPLOYMENT, deployment(), deployment({"image": "registry.local:5000/api:latest"})),
    "k8s-no-host-namespaces": Case(DEPLOYMENT, deployment(), deployment(pod_patch={"hostNetwork": True})),
    "k8s-read-only-root-filesystem": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"readOnlyRootFilesystem": False}})),
    "k8s-drop-all-capabilities": Case(
        DEPLOYMENT,
        deployment(),
        deployment({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"], "drop": ["ALL"]}}}),
        more_bad=((DEPLOYMENT, deployment({"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}})),),
    ),
    "k8s-seccomp-runtime-default": Case(
        DEPLOYMENT, deployment(), deployment({"securityContext": {"seccompProfile": {"type": "Unconfined"}}})
    ),
    "k8s-no-host-path": Case(
        DEPLOYMENT, deployment(), deployment(pod_patch={"volumes": [{"name": "docker", "hostPath": {"path": "/var/run"}}]})
    ),
    "k8s-allowed-registries": Case(
        DEPLOYMENT,
        deployment(),
        deployment({"image": "docker.io/library/nginx:1.27"}),
        config={"k8s-allowed-registries": {"allowedRegistries": ["123456789012.dkr.ecr.eu-west-3.amazonaws.com/"]}},
    ),
    "k8s-namespace-pod-security": Case(
        NS,
        {"metadata": {"name": "payments", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}},
        {
            "metadata": {
                "name": "payments",
                "labels": {"pod-security.kubernetes.io/enforce": "privileged", "tenant": "payments"},
                "annotations": {"fintech-blueprint.io/pod-security-exception": "adr"},
            }
        },
    ),
    "k8s-no-default-namespace": Case(
        "kubernetes:core/v1:ConfigMap",
        {"metadata": {"name": "c", "namespace": "payments"}},
        {"metadata": {"name": "c", "namespace": "default"}},
    ),
    "k8s-network-policy-no-allow-all": Case(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        {"spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}},
        {"spec": {"podSelector": {}, "ingress": [{}]}},
    ),
    "k8s-no-public-services": Case(
        "kubernetes:core/v1:Service",
        {"spec": {"type": "ClusterIP"}},
        {"spec": {"type": "LoadBalancer"}},
        more_bad=(("kubernetes:core/v1:Service", {"spec": {"type": "NodePort"}}),),
    ),
    "k8s-tenant-no-broad-role-binding": Case(
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        {"metadata": {"labels": {"tenant": "payments"}}, "roleRef": {"kind": "Role", "name": "tenant-developer"}},
        {"metadata": {"labels": {"tenant": "payments"}}, "roleRef": {"kind": "ClusterRole", "name": "edit"}},
    ),
    "k8s-tenant-role-no-secrets-or-exec": Case(
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        {"metadata": {"labels": {"tenant": "payments"}}, "rules": [{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}]},
        {"metadata": {"labels": {"tenant": "payments"}}, "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]},
    ),
    "k8s-no-cluster-admin-binding": Case(
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        {"roleRef": {"name": "cluster-admin"}, "subjects": [{"kind": "Group", "name": "system:masters"}]},
        {"roleRef": {"name": "cluster-admin"}, "subjects": [{"kind": "Group", "name": "tenant:payments:developers"}]},
    ),
    "k8s-service-account-no-automount": Case("kubernetes:core/v1:ServiceAccount", {"automountServiceAccountToken": False}, {}),
    "k8s-helm-release-pinned": Case(
        "kubernetes:helm.sh/v3:Release",
        {"chart": "kyverno", "version": "3.3.4", "repositoryOpts": {"repo": "https://kyverno.github.io/kyverno/"}},
        {"chart": "kyverno", "version": "3.x", "repositoryOpts": {"repo": "https://kyverno.github.io/kyverno/"}},
        more_bad=(("kubernetes:helm.sh/v3:Release", {"chart": "kyverno", "version": "3.3.4"}),),
    ),
    "argocd-project-confined": Case(
        "kubernetes:argoproj.io/v1alpha1:AppProject",
        {
            "spec": {
                "sourceRepos": ["https://github.com/org/payments-api.git"],
                "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "payments"}],
            }
        },
        {
            "spec": {
                "sourceRepos": ["*"],
                "destinations": [{"server": "*", "namespace": "*"}],
                "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
            }
        },
    ),
    "github-repository-private": Case(REPO, REPO_OK, with_(REPO_OK, visibility="public")),
    "github-vulnerability-alerts": Case(REPO, REPO_OK, with_(REPO_OK, vulnerabilityAlerts=False)),
    "github-delete-branch-on-merge": Case(REPO, REPO_OK, with_(REPO_OK, deleteBranchOnMerge=False)),
    "github-secret-scanning": Case(REPO, REPO_OK, with_(REPO_OK, securityAndAnalysis={})),
    "github-required-reviews": Case(
        RULESET,
        RULESET_OK,
        with_(RULESET_OK, rules={"pullRequest": {"requiredApprovingReviewCount": 1}}),
        config={"github-required-reviews": {"minApprovals": 2}},
    ),
    "github-required-status-checks": Case(
        "github:index/branchProtection:BranchProtection", {"requiredStatusChecks": [{"contexts": ["lint"]}]}, {"requiredStatusChecks": []}
    ),
    "github-no-force-push-or-deletion": Case(
        RULESET,
        RULESET_OK,
        with_(RULESET_OK, rules={"nonFastForward": False, "deletion": True}),
        more_bad=(
            ("github:index/branchProtection:BranchProtection", {"allowsForcePushes": True}),
            ("github:index/branchProtection:BranchProtection", {"allowsDeletions": True}),
        ),
    ),
    "github-ruleset-active": Case(RULESET, RULESET_OK, with_(RULESET_OK, enforcement="evaluate")),
    "github-organization-defaults": Case(
        "github:index/organizationSettings:OrganizationSettings",
        {
            "membersCanCreatePublicRepositories": False,
            "defaultRepositoryPermission": "read",
            "secretScanningEnabledForNewRepositories": True,
            "secretScanningPushProtectionEnabledForNewRepositories": True,
            "dependabotAlertsEnabledForNewRepositories": True,
            "dependencyGraphEnabledForNewRepositories": True,
        },
        {"membersCanCreatePublicRepositories": True, "defaultRepositoryPermission": "admin"},
    ),
    "github-no-cloud-keys-in-secrets": Case(
        "github:index/actionsSecret:ActionsSecret", {"secretName": "SONAR_TOKEN"}, {"secretName": "AWS_SECRET_ACCESS_KEY"}
    ),
    "vault-policy-no-wildcard-sudo": Case(
        "vault:index/policy:Policy",
        {"policy": TENANT_POLICY},
        {"policy": 'path "sys/*" {\n  capabilities = ["read", "sudo"]\n}\n'},
        more_bad=(("vault:index/policy:Policy", {"policy": 'path "*" {\n  capabilities = ["read"]\n}\n'}),),
    ),
    "vault-token-ttl": Case(
        "vault:index/token:Token",
        {"ttl": "1h", "explicitMaxTtl": "24h"},
        {"ttl": "768h", "explicitMaxTtl": "768h"},
        more_bad=(("vault:index/token:Token", {"ttl": "1h", "explicitMaxTtl": "24h", "period": "1h"}),),
    ),
    "vault-auth-role-ttl": Case(
        "vault:kubernetes/authBackendRole:AuthBackendRole",
        {"tokenTtl": 3600, "tokenMaxTtl": 86400},
        {"tokenTtl": 3600},
        more_bad=(("vault:kubernetes/authBackendRole:AuthBackendRole", {"tokenTtl": 3600, "tokenMaxTtl": 86400, "tokenPeriod": 3600}),),
    ),
    "vault-mount-ttl": Case(
        "vault:index/mount:Mount",
        {"defaultLeaseTtlSeconds": 3600, "maxLeaseTtlSeconds": 86400},
        {"defaultLeaseTtlSeconds": 3600, "maxLeaseTtlSeconds": 2764800},
        more_bad=(
            ("vault:index/authBackend:AuthBackend", {"tune": [{"defaultLeaseTtl": "1h", "maxLeaseTtl": "768h"}]}),
            ("vault:index/authBackend:AuthBackend", {"tune": [{"maxLeaseTtl": "1h"}]}),
        ),
    ),
    "vault-database-role-ttl": Case(
        "vault:database/secretBackendRole:SecretBackendRole", {"defaultTtl": 900, "maxTtl": 3600}, {"defaultTtl": 900}
    ),
    "vault-auth-role-bound": Case(
        "vault:kubernetes/authBackendRole:AuthBackendRole",
        {"boundServiceAccountNames": ["payments-api"], "boundServiceAccountNamespaces": ["payments"]},
        {"boundServiceAccountNames": ["*"], "boundServiceAccountNamespaces": ["payments"]},
        more_bad=(
            ("vault:jwt/authBackendRole:AuthBackendRole", {"boundClaims": {"repository": "org/infra"}}),
            ("vault:jwt/authBackendRole:AuthBackendRole", {"boundAudiences": ["vault"]}),
            ("vault:appRole/authBackendRole:AuthBackendRole", {"bindSecretId": False, "secretIdTtl": 600}),
            ("vault:appRole/authBackendRole:AuthBackendRole", {"bindSecretId": True}),
        ),
    ),
    "vault-audit-no-raw": Case(
        "vault:index/audit:Audit",
        {"type": "file", "options": {"file_path": "stdout"}},
        {"type": "file", "options": {"file_path": "stdout", "log_raw": "true"}},
    ),
}


def tenant_ns(name: str = "payments") -> Res:
    return Res(NS, f"{name}-ns", {"metadata": {"name": name, "labels": {"tenant": name}}})


def in_ns(type_: str, name: str, spec: dict[str, Any] | None = None, ns: str = "payments") -> Res:
    return Res(type_, name, {"metadata": {"name": name, "namespace": ns}, "spec": spec or {}})


DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
BUNDLE = [
    tenant_ns(),
    in_ns("kubernetes:core/v1:ResourceQuota", "quota"),
    in_ns("kubernetes:core/v1:LimitRange", "limits"),
    in_ns("kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny", DENY_ALL),
]
KYVERNO_POLICY = "kubernetes:kyverno.io/v1:Policy"
REGISTRY = "123456789012.dkr.ecr.eu-west-3.amazonaws.com"


def service_repository(without: str | None = None, image: str = "payments/api", trusted: str = "payments-api") -> list[Res]:
    """A tenant's service repository with its Actions variables, its image repository and publisher role."""
    role_arn = "arn:aws:iam::123456789012:role/fintech-blueprint/acme-dev-ci-payments-api"
    values = {
        "IMAGE_REPOSITORY_URL": f"{REGISTRY}/{image}",
        "AWS_PUBLISHER_ROLE_ARN": role_arn,
        "AWS_REGION": "eu-west-3",
        "COSIGN_KMS_KEY_ARN": "arn:aws:kms:eu-west-3:123456789012:alias/acme-dev-cosign",
    }
    trust = doc(
        {
            **GITHUB_TRUST,
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": f"repo:acme/{trusted}:ref:refs/heads/main"}},
        }
    )
    return [
        Res("fintech:platform:Tenant", "payments", {}),
        Res("github:index/repository:Repository", "payments-api-repo", {"name": "payments-api"}, parent="payments"),
        *(
            Res(
                "github:index/actionsVariable:ActionsVariable",
                f"var-{k}",
                {"repository": "payments-api", "variableName": k, "value": v},
                parent="payments",
            )
            for k, v in values.items()
            if k != without
        ),
        Res("aws:ecr/repository:Repository", "api-images", {"name": "payments/api"}),
        Res("aws:iam/role:Role", "publisher", {"name": "acme-dev-ci-payments-api", "assumeRolePolicy": trust}),
    ]


def image_policy(admitted: list[str], action: str = "Enforce") -> Res:
    """A ClusterPolicy whose one rule denies platform-registry images outside ``admitted``."""
    deny = {
        "all": [
            {"key": "{{ element.image }}", "operator": "AnyIn", "value": [f"{REGISTRY}/*"]},
            {"key": "{{ element.image }}", "operator": "AnyNotIn", "value": admitted},
        ]
    }
    rule = {"name": "own-repositories", "validate": {"foreach": [{"list": "request.object.spec.containers", "deny": {"conditions": deny}}]}}
    return Res(
        "kubernetes:kyverno.io/v1:ClusterPolicy",
        "images",
        {"metadata": {"name": "images"}, "spec": {"validationFailureAction": action, "rules": [rule]}},
    )


OWN_REGISTRIES_NS = Res(
    NS,
    "payments-ns",
    {"metadata": {"name": "payments", "labels": {"tenant": "payments", "fintech-blueprint.io/registries": "tenant-allow-list"}}},
)
#: A tenant is known by its cost tag (a first preview knows tags, not the namespace's state).
TENANT_QUEUE = Res("aws:sqs/queue:Queue", "payments-outbox", {"tags": {"tenant": "payments", "owner": "payments-team"}})
BUDGET = Res("aws:budgets/budget:Budget", "payments-budget", {"costFilters": [{"name": "TagKeyValue", "values": ["user:tenant$payments"]}]})
KYVERNO = Res(
    "kubernetes:kyverno.io/v1:ClusterPolicy",
    "signatures",
    {
        "spec": {
            "rules": [
                {
                    "verifyImages": [
                        {
                            "imageReferences": ["123456789012.dkr.ecr.eu-west-3.amazonaws.com/*"],
                            "attestors": [{"entries": [{"keys": {"publicKeys": "PEM"}}]}],
                        }
                    ]
                }
            ]
        }
    },
)
ECR_REPO = Res(ECR, "payments-api-repo", {"name": "payments/payments-api"})
BUCKET = Res("aws:s3/bucket:Bucket", "ledger", {"bucket": "ledger-1"})
VPC = Res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})


TRAIL_LOGS = Res("aws:cloudwatch/logGroup:LogGroup", "trail-logs", {"name": "/aws/cloudtrail/audit"})
WATCHED_TRAIL = Res(
    "aws:cloudtrail/trail:Trail",
    "trail",
    {"isMultiRegionTrail": True, "cloudWatchLogsGroupArn": "arn:aws:logs:eu-west-3:1:log-group:/aws/cloudtrail/audit:*"},
    property_dependencies={"cloudWatchLogsGroupArn": ["trail-logs"]},
)


def cis_watch(skip: str = "", silent: str = "") -> list[Res]:
    """The trail, its log group and one filter and alarm per CIS control (none for ``skip``; the alarm
    of ``silent`` notifies no one)."""
    found = [TRAIL_LOGS, WATCHED_TRAIL]
    for cis in CIS_CONTROLS:
        if cis.metric == skip:
            continue
        transformation = {"name": cis.metric, "namespace": CIS_METRIC_NAMESPACE, "value": "1"}
        found.append(
            Res(
                "aws:cloudwatch/logMetricFilter:LogMetricFilter",
                f"filter-{cis.metric}",
                {"pattern": cis.pattern, "metricTransformation": transformation},
                property_dependencies={"logGroupName": ["trail-logs"]},
            )
        )
        actions = [] if cis.metric == silent else ["arn:aws:sns:eu-west-3:1:security"]
        found.append(
            Res(
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                f"alarm-{cis.metric}",
                {"metricName": cis.metric, "namespace": CIS_METRIC_NAMESPACE, "alarmActions": actions},
            )
        )
    return found


AURORA = Res(
    "aws:rds/cluster:Cluster",
    "aurora",
    {"engine": "aurora-postgresql", "dbClusterParameterGroupName": "acme-aurora-pg16"},
    property_dependencies={"dbClusterParameterGroupName": ["aurora-parameters"]},
)


def aurora_parameters(**changes: str) -> Res:
    values = {
        "rds.force_ssl": "1",
        "log_connections": "1",
        "log_disconnections": "1",
        "shared_preload_libraries": "pg_stat_statements,pgaudit",
        **changes,
    }
    params = [{"name": k, "value": v} for k, v in values.items()]
    return Res(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup", "aurora-parameters", {"name": "acme-aurora-pg16", "parameters": params}
    )


ACCESS_LOG_BUCKET = Res("aws:s3/bucket:Bucket", "access-logs", {"bucket": "acme-dev-access-logs-1"})
LEDGER_LOGGING = {"bucket": "ledger-1", "targetBucket": "acme-dev-access-logs-1", "targetPrefix": "ledger-1/"}


def bucket_part(type_: str, name: str) -> Res:
    return Res(type_, name, {"bucket": "ledger-1"})


AURORA_CLUSTER = Res("aws:rds/cluster:Cluster", "aurora", {"clusterIdentifier": "acme-dev-aurora"})
LEDGER_TRAIL = Res("aws:cloudtrail/trail:Trail", "trail", {"s3BucketName": "acme-dev-audit-ledger-1"})
LEDGER = Res("aws:s3/bucket:Bucket", "ledger", {"bucket": "acme-dev-audit-ledger-1"})


def backup_selection(*resources: str) -> Res:
    return Res("aws:backup/selection:Selection", "selection", {"resources": list(resources)})


def backup_vault(**lock: Any) -> list[Res]:
    vault = Res("aws:backup/vault:Vault", "vault", {"name": "acme-backup-vault"})
    return [
        vault,
        Res("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "lock", {"backupVaultName": "acme-backup-vault", **lock}),
    ]


def backed_up(delete_after: int | None, data_class: str = "pci", copied_for: int | None = 35) -> list[Res]:
    """An Aurora cluster of ``data_class`` and the audit ledger, selected by ARN for a plan keeping recovery
    points ``delete_after`` days and their copies in another vault ``copied_for`` days (None: no lifecycle)."""
    lifecycle_: dict[str, Any] = {"lifecycle": {"deleteAfter": delete_after}} if delete_after is not None else {}
    copy_lifecycle = {"lifecycle": {"deleteAfter": copied_for}} if copied_for is not None else {}
    lifecycle_["copyActions"] = [{"destinationVaultArn": "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr", **copy_lifecycle}]
    return [
        classed("aws:rds/cluster:Cluster", "aurora", data_class, clusterIdentifier="acme-dev-aurora", backupRetentionPeriod=14),
        classed("aws:s3/bucket:Bucket", "ledger", "audit", bucket="acme-dev-audit-ledger-1"),
        Res(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "ledger-lifecycle",
            {"bucket": "acme-dev-audit-ledger-1", "rules": engine_rules("audit")},
        ),
        Res("aws:backup/plan:Plan", "backup-plan", {"rules": [{"ruleName": "daily", **lifecycle_}]}),
        Res(
            "aws:backup/selection:Selection",
            "selection",
            {
                "planId": "backup-plan-id",
                "resources": ["arn:aws:rds:eu-west-3:123456789012:cluster:acme-dev-aurora", "arn:aws:s3:::acme-dev-audit-ledger-1"],
            },
            property_dependencies={"planId": ["backup-plan"]},
        ),
    ]


def finops_stack(budget: str) -> list[Res]:
    """A platform (the EKS control plane, 73.00 a month, shared) and one tenant with a budget and a key (1.00)."""
    usage = {"requestsPerMonth": "1000000"}
    return [
        Res("fintech:platform:Platform", "platform", {"finops": {"usage": usage, "sharedCostSplit": "even", "region": "eu-west-3"}}),
        Res("aws:eks/cluster:Cluster", "eks", {}, parent="platform"),
        Res("fintech:platform:Tenant", "payments", {"finops": {"usage": usage, "shareWeight": "1", "monthlyBudgetUsd": budget}}),
        Res(KEY, "payments-key", {}, parent="payments"),
    ]


STACK_CASES: dict[str, StackCase] = {
    "data-lifecycle-floors": StackCase(
        [platform_table(confidential={"minimumRetentionDays": 90, "expireAfterDays": 180, "coldAfterDays": 90})],
        [platform_table(pci={"minimumRetentionDays": 30})],
        "platform",
    ),
    "data-store-lifecycle-matches-class": StackCase(
        [
            platform_table(),
            *class_bucket("pci", engine_rules("pci")),
            classed("aws:cloudwatch/logGroup:LogGroup", "logs", "pci", retentionInDays=1827),
            classed("aws:dynamodb/table:Table", "table", "pci", ttl={"enabled": True, "attributeName": "expiresAt"}),
            classed(QUEUE, "queue", "public", messageRetentionSeconds=345600),
            *backed_up(35),  # the pci cluster (backups 14 days) and the audit ledger, copied 35 days
        ],
        [platform_table(), *class_bucket("pci", engine_rules("pii"))],
        "data-lifecycle",
        more_bad=(
            (class_bucket("pci", None), "data"),
            (class_bucket("secret", engine_rules("pci")), "data"),
            ([classed("aws:cloudwatch/logGroup:LogGroup", "logs", "pci", retentionInDays=30)], "logs"),
            ([classed("aws:cloudwatch/logGroup:LogGroup", "logs", None, retentionInDays=1827)], "logs"),
            ([classed("aws:dynamodb/table:Table", "table", "pci")], "table"),
            ([platform_table(public={"expireAfterDays": 1}), classed(QUEUE, "queue", "public", messageRetentionSeconds=345600)], "queue"),
            (
                [
                    platform_table(pci={"expireAfterDays": 30, "coldAfterDays": "never"}),
                    classed("aws:rds/cluster:Cluster", "aurora", "pci", backupRetentionPeriod=35),
                ],
                "aurora",
            ),
            # AWS Backup copies of the pci cluster kept past pci's expiry (1825 days), or forever.
            ([platform_table(), *backed_up(3650)], "backup-plan"),
            ([platform_table(), *backed_up(None)], "backup-plan"),
            # The shortest expiry among the selected stores decides: a public cluster's copies go after 365 days.
            ([platform_table(), *backed_up(400, data_class="public")], "backup-plan"),
            # A copy sent to another vault without a lifecycle keeps the data forever there.
            ([platform_table(), *backed_up(35, copied_for=None)], "backup-plan"),
        ),
    ),
    "ledger-lifecycle-never-deletes": StackCase(
        class_bucket("audit", engine_rules("audit"), name="ledger"),
        class_bucket("audit", engine_rules("confidential"), name="ledger"),
        "ledger-lifecycle",
    ),
    "tenant-erasure-wired": StackCase(
        [
            platform_table(),
            *erasure_tenant("payments", "pci"),
            *erasure_tenant("fraud", "confidential", queue=False, job=False, identity=False),
        ],
        [platform_table(), *erasure_tenant("payments", "pci", job=False)],
        "payments",
        more_bad=(
            (erasure_tenant("payments", "pii", dlq=False), "payments-erasure-queue"),
            (erasure_tenant("fraud", "internal", queue=False, identity=False), "fraud"),
            (erasure_tenant("payments", "secret"), "payments"),
        ),
    ),
    # 73.00 shared + 1.00 direct: within 100.00, over 50.00.
    "tenant-estimate-within-budget": StackCase(finops_stack("100.00"), finops_stack("50.00"), "payments"),
    "backup-coverage": StackCase(
        [
            AURORA_CLUSTER,
            LEDGER_TRAIL,
            LEDGER,
            backup_selection("arn:aws:rds:eu-west-3:123456789012:cluster:acme-dev-aurora", "arn:aws:s3:::acme-dev-audit-ledger-1"),
        ],
        [AURORA_CLUSTER, backup_selection("arn:aws:s3:::acme-dev-audit-ledger-1")],
        "aurora",
        more_bad=(([LEDGER_TRAIL, LEDGER, backup_selection("arn:aws:rds:eu-west-3:123456789012:cluster:acme-dev-aurora")], "ledger"),),
    ),
    "backup-vault-locked": StackCase(
        backup_vault(minRetentionDays=35, maxRetentionDays=36500, changeableForDays=3),
        backup_vault(minRetentionDays=35),
        "lock",
        config={"backup-vault-locked": {"requireComplianceMode": True}},
        more_bad=(
            ([backup_vault()[0]], "vault"),
            (backup_vault(maxRetentionDays=36500), "lock"),
        ),
    ),
    "kms-tenant-key-isolation": StackCase(
        [
            *PLATFORM_ALIASES,
            *tenant_with_key("payments", ["alias/acme-dev-tenant-payments", "alias/acme-dev-cosign"]),
            *tenant_with_key("fraud", ["alias/acme-dev-tenant-fraud"]),
        ],
        [*PLATFORM_ALIASES, *tenant_with_key("payments", ["alias/acme-dev-tenant-payments", "alias/acme-dev-data"])],
        "payments-policy-1",
        more_bad=(
            (
                [*tenant_with_key("payments", ["alias/acme-dev-tenant-fraud"]), *tenant_with_key("fraud", ["alias/acme-dev-tenant-fraud"])],
                "payments-policy-0",
            ),
            ([*tenant_with_key("payments", [None])], "payments-policy-0"),
            ([*tenant_with_key("payments", [], own_key=False)], "payments-outbox"),
        ),
    ),
    "tenant-namespace-bundle": StackCase(BUNDLE, BUNDLE[:3], "payments-ns"),
    "tenant-ci-identity-wired": StackCase(
        service_repository(),
        service_repository(without="AWS_REGION"),
        "payments-api-repo",
        more_bad=(
            (service_repository(image="payments/other"), "payments-api-repo"),
            (service_repository(trusted="payments-other"), "payments-api-repo"),
        ),
    ),
    "tenant-images-own-repositories": StackCase(
        [tenant_ns(), image_policy(own_repositories(REGISTRY))],
        [tenant_ns(), image_policy([f"{REGISTRY}/*"])],  # every repository of the registry: another tenant's too
        "payments-ns",
        more_bad=(([tenant_ns(), image_policy(own_repositories(REGISTRY), action="Audit")], "payments-ns"),),
    ),
    "tenant-registry-scope-enforced": StackCase(
        [OWN_REGISTRIES_NS, in_ns(KYVERNO_POLICY, "restrict-registries", {"validationFailureAction": "Enforce"})],
        [OWN_REGISTRIES_NS, in_ns(KYVERNO_POLICY, "restrict-registries", {"validationFailureAction": "Audit"})],
        "restrict-registries",
        more_bad=(([OWN_REGISTRIES_NS, in_ns(KYVERNO_POLICY, "other", {"validationFailureAction": "Enforce"})], "payments-ns"),),
    ),
    "tenant-budget": StackCase(
        [TENANT_QUEUE, BUDGET], [TENANT_QUEUE, Res("aws:budgets/budget:Budget", "other", {"costFilters": []})], "payments-outbox"
    ),
    "tenant-vault-policy-confined": StackCase(
        [TENANT_QUEUE, Res("vault:index/policy:Policy", "p", {"name": "tenant-payments", "policy": TENANT_POLICY})],
        [
            TENANT_QUEUE,
            Res(
                "vault:index/policy:Policy",
                "p",
                {"name": "tenant-payments", "policy": TENANT_POLICY + 'path "kv/data/fraud/*" {\n  capabilities = ["read"]\n}\n'},
            ),
        ],
        "p",
        more_bad=(
            ([TENANT_QUEUE, Res("vault:index/policy:Policy", "p", {"name": "tenant-fraud", "policy": TENANT_POLICY})], "payments-outbox"),
        ),
    ),
    "creation-order": StackCase(
        [
            Res("vault:index/mount:Mount", "kv", {"path": "kv"}),
            Res("vault:kv/secretV2:SecretV2", "seed", {"mount": "kv"}, property_dependencies={"mount": ["kv"]}),
        ],
        [Res("vault:index/mount:Mount", "kv", {"path": "kv"}), Res("vault:kv/secretV2:SecretV2", "seed", {"mount": "kv"})],
        "seed",
    ),
    "ecr-signature-admission": StackCase([ECR_REPO, KYVERNO], [ECR_REPO], "payments-api-repo"),
    "vpc-default-security-group-managed": StackCase(
        [Res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}), Res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "sg", {})],
        [Res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})],
        "vpc",
    ),
    "stateful-resources-protected": StackCase(
        [
            Res(KEY, "data-key", {}, protect=True),
            Res("aws:cloudwatch/logGroup:LogGroup", "logs", {}, protect=True),
            Res(NS, "payments-ns", {"metadata": {"name": "payments", "labels": {"tenant": "payments"}}}, protect=True),
            Res(NS, "argocd", {"metadata": {"name": "argocd", "labels": {"tenant": "shared"}}}),
        ],
        [Res(KEY, "data-key", {})],
        "data-key",
        config={"stateful-resources-protected": {"requireProtect": True}},
        more_bad=(
            ([Res("aws:cloudtrail/trail:Trail", "trail", {})], "trail"),
            ([Res("vault:index/mount:Mount", "kv", {"path": "kv"})], "kv"),
            ([tenant_ns()], "payments-ns"),
        ),
    ),
    "cis-trail-alarms": StackCase(
        cis_watch(),
        cis_watch(skip="RootAccountUsage"),
        "trail",
        more_bad=(
            (cis_watch(silent="KmsKeyDisabledOrScheduledForDeletion"), "filter-KmsKeyDisabledOrScheduledForDeletion"),
            ([Res("aws:cloudtrail/trail:Trail", "trail", {"isMultiRegionTrail": True})], "trail"),
        ),
    ),
    "rds-cluster-parameters": StackCase(
        [AURORA, aurora_parameters()],
        [AURORA, aurora_parameters(**{"rds.force_ssl": "0"})],
        "aurora-parameters",
        more_bad=(
            ([AURORA, aurora_parameters(shared_preload_libraries="pg_stat_statements")], "aurora-parameters"),
            ([Res("aws:rds/cluster:Cluster", "aurora", {"engine": "aurora-postgresql"})], "aurora"),
        ),
    ),
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
    "vpc-flow-logs": StackCase(
        [VPC, Res("aws:ec2/flowLog:FlowLog", "fl", {"trafficType": "ALL"}, property_dependencies={"vpcId": ["vpc"]})],
        [VPC, Res("aws:ec2/flowLog:FlowLog", "fl", {"trafficType": "ALL"})],
        "vpc",
    ),
    "ecr-lifecycle-policy": StackCase(
        [ECR_REPO, Res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lc", {"repository": "payments/payments-api"})],
        [ECR_REPO],
        "payments-api-repo",
    ),
    "vault-audit-enabled": StackCase(
        [Res("vault:index/audit:Audit", "audit", {"type": "file"}), Res("vault:index/mount:Mount", "kv", {})],
        [Res("vault:index/mount:Mount", "kv", {})],
        "(stack)",
    ),
}


RELEASE = Res("kubernetes:helm.sh/v3:Release", "argo", {"chart": "argo-cd"})
FILE = Res("github:index/repositoryFile:RepositoryFile", "readme", {"repository": "svc", "file": "README.md"})
KV = Res("vault:index/mount:Mount", "kv", {"path": "kv"})

#: (label, stack, the violations it must produce, in order): one per branch of ``creation-order``.
CREATION_ORDER_CASES: list[tuple[str, list[Res], list[str]]] = [
    (
        "crd after its release",
        [
            RELEASE,
            Res("kubernetes:argoproj.io/v1alpha1:AppProject", "p", {"kind": "AppProject"}, property_dependencies={"x": ["argo"]}),
        ],
        [],
    ),
    (
        "crd racing its release",
        [RELEASE, Res("kubernetes:argoproj.io/v1alpha1:AppProject", "p", {"kind": "AppProject"})],
        ["does not depend on the 'argo-cd' release"],
    ),
    (
        "crd of an unknown group",
        [Res("kubernetes:example.com/v1:Widget", "p", {"kind": "Widget"})],
        ["no chart is known to install the CRD of API group 'example.com'"],
    ),
    (
        "crd whose chart is absent",
        [Res("kubernetes:keda.sh/v1alpha1:ScaledObject", "p", {"kind": "ScaledObject"})],
        ["chart 'keda' installs, and no release of it"],
    ),
    (
        "vault object under a missing mount",
        [Res("vault:kv/secretV2:SecretV2", "p", {"mount": "kv"})],
        ["which no mount or auth backend"],
    ),
    ("vault object racing its mount", [KV, Res("vault:kv/secretV2:SecretV2", "p", {"mount": "kv"})], ["does not depend on the mount"]),
    (
        "ruleset after the files",
        [
            FILE,
            Res(
                "github:index/repositoryRuleset:RepositoryRuleset",
                "p",
                {"repository": "svc", "enforcement": "active", "name": "gate-1"},
                property_dependencies={"x": ["readme"]},
            ),
        ],
        [],
    ),
    (
        "ruleset before the files",
        [
            FILE,
            Res(
                "github:index/repositoryRuleset:RepositoryRuleset",
                "p",
                {"repository": "svc", "enforcement": "active", "name": "gate-1"},
            ),
        ],
        ["is enforced before 'README.md' is committed"],
    ),
]
