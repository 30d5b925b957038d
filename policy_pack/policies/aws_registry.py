"""ECR: the signed registry of Gate 0/1 (ADR-0003). Immutable tags so a signature stays bound to its image."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatch
from typing import Any

from ._lib import CRITICAL, HIGH, MEDIUM, Finding, ResourceRule, StackRule, get, is_set, items, named, principals, statements, strings

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ENVIRONMENT_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"


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


def selects(selector: Any, labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels, matchExpressions) selects ``labels``."""
    if not isinstance(selector, Mapping):
        return False
    if any(labels.get(k) != v for k, v in (get(selector, "matchLabels", {}) or {}).items()):
        return False
    for expression in items(get(selector, "matchExpressions")):
        key, operator, values = get(expression, "key"), get(expression, "operator"), strings(get(expression, "values"))
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if (operator == "Exists" and not present) or (operator == "DoesNotExist" and present):
            return False
    return True


def _namespace_labels(resources: Any) -> dict[str, dict[str, str]]:
    """Each namespace's labels, with the one Kubernetes sets on every namespace."""
    found = {}
    for ns in named(resources, "kubernetes:core/v1:Namespace"):
        name = str(get(ns.props, "metadata.name", ns.name))
        found[name] = {**dict(get(ns.props, "metadata.labels", {}) or {}), "kubernetes.io/metadata.name": name}
    return found


def _verify_rules(resources: Any) -> list[tuple[list[str], list[Any]]]:
    """(image references, namespace selectors) of each signature-verifying rule of the cluster's policies."""
    found = []
    for policy in named(resources, "kubernetes:kyverno.io/v1:ClusterPolicy"):
        for rule in items(get(policy.props, "spec.rules")):
            references = [
                r for v in items(get(rule, "verifyImages")) if items(get(v, "attestors")) for r in strings(get(v, "imageReferences"))
            ]
            if references:
                selectors = [get(m, "resources.namespaceSelector") for m in items(get(rule, "match.any"))]
                found.append((references, selectors))
    return found


#: The SBOM Gate 1 attaches (cosign attest --type spdxjson: an in-toto statement of this predicate type).
SBOM_PREDICATE_TYPE = "https://spdx.dev/Document"


def _admission_complete(args) -> Iterator[Finding]:
    from .kubernetes_workloads import POD_TEMPLATE_PATH, containers, pod_spec

    rules, namespaces = _verify_rules(args.resources), _namespace_labels(args.resources)
    for policy in named(args.resources, "kubernetes:kyverno.io/v1:ClusterPolicy"):
        for rule in items(get(policy.props, "spec.rules")):
            for verify in items(get(rule, "verifyImages")):
                if not items(get(verify, "attestors")):
                    continue
                types = {
                    get(a, "type") or get(a, "predicateType") for a in items(get(verify, "attestations")) if items(get(a, "attestors"))
                }
                if SBOM_PREDICATE_TYPE not in types:
                    yield (
                        f"rule {get(rule, 'name')!r} verifies the signature but not the signed SBOM attestation "
                        f"({SBOM_PREDICATE_TYPE}): an image without its SBOM would be admitted",
                        policy.urn,
                    )
    for workload in args.resources:
        if workload.resource_type not in POD_TEMPLATE_PATH:
            continue
        namespace = str(get(workload.props, "metadata.namespace", ""))
        for where, container in containers(pod_spec(workload.props, workload.resource_type)):
            image = str(get(container, "image", ""))
            if ".dkr.ecr." not in image:
                continue
            covering = [selectors for references, selectors in rules if any(fnmatch(image, ref) for ref in references)]
            labels = namespaces.get(namespace, {"kubernetes.io/metadata.name": namespace})
            if not any(selects(s, labels) for selectors in covering for s in selectors):
                yield (
                    f"{get(workload.props, 'metadata.name', workload.name)} {where}: image {image!r} runs in namespace "
                    f"{namespace!r}, which no signature-verifying admission rule covers: add it to the rule's namespaces",
                    workload.urn,
                )
    signing = {str(get(a.props, "name", "")) for a in named(args.resources, "aws:kms/alias:Alias")}
    variables = [*named(args.resources, "github:index/actionsVariable:ActionsVariable"), *named(args.resources, ENVIRONMENT_VARIABLE)]
    for variable in variables:
        if get(variable.props, "variableName") != "COSIGN_KMS_KEY_ARN":
            continue
        alias = str(get(variable.props, "value", "")).split(":", 5)[-1]
        if alias not in signing:
            yield (
                f"repository {get(variable.props, 'repository')!r} signs with {alias!r}, no key alias of this stack: its "
                "signatures would not verify with the key admission trusts",
                variable.urn,
            )


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
        name="image-admission-complete",
        description="Every workload that runs an image of the registry is in a namespace the signature check covers, the "
        "check requires the signed SBOM attestation too, and every repository signs with a key of this stack.",
        severity=CRITICAL,
        adr="ADR-0026",
        domain="aws-registry",
        check=_admission_complete,
        reads=["kubernetes:", "aws:kms/alias:Alias", "github:index/actionsVariable:ActionsVariable", ENVIRONMENT_VARIABLE],
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
