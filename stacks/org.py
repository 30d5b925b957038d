"""The org stack (ADR-0031): the one owner of every organization-wide GitHub object, deployed first.

Its own Pulumi project (``org/``, project ``fintech-blueprint-org``) reusing ``components/``: the
organization's settings, the platform and security teams, the golden template, every repository
(platform and tenant) with Gate 1's ruleset, its rendered files and one GitHub environment per
environment of the path (prod's with its required reviewers). The tenants are the environment
stacks' (``environments[].stackFile``): adding a tenant is still one entry in an environment's file.

Environment stacks read it through a versioned set of outputs (``contract_outputs``, the
``org.reads`` of their config); the offline plan computes the same outputs from the same files
(``offline_outputs``), so ``blueprint plan dev`` sees what ``pulumi up`` of dev would read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from components.tenant.aws import service_repository_name
from stacks.catalog import PLATFORM_REPOSITORIES
from stacks.config import ORG_CONTRACT_VERSION, ORG_OUTPUTS, ORG_PROJECT, DnsLabel, Email, GithubLogin, PlatformConfig, Service, _Model
from stacks.config import Tenant as TenantConfig
from stacks.loader import ROOT, ConfigError, StackFile, load_stack_file, read_stack_file
from stacks.loader import _message as _error_message
from stacks.loader import _path as _error_path

ORG_DIR = ROOT / "org"
#: A service's kind when its entry says none (the config's default).
DEFAULT_KIND = Service.model_fields["kind"].default
#: The team that owns the platform repositories and reviews prod (``platformOwner``'s default).
SECURITY_TEAM = "security"


class OrgGithubConfig(_Model):
    billing_email: Email = Field(description="Organization billing email (GitHub requires it for org settings).")
    required_approvals: int = Field(2, ge=1, le=6, description="Reviews on every repository's default branch (Gate 1).")
    platform_maintainers: list[GithubLogin] = []
    security_maintainers: list[GithubLogin] = []


class OrgEnvironment(_Model):
    """One environment of the path, in deploy order: a GitHub environment on every service repository."""

    name: Literal["dev", "staging", "prod"]
    stack_file: str = Field(
        "",
        description="The environment stack's file, relative to the org project (default ../Pulumi.<name>.yaml): its "
        "tenants' repositories are this stack's.",
    )
    reviewers: list[DnsLabel] = Field(
        default_factory=list,
        max_length=6,
        description="Teams (platformOwner, security) one of whose members approves every job of this environment "
        "(GitHub allows 6 reviewers): prod's promotions.",
    )

    @property
    def file(self) -> str:
        return self.stack_file or f"../Pulumi.{self.name}.yaml"


class OrgConfig(_Model):
    """Root of ``org/Pulumi.<stack>.yaml``'s ``fintech-blueprint-org:*`` keys."""

    github_org: GithubLogin
    platform_owner: DnsLabel = "platform"
    github: OrgGithubConfig
    environments: list[OrgEnvironment] = Field(min_length=1, max_length=3)
    protect: bool = Field(True, description="Protect and retain the repositories (their history is evidence, ADR-0005).")

    @model_validator(mode="after")
    def _environments(self) -> OrgConfig:
        names = [e.name for e in self.environments]
        if len(set(names)) != len(names):
            raise ValueError(f"environments: {names} names an environment twice")
        for field_name, logins in (
            ("platformMaintainers", self.github.platform_maintainers),
            ("securityMaintainers", self.github.security_maintainers),
        ):
            lowered = [login.lower() for login in logins]
            for index, login in enumerate(lowered):
                if login in lowered[:index]:
                    raise ValueError(f"github.{field_name}[{index}]: {logins[index]!r} is listed twice: remove the duplicate")
        teams = {self.platform_owner, SECURITY_TEAM}
        for i, env in enumerate(self.environments):
            unknown = sorted(set(env.reviewers) - teams)
            if unknown:
                raise ValueError(f"environments[{i}].reviewers: {unknown} is no team of the org stack (teams: {sorted(teams)})")
        return self


