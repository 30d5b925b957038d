"""Shared machinery of the pack: rule constructors with metadata, and accessors robust to the
engine's shapes (read-only Mapping/Sequence proxies, numbers as floats, JSON-string documents,
absent == provider default).

A rule is only its predicate: ``check(props, args)`` yields one message per problem, each message
saying what to change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from . import contract

ResourceCheck = Callable[[Mapping[str, Any], ResourceValidationArgs], Iterable[str]]
StackCheck = Callable[[StackValidationArgs], Iterable[tuple[str, str | None]]]

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY
LOW, MEDIUM, HIGH, CRITICAL = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL


def _metadata(
    name: str,
    description: str,
    severity: Severity,
    adr: str,
    domain: str,
    config_schema: PolicyConfigSchema | None,
) -> dict[str, Any]:
    """How a rule's metadata maps onto pulumi_policy's (the ADR and domain travel as tags).

    Enforcement levels live in the policy config files only (ADR-0020): in code every rule is
    mandatory, which is what the pack does when run without a config."""
    return {
        "name": name,
        "description": description,
        "enforcement_level": MANDATORY,
        "config_schema": config_schema,
        "severity": severity,
        "tags": [adr, domain],
    }


class PreviewDeferred(UnknownValueError):
    """What a rule raises when its input cannot be known in this preview; the analyzer reports it as
    "can't run policy … during preview" (advisory) instead of a verdict."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.unknown_type_sentinel, self.props, self.message = "", [], message


@dataclass(frozen=True)
class TypeFilter:
    """The types a rule judges, when they are a family rather than a list (every taggable type)."""

    description: str
    matches: Callable[[str], bool]


class ResourceRule(ResourceValidationPolicy):
    """A resource policy that knows its types, its ADR and its domain."""

    def __init__(
        self,
        *,
        name: str,
        description: str,
        severity: Severity,
        adr: str,
        domain: str,
        types: Iterable[str] | TypeFilter,
        check: ResourceCheck,
        config_schema: PolicyConfigSchema | None = None,
    ) -> None:
        if isinstance(types, TypeFilter):
            self._filter: TypeFilter | None = types
            self.types: frozenset[str] = frozenset()
        else:
            self._filter, self.types = None, frozenset(types)
        self.adr, self.domain, self._check = adr, domain, check
        super().__init__(**_metadata(name, description, severity, adr, domain, config_schema), validate=self._run)

    def applies(self, resource_type: str) -> bool:
        """Whether the rule judges resources of this type (the analyzer asks before deserializing)."""
        return self._filter.matches(resource_type) if self._filter else resource_type in self.types

    def describe_types(self) -> list[str]:
        return [self._filter.description] if self._filter else sorted(self.types)

    def _run(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not self.applies(args.resource_type):
            return
        for message in self._check(args.props, args):
            report(message, None)


class StackRule(StackValidationPolicy):
    """A stack policy (an invariant across resources) with its ADR and domain.

    ``reads`` names the resource types the invariant looks at (a type token, or a prefix ending in
    ':' such as ``"vault:"``); the offline engine hands the rule only those. Default: every resource.
    ``reads_state=False`` for an invariant on resource options only (it never defers at preview).
    """

    def __init__(
        self,
        *,
        name: str,
        description: str,
        severity: Severity,
        adr: str,
        domain: str,
        check: StackCheck,
        config_schema: PolicyConfigSchema | None = None,
        reads: Iterable[str] | None = None,
        reads_state: bool = True,
    ) -> None:
        self.adr, self.domain, self._check = adr, domain, check
        self.reads_state = reads_state
        self.reads = tuple(reads) if reads is not None else None
        super().__init__(**_metadata(name, description, severity, adr, domain, config_schema), validate=self._run)

    def applies(self, resource_type: str) -> bool:
        """Whether the invariant looks at resources of this type (``reads``)."""
        return reads_type(self.reads, resource_type)

    def describe_types(self) -> list[str]:
        return list(self.reads) if self.reads is not None else ["(every type)"]

    def _run(self, args: StackValidationArgs, report: ReportViolation) -> None:
        opaque = sorted(
            r.urn.rsplit("::", 1)[-1]
            for r in args.resources
            if self.reads_state and r.resource_type.startswith("kubernetes:") and reads_type(self.reads, r.resource_type) and not r.props
        )
        if opaque:
            # A first preview hands stack rules each resource's outputs; those of a resource whose
            # provider is not configured yet are empty. Here that is the Kubernetes provider, built from
            # a cluster that does not exist yet (a Kubernetes object's state always has apiVersion and
            # kind otherwise). Judging the invariant on them would pass or fail vacuously: defer.
            raise PreviewDeferred(
                f"the state of {len(opaque)} resource(s) is not known until their provider exists: {', '.join(opaque[:5])}"
            )
        for message, urn in self._check(args):
            report(message, urn)


def reads_type(reads: Sequence[str] | None, resource_type: str) -> bool:
    """Whether a stack rule declaring ``reads`` (type tokens, or prefixes ending in ':') looks at a type."""
    return reads is None or any(resource_type == r or (r.endswith(":") and resource_type.startswith(r)) for r in reads)


# -- accessors ----------------------------------------------------------------------------------------


def get(value: Any, path: str, default: Any = None) -> Any:
    """``get(props, "vpcConfig.endpointPublicAccess")``; missing anywhere -> default."""
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return default
        value = value[key]
    return default if value is None else value


def is_set(value: Any, path: str) -> bool:
    """Whether ``path`` holds a value, reading only its presence.

    A value not known during a preview counts as set: it is the output of a resource this update
    creates (invokes resolve in preview, literals are known), such as the ARN of a key being created.
    Presence rules ("is a customer managed key named?") can therefore judge a first preview; the
    value itself is checked on every later one.
    """
    *parents, leaf = path.split(".")
    holder = get(value, ".".join(parents)) if parents else value
    if not isinstance(holder, Mapping) or not any(key == leaf for key in holder):  # iterating keys reads no value
        return False
    try:
        return holder[leaf] not in (None, "", False)
    except UnknownValueError:
        return True


def items(value: Any) -> list[Any]:
    """A list from a Sequence proxy, a single object (some providers accept both), or nothing."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return [value]


def strings(value: Any) -> list[str]:
    return [str(v) for v in items(value)]


def document(value: Any) -> Mapping[str, Any] | None:
    """A JSON policy document given as a string or an object; None when absent or unparsable."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None


def statements(value: Any) -> list[Mapping[str, Any]]:
    doc = document(value)
    return [s for s in items(doc.get("Statement")) if isinstance(s, Mapping)] if doc else []


def principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, Mapping):
        return [p for v in principal.values() for p in strings(v)]
    return []


