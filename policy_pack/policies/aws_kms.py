"""KMS: keys behind every encrypted store and the image signing key (ADR-0001, ADR-0008, ADR-0022)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatch
from typing import Any

from . import contract
from ._lib import (
    CRITICAL,
    HIGH,
    LOW,
    MEDIUM,
    ResourceRule,
    StackRule,
    condition_keys,
    condition_values,
    config_value,
    get,
    named,
    number,
    principals,
    schema,
    statements,
    strings,
    tagged_tenants,
    tenant_of,
)

KEY = "aws:kms/key:Key"
#: A replica of a multi-region key: its own policy, description and deletion window (rotation is the primary's).
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
ALIAS = "aws:kms/alias:Alias"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
#: What uses a key (or hands its use on, a grant): the actions a key policy must not delegate unnarrowed.
USE_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateMac", "kms:ReEncryptFrom", "kms:Sign", "kms:CreateGrant")
#: Conditions that narrow who may use a key delegated to the whole account (or to anyone).
NARROWING_KEYS = ("aws:principalarn", "kms:viaservice", "kms:grantisforawsresource", "kms:encryptioncontext:")
_ACCOUNT = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12}|\*)$")


def _actions(statement: Mapping[str, Any]) -> list[str]:
    return [a.lower() for a in strings(statement.get("Action"))]


def _covers(statement: Mapping[str, Any], action: str) -> bool:
    """Whether an Allow statement allows ``action`` (a NotAction allow covers what it does not name)."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return not any(fnmatch(action.lower(), a.lower()) for a in strings(statement.get("NotAction")))
    return any(fnmatch(action.lower(), a) for a in _actions(statement))


def _symmetric(props) -> bool:
    spec = get(props, "customerMasterKeySpec") or get(props, "keySpec") or "SYMMETRIC_DEFAULT"
    return spec == "SYMMETRIC_DEFAULT" and get(props, "keyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"


def _rotation(props, _args):
    if _symmetric(props) and get(props, "enableKeyRotation") is not True:
        yield "set enableKeyRotation to true (symmetric keys; asymmetric signing keys are exempt)"


def _no_bypass(props, _args):
    if get(props, "bypassPolicyLockoutSafetyCheck") is True:
        yield "remove bypassPolicyLockoutSafetyCheck: it can make the key unmanageable"


def _description(props, _args):
    if len(str(get(props, "description", "")).strip()) < 6:
        yield "describe what the key protects (at least 6 characters)"


def _deletion_window(props, args):
    minimum = config_value(args, "minDays", 14)
    days = number(get(props, "deletionWindowInDays", 30))
    if days is not None and days < minimum:
        yield f"deletionWindowInDays is {days:g}; use at least {minimum} so a mistaken deletion can be cancelled"


def _explicit_policy(props, _args):
    policy = get(props, "policy")
    if not policy:
        yield "set an explicit key policy: the default one lets any IAM policy of the account use the key (ADR-0022)"
        return
    found = statements(policy)
    if not found:
        yield "the key policy is not a JSON policy document with statements"
    for statement in found:
        wide = [p for p in principals(statement) if _ACCOUNT.match(p)]
        used = [a for a in USE_ACTIONS if _covers(statement, a)]
        if wide and used and not any(k.startswith(NARROWING_KEYS) for k in {key.lower() for key in condition_keys(statement)}):
            sid = statement.get("Sid", "(no Sid)")
            yield (
                f"statement {sid} lets {wide[0]} use the key ({', '.join(used)}) with no condition on who or through what: "
                "administration and use must be separate (narrow use by aws:PrincipalArn, kms:ViaService or an encryption context)"
            )


def _signers(props, args):
    if get(props, "keyUsage") != "SIGN_VERIFY":
        return
    allowed = [str(p) for p in config_value(args, "signerRoles", list(contract.SIGNER_ROLES))]
    for statement in statements(get(props, "policy")):
        if not _covers(statement, "kms:Sign"):
            continue
        sid = statement.get("Sid", "(no Sid)")
        named_principals = [p for p in principals(statement) if not _ACCOUNT.match(p)]
        if isinstance(statement.get("Principal"), Mapping) and "Service" in statement["Principal"]:
            yield f"statement {sid} lets a service sign: only the image publisher roles may"
            continue
        signers = named_principals or condition_values(statement, "aws:PrincipalArn")
        if not signers:
            yield f"statement {sid} lets the whole account sign: name the signers by aws:PrincipalArn"
        for signer in signers:
            if not any(fnmatch(signer, pattern) for pattern in allowed):
                yield f"statement {sid} lets {signer} sign; only {', '.join(allowed)} may"


def _granted_aliases(policy: Any) -> Iterator[tuple[str, str | None]]:
    """(Sid, alias) for every KMS use an IAM document allows; alias None where it names no alias."""
    for statement in statements(policy):
        if any(_covers(statement, a) for a in USE_ACTIONS):
            sid = str(statement.get("Sid", "(no Sid)"))
            aliases = condition_values(statement, "kms:ResourceAliases")
            yield from ((sid, a) for a in aliases) if aliases else [(sid, None)]


def _tenant_keys(args) -> Iterator[tuple[str, str | None]]:
    owned: dict[str, str] = {}
    for alias in named(args.resources, ALIAS):
        tenant = tenant_of(alias)
        owned[str(get(alias.props, "name", ""))] = tenant or contract.SHARED_TENANT
    keys_of = {get(k.props, "tags", {}).get("tenant") for k in named(args.resources, KEY)}
    for tenant, urn in tagged_tenants(args.resources).items():
        if tenant not in keys_of:
            yield f"tenant {tenant!r} has no KMS key of its own (tagged tenant={tenant}): its data shares a key with others", urn
    shared = [str(p) for p in config_value(args, "sharedAliases", list(contract.TENANT_SHARED_KEY_ALIASES))]
    for policy in named(args.resources, ROLE_POLICY):
        tenant = tenant_of(policy)
        if tenant is None:
            continue
        for sid, alias in _granted_aliases(get(policy.props, "policy")):
            if alias is None:
                yield f"tenant {tenant!r}: statement {sid} grants KMS use without naming the key's alias (kms:ResourceAliases)", policy.urn
            elif owned.get(alias, contract.SHARED_TENANT) != tenant and not any(fnmatch(alias, s) for s in shared):
                owner = owned.get(alias, "the platform")
                yield f"tenant {tenant!r}: statement {sid} grants {alias}, a key of {owner}; a tenant's roles use its own key", policy.urn


def _patterns(default: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "minLength": 1}, "default": list(default)}


