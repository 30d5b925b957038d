"""IAM: least privilege and no long-lived credentials (ADR-0001 Concierge, seed "Secrets & Identity")."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ._lib import CRITICAL, HIGH, ResourceRule, condition_keys, get, items, principals, statements, strings

POLICY_DOCS = [
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]
ROLE = "aws:iam/role:Role"
ATTACHMENTS = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
]
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
BROAD_MANAGED = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
_WRITE_VERB = re.compile(
    r"^(Create|Delete|Put|Update|Attach|Detach|Pass|Set|Tag|Untag|Add|Remove|Modify|Write|Upload|"
    r"Initiate|Complete|Sign|Encrypt|Decrypt|ReEncrypt|GenerateDataKey|Send|Purge|Schedule|\*)"
)


#: Write actions IAM authorizes on '*' only (no resource-level permissions), from the Service
#: Authorization Reference: '*' is their only possible scope.
UNSCOPED_WRITES = frozenset(json.loads((Path(__file__).parent / "data" / "unscoped_write_actions.json").read_text())["actions"])


def _documents(props, resource_type):
    if resource_type == ROLE:
        return [get(p, "policy") for p in items(get(props, "inlinePolicies"))]
    return [get(props, "policy")]


def _allows(props, args):
    for doc in _documents(props, args.resource_type):
        for statement in statements(doc):
            if statement.get("Effect") == "Allow":
                yield statement


def _no_star_action(props, args):
    for statement in _allows(props, args):
        if "*" in strings(statement.get("Action")):
            yield "a statement allows Action '*': list the actions the workload needs"
        if statement.get("NotAction"):
            yield "Allow with NotAction grants everything else: list the allowed actions instead"


def _tag_scoped(statement) -> bool:
    """ABAC: a Condition on resource/request tags scopes a '*' resource to tagged resources only."""
    condition = statement.get("Condition") or {}
    keys = [k for op in condition.values() if hasattr(op, "keys") for k in op]
    return any(k.startswith(("aws:ResourceTag/", "aws:RequestTag/")) for k in keys)


def _no_star_resource_write(props, args):
    for statement in _allows(props, args):
        if "*" not in strings(statement.get("Resource")) or _tag_scoped(statement):
            continue
        writes = [a for a in strings(statement.get("Action")) if _WRITE_VERB.match(a.split(":")[-1]) and a not in UNSCOPED_WRITES]
        if writes:
            yield f"write/permission actions {writes[:3]} on Resource '*': scope them to ARNs"


def _no_admin(props, args):
    arns = strings(get(props, "managedPolicyArns")) if args.resource_type == ROLE else [get(props, "policyArn", "")]
    for arn in arns:
        if arn.endswith(tuple(f"policy/{name}" for name in BROAD_MANAGED)):
            yield f"{arn.rsplit('/', 1)[-1]} is far beyond least privilege: attach a scoped policy"


POD_IDENTITY = "pods.eks.amazonaws.com"
#: What binds an EKS Pod Identity trust to one cluster of one account, and one service account in it.
POD_IDENTITY_BINDINGS = {
    "source": ("aws:SourceArn", "aws:SourceAccount"),
    "namespace": ("aws:RequestTag/kubernetes-namespace",),
    "service account": ("aws:RequestTag/kubernetes-service-account",),
}


def _trust_scoped(props, _args):
    for statement in statements(get(props, "assumeRolePolicy")):
        if statement.get("Effect") != "Allow":
            continue
        if "*" in principals(statement) and not statement.get("Condition"):
            yield "the trust policy lets anyone assume the role: name the principal"
        if POD_IDENTITY in principals(statement):
            bound = condition_keys(statement)
            missing = [what for what, names in POD_IDENTITY_BINDINGS.items() if not bound & set(names)]
            if missing:
                yield f"an EKS Pod Identity trust must be conditioned on its {', '.join(missing)}: any pod of any cluster could assume it"
        if "sts:AssumeRoleWithWebIdentity" in strings(statement.get("Action")):
            condition = statement.get("Condition") or {}
            keys = {k: v for op in condition.values() if hasattr(op, "items") for k, v in op.items()}
            subjects = [s for k, v in keys.items() if k.endswith(":sub") for s in strings(v)]
            if not subjects:
                yield "web-identity trust has no ':sub' condition: bind it to one repository/branch or service account"
            elif any(s in ("*", "repo:*") or s.endswith(":*:*") for s in subjects):
                yield f"web-identity subject {subjects} is a wildcard: bind it to one repository/branch or service account"
            if not any(k.endswith(":aud") for k in keys):
                yield "web-identity trust has no ':aud' condition"


def _no_access_keys(_props, _args):
    yield "no IAM access keys: CI assumes roles through OIDC, workloads through EKS Pod Identity"


POLICIES = [
    ResourceRule(
        name="iam-no-star-action",
        description="IAM policies never allow every action.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="aws-iam",
        types=[*POLICY_DOCS, ROLE],
        check=_no_star_action,
    ),
    ResourceRule(
        name="iam-no-star-resource-write",
        description="IAM write and permission actions are scoped to resources.",
        severity=HIGH,
        adr="ADR-0001",
        domain="aws-iam",
        types=[*POLICY_DOCS, ROLE],
        check=_no_star_resource_write,
    ),
    ResourceRule(
        name="iam-no-admin-attachment",
        description="No identity gets AWS-managed administrator policies.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="aws-iam",
        types=[*ATTACHMENTS, ROLE],
        check=_no_admin,
    ),
    ResourceRule(
        name="iam-trust-scoped",
        description="Role trust policies name their principal and bind web identities.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="aws-iam",
        types=[ROLE],
        check=_trust_scoped,
    ),
    ResourceRule(
        name="iam-no-access-keys",
        description="No long-lived IAM access keys.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="aws-iam",
        types=[ACCESS_KEY],
        check=_no_access_keys,
    ),
]
