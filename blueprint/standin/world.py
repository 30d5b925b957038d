"""The external systems the stand-in providers stand for, kept across stacks (#26 item 9).

Without it a stand-in accepts a deploy key on any repository name: the real-engine tier could not see a
stack deployed before the one that creates what it writes to. With a world directory
(``BLUEPRINT_STANDIN_WORLD``, which every real-engine workspace sets), the GitHub stand-in keeps the
organization's repositories and their environments there, shared by every stack and process of the
workspace, and refuses at ``up`` what GitHub's REST API refuses, with the status and the endpoint:

- a deploy key on a repository that does not exist: ``POST /repos/{owner}/{repo}/keys``, 404 Not Found;
- an Actions variable there: ``POST /repos/{owner}/{repo}/actions/variables``, 404;
- an environment variable where the repository or the environment does not exist:
  ``POST /repos/{owner}/{repo}/environments/{environment_name}/variables``, 404;
- an environment, its branch policy, a file, a ruleset or a team's access on a repository that does not
  exist: ``PUT /repos/{owner}/{repo}/environments/{environment_name}``, ``PUT /repos/{owner}/{repo}/contents/{path}``,
  ``POST /repos/{owner}/{repo}/rulesets``, ``PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}``: 404;
- any of these on an archived repository (a destroyed one: ``archive_on_destroy``): 403, "Repository was
  archived so is read-only".

A preview calls no API (a bridged provider plans from inputs): refusals happen at ``up``, as they would.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

WORLD_VARIABLE = "BLUEPRINT_STANDIN_WORLD"
ARCHIVED = ".archived"

REPOSITORY = "github:index/repository:Repository"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
ENVIRONMENT_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
#: Types written into an existing repository, and the endpoint GitHub answers 404 on when it does not exist.
ON_A_REPOSITORY = {
    "github:index/repositoryDeployKey:RepositoryDeployKey": "POST /repos/{owner}/{repo}/keys",
    "github:index/actionsVariable:ActionsVariable": "POST /repos/{owner}/{repo}/actions/variables",
    ENVIRONMENT_VARIABLE: "POST /repos/{owner}/{repo}/environments/{environment}/variables",
    ENVIRONMENT: "PUT /repos/{owner}/{repo}/environments/{environment}",
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": (
        "POST /repos/{owner}/{repo}/environments/{environment}/deployment-branch-policies"
    ),
    "github:index/repositoryFile:RepositoryFile": "PUT /repos/{owner}/{repo}/contents/{path}",
    "github:index/repositoryRuleset:RepositoryRuleset": "POST /repos/{owner}/{repo}/rulesets",
    "github:index/teamRepository:TeamRepository": "PUT /orgs/{owner}/teams/{team}/repos/{owner}/{repo}",
}


class Refused(Exception):
    """What the real API answers with an error: the provider fails the resource's Create with it."""


class World:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_environment(cls) -> World | None:
        where = os.environ.get(WORLD_VARIABLE)
        return cls(Path(where)) if where else None

    def _repository(self, owner: str, repository: str) -> Path:
        return self.directory / "github" / owner / "repositories" / repository

    def created(self, package: str, type_: str, owner: str, state: dict[str, Any]) -> None:
        """Refuse what the API refuses, else record what now exists."""
        if package != "github":
            return
        if type_ == REPOSITORY:
            (self._repository(owner, str(state.get("name")))).mkdir(parents=True, exist_ok=True)
            return
        endpoint = ON_A_REPOSITORY.get(type_)
        if endpoint is None:
            return
        repository = str(state.get("repository", ""))
        path = self._repository(owner, repository)
        environment = str(state.get("environment", ""))
        where = endpoint.format(owner=owner, repo=repository, environment=environment, path=state.get("file", ""), team="…")
        if not path.is_dir():
            raise Refused(f"404 Not Found: {where}: repository {owner}/{repository} does not exist")
        if (path / ARCHIVED).exists():
            raise Refused(f"403 Forbidden: {where}: Repository was archived so is read-only")
        if type_ == ENVIRONMENT:
            (path / "environments" / environment).mkdir(parents=True, exist_ok=True)
        elif environment and not (path / "environments" / environment).is_dir():
            raise Refused(f"404 Not Found: {where}: repository {owner}/{repository} has no environment {environment!r}")

    def deleted(self, package: str, type_: str, owner: str, state: dict[str, Any]) -> None:
        """A destroyed repository is archived (``archive_on_destroy``): it stays, read-only."""
        if package == "github" and type_ == REPOSITORY:
            path = self._repository(owner, str(state.get("name")))
            if path.is_dir():
                (path / ARCHIVED).touch()
