"""The GitHub organization (Platform layer, ADR-0003): least-privilege defaults, teams, the golden
template repository pushed from ``templates/golden-service/``, the platform repositories created from
it, and Gate 1 as a ruleset on every default branch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_github as github
import yaml

from components import options
from components.context import StackContext
from components.naming import DEFAULT_BRANCH

TEMPLATE_REPOSITORY = "golden-service"
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / TEMPLATE_REPOSITORY
GATE1_WORKFLOW = ".github/workflows/ci.yml"


#: Tool caches a local run leaves in the template's folder: not the template's files.
CACHES = {"__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache"}


def template_files(directory: Path = TEMPLATE_DIR) -> dict[str, str]:
    """Path (relative, posix) -> content of every file of the golden template (tool caches left out)."""
    return {
        p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not CACHES & set(p.relative_to(directory).parts)
    }


def gate1_checks(directory: Path = TEMPLATE_DIR) -> list[str]:
    """The required status checks: the job names of the template's Gate 1 workflow (one source)."""
    workflow = yaml.safe_load((directory / GATE1_WORKFLOW).read_text(encoding="utf-8"))
    return [job.get("name", job_id) for job_id, job in workflow["jobs"].items()]


def secure_repository_args(description: str) -> dict[str, Any]:
    """Repository settings every repository shares: private, scanned, tidy."""
    return {
        "description": description,
        "visibility": "private",
        "has_issues": True,
        "has_wiki": False,
        "vulnerability_alerts": True,
        "delete_branch_on_merge": True,
        # A destroy (or a tenant's removal) archives the repository: its history is evidence (ADR-0005).
        "archive_on_destroy": True,
        "allow_merge_commit": False,
        "allow_squash_merge": True,
        "allow_rebase_merge": False,
        "security_and_analysis": {
            "secret_scanning": {"status": "enabled"},
            "secret_scanning_push_protection": {"status": "enabled"},
        },
    }


def gate1_ruleset_rules(required_approvals: int, checks: list[str]) -> dict[str, Any]:
    return {
        "pull_request": {
            "required_approving_review_count": required_approvals,
            "dismiss_stale_reviews_on_push": True,
            "require_code_owner_review": True,
            "require_last_push_approval": True,
            "required_review_thread_resolution": True,
        },
        "required_status_checks": {
            "strict_required_status_checks_policy": True,
            "required_checks": [{"context": c} for c in checks],
        },
        "non_fast_forward": True,
        "deletion": True,
        "required_linear_history": True,
    }


def protected_repository(
    name: str,
    *,
    repository: str,
    description: str,
    required_approvals: int,
    checks: list[str],
    parent: pulumi.Resource,
    opts: pulumi.ResourceOptions | None = None,
    after: Sequence[pulumi.Resource] = (),
    from_template: str | None = None,
    owner: str | None = None,
    is_template: bool = False,
    files: dict[str, str] | None = None,
    protect: bool = False,
) -> github.Repository:
    """A private repository (optionally from the template) with Gate 1 on its default branch.

    ``files`` are committed before Gate 1 is enforced: once the ruleset is active, a direct commit to
    the default branch is refused. ``is_template`` marks the repository as a template, which GitHub
    requires before anything can be generated from it.
    """
    extra: dict[str, Any] = {}
    if from_template:
        extra["template"] = {"owner": owner, "repository": from_template}
    repo = github.Repository(
        name,
        name=repository,
        auto_init=from_template is None,
        is_template=is_template,
        **secure_repository_args(description),
        **extra,
        opts=options.child(parent, opts, after=after, keep=protect),
    )
    committed = [
        github.RepositoryFile(
            f"{name}-{path}",
            repository=repo.name,
            file=path,
            content=content,
            branch=DEFAULT_BRANCH,
            commit_message=f"{repository}: {path} (managed by fintech-blueprint)",
            overwrite_on_create=True,
            opts=options.child(parent, opts, after=after),
        )
        for path, content in (files or {}).items()
    ]
    github.RepositoryRuleset(
        f"{name}-gate-1",
        name="gate-1",
        repository=repo.name,
        target="branch",
        enforcement="active",
        conditions={"ref_name": {"includes": ["~DEFAULT_BRANCH"], "excludes": []}},
        rules=gate1_ruleset_rules(required_approvals, checks),
        opts=options.child(parent, opts, after=[*after, *committed]),
    )
    return repo


@dataclass(frozen=True)
class EnvironmentSpec:
    """A GitHub environment every service repository gets (ADR-0031): the environment stack of the same
    name writes its Actions variables there; ``reviewer_team_ids`` approve each job that enters it.

    Attributes:
        name: ``dev`` / ``staging`` / ``prod``.
        reviewer_team_ids: Teams (ids) one of whose members approves each job of this environment. Default: none.
    """

    name: str
    reviewer_team_ids: list[pulumi.Input[str]] = field(default_factory=list)