# -- loading ------------------------------------------------------------------------------------------


def is_org_stack_file(path: Path) -> bool:
    """Whether ``path`` holds the org project's config (its keys are ``fintech-blueprint-org:*``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return f"{ORG_PROJECT}:" in text


def validate_org_config(raw: Mapping[str, Any], source: str) -> OrgConfig:
    try:
        return OrgConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError(source, [(_error_path(e["loc"]), _error_message(e)) for e in exc.errors()]) from None


def load_org_stack_file(path: Path) -> tuple[StackFile, OrgConfig]:
    stack = read_stack_file(path, project=ORG_PROJECT, project_file=ORG_DIR / "Pulumi.yaml")
    return stack, validate_org_config(stack.values, str(path))


def load_org_from_pulumi() -> OrgConfig:
    import pulumi

    cfg = pulumi.Config(ORG_PROJECT)
    raw: dict[str, Any] = {}
    for name, info in OrgConfig.model_fields.items():
        alias = info.alias or name
        value = cfg.get(alias)
        if value is None:
            continue
        try:
            raw[alias] = json.loads(value) if name not in ("github_org", "platform_owner") else value
        except json.JSONDecodeError:
            raise ConfigError(f"stack {pulumi.get_stack()}", [(alias, "is not valid JSON/YAML")]) from None
    return validate_org_config(raw, f"stack {pulumi.get_stack()!r} config")


def environment_configs(config: OrgConfig, base: Path) -> list[tuple[OrgEnvironment, PlatformConfig]]:
    """Each environment's stack config, read from its file (relative to the org project ``base``)."""
    found, problems = [], []
    for i, env in enumerate(config.environments):
        path = (base / env.file).resolve()
        if not path.is_file():
            problems.append((f"environments[{i}].stackFile", f"{env.file}: no such file (relative to {base})"))
            continue
        _, loaded = load_stack_file(path, secret_placeholders=True)
        if loaded.environment != env.name:
            problems.append((f"environments[{i}].stackFile", f"{env.file} is environment {loaded.environment!r}, not {env.name!r}"))
        elif loaded.github_org != config.github_org:
            problems.append(
                (f"environments[{i}].stackFile", f"{env.file} runs in GitHub organization {loaded.github_org!r}, not {config.github_org!r}")
            )
        else:
            found.append((env, loaded))
    if problems:
        raise ConfigError("the org stack's environments", problems)
    return found


# -- the tenants' repositories ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRepository:
    name: str
    tenant: str
    service: str
    description: str


@dataclass(frozen=True)
class TenantDirectoryEntry:
    """A tenant as the organization sees it: its team and one repository per service, in any environment."""

    name: str
    owner_team: str
    maintainers: tuple[str, ...]
    repositories: tuple[ServiceRepository, ...]


def tenant_directory(tenants_by_environment: Iterable[tuple[str, Iterable[Mapping[str, Any]]]]) -> list[TenantDirectoryEntry]:
    """Every tenant of every environment (raw config entries: ``name``, ``ownerTeam``, ``maintainers``,
    ``services[].name/kind``), merged: a tenant's repositories are those of its services in any environment.
    One team owns a tenant everywhere: a tenant whose ``ownerTeam`` differs between environments raises."""
    merged: dict[str, dict[str, Any]] = {}
    problems: list[tuple[str, str]] = []
    for environment, tenants in tenants_by_environment:
        for tenant in tenants:
            name = str(tenant["name"])
            entry = merged.setdefault(
                name,
                {"team": tenant["ownerTeam"], "maintainers": tuple(tenant.get("maintainers") or ()), "where": environment, "repos": {}},
            )
            if entry["team"] != tenant["ownerTeam"]:
                problems.append(
                    (
                        f"tenants[{name}].ownerTeam",
                        f"is {tenant['ownerTeam']!r} in {environment} but {entry['team']!r} in {entry['where']}: one team owns a "
                        "tenant's repositories in every environment",
                    )
                )
            for service in tenant.get("services") or []:
                repo, kind = service_repository_name(name, str(service["name"])), service.get("kind", DEFAULT_KIND)
                entry["repos"].setdefault(repo, ServiceRepository(repo, name, str(service["name"]), f"{name}: {kind} {service['name']}"))
    if problems:
        raise ConfigError("the environments' tenants", problems)
    return [
        TenantDirectoryEntry(name, entry["team"], entry["maintainers"], tuple(entry["repos"][r] for r in sorted(entry["repos"])))
        for name, entry in sorted(merged.items())
    ]


