"""A tenant's GitHub footprint: its team and one repository per service, created from the golden
template, private, with Gate 1 on the default branch, the team's write access and a GitHub environment
per environment of the path. The org stack creates it (ADR-0031)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from components import options
from components.context import StackContext
from components.github.organization import (
    TEMPLATE_REPOSITORY,
    EnvironmentSpec,
    TeamSpec,
    gate1_checks,
    protected_repository,
    repository_environments,
    team_with_maintainers,
)


@dataclass(frozen=True)
class TenantGithubArgs:
    """Attributes:
    team_slug / maintainers: The tenant's team.
    repositories: (repository name, description) per service.
    required_approvals: Reviews on every default branch.
    repository_files: Repository name -> the template's files committed rendered into it (#17 hop 1;
        ``components.github.template.rendered_files``). Default: none.
    environments: A GitHub environment of each on every repository, where the environment stack of the
        same name writes its Actions variables (ADR-0031). Default: none.
    """

    team_slug: str
    repositories: list[tuple[str, str]]
    maintainers: list[str]
    required_approvals: int
    repository_files: dict[str, dict[str, str]] = field(default_factory=dict)
    environments: list[EnvironmentSpec] = field(default_factory=list)


class TenantGithub(pulumi.ComponentResource):
    def __init__(self, name: str, args: TenantGithubArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:github:TenantGithub", name, None, opts)
        child = options.child(self, opts)
        team = team_with_maintainers(f"{name}-team", TeamSpec(args.team_slug, f"Owners of tenant {name}", args.maintainers), child)
        checks = gate1_checks()
        for repo_name, description in args.repositories:
            repo = protected_repository(
                f"{name}-{repo_name}",
                repository=repo_name,
                description=description,
                required_approvals=args.required_approvals,
                checks=checks,
                parent=self,
                opts=opts,
                from_template=TEMPLATE_REPOSITORY,
                owner=ctx.github_org,
                files=args.repository_files.get(repo_name),
                protect=ctx.protect,
            )
            github.TeamRepository(f"{name}-{repo_name}-team", team_id=team.id, repository=repo.name, permission="push", opts=child)
            repository_environments(f"{name}-{repo_name}", repo.name, args.environments, child)
        self.register_outputs({})