def repository_environments(
    name: str, repository: pulumi.Input[str], environments: Sequence[EnvironmentSpec], opts: pulumi.ResourceOptions
) -> list[github.RepositoryEnvironment]:
    """One GitHub environment per environment of the path, deployable from the default branch only (a
    job of another branch cannot read its variables nor deploy), its reviewers required, no self-review,
    no administrator bypass."""
    created = []
    for env in environments:
        reviewed = bool(env.reviewer_team_ids)
        environment = github.RepositoryEnvironment(
            f"{name}-env-{env.name}",
            repository=repository,
            environment=env.name,
            can_admins_bypass=False,
            prevent_self_review=reviewed,
            reviewers=[{"teams": [pulumi.Output.from_input(t).apply(int) for t in env.reviewer_team_ids]}] if reviewed else None,
            deployment_branch_policy={"protected_branches": False, "custom_branch_policies": True},
            opts=opts,
        )
        github.RepositoryEnvironmentDeploymentPolicy(
            f"{name}-env-{env.name}-main",
            repository=repository,
            environment=environment.environment,
            branch_pattern=DEFAULT_BRANCH,
            opts=opts,
        )
        created.append(environment)
    return created


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    description: str
    maintainers: list[str] = field(default_factory=list)


def team_with_maintainers(name: str, team: TeamSpec, opts: pulumi.ResourceOptions) -> github.Team:
    """A closed team and its maintainers."""
    created = github.Team(name, name=team.slug, description=team.description, privacy="closed", opts=opts)
    for login in team.maintainers:
        github.TeamMembership(f"{name}-{login}", team_id=created.id, username=login, role="maintainer", opts=opts)
    return created


@dataclass(frozen=True)
class GithubOrganizationArgs:
    """Attributes:
    billing_email: Required by GitHub for organization settings.
    teams: Platform-level teams (platform, security) with maintainers.
    platform_repositories: (name, description) created from the template.
    required_approvals: Reviews needed on every default branch (1 dev, 2 prod).
    repository_files: Repository name -> the template's files committed rendered into it
        (``components.github.template.rendered_files``). Default: none.
    environments: The environments of the path, by name -> the team slugs that review their jobs; a
        GitHub environment of each on every platform repository (``repository_environments``). Default: none.
    """

    billing_email: str
    teams: list[TeamSpec]
    platform_repositories: list[tuple[str, str]]
    required_approvals: int = 2
    repository_files: dict[str, dict[str, str]] = field(default_factory=dict)
    environments: dict[str, list[str]] = field(default_factory=dict)


class GithubOrganization(pulumi.ComponentResource):
    team_ids: dict[str, pulumi.Output[str]]
    template_repository: pulumi.Output[str]
    environments: list[EnvironmentSpec]

    def __init__(self, name: str, args: GithubOrganizationArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:github:GithubOrganization", name, None, opts)
        child = options.child(self, opts)
        github.OrganizationSettings(
            f"{name}-settings",
            billing_email=args.billing_email,
            default_repository_permission="read",
            members_can_create_public_repositories=False,
            members_can_create_public_pages=False,
            members_can_fork_private_repositories=False,
            web_commit_signoff_required=True,
            secret_scanning_enabled_for_new_repositories=True,
            secret_scanning_push_protection_enabled_for_new_repositories=True,
            dependabot_alerts_enabled_for_new_repositories=True,
            dependabot_security_updates_enabled_for_new_repositories=True,
            dependency_graph_enabled_for_new_repositories=True,
            opts=child,
        )
        self.team_ids = {}
        for team in args.teams:
            self.team_ids[team.slug] = team_with_maintainers(f"{name}-team-{team.slug}", team, child).id

        self.environments = [
            EnvironmentSpec(env, [self.team_ids[slug] for slug in reviewers]) for env, reviewers in args.environments.items()
        ]
        checks = gate1_checks()
        template = protected_repository(
            f"{name}-template",
            repository=TEMPLATE_REPOSITORY,
            description="Golden service template: clone to start a service",
            required_approvals=args.required_approvals,
            checks=checks,
            parent=self,
            opts=opts,
            is_template=True,
            files=template_files(),
            protect=ctx.protect,
        )
        for repo_name, description in args.platform_repositories:
            repo = protected_repository(
                f"{name}-repo-{repo_name}",
                repository=repo_name,
                description=description,
                required_approvals=args.required_approvals,
                checks=checks,
                parent=self,
                opts=opts,
                after=[template],
                from_template=TEMPLATE_REPOSITORY,
                owner=ctx.github_org,
                files=args.repository_files.get(repo_name),
                protect=ctx.protect,
            )
            repository_environments(f"{name}-repo-{repo_name}", repo.name, self.environments, child)
            if "platform" in self.team_ids:
                github.TeamRepository(
                    f"{name}-repo-{repo_name}-platform",
                    team_id=self.team_ids["platform"],
                    repository=repo.name,
                    permission="maintain",
                    opts=child,
                )
        self.template_repository = template.name
        self.register_outputs({"templateRepository": self.template_repository})
