"""The recording mock shared by the offline plan and the tests.

``RecordingMonitor`` sees every RegisterResource request, so it captures what ``Mocks.new_resource``
cannot (parent, provider, protect, retainOnDelete, dependencies…). It also replays the program's
resource transforms in the engine's order — the resource's own, then each ancestor's, then the stack's —
because under mocks the SDK registers transforms but never runs them (pulumi/pulumi#17090).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from blueprint.engine import fakes, wire
from blueprint.engine.fakes import UnansweredInvoke
from blueprint.engine.sdk import ensure_event_loop, resolve_callbacks, sync_await
from stacks.config import PROJECT

__all__ = ["PlanMocks", "RecordingMonitor", "Registration", "UnansweredInvoke"]

STACK_REFERENCE = "pulumi:pulumi:StackReference"


@dataclass
class Registration:
    """One resource as the engine would see it (inputs post-transform, in wire format)."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str | None
    inputs: dict[str, Any]
    options: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    #: The outputs the engine would store (wire format).
    state: dict[str, Any] = field(default_factory=dict)


class PlanMocks(Mocks):
    """Answers registrations and invokes with deterministic, realistic values.

    ``first_preview``: answer as a first ``pulumi preview`` does, for resources that do not exist yet:
    the inputs come back, every other output (and the id) is unknown. Invokes still answer (the
    engine runs them in a preview).
    """

    def __init__(self, region: str, first_preview: bool = False) -> None:
        self.region = region
        self.first_preview = first_preview
        #: The account the AWS provider is pinned to (its ``allowedAccountIds``), as the cloud would be.
        self.account = fakes.ACCOUNT_ID
        #: Each AWS provider's region by its name: a resource of a second-region provider lives there.
        self.provider_regions: dict[str, str] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE:  # read, not registered: the SDK's mock sends no ``custom``
            return self._stack_reference(args)
        if not args.custom:
            # A component has no provider: the engine returns no outputs for it, so in a preview the SDK
            # makes every attribute named like one of its props unknown. Its state is what it registers
            # with register_outputs (RecordingMonitor.RegisterResourceOutputs).
            return "", {}
        state = dict(args.inputs)
        if args.typ == "pulumi:providers:aws":
            self.account = fakes.pinned_account(args.inputs) or self.account
            if isinstance(args.inputs.get("region"), str):
                self.provider_regions[args.name] = args.inputs["region"]
        computed = fakes.computed_outputs(args.typ, args.name, args.inputs, self._region_of(args.provider), self.account)
        if self.first_preview:
            state.update({k: wire.UNKNOWN for k in computed if k not in state})
            return "", state
        state.update(computed)
        return fakes.resource_id(args.typ, args.name, state), state

    def _stack_reference(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """The org stack's outputs as its ``up`` with this repository's files exports them (known in a first
        preview too: the stack it reads exists already, ADR-0031); this stack's own tenants are the
        config being planned."""
        from stacks.org import offline_outputs  # the engine's only reader of the program's data

        name = str(args.inputs.get("name", args.name))
        environment = pulumi.Config(PROJECT).get("environment") or ""
        tenants = pulumi.Config(PROJECT).get_object("tenants") or []
        outputs = offline_outputs(name, environment, tenants)
        return name, {"name": name, "outputs": outputs, "secretOutputNames": []}

    def _region_of(self, provider: str | None) -> str:
        """The region of the AWS provider a resource names (``urn::id``), else the stack's."""
        if provider and "::pulumi:providers:aws::" in provider:
            name = provider.split("::pulumi:providers:aws::", 1)[1].split("::", 1)[0]
            return self.provider_regions.get(name, self.region)
        return self.region

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        # A (dict, None) tuple crashes MockMonitor.Invoke in pulumi 3.272: return the dict alone.
        return fakes.invoke(args.token, args.args, self.region, self.account)


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return bool(value == wire.UNKNOWN)


def engine_provider_inputs(inputs: dict[str, Any], version: str) -> dict[str, Any]:
    """The engine stores a provider's inputs with the plugin version it loaded and an ``__internal`` map."""
    return {**inputs, "__internal": {}, **({"version": version} if version else {})}


def _provider_urn(reference: str) -> str | None:
    return reference.split("::" + reference.rsplit("::", 1)[-1])[0] if reference else None


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}
        self._own_transforms: dict[str, list[Any]] = {}
        self._parents: dict[str, str] = {}
        self.failures: list[str] = []
        self.duplicates: list[str] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine builds them (``resource.NewURN``): the parent's whole qualified type chain,
        and none for children of the stack. The SDK's mock keeps only the parent's last type and counts
        the stack, so its URNs differ from a real deployment's."""
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_}::{name}"

    # -- transforms ---------------------------------------------------------------------------------
    def _transform_chain(self, request: Any) -> list[Any]:
        chain = list(resolve_callbacks(request.transforms))
        parent = request.parent
        while parent:
            chain.extend(self._own_transforms.get(parent, []))
            parent = self._parents.get(parent, "")
        return chain + self.get_registered_transforms()

    def _replay_transforms(self, request: Any) -> dict[str, Any]:
        """Run the transform chain on ``request.object`` in place; return the resulting props."""
        chain = self._transform_chain(request)
        if not chain:
            return json_format.MessageToDict(request.object)
        # Props in wire form (protobuf Struct <-> dict is lossless), so secrets and resource references
        # reach a replayed transform as their wire dicts. ``opts`` carries no parent: a DependencyResource
        # would create Outputs on this worker thread's loop, which nothing runs, and the SDK waits for
        # every Output it tracks. The cost-scope transforms read neither.
        props = json_format.MessageToDict(request.object)
        opts = pulumi.ResourceOptions()
        changed = False
        for transform in chain:
            result = transform(pulumi.ResourceTransformArgs(request.custom, request.type, request.name, props, opts))
            if inspect.isawaitable(result):
                result = sync_await(result)
            if result is not None:
                props, opts, changed = dict(result.props), result.opts, True
        if changed:
            request.object.Clear()
            request.object.update(props)
        return props

    def _unconfigured(self, provider_reference: str) -> bool:
        provider = self.registrations.get(_provider_urn(provider_reference) or "")
        return provider is not None and _contains_unknown(provider.inputs)

    # -- registration -------------------------------------------------------------------------------
    def RegisterResourceOutputs(self, request: Any) -> Any:
        """A component's outputs replace its state, as the engine does (stack rules read them)."""
        registration = self.registrations.get(request.urn)
        if registration is not None and not registration.custom:
            registration.state = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request: Any) -> Any:
        """MockMonitor.RegisterResource after replaying the transforms, recording what the engine would
        see. Inputs and state go through protobuf's Struct <-> dict directly rather than the SDK's async
        (de)serializers, which on the wire is the same and is most of the offline cost."""
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        ensure_event_loop()
        try:
            inputs = self._replay_transforms(request)
            urn = self.make_urn(request.parent, request.type, request.name)
            if urn in self.registrations:
                # The engine refuses a second registration of one URN; the mock would overwrite it.
                # Recorded rather than raised: an exception here leaves the SDK waiting forever.
                self.duplicates.append(urn)
            new_id, state = self.mocks.new_resource(
                MockResourceArgs(
                    typ=request.type,
                    name=request.name,
                    inputs=inputs,
                    provider=request.provider,
                    resource_id=request.importId,
                    custom=request.custom or False,
                )
            )
            resource_id = new_id or ""
            # The engine returns the outputs named in additionalSecretOutputs as secrets.
            for key in request.additionalSecretOutputs:
                if key in state:
                    state[key] = wire.secret(state[key])
            if self._unconfigured(request.provider):
                # A provider whose own inputs are not known yet is not configured: in a preview the
                # engine asks it for nothing. With PULUMI_LEGACY_PROVIDER_PREVIEW (set by this
                # project's CI, ADR-0015) the resource's outputs are its inputs; without it, empty.
                state, resource_id = dict(inputs), ""
            if request.type.startswith("pulumi:providers:"):
                inputs = engine_provider_inputs(inputs, request.version)
            state_struct = struct_pb2.Struct()
            state_struct.update(state)
            self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, state)
        except Exception as exc:
            self.failures.append(f"{request.type} {request.name!r}: {type(exc).__name__}: {exc}")
            raise
        self._own_transforms[urn] = list(resolve_callbacks(request.transforms))
        self._parents[urn] = request.parent
        self.registrations[urn] = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent or None,
            provider=_provider_urn(request.provider),
            inputs=wire.wire_ints(inputs),
            options=_options(request),
            state=state,
            dependencies=sorted(request.dependencies),
            property_dependencies={k: sorted(v.urns) for k, v in sorted(request.propertyDependencies.items())},
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=state_struct)

    def ReadResource(self, request: Any) -> Any:
        """A read resource (a StackReference): answered by the mocks and recorded like a registration, as the
        engine keeps it in the state."""
        ensure_event_loop()
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = json_format.MessageToDict(request.properties)
        try:
            resource_id, state = self.mocks.new_resource(
                MockResourceArgs(typ=request.type, name=request.name, inputs=inputs, provider=request.provider, resource_id=request.id)
            )
        except Exception as exc:
            # Raised here, the SDK would wait forever: recorded, answered empty, and reported by run_body.
            self.failures.append(f"{request.type} {request.name!r}: {type(exc).__name__}: {exc}")
            resource_id, state = request.id, {"name": request.id, "outputs": {}, "secretOutputNames": []}
        self._parents[urn] = request.parent
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id or "", state)
        self.registrations[urn] = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent or None,
            provider=None,
            inputs={"name": inputs.get("name", request.id)},
            options={
                "protect": False,
                "retainOnDelete": False,
                "ignoreChanges": [],
                "additionalSecretOutputs": [],
                "replaceOnChanges": [],
                "aliases": 0,
            },
            state=state,
            dependencies=sorted(request.dependencies),
        )
        state_struct = struct_pb2.Struct()
        state_struct.update(state)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=state_struct)


def _options(request: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "protect": bool(request.protect),
        "retainOnDelete": bool(request.retainOnDelete),
        "ignoreChanges": sorted(request.ignoreChanges),
        "additionalSecretOutputs": sorted(request.additionalSecretOutputs),
        "replaceOnChanges": sorted(request.replaceOnChanges),
        "aliases": len(request.aliases) + len(request.aliasURNs),
    }
    if request.deleteBeforeReplaceDefined:
        options["deleteBeforeReplace"] = bool(request.deleteBeforeReplace)
    if request.deletedWith:
        options["deletedWith"] = request.deletedWith
    return options
