"""GitHub: the organization, repositories and Gate 1 as branch rules (ADR-0003 PR gates, ADR-0008)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from . import contract
from ._lib import (
    CRITICAL,
    HIGH,
    MEDIUM,
    Finding,
    ResourceRule,
    StackRule,
    condition_values,
    config_value,
    document,
    get,
    items,
    named,
    number,
    schema,
    statements,
    tenant_of,
)

REPOSITORY = "github:index/repository:Repository"
BRANCH_PROTECTION = "github:index/branchProtection:BranchProtection"
BRANCH_PROTECTION_V3 = "github:index/branchProtectionV3:BranchProtectionV3"
RULESETS = ["github:index/repositoryRuleset:RepositoryRuleset", "github:index/organizationRuleset:OrganizationRuleset"]
ORG_SETTINGS = "github:index/organizationSettings:OrganizationSettings"
ACTIONS_SECRETS = ["github:index/actionsSecret:ActionsSecret", "github:index/actionsOrganizationSecret:ActionsOrganizationSecret"]
PROTECTIONS = [BRANCH_PROTECTION, BRANCH_PROTECTION_V3, *RULESETS]
REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"
ACTIONS_VARIABLE = "github:index/actionsVariable:ActionsVariable"
ENVIRONMENT_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
#: A pip requirement pinned to one release: ``name==1.2.3`` (extras and environment markers allowed).
_PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.!+_-]+(\s*;.*)?$")
CLOUD_KEY_NAMES = ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "VAULT_TOKEN")


def _first(value):
    found = items(value)
    return found[0] if found else {}


def review_settings(props, resource_type):
    """(approvals, dismiss stale, code owners) whatever the resource's shape; None when no reviews required."""
    if resource_type == BRANCH_PROTECTION:
        r = _first(get(props, "requiredPullRequestReviews"))
        keys = ("requiredApprovingReviewCount", "dismissStaleReviews", "requireCodeOwnerReviews")
    elif resource_type == BRANCH_PROTECTION_V3:
        r = get(props, "requiredPullRequestReviews", {})
        keys = ("requiredApprovingReviewCount", "dismissStaleReviews", "requireCodeOwnerReviews")
    else:
        r = get(props, "rules.pullRequest", {})
        keys = ("requiredApprovingReviewCount", "dismissStaleReviewsOnPush", "requireCodeOwnerReview")
    if not r:
        return None
    return number(get(r, keys[0], 0)) or 0, get(r, keys[1]) is True, get(r, keys[2]) is True


def status_checks(props, resource_type) -> list[str]:
    if resource_type == BRANCH_PROTECTION:
        return [str(c) for c in items(get(_first(get(props, "requiredStatusChecks")), "contexts"))]
    if resource_type == BRANCH_PROTECTION_V3:
        checks = get(props, "requiredStatusChecks", {})
        return [str(c) for c in items(get(checks, "contexts"))] + [str(c).split(":")[0] for c in items(get(checks, "checks"))]
    return [str(get(c, "context")) for c in items(get(props, "rules.requiredStatusChecks.requiredChecks"))]


def _private(props, _args):
    visibility = get(props, "visibility") or ("private" if get(props, "private") is True else "public")
    if visibility not in ("private", "internal"):
        yield f"visibility is {visibility!r}: set 'private' (or 'internal')"


def _vulnerability_alerts(props, _args):
    if get(props, "archived") is not True and get(props, "vulnerabilityAlerts") is not True:
        yield "set vulnerabilityAlerts: true"


def _delete_branch(props, _args):
    if get(props, "deleteBranchOnMerge") is not True:
        yield "set deleteBranchOnMerge: true"


def _secret_scanning(props, _args):
    for feature in ("secretScanning", "secretScanningPushProtection"):
        if get(props, f"securityAndAnalysis.{feature}.status") != "enabled":
            yield f"enable securityAndAnalysis.{feature}"


def _reviews(props, args):
    settings = review_settings(props, args.resource_type)
    minimum = config_value(args, "minApprovals", 1)
    if settings is None:
        yield "require pull request reviews"
        return
    approvals, dismiss_stale, code_owners = settings
    if approvals < minimum:
        yield f"{approvals:g} approval(s) required; this stack requires at least {minimum}"
    if not dismiss_stale:
        yield "dismiss stale reviews when new commits are pushed"
    if not code_owners:
        yield "require code owner review"


def _status_checks(props, args):
    if not status_checks(props, args.resource_type):
        yield "require the Gate 1 status checks before merge"


