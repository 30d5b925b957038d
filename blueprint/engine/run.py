"""Run the real program (``__main__.py``) under the recording mocks."""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path

import pulumi
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import settings
from pulumi.runtime.proto import source_pb2

from blueprint.engine.mocks import PlanMocks, RecordingMonitor, Registration, UnansweredInvoke
from stacks.config import PROJECT
from stacks.loader import ROOT


class ProgramError(Exception):
    """The program failed under the offline engine (a bug in the program or an unanswered invoke)."""


def run_program(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    region: str,
    program: Path = ROOT / "__main__.py",
    first_preview: bool = False,
) -> list[Registration]:
    """Execute ``program`` as ``pulumi up`` would (preview=False, so every output resolves), or with
    ``first_preview`` as the first ``pulumi preview`` of a new stack sees it (nothing exists yet).

    Returns the registrations sorted by URN. Safe to call repeatedly in one process.
    """
    settings.reset_options(project=PROJECT, stack=stack, preview=first_preview)
    asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = PlanMocks(region, first_preview=first_preview)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=first_preview, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys)

    @pulumi.runtime.test  # waits for every outstanding registration before returning
    def _execute() -> None:
        runpy.run_path(str(program), run_name="__main__")

    # Source positions only feed the CLI's display; capturing a stack per resource is a sixth of the
    # SDK's registration cost, so the offline run skips it.
    capture = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        _execute()
    except Exception as exc:
        cause: BaseException = exc
        while cause.__cause__ is not None:
            cause = cause.__cause__
        where = f" while registering {monitor.failures[0]}" if monitor.failures else ""
        kind = "unanswered invoke" if isinstance(cause, UnansweredInvoke) else type(cause).__name__
        raise ProgramError(f"the program failed{where}: {kind}: {cause}") from exc
    finally:
        sdk_resource._get_stack_trace = capture
        asyncio.get_event_loop().close()
        settings.reset_options()
    if monitor.duplicates:
        urn = monitor.duplicates[0]
        raise ProgramError(f"the program failed: Duplicate resource URN '{urn}'; try giving it a unique name")
    return [monitor.registrations[urn] for urn in sorted(monitor.registrations)]
