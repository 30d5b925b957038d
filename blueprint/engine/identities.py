"""Real-world identities: two resources of one plan must never claim the same object.

Pulumi URNs are unique per logical name, but providers create objects by their *real* name (an IAM
role name, a bucket, a repository, a Vault path, a Kubernetes object…). Two tenants, or a tenant and
the platform, that produce the same real name plan cleanly under mocks and fail at ``pulumi up``
(or silently fight over the object). This module computes each resource's real identity from its
inputs and reports every clash before any provider would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from blueprint.engine import fakes
from blueprint.engine.mocks import Registration

Identity = Callable[[Mapping[str, Any]], tuple[Any, ...] | None]


def _keys(*keys: str) -> Identity:
    def identity(inputs: Mapping[str, Any]) -> tuple[Any, ...] | None:
        values = tuple(inputs.get(k) for k in keys)
        return values if all(v not in (None, "") for v in values) else None

    return identity


def _kubernetes(inputs: Mapping[str, Any]) -> tuple[Any, ...] | None:
    metadata = inputs.get("metadata") or {}
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not name:
        return None
    return (str(inputs.get("apiVersion", "")).split("/")[0], inputs.get("kind"), metadata.get("namespace", ""), name)


#: Type -> how its real identity follows from its inputs (scope of uniqueness: the account/org/server).
IDENTITIES: dict[str, Identity] = {
    "aws:iam/role:Role": _keys("name"),
    "aws:iam/policy:Policy": _keys("name"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _keys("url"),
    "aws:s3/bucket:Bucket": _keys("bucket"),
    "aws:ecr/repository:Repository": _keys("name"),
    "aws:sqs/queue:Queue": _keys("name"),
    "aws:dynamodb/table:Table": _keys("name"),
    "aws:cloudwatch/logGroup:LogGroup": _keys("name"),
    "aws:kms/alias:Alias": _keys("name"),
    "aws:budgets/budget:Budget": _keys("name"),
    "aws:eks/cluster:Cluster": _keys("name"),
    "aws:rds/cluster:Cluster": _keys("clusterIdentifier"),
    "aws:rds/clusterInstance:ClusterInstance": _keys("identifier"),
    "aws:rds/proxy:Proxy": _keys("name"),
    "aws:rds/subnetGroup:SubnetGroup": _keys("name"),
    "aws:cloudtrail/trail:Trail": _keys("name"),
    "aws:costexplorer/costAllocationTag:CostAllocationTag": _keys("tagKey"),
    "github:index/repository:Repository": _keys("name"),
    "github:index/team:Team": _keys("name"),
    "github:index/repositoryFile:RepositoryFile": _keys("repository", "file"),
    "github:index/repositoryRuleset:RepositoryRuleset": _keys("repository", "name"),
    "github:index/repositoryEnvironment:RepositoryEnvironment": _keys("repository", "environment"),
    "github:index/actionsVariable:ActionsVariable": _keys("repository", "variableName"),
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": _keys("repository", "environment", "variableName"),
    "github:index/repositoryDeployKey:RepositoryDeployKey": _keys("repository", "title"),
    "vault:index/policy:Policy": _keys("name"),
    "vault:index/mount:Mount": _keys("path"),
    "vault:index/authBackend:AuthBackend": _keys("path"),
    "vault:jwt/authBackend:AuthBackend": _keys("path"),
    "vault:kv/secretV2:SecretV2": _keys("mount", "name"),
    "vault:database/secretBackendRole:SecretBackendRole": _keys("backend", "name"),
    "vault:database/secretBackendConnection:SecretBackendConnection": _keys("backend", "name"),
    "vault:kubernetes/authBackendRole:AuthBackendRole": _keys("backend", "roleName"),
    "vault:jwt/authBackendRole:AuthBackendRole": _keys("backend", "roleName"),
    "kubernetes:helm.sh/v3:Release": _keys("namespace", "name"),
}
#: Real identity classes shared by several types (a team name and its slug are one namespace; both
#: JWT and other auth backends mount under ``auth/``).
_CLASS = {"vault:jwt/authBackend:AuthBackend": "vault:index/authBackend:AuthBackend"}


class IdentityCollision(Exception):
    """Two resources of the plan would create or manage the same real object."""

    def __init__(self, clashes: list[tuple[str, tuple[Any, ...], list[str]]]) -> None:
        self.clashes = clashes
        lines = ["two resources would claim the same real object (the provider would fail, or they would overwrite each other):"]
        for type_, identity, urns in clashes:
            name = "/".join(str(part) for part in identity if part != "")
            lines.append(
                f"  {type_} {name!r}: " + ", ".join(u.rsplit("::", 1)[-1] for u in urns) + " — rename one (tenant or service name)"
            )
        super().__init__("\n".join(lines))


def identity_of(registration: Registration) -> tuple[str, tuple[Any, ...]] | None:
    if registration.type.startswith("kubernetes:") and registration.type != "kubernetes:helm.sh/v3:Release":
        found = _kubernetes(registration.inputs)
        return ("kubernetes", found) if found else None
    rule = IDENTITIES.get(registration.type)
    found = rule(registration.inputs) if rule else None
    if found is None:
        return None
    return _CLASS.get(registration.type, registration.type), found


def collisions(registrations: Iterable[Registration]) -> list[tuple[str, tuple[Any, ...], list[str]]]:
    claimed: dict[tuple[str, tuple[Any, ...]], list[str]] = {}
    for registration in registrations:
        if registration.custom:
            key = identity_of(registration)
            if key is not None:
                claimed.setdefault((key[0], _hashable(key[1])), []).append(registration.urn)
    return [(t, ident, sorted(urns)) for (t, ident), urns in sorted(claimed.items(), key=str) if len(urns) > 1]


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value


def raise_on_collisions(registrations: Iterable[Registration]) -> None:
    found = collisions(registrations)
    if found:
        raise IdentityCollision(found)


def _scope(registration: Registration, by_urn: dict[str, Registration], stack: str) -> tuple[str, ...]:
    """Where a real name is unique: the GitHub organization, the Vault server, the AWS account and
    region (the provider is pinned to its account), and the cluster, which is the stack's own."""
    provider = by_urn.get(registration.provider or "")
    settings = provider.inputs if provider else {}
    package = registration.type.split(":", 1)[0]
    if package == "github":
        return ("github", str(settings.get("owner", "")))
    if package == "vault":
        return ("vault", str(settings.get("address", "")).rstrip("/"))
    if package == "aws":
        return ("aws", fakes.pinned_account(settings) or "?", str(settings.get("region", "")))
    return (package, stack)


def cross_stack_collisions(plans: Mapping[str, Iterable[Registration]]) -> list[tuple[tuple[str, ...], str, tuple[Any, ...], list[str]]]:
    """Objects that two stacks' plans would both manage (the second ``up`` would fight the first)."""
    claimed: dict[tuple[Any, ...], set[str]] = {}
    for stack, registrations in plans.items():
        listed = list(registrations)
        by_urn = {r.urn: r for r in listed}
        for registration in listed:
            key = identity_of(registration) if registration.custom else None
            if key is not None:
                claimed.setdefault((_scope(registration, by_urn, stack), key[0], _hashable(key[1])), set()).add(stack)
    return [(scope, t, ident, sorted(stacks)) for (scope, t, ident), stacks in sorted(claimed.items(), key=str) if len(stacks) > 1]
