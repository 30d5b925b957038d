"""KMS: keys behind every encrypted store and the image signing key (ADR-1, ADR-8)."""

from __future__ import annotations

from ._lib import HIGH, LOW, MEDIUM, ResourceRule, config_value, get, number, schema

KEY = "aws:kms/key:Key"


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


POLICIES = [
    ResourceRule(
        name="kms-key-rotation",
        description="Symmetric KMS keys rotate yearly.",
        severity=MEDIUM,
        adr="ADR-008",
        domain="aws-kms",
        types=[KEY],
        check=_rotation,
    ),
    ResourceRule(
        name="kms-no-lockout-bypass",
        description="KMS keys keep the policy lockout safety check.",
        severity=HIGH,
        adr="ADR-001",
        domain="aws-kms",
        types=[KEY],
        check=_no_bypass,
    ),
    ResourceRule(
        name="kms-key-description",
        description="KMS keys say what they protect.",
        severity=LOW,
        adr="ADR-009",
        domain="aws-kms",
        types=[KEY],
        check=_description,
    ),
    ResourceRule(
        name="kms-deletion-window",
        description="KMS keys keep a long enough deletion window.",
        severity=MEDIUM,
        adr="ADR-005",
        domain="aws-kms",
        types=[KEY],
        check=_deletion_window,
        config_schema=schema(minDays={"type": "integer", "minimum": 7, "maximum": 30, "default": 14}),
    ),
]
