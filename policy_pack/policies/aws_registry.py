"""ECR: the signed registry of Gate 0/1 (ADR-0003). Immutable tags so a signature stays bound to its image."""

from __future__ import annotations

from ._lib import CRITICAL, HIGH, MEDIUM, ResourceRule, get, is_set, items, principals, statements

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"


def _immutable(props, _args):
    if get(props, "imageTagMutability", "MUTABLE") != "IMMUTABLE":
        yield "set imageTagMutability to IMMUTABLE: a pushed tag must never point at another (unsigned) image"


def _scan(props, _args):
    if get(props, "imageScanningConfiguration.scanOnPush") is not True:
        yield "set imageScanningConfiguration.scanOnPush to true"


def _kms(props, _args):
    configs = items(get(props, "encryptionConfigurations"))
    if not any(get(c, "encryptionType") == "KMS" and is_set(c, "kmsKey") for c in configs):
        yield "set encryptionConfigurations to [{encryptionType: KMS, kmsKey: <customer managed key ARN>}]"


def _no_open_policy(props, _args):
    for statement in statements(get(props, "policy")):
        if statement.get("Effect") == "Allow" and "*" in principals(statement) and not statement.get("Condition"):
            yield "a statement allows Principal '*' without a Condition: name the accounts or roles that may pull/push"


POLICIES = [
    ResourceRule(
        name="ecr-tag-immutability",
        description="ECR repositories use immutable tags.",
        severity=HIGH,
        adr="ADR-0003",
        domain="aws-registry",
        types=[REPOSITORY],
        check=_immutable,
    ),
    ResourceRule(
        name="ecr-scan-on-push",
        description="ECR repositories scan images on push.",
        severity=MEDIUM,
        adr="ADR-0003",
        domain="aws-registry",
        types=[REPOSITORY],
        check=_scan,
    ),
    ResourceRule(
        name="ecr-kms-encryption",
        description="ECR repositories are encrypted with a customer managed KMS key.",
        severity=MEDIUM,
        adr="ADR-0008",
        domain="aws-registry",
        types=[REPOSITORY],
        check=_kms,
    ),
    ResourceRule(
        name="ecr-no-open-policy",
        description="ECR repository policies do not grant access to everyone.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="aws-registry",
        types=[REPOSITORY_POLICY],
        check=_no_open_policy,
    ),
]