def raw_tenant(tenant: TenantConfig) -> dict[str, Any]:
    return tenant.model_dump(by_alias=True, mode="json", include={"name", "owner_team", "maintainers", "services"})


def raw_tenants(config: PlatformConfig) -> list[dict[str, Any]]:
    return [raw_tenant(t) for t in config.tenants]


# -- the contract -----------------------------------------------------------------------------------


def contract_outputs(config: OrgConfig, tenants: list[TenantDirectoryEntry]) -> dict[str, Any]:
    """The outputs environment stacks read (``ORG_OUTPUTS``, version ``ORG_CONTRACT_VERSION``): names only,
    all known before anything exists, so an environment's first preview can be judged."""
    environments = [e.name for e in config.environments]
    repositories: dict[str, dict[str, Any]] = {
        r.name: {"tenant": None, "shipsImage": r.ships_image, "environments": environments} for r in PLATFORM_REPOSITORIES
    }
    for tenant in tenants:
        for repo in tenant.repositories:
            repositories[repo.name] = {"tenant": tenant.name, "shipsImage": True, "environments": environments}
    outputs = {
        "contractVersion": ORG_CONTRACT_VERSION,
        "organization": config.github_org,
        "environments": environments,
        "repositories": dict(sorted(repositories.items())),
    }
    assert tuple(outputs) == ORG_OUTPUTS
    return outputs


def org_stack_file(reference: str, base: Path = ORG_DIR) -> Path:
    """The org project's file for a stack reference (``<org>/fintech-blueprint-org/org`` → ``org/Pulumi.org.yaml``)."""
    return base / f"Pulumi.{reference.rsplit('/', 1)[-1]}.yaml"


def offline_outputs(reference: str, environment: str, tenants: list[Mapping[str, Any]]) -> dict[str, Any]:
    """What the org stack named ``reference`` exports once it is up with the environment files as they are,
    ``environment``'s tenants being ``tenants`` (the file being planned, which may be a copy)."""
    _, org = load_org_stack_file(org_stack_file(reference))
    others = [(env.name, raw_tenants(config)) for env, config in environment_configs(org, ORG_DIR) if env.name != environment]
    return contract_outputs(org, tenant_directory([*others, (environment, tenants)]))


def reference_problems(config: PlatformConfig, source: Path) -> list[tuple[str, str]]:
    """An environment's ``org.stack`` must name an org stack of this repository that serves the
    environment, in the same GitHub organization (exit 2 before any plan)."""
    path = org_stack_file(config.org.stack)
    if not path.is_file():
        return [("org.stack", f"{config.org.stack!r}: no org stack file {path.relative_to(ROOT)}; name the org stack (ADR-0031)")]
    _, org = load_org_stack_file(path)
    if org.github_org != config.github_org:
        return [("githubOrg", f"is {config.github_org!r} but the org stack {config.org.stack!r} manages {org.github_org!r}")]
    if config.environment not in [e.name for e in org.environments]:
        return [
            (
                "org.stack",
                f"the org stack {config.org.stack!r} does not serve environment {config.environment!r}: add it to environments "
                f"in {path.relative_to(ROOT)}",
            )
        ]
    return []
