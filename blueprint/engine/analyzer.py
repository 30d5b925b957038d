"""Evaluate the policy pack the way ``pulumi preview --policy-pack`` does, with no CLI.

The pack's own gRPC servicer (``pulumi_policy``'s analyzer) is driven with the protobuf requests the
engine would send: ``Configure`` with the reconciled ``--policy-pack-config`` (``all`` → per-policy →
schema defaults, validated against each policy's schema), then ``Analyze`` per resource and one
``AnalyzeStack``. Deserialisation, read-only proxies, numbers-as-floats, enforcement levels and
``not_applicable`` therefore behave as in a real preview. ``PolicyPack(...)`` is never constructed:
it starts a server and blocks.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import EnforcementLevel, Policy, ResourceValidationPolicy, StackValidationPolicy

from blueprint.engine.sdk import PolicyAnalyzerServicer

_LEVEL_TO_PROTO = {
    EnforcementLevel.ADVISORY: proto.ADVISORY,
    EnforcementLevel.MANDATORY: proto.MANDATORY,
    EnforcementLevel.REMEDIATE: proto.REMEDIATE,
    EnforcementLevel.DISABLED: proto.DISABLED,
}
_PROTO_TO_LEVEL = {v: k.value for k, v in _LEVEL_TO_PROTO.items()}


class PolicyConfigError(Exception):
    """The policy config file does not fit the pack (unknown policy, bad level, schema violation)."""


class PolicyCrash(Exception):
    """A rule raised instead of answering: a bug in the pack, never a finding (exit 3, not 1)."""

    def __init__(self, policy: str, urn: str | None, cause: BaseException) -> None:
        where = f"on {urn.rsplit('::', 1)[-1]} ({urn})" if urn else "on the stack"
        super().__init__(
            f"policy {policy!r} failed {where}: {type(cause).__name__}: {cause} "
            "(a bug in the policy pack, policy_pack/policies/; no verdict was given)"
        )
        self.policy, self.urn = policy, urn


@dataclass(frozen=True)
class Resource:
    """A resource as the engine hands it to analyzers (props camelCase, secrets unwrapped)."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    parent: str | None = None
    protect: bool = False
    provider: tuple[str, str, str] | None = None  # (type, urn, name)
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: What stack rules see: the engine hands AnalyzeStack each resource's outputs. Default: ``props``.
    state: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement_level: str
    severity: str
    urn: str | None
    message: str

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == EnforcementLevel.MANDATORY.value

    @property
    def deferred(self) -> bool:
        """The analyzer could not run the policy in this preview (an input is not known yet)."""
        return self.message.startswith(f"can't run policy '{self.policy}'")


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(value))  # ints become doubles, exactly as on the wire
    return struct


def reconcile_config(
    policies: Sequence[Policy], file_config: Mapping[str, Any] | None
) -> dict[str, tuple[EnforcementLevel, dict[str, Any]]]:
    """Resolve each policy's level and properties from a ``--policy-pack-config`` document."""
    file_config = dict(file_config or {})
    levels = {level.value: level for level in EnforcementLevel}
    by_name = {p.name: p for p in policies}

    def level(value: Any, where: str) -> EnforcementLevel:
        if value not in levels:
            raise PolicyConfigError(f"{where}: enforcement level {value!r} is not one of {sorted(levels)}")
        return levels[value]

    default = level(file_config.pop("all"), "all") if "all" in file_config else None
    unknown = sorted(set(file_config) - set(by_name))
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(by_name), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise PolicyConfigError(f"unknown policy {unknown[0]!r} in policy config; {hint}known policies: {', '.join(sorted(by_name))}")

    resolved: dict[str, tuple[EnforcementLevel, dict[str, Any]]] = {}
    for policy in policies:
        entry = file_config.get(policy.name)
        properties: dict[str, Any] = {}
        chosen = default or policy.enforcement_level or EnforcementLevel.ADVISORY
        if isinstance(entry, str):
            chosen = level(entry, policy.name)
        elif isinstance(entry, Mapping):
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            if "enforcementLevel" in entry:
                chosen = level(entry["enforcementLevel"], f"{policy.name}.enforcementLevel")
        elif entry is not None:
            raise PolicyConfigError(f"{policy.name}: expected an enforcement level or an object, got {entry!r}")
        schema = policy.config_schema
        if schema is not None:
            for key, spec in schema.properties.items():
                if "default" in spec and key not in properties:
                    properties[key] = spec["default"]
            json_schema = {"type": "object", "properties": schema.properties, "required": schema.required or []}
            try:
                jsonschema.validate(properties, json_schema)
            except jsonschema.ValidationError as exc:
                path = ".".join(str(p) for p in exc.absolute_path)
                raise PolicyConfigError(f"{policy.name}{'.' + path if path else ''}: {exc.message}") from None
        elif properties:
            raise PolicyConfigError(f"{policy.name}: takes no configuration properties, got {sorted(properties)}")
        resolved[policy.name] = (chosen, properties)
    return resolved


def _applies(policy: Policy) -> Callable[[str], bool]:
    """What a rule judges: our rules answer ``applies(type)``; a plain SDK policy sees every type."""
    applies = getattr(policy, "applies", None)
    return applies if callable(applies) else (lambda _type: True)