POLICIES = [
    ResourceRule(
        name="kms-key-rotation",
        description="Symmetric KMS keys rotate yearly.",
        severity=MEDIUM,
        adr="ADR-0008",
        domain="aws-kms",
        types=[KEY],
        check=_rotation,
    ),
    ResourceRule(
        name="kms-no-lockout-bypass",
        description="KMS keys keep the policy lockout safety check.",
        severity=HIGH,
        adr="ADR-0001",
        domain="aws-kms",
        types=[KEY, REPLICA_KEY],
        check=_no_bypass,
    ),
    ResourceRule(
        name="kms-key-description",
        description="KMS keys say what they protect.",
        severity=LOW,
        adr="ADR-0009",
        domain="aws-kms",
        types=[KEY, REPLICA_KEY],
        check=_description,
    ),
    ResourceRule(
        name="kms-deletion-window",
        description="KMS keys keep a long enough deletion window.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="aws-kms",
        types=[KEY, REPLICA_KEY],
        check=_deletion_window,
        config_schema=schema(minDays={"type": "integer", "minimum": 7, "maximum": 30, "default": 14}),
    ),
    ResourceRule(
        name="kms-key-policy-explicit",
        description=(
            "KMS keys have an explicit key policy that separates administration from use: no statement lets the whole "
            "account (or anyone) use the key without a condition on who or through which service."
        ),
        severity=HIGH,
        adr="ADR-0022",
        domain="aws-kms",
        types=[KEY, REPLICA_KEY],
        check=_explicit_policy,
    ),
    ResourceRule(
        name="kms-signing-key-signers",
        description="A signing key (keyUsage SIGN_VERIFY) signs for the image publisher roles only (config signerRoles).",
        severity=CRITICAL,
        adr="ADR-0022",
        domain="aws-kms",
        types=[KEY],
        check=_signers,
        config_schema=schema(
            signerRoles={"type": "array", "items": {"type": "string", "minLength": 1}, "default": list(contract.SIGNER_ROLES)}
        ),
    ),
    StackRule(
        name="kms-tenant-key-isolation",
        description=(
            "Every tenant has a KMS key of its own, and a tenant's roles are granted KMS use only by alias, only on "
            "its own key (or a shared alias in config sharedAliases: the signing key)."
        ),
        severity=HIGH,
        adr="ADR-0022",
        domain="aws-kms",
        check=_tenant_keys,
        reads=["aws:", "fintech:"],  # tenant tags on AWS resources; the components name the tenants
        config_schema=schema(
            sharedAliases={
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": list(contract.TENANT_SHARED_KEY_ALIASES),
            }
        ),
    ),
]