def condition_keys(statement: Mapping[str, Any]) -> set[str]:
    """The condition keys a statement tests, as written (``aws:PrincipalArn``…)."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return set()
    return {key for block in condition.values() if isinstance(block, Mapping) for key in block}


def condition_values(statement: Mapping[str, Any], key: str) -> list[str]:
    """Every value a statement's conditions give ``key`` (matched ignoring case), whatever the operator."""
    condition = statement.get("Condition")
    blocks = [block for block in condition.values() if isinstance(block, Mapping)] if isinstance(condition, Mapping) else []
    return [v for block in blocks for k, values in block.items() if k.lower() == key.lower() for v in strings(values)]


def tenant_of(resource: Any) -> str | None:
    """The tenant a stack resource belongs to: the name of the Tenant component above it (the engine
    hands AnalyzeStack components too, and pulumi_policy links each resource to its parent)."""
    from .contract import TENANT_COMPONENT

    current = getattr(resource, "parent", None)
    while current is not None:
        if current.resource_type == TENANT_COMPONENT:
            return str(current.name)
        current = getattr(current, "parent", None)
    return None


def under(resource: Any, component_type: str) -> bool:
    """Whether a component of ``component_type`` is above ``resource``: what it is, whatever its name
    (a physical name may be truncated and hashed to fit a service's limit)."""
    current = getattr(resource, "parent", None)
    while current is not None:
        if current.resource_type == component_type:
            return True
        current = getattr(current, "parent", None)
    return False


def number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def config_value(args: ResourceValidationArgs | StackValidationArgs, key: str, default: Any) -> Any:
    """A policy config value. The engine sends config as a protobuf Struct, where every number is a
    double: a whole number comes back as the int the user wrote, so messages say ``365``, not ``365.0``."""
    value = args.get_config().get(key, default)
    if isinstance(value, float) and value.is_integer() and isinstance(default, int) and not isinstance(default, bool):
        return int(value)
    return value


def schema(**properties: dict[str, Any]) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties=properties)


def named(resources: Iterable[Any], *types: str) -> Iterator[Any]:
    wanted = set(types)
    return (r for r in resources if r.resource_type in wanted)


def denies_insecure_transport(policy: Any) -> bool:
    """True when a resource policy has a Deny on ``aws:SecureTransport = false``."""
    for statement in statements(policy):
        secure = strings(get(statement, "Condition.Bool.aws:SecureTransport"))
        if statement.get("Effect") == "Deny" and "false" in [s.lower() for s in secure]:
            return True
    return False


# -- shared by the rules of several domains (they were private to stack_invariants) --
Finding = tuple[str, "str | None"]


SHARED = contract.SHARED_TENANT


def tenant_namespaces(resources: list[Any]) -> dict[str, Any]:
    """Namespace name -> resource, for namespaces labelled with a tenant other than ``shared``."""
    found = {}
    for ns in named(resources, "kubernetes:core/v1:Namespace"):
        tenant = get(ns.props, "metadata.labels", {}).get("tenant")
        if tenant and tenant != SHARED:
            found[get(ns.props, "metadata.name", ns.name)] = ns
    return found


def tagged_tenants(resources: list[Any]) -> dict[str, str]:
    """Tenant -> the first (by URN) AWS resource carrying its ``tenant`` cost tag, ``shared`` excluded.

    Tags are inputs, known on a first preview; a tenant's namespace is not (its state is empty while
    the cluster does not exist), so rules that only need to know who the tenants are read the tags.
    """
    found: dict[str, str] = {}
    for resource in sorted(resources, key=lambda r: r.urn):
        if resource.resource_type.startswith("aws:"):
            tags = get(resource.props, "tags", {})
            tenant = tags.get("tenant") if isinstance(tags, Mapping) else None
            if isinstance(tenant, str) and tenant != SHARED:
                found.setdefault(tenant, resource.urn)
    return found


def in_namespace(resources: list[Any], resource_type: str, namespace: str) -> list[Any]:
    return [r for r in named(resources, resource_type) if get(r.props, "metadata.namespace") == namespace]


def is_default_deny(spec: Any) -> bool:
    return (
        get(spec, "podSelector") == {}
        and {"Ingress", "Egress"} <= set(strings(get(spec, "policyTypes")))
        and not items(get(spec, "ingress"))
        and not items(get(spec, "egress"))
    )


def depends_on(resource: Any, field: str) -> set[str]:
    return {d.urn for d in resource.property_dependencies.get(field, [])}