class Analyzer:
    """The pack's servicer, configured once. Each resource is analyzed by a servicer holding only the
    policies that apply to its type: the SDK deserializes a resource once per policy, so this keeps a
    plan linear in its size without changing a single diagnostic."""

    def __init__(
        self,
        pack_name: str,
        version: str,
        policies: list[Policy],
        default_level: EnforcementLevel,
        file_config: Mapping[str, Any] | None = None,
    ) -> None:
        self._identity = (pack_name, version, default_level)
        self._policies = policies
        resolved = reconcile_config(policies, file_config)
        self.levels = {name: level.value for name, (level, _) in resolved.items()}
        self._configure = proto.ConfigureAnalyzerRequest(
            policyConfig={
                name: proto.PolicyConfig(enforcementLevel=_LEVEL_TO_PROTO[lvl], properties=_struct(props))
                for name, (lvl, props) in resolved.items()
            }
        )
        self._by_type: dict[str, PolicyAnalyzerServicer | None] = {}
        # One servicer per stack rule, so that each is handed only the resources it reads.
        self._stack = [(p.name, _applies(p), self._servicer([p])) for p in policies if isinstance(p, StackValidationPolicy)]

    def _servicer(self, policies: list[Policy]) -> PolicyAnalyzerServicer | None:
        if not policies:
            return None
        name, version, level = self._identity
        servicer = PolicyAnalyzerServicer(name, version, policies, level)
        servicer.Configure(self._configure, None)
        return servicer

    def _for_type(self, resource_type: str) -> PolicyAnalyzerServicer | None:
        if resource_type not in self._by_type:
            self._by_type[resource_type] = self._servicer(
                [p for p in self._policies if isinstance(p, ResourceValidationPolicy) and _applies(p)(resource_type)]
            )
        return self._by_type[resource_type]

    def _violations(self, response: Any, urn: str | None) -> list[Violation]:
        return [
            Violation(
                policy=d.policyName,
                enforcement_level=_PROTO_TO_LEVEL[d.enforcementLevel],
                severity=proto.PolicySeverity.Name(d.severity).removeprefix("POLICY_SEVERITY_").lower(),
                urn=urn if urn is not None else (d.urn or None),
                message=d.message,
            )
            for d in response.diagnostics
        ]

    @staticmethod
    def _options(resource: Resource) -> proto.AnalyzerResourceOptions:
        return proto.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent or "")

    @staticmethod
    def _provider(resource: Resource) -> proto.AnalyzerProviderResource | None:
        if resource.provider is None:
            return None
        type_, urn, name = resource.provider
        return proto.AnalyzerProviderResource(type=type_, urn=urn, name=name, properties=_struct({}))

    def analyze(self, resource: Resource) -> list[Violation]:
        servicer = self._for_type(resource.type)
        if servicer is None:
            return []
        request = proto.AnalyzeRequest(**self._fields(resource))
        try:
            response = servicer.Analyze(request, None)
        except Exception as exc:
            raise self._culprit(resource, request, exc) from exc
        return self._violations(response, resource.urn)

    def _culprit(self, resource: Resource, request: Any, cause: Exception) -> PolicyCrash:
        """Which of the type's rules raised: each alone, once, on the failure path only."""
        for policy in self._policies:
            if isinstance(policy, ResourceValidationPolicy) and _applies(policy)(resource.type):
                alone = self._servicer([policy])
                try:
                    assert alone is not None
                    alone.Analyze(request, None)
                except Exception as exc:
                    return PolicyCrash(policy.name, resource.urn, exc)
        return PolicyCrash("(unknown)", resource.urn, cause)

    def analyze_stack(self, resources: Sequence[Resource]) -> list[Violation]:
        violations: list[Violation] = []
        built: dict[int, proto.AnalyzerResource] = {}  # a resource is converted once, whatever the rules reading it

        def message(index: int) -> proto.AnalyzerResource:
            if index not in built:
                built[index] = self._stack_resource(resources[index])
            return built[index]

        for name, applies, servicer in self._stack:
            assert servicer is not None
            request = proto.AnalyzeStackRequest(resources=[message(i) for i, r in enumerate(resources) if applies(r.type)])
            try:
                response = servicer.AnalyzeStack(request, None)
            except Exception as exc:
                raise PolicyCrash(name, None, exc) from exc
            violations.extend(self._violations(response, None))
        return violations

    def _fields(self, r: Resource) -> dict[str, Any]:
        """What the engine sends about one resource (Analyze and AnalyzeStack share it)."""
        return {
            "type": r.type,
            "urn": r.urn,
            "name": r.name,
            "properties": _struct(r.props),
            "options": self._options(r),
            "provider": self._provider(r),
        }

    def _stack_resource(self, r: Resource) -> proto.AnalyzerResource:
        fields = self._fields(r)
        if r.state is not None:
            fields["properties"] = _struct(r.state)
        return proto.AnalyzerResource(
            **fields,
            parent=r.parent or "",
            dependencies=list(r.dependencies),
            propertyDependencies={k: proto.AnalyzerPropertyDependencies(urns=list(v)) for k, v in r.property_dependencies.items()},
        )