def _no_force_push(props, args):
    if args.resource_type == BRANCH_PROTECTION:
        if get(props, "allowsForcePushes") is True:
            yield "set allowsForcePushes: false"
        if get(props, "allowsDeletions") is True:
            yield "set allowsDeletions: false"
    elif args.resource_type in RULESETS:
        if get(props, "rules.nonFastForward") is not True:
            yield "set rules.nonFastForward: true (no force push)"
        if get(props, "rules.deletion") is not True:
            yield "set rules.deletion: true (no branch deletion)"


def _ruleset_active(props, _args):
    if get(props, "enforcement") != "active":
        yield f"enforcement is {get(props, 'enforcement')!r}: only 'active' rulesets protect anything"


def _org_settings(props, _args):
    if get(props, "membersCanCreatePublicRepositories", True) is not False:
        yield "set membersCanCreatePublicRepositories: false"
    if get(props, "defaultRepositoryPermission", "read") not in ("read", "none"):
        yield "set defaultRepositoryPermission to 'read' or 'none'"
    for flag in (
        "secretScanningEnabledForNewRepositories",
        "secretScanningPushProtectionEnabledForNewRepositories",
        "dependabotAlertsEnabledForNewRepositories",
        "dependencyGraphEnabledForNewRepositories",
    ):
        if get(props, flag) is not True:
            yield f"set {flag}: true"


def _no_cloud_keys(props, _args):
    name = str(get(props, "secretName", "")).upper()
    if name in CLOUD_KEY_NAMES:
        yield f"{name} is a long-lived cloud credential: CI gets short-lived credentials through OIDC"


def _subjects(role: Any) -> list[str]:
    trust = document(get(role.props, "assumeRolePolicy"))
    return [s for statement in statements(trust) for s in condition_values(statement, "token.actions.githubusercontent.com:sub")]


def _named_roles(resources: Any) -> dict[str, Any]:
    """Roles by the name the program gave them; an auto-named role's name is unknown at a first preview
    and is no publisher role anyway (those are named, components/aws/ci_identity.py)."""
    found = {}
    for role in named(resources, "aws:iam/role:Role"):
        try:
            found[str(get(role.props, "name", ""))] = role
        except UnknownValueError:
            continue
    return found


