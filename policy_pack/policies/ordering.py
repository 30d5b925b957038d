"""What must exist first is depended on (ADR-0015, issue #11 item 9).

The engine creates resources in parallel, in dependency order only. Under a first ``pulumi up`` a
resource that lives inside another (a Vault role under its mount, a custom resource whose CRD a Helm
release installs) fails or races unless it depends on it, and a repository file committed after the
ruleset that forbids direct commits is refused. One stack rule checks the three, on the transitive
dependencies the engine records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ._lib import HIGH, StackRule, get

CRD_CHARTS: Mapping[str, str] = json.loads((Path(__file__).parent / "data" / "crd_charts.json").read_text())["groups"]
RELEASE = "kubernetes:helm.sh/v3:Release"
#: Vault types -> the input naming the mount or auth backend they live under.
VAULT_PARENT_INPUT = {
    "vault:kv/secretV2:SecretV2": "mount",
    "vault:database/secretBackendRole:SecretBackendRole": "backend",
    "vault:database/secretBackendConnection:SecretBackendConnection": "backend",
    "vault:kubernetes/authBackendRole:AuthBackendRole": "backend",
    "vault:kubernetes/authBackendConfig:AuthBackendConfig": "backend",
    "vault:jwt/authBackendRole:AuthBackendRole": "backend",
}
VAULT_MOUNTS = ("vault:index/mount:Mount", "vault:index/authBackend:AuthBackend", "vault:jwt/authBackend:AuthBackend")
#: Kubernetes API groups served by the API server itself (no CRD to wait for).
BUILT_IN_GROUPS = ("core", "apps", "batch", "policy", "autoscaling", "apiextensions.k8s.io")


def _closure(resources: list[Any]) -> dict[str, set[str]]:
    """URN -> every URN it depends on, directly or not (dependencies and property dependencies)."""
    direct = {
        r.urn: set(d.urn for d in r.dependencies) | {d.urn for deps in r.property_dependencies.values() for d in deps} for r in resources
    }
    closed: dict[str, set[str]] = {}

    def visit(urn: str, path: frozenset[str]) -> set[str]:
        if urn in closed:
            return closed[urn]
        found: set[str] = set()
        for dep in direct.get(urn, ()):
            if dep not in path:
                found |= {dep} | visit(dep, path | {dep})
        closed[urn] = found
        return found

    for urn in direct:
        visit(urn, frozenset({urn}))
    return closed


def _group(resource_type: str) -> str:
    module = resource_type.split(":")[1]
    return module.split("/")[0] if "/" in module else "core"


def _check(args) -> Iterator[tuple[str, str | None]]:
    resources = list(args.resources)
    after = _closure(resources)

    releases = {get(r.props, "chart"): r.urn for r in resources if r.resource_type == RELEASE}
    mounts = {str(get(r.props, "path", "")).strip("/"): r.urn for r in resources if r.resource_type in VAULT_MOUNTS}
    for r in resources:
        if r.resource_type.startswith("kubernetes:") and r.resource_type != RELEASE:
            group = _group(r.resource_type)
            if group in BUILT_IN_GROUPS or group.endswith(".k8s.io"):
                continue
            chart = CRD_CHARTS.get(group)
            if chart is None:
                yield f"{r.resource_type}: no chart is known to install the CRD of API group {group!r} (data/crd_charts.json)", r.urn
            elif chart not in releases:
                yield f"{r.resource_type} needs the CRD that chart {chart!r} installs, and no release of it is in the stack", r.urn
            elif releases[chart] not in after[r.urn]:
                yield f"{r.resource_type} does not depend on the {chart!r} release that installs its CRD: depend on it", r.urn
        field = VAULT_PARENT_INPUT.get(r.resource_type)
        if field:
            path = str(get(r.props, field, "")).strip("/")
            mount = mounts.get(path)
            if mount is None:
                yield f"{r.resource_type} lives under {path!r}, which no mount or auth backend of the stack creates", r.urn
            elif mount not in after[r.urn]:
                yield f"{r.resource_type} does not depend on the mount or auth backend {path!r} it lives under", r.urn
        if r.resource_type == "github:index/repositoryRuleset:RepositoryRuleset" and get(r.props, "enforcement") == "active":
            repository = get(r.props, "repository")
            for other in resources:
                if (
                    other.resource_type == "github:index/repositoryFile:RepositoryFile"
                    and get(other.props, "repository") == repository
                    and other.urn not in after[r.urn]
                ):
                    file = get(other.props, "file")
                    yield (
                        f"ruleset {get(r.props, 'name')!r} of {repository!r} is enforced before {file!r} is committed: commit first",
                        r.urn,
                    )


POLICIES = [
    StackRule(
        name="creation-order",
        description="What must exist first is depended on: Vault objects on their mount or auth backend, custom resources on "
        "the release that installs their CRD, repository files before the ruleset that would block them.",
        severity=HIGH,
        adr="ADR-0005",
        domain="stack",
        check=_check,
        reads=["kubernetes:", "vault:", "github:"],
    ),
]
