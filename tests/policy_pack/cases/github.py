"""Compliant and non-compliant cases of the github rules."""

from __future__ import annotations

from ._common import Case, Res, StackCase, doc, with_
from .aws_iam import GITHUB_TRUST
from .kubernetes_tenancy import REGISTRY

REPO = "github:index/repository:Repository"


RULESET = "github:index/repositoryRuleset:RepositoryRuleset"


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


def service_repository(
    without: str | None = None,
    image: str = "payments/api",
    trusted: str = "payments-api",
    environment: str = "staging",
    gate1: dict[str, str] | None = None,
) -> list[Res]:
    """A tenant's service repository as an environment stack sees it (the repository is the org stack's,
    ADR-0031): Argo CD's deploy key, the variables of the environment, the image repository and publisher role."""
    role_arn = "arn:aws:iam::123456789012:role/fintech-blueprint/acme-dev-ci-payments-api"
    values = {
        "IMAGE_REPOSITORY_URL": f"{REGISTRY}/{image}",
        "AWS_PUBLISHER_ROLE_ARN": role_arn,
        "AWS_REGION": "eu-west-3",
        "COSIGN_KMS_KEY_ARN": "arn:aws:kms:eu-west-3:123456789012:alias/acme-dev-cosign",
        "CLUSTER_NAME": "acme-dev",
        "AUDIT_LEDGER_BUCKET": "acme-dev-audit-ledger",
    }
    trust = doc(
        {
            **GITHUB_TRUST,
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": f"repo:acme/{trusted}:ref:refs/heads/main"}},
        }
    )
    return [
        Res("fintech:platform:Tenant", "payments", {}),
        Res("github:index/repositoryDeployKey:RepositoryDeployKey", "payments-api-key", {"repository": "payments-api"}, parent="payments"),
        *(
            Res(
                "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
                f"var-{k}",
                {"repository": "payments-api", "environment": environment, "variableName": k, "value": v},
                parent="payments",
            )
            for k, v in values.items()
            if k != without
        ),
        *(
            Res(
                "github:index/actionsVariable:ActionsVariable",
                f"gate1-{k}",
                {"repository": "payments-api", "variableName": k, "value": v},
                parent="payments",
            )
            for k, v in (values if gate1 is None else gate1).items()
            if k in ("IMAGE_REPOSITORY_URL", "AWS_PUBLISHER_ROLE_ARN", "AWS_REGION", "COSIGN_KMS_KEY_ARN")
        ),
        Res("aws:ecr/repository:Repository", "api-images", {"name": "payments/api"}),
        Res("aws:iam/role:Role", "publisher", {"name": "acme-dev-ci-payments-api", "assumeRolePolicy": trust}),
    ]


RESOURCE_CASES: dict[str, Case] = {
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
}


STACK_CASES: dict[str, StackCase] = {
    "tenant-ci-identity-wired": StackCase(
        service_repository(),
        service_repository(without="AWS_REGION"),
        "payments-api-key",
        more_bad=(
            (service_repository(without="AUDIT_LEDGER_BUCKET"), "payments-api-key"),
            (service_repository(image="payments/other"), "payments-api-key"),
            (service_repository(trusted="payments-other"), "payments-api-key"),
            # Gate 1 publishes to dev: dev's stack writes its repository variables too, the same values.
            (service_repository(environment="dev", gate1={}), "payments-api-key"),
            # A platform repository whose image the registry holds is a service repository too (#26).
            ([Res("aws:ecr/repository:Repository", "db-manager-images", {"name": "platform/db-manager"})], "db-manager-images"),
        ),
    ),
}


FILE = "github:index/repositoryFile:RepositoryFile"
PINNED = (
    "# runtime\n--requirement base.txt\nopenfeature-sdk==0.10.0\nopenfeature-provider-flagd==0.2.6  # flagd\nuvicorn[standard]==0.30.1\n"
)
RESOURCE_CASES["github-requirements-pinned"] = Case(
    FILE,
    {"file": "requirements.txt", "content": PINNED},
    {"file": "requirements.txt", "content": PINNED + "openfeature-provider-flagd>=0.2\n"},
    more_bad=((FILE, {"file": "services/api/requirements-dev.txt", "content": "ruff\n"}),),
)
