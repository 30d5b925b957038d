"""A resource provider that behaves like a bridged provider without a cloud behind it.

- ``Check`` returns the inputs it was given (no provider defaults are added).
- In a preview, every output that is not an input is unknown, as a bridged provider returns it for a
  resource that does not exist yet.
- On ``up``, ids and computed outputs are the offline engine's deterministic stand-ins
  (:func:`blueprint.engine.fakes.computed_outputs`), and invokes answer like the offline engine.
- ``Diff`` compares old and new inputs, so a second ``up`` of the same program changes nothing, and
  answers a replacement for the inputs ``blueprint/engine/data/replacement_inputs.json`` lists (the
  table the offline diff marks ``+-`` with), so the real engine referees that table.

Built on the Pulumi Python provider SDK (``pulumi.provider``): its servicer answers ``Invoke``,
``GetPluginInfo`` and ``GetSchema``; this module adds the custom-resource lifecycle it leaves out.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Mapping
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.provider.provider import InvokeResult, Provider
from pulumi.provider.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from blueprint.engine import fakes
from blueprint.engine.diff import changed_paths, replacing_paths
from blueprint.engine.wire import UNKNOWN, unwrapped, wire_ints
from blueprint.standin.world import Refused, World

DEFAULT_REGION = "eu-west-3"


def _to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


def _to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(dict(props))
    return out


def _kind(key: str, old: Mapping[str, Any], new: Mapping[str, Any], replace: bool) -> Any:
    kinds = provider_pb2.PropertyDiff
    if key not in old:
        return kinds.ADD_REPLACE if replace else kinds.ADD
    if key not in new:
        return kinds.DELETE_REPLACE if replace else kinds.DELETE
    return kinds.UPDATE_REPLACE if replace else kinds.UPDATE


def _type_and_name(request: Any) -> tuple[str, str]:
    """The resource's type token and name: sent by the engine, else read from the URN."""
    if request.type and request.name:
        return request.type, request.name
    qualified, name = request.urn.rsplit("::", 1)
    return qualified.split("::")[-1].split("$")[-1], name


class StandInProvider(Provider):
    def __init__(self, name: str, version: str) -> None:
        super().__init__(version)
        self.name = name
        self.region = DEFAULT_REGION
        self.account = fakes.ACCOUNT_ID
        #: The GitHub organization a github provider writes to (its ``owner``).
        self.owner = ""
        self.world = World.from_environment()

    def invoke(self, token: str, args: Mapping[str, Any]) -> InvokeResult:
        return InvokeResult(fakes.invoke(token, unwrapped(args), self.region, self.account))

    def outputs(self, type_: str, name: str, inputs: dict[str, Any], preview: bool) -> tuple[str, dict[str, Any]]:
        computed = fakes.computed_outputs(type_, name, wire_ints(unwrapped(inputs)), self.region, self.account)
        state = dict(inputs)
        for key, value in computed.items():
            if key not in inputs:
                state[key] = UNKNOWN if preview else value
        return ("" if preview else fakes.resource_id(type_, name, state)), state


class StandInServicer(ProviderServicer):
    provider: StandInProvider

    async def CheckConfig(self, request: Any, context: Any) -> Any:
        return provider_pb2.CheckResponse(inputs=request.news)

    async def DiffConfig(self, request: Any, context: Any) -> Any:
        changed = _to_dict(request.old_inputs) != _to_dict(request.news)
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE)

    async def Configure(self, request: Any, context: Any) -> Any:
        args = unwrapped(_to_dict(request.args))
        region = args.get("region") or request.variables.get("aws:config:region") or request.variables.get("aws:region")
        if isinstance(region, str) and region and region != UNKNOWN:
            self.provider.region = region
        self.provider.account = fakes.pinned_account(args) or self.provider.account
        if isinstance(args.get("owner"), str):
            self.provider.owner = args["owner"]
        return provider_pb2.ConfigureResponse(acceptSecrets=True, acceptResources=True, acceptOutputs=True, supportsPreview=True)

    async def Check(self, request: Any, context: Any) -> Any:
        return provider_pb2.CheckResponse(inputs=request.news)

    async def Diff(self, request: Any, context: Any) -> Any:
        old, new = _to_dict(request.old_inputs), _to_dict(request.news)
        ignored = set(request.ignoreChanges)
        keys = sorted(k for k in set(old) | set(new) if k not in ignored and old.get(k) != new.get(k))
        if not keys:
            return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
        type_, _ = _type_and_name(request)
        changed = [p for k in keys for p in changed_paths(old.get(k), new.get(k), k)]
        # Top-level keys, as a bridged provider names them in ``replaces``.
        replaces = sorted({p.split(".")[0].split("[")[0] for p in replacing_paths(type_, changed)})
        detailed = {k: provider_pb2.PropertyDiff(kind=_kind(k, old, new, k in replaces), inputDiff=True) for k in keys}
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME, diffs=keys, replaces=replaces, detailedDiff=detailed, hasDetailedDiff=True
        )

    async def Create(self, request: Any, context: Any) -> Any:
        type_, name = _type_and_name(request)
        new_id, state = self.provider.outputs(type_, name, _to_dict(request.properties), request.preview)
        if self.provider.world is not None and not request.preview:
            try:
                self.provider.world.created(self.provider.name, type_, self.provider.owner, unwrapped(state))
            except Refused as exc:
                await context.abort(grpc.StatusCode.UNKNOWN, str(exc))
        return provider_pb2.CreateResponse(id=new_id, properties=_to_struct(state))

    async def Update(self, request: Any, context: Any) -> Any:
        type_, name = _type_and_name(request)
        _, state = self.provider.outputs(type_, name, _to_dict(request.news), False)
        return provider_pb2.UpdateResponse(properties=_to_struct(state))

    async def Read(self, request: Any, context: Any) -> Any:
        return provider_pb2.ReadResponse(id=request.id, properties=request.properties, inputs=request.inputs)

    async def Delete(self, request: Any, context: Any) -> Any:
        if self.provider.world is not None:
            type_, _ = _type_and_name(request)
            self.provider.world.deleted(self.provider.name, type_, self.provider.owner, unwrapped(_to_dict(request.properties)))
        return empty_pb2.Empty()


def serve(name: str, version: str, args: list[str]) -> None:
    engine = next((a for a in args if not a.startswith("-")), "")

    async def run() -> None:
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
        servicer = StandInServicer(StandInProvider(name, version), args, engine_address=engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
