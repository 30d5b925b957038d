"""ECR: the signed registry of Gate 0/1 (ADR-0003). Immutable tags so a signature stays bound to its image."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatch

from ._lib import CRITICAL, HIGH, MEDIUM, Finding, ResourceRule, StackRule, get, is_set, items, named, principals, statements, strings

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


def _signature_admission(args) -> Iterator[Finding]:
    references = []
    for policy in named(args.resources, "kubernetes:kyverno.io/v1:ClusterPolicy"):
        for rule in items(get(policy.props, "spec.rules")):
            for verify in items(get(rule, "verifyImages")):
                if items(get(verify, "attestors")):
                    references += strings(get(verify, "imageReferences"))
    for repo in named(args.resources, "aws:ecr/repository:Repository"):
        name = get(repo.props, "name", repo.name)
        if not any(fnmatch(name, ref.split("/", 1)[1]) for ref in references if ".dkr.ecr." in ref and "/" in ref):
            yield f"ECR repository {name!r} is not covered by a signature-verifying admission policy", repo.urn


def _ecr_lifecycle(args) -> Iterator[Finding]:
    covered = {get(p.props, "repository") for p in named(args.resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy")}
    for repo in named(args.resources, "aws:ecr/repository:Repository"):
        if get(repo.props, "name", repo.name) not in covered:
            yield f"ECR repository {repo.name!r} has no lifecycle policy (untagged images pile up and cost)", repo.urn


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
    StackRule(
        name="ecr-signature-admission",
        description="Every ECR repository is covered by the signed-image admission policy.",
        severity=CRITICAL,
        adr="ADR-0003",
        domain="aws-registry",
        check=_signature_admission,
        reads=["kubernetes:kyverno.io/v1:ClusterPolicy", "aws:ecr/repository:Repository"],
    ),
    StackRule(
        name="ecr-lifecycle-policy",
        description="Every ECR repository has a lifecycle policy.",
        severity=MEDIUM,
        adr="ADR-0007",
        domain="aws-registry",
        check=_ecr_lifecycle,
        reads=["aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy"],
    ),
]
