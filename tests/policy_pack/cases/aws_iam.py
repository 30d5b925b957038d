"""Compliant and non-compliant cases of the aws-iam rules."""

from __future__ import annotations

from ._common import Case, StackCase, allow, doc

ROLE = "aws:iam/role:Role"


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


RESOURCE_CASES: dict[str, Case] = {
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
}


STACK_CASES: dict[str, StackCase] = {}
