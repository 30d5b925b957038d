"""An environment's Actions variables on the repositories the org stack owns (ADR-0031).

Each environment stack writes, into the GitHub environment of its own name on each service repository,
what the promotion reads there (its registry, publisher role, signing key, region, cluster, ledger);
the environment that builds (dev, the first of the path) also writes Gate 1's repository variables,
which jobs outside any environment read. The repositories are named through the org stack's
``repositories`` output (``OrgRepositories``): a repository the org stack does not hold yet is an
error of the deploy order, said as such, never a write to a repository that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_github as github

from components import options


class MissingRepository(Exception):
    """The org stack's outputs lack a repository an environment wires: org was not deployed first."""


def _present(repositories: Mapping[str, Any], repository: str) -> str:
    if repository not in repositories:
        raise MissingRepository(
            f"repository {repository!r} is not among the org stack's repositories: run `pulumi up` of the org stack "
            "first (the deploy order is org, dev, staging, prod; ADR-0031)"
        )
    return repository


class OrgRepositories:
    """The org stack's ``repositories`` output as an environment stack reads it: ``name(repository)`` is
    the repository's name, dependent on the org stack having it."""

    def __init__(self, repositories: pulumi.Input[Mapping[str, Any]] | None) -> None:
        self._repositories = None if repositories is None else pulumi.Output.from_input(repositories)

    def name(self, repository: str) -> pulumi.Input[str]:
        if self._repositories is None:  # no org stack (a component alone in a test): the name as given
            return repository
        return self._repositories.apply(lambda known: _present(known, repository))


def variable_resource_name(prefix: str, repository: str, variable: str) -> str:
    return f"{prefix}-{repository}-{variable.lower().replace('_', '-')}"


@dataclass(frozen=True)
class RepositoryVariablesArgs:
    """Attributes:
    environment: The GitHub environment written (the stack's environment).
    variables: Repository name -> variable -> value, for that environment.
    gate1: Variable names also written as repository variables (Gate 1's build, outside any environment):
        set by the environment that builds. Default: none.
    """

    environment: str
    variables: dict[str, dict[str, pulumi.Input[str]]]
    gate1: tuple[str, ...] = field(default_factory=tuple)


class RepositoryVariables(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: RepositoryVariablesArgs, repositories: OrgRepositories, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fintech:github:RepositoryVariables", name, None, opts)
        child = options.child(self, opts)
        for repository, variables in sorted(args.variables.items()):
            repo = repositories.name(repository)
            for variable, value in sorted(variables.items()):
                github.ActionsEnvironmentVariable(
                    variable_resource_name(f"{name}-{args.environment}", repository, variable),
                    repository=repo,
                    environment=args.environment,
                    variable_name=variable,
                    value=value,
                    opts=child,
                )
                if variable in args.gate1:
                    github.ActionsVariable(
                        variable_resource_name(name, repository, variable),
                        repository=repo,
                        variable_name=variable,
                        value=value,
                        opts=child,
                    )
        self.register_outputs({})