def _variables(resources: Any, type_: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for variable in named(resources, type_):
        found.setdefault(str(get(variable.props, "repository")), {})[str(get(variable.props, "variableName"))] = str(
            get(variable.props, "value")
        )
    return found


def _service_repositories(resources: Any) -> dict[str, Any]:
    """The repositories whose workflows this environment serves: each tenant service's (Argo CD reads it with
    a deploy key) and each platform repository whose image the registry holds. The repositories
    themselves are the org stack's (ADR-0031)."""
    found = {str(get(k.props, "repository")): k for k in named(resources, DEPLOY_KEY) if tenant_of(k) is not None}
    for image in named(resources, "aws:ecr/repository:Repository"):
        name = str(get(image.props, "name", ""))
        if name.startswith(contract.PLATFORM_IMAGE_PREFIX):
            found.setdefault(name.removeprefix(contract.PLATFORM_IMAGE_PREFIX), image)
    return found


def _ci_identity(args) -> Iterator[Finding]:
    roles = _named_roles(args.resources)
    repositories = {str(get(r.props, "name", "")) for r in named(args.resources, "aws:ecr/repository:Repository")}
    in_environment = _variables(args.resources, ENVIRONMENT_VARIABLE)
    gate1 = _variables(args.resources, ACTIONS_VARIABLE)
    environments = {str(get(v.props, "environment")) for v in named(args.resources, ENVIRONMENT_VARIABLE)}
    builds = contract.BUILD_ENVIRONMENT in environments
    for name, where in sorted(_service_repositories(args.resources).items()):
        own = in_environment.get(name, {})
        missing = [v for v in (*contract.CI_VARIABLES, *contract.PROMOTION_VARIABLES) if not own.get(v)]
        if missing:
            yield (
                f"service repository {name!r} lacks, in this environment's GitHub environment, the Actions variables its "
                f"workflows read: {', '.join(missing)}",
                where.urn,
            )
            continue
        image, role_arn = own[contract.CI_VARIABLES[0]], own[contract.CI_VARIABLES[1]]
        if image.split("/", 1)[-1] not in repositories:
            yield f"service repository {name!r}: {contract.CI_VARIABLES[0]} {image!r} is no image repository of the stack", where.urn
        role = roles.get(role_arn.rsplit("/", 1)[-1])
        subjects = _subjects(role) if role is not None else []
        if not subjects or any(f"/{name}:" not in s for s in subjects):
            yield f"service repository {name!r}: {contract.CI_VARIABLES[1]} names no role that trusts exactly this repository", where.urn
        # Gate 1 builds outside any environment: the environment it publishes to also writes them as repository variables.
        if builds and any(gate1.get(name, {}).get(v) != own[v] for v in contract.CI_VARIABLES):
            yield (
                f"service repository {name!r}: Gate 1 publishes to {contract.BUILD_ENVIRONMENT}, whose stack must also set its "
                f"repository variables {', '.join(contract.CI_VARIABLES)} to the environment's values",
                where.urn,
            )


def _requirements_pinned(props, _args):
    """Python requirements files the program commits: every dependency pinned to one release (the
    services' runtime, the OpenFeature SDK and flagd provider among them, and their Gate 1 tools)."""
    path = str(get(props, "file", ""))
    if not path.rsplit("/", 1)[-1].startswith("requirements") or not path.endswith(".txt"):
        return
    for line_number, raw in enumerate(str(get(props, "content", "")).splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line.startswith(("--requirement ", "-r ")):
            continue
        if not _PINNED.match(line):
            yield f"{path}:{line_number}: {line!r} is not pinned to one release (name==version): a build could take any version"


POLICIES = [
    ResourceRule(
        name="github-requirements-pinned",
        description="Python requirements the program commits to repositories pin every dependency to one release.",
        severity=HIGH,
        adr="ADR-0003",
        domain="github",
        types=[REPOSITORY_FILE],
        check=_requirements_pinned,
    ),
    ResourceRule(
        name="github-repository-private",
        description="Repositories are private or internal.",
        severity=HIGH,
        adr="ADR-0008",
        domain="github",
        types=[REPOSITORY],
        check=_private,
    ),
    ResourceRule(
        name="github-vulnerability-alerts",
        description="Repositories have vulnerability alerts on.",
        severity=MEDIUM,
        adr="ADR-0003",
        domain="github",
        types=[REPOSITORY],
        check=_vulnerability_alerts,
    ),
    ResourceRule(
        name="github-delete-branch-on-merge",
        description="Merged branches are deleted.",
        severity=MEDIUM,
        adr="ADR-0009",
        domain="github",
        types=[REPOSITORY],
        check=_delete_branch,
    ),
    ResourceRule(
        name="github-secret-scanning",
        description="Repositories have secret scanning and push protection.",
        severity=HIGH,
        adr="ADR-0001",
        domain="github",
        types=[REPOSITORY],
        check=_secret_scanning,
    ),
    ResourceRule(
        name="github-required-reviews",
        description="The default branch requires reviewed pull requests.",
        severity=HIGH,
        adr="ADR-0003",
        domain="github",
        types=PROTECTIONS,
        check=_reviews,
        config_schema=schema(minApprovals={"type": "integer", "minimum": 1, "maximum": 6, "default": 1}),
    ),
    ResourceRule(
        name="github-required-status-checks",
        description="The default branch requires status checks.",
        severity=HIGH,
        adr="ADR-0003",
        domain="github",
        types=PROTECTIONS,
        check=_status_checks,
    ),
    ResourceRule(
        name="github-no-force-push-or-deletion",
        description="The default branch cannot be force-pushed or deleted.",
        severity=HIGH,
        adr="ADR-0003",
        domain="github",
        types=PROTECTIONS,
        check=_no_force_push,
    ),
    ResourceRule(
        name="github-ruleset-active",
        description="Rulesets are enforced.",
        severity=HIGH,
        adr="ADR-0003",
        domain="github",
        types=RULESETS,
        check=_ruleset_active,
    ),
    ResourceRule(
        name="github-organization-defaults",
        description="Organization defaults are least-privilege and scanned.",
        severity=HIGH,
        adr="ADR-0008",
        domain="github",
        types=[ORG_SETTINGS],
        check=_org_settings,
    ),
    ResourceRule(
        name="github-no-cloud-keys-in-secrets",
        description="No long-lived cloud credentials in Actions secrets.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="github",
        types=ACTIONS_SECRETS,
        check=_no_cloud_keys,
    ),
    StackRule(
        name="tenant-ci-identity-wired",
        description="Every service repository (each tenant's, and each platform repository whose image the registry holds) "
        "has, in this environment, the Actions variables its workflows read (Gate 1's, and the promotion's), naming an image "
        "repository of the stack and a publisher role that trusts exactly that repository.",
        severity=HIGH,
        adr="ADR-0003",
        domain="github",
        check=_ci_identity,
        reads=["github:", "fintech:", "aws:iam/role:Role", "aws:ecr/repository:Repository"],
    ),
]
