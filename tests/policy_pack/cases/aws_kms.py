"""Compliant and non-compliant cases of the aws-kms rules."""

from __future__ import annotations

from typing import Any

from ._common import KEY, QUEUE, Case, Res, StackCase, doc, key_use

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


RESOURCE_CASES: dict[str, Case] = {
    "kms-key-rotation": Case(KEY, {"enableKeyRotation": True}, {"enableKeyRotation": False}),
    "kms-no-lockout-bypass": Case(KEY, {"bypassPolicyLockoutSafetyCheck": False}, {"bypassPolicyLockoutSafetyCheck": True}),
    "kms-key-description": Case(KEY, {"description": "payments data at rest"}, {"description": "key"}),
    "kms-deletion-window": Case(
        KEY,
        {"deletionWindowInDays": 30},
        {"deletionWindowInDays": 7},
        more_bad=(("aws:kms/replicaKey:ReplicaKey", {"deletionWindowInDays": 7}),),
    ),
    "kms-key-policy-explicit": Case(
        KEY,
        {"policy": doc(KEY_ADMIN, USE_VIA_SQS)},
        {},
        more_bad=(
            (KEY, {"policy": doc({**KEY_ADMIN, "Action": "kms:*"})}),
            (KEY, {"policy": doc({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})}),
            (KEY, {"policy": doc({**KEY_ADMIN, "Action": None, "NotAction": "kms:ScheduleKeyDeletion"})}),
            (KEY, {"policy": "not a document"}),
            # A multi-region replica is a key of its own: its policy is checked too (#30 item 6).
            ("aws:kms/replicaKey:ReplicaKey", {"primaryKeyArn": "arn:aws:kms:eu-west-3:123456789012:key/mrk-1"}),
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
}


STACK_CASES: dict[str, StackCase] = {
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
}
