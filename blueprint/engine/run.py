"""Run the real program (``__main__.py``) under the recording mocks."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pulumi
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import settings
from pulumi.runtime.proto import source_pb2

from blueprint.engine.mocks import PlanMocks, RecordingMonitor, Registration, UnansweredInvoke
from stacks.config import PROJECT, PlatformConfig
from stacks.loader import ROOT, load_stack_file


class ProgramError(Exception):
    """The program failed under the offline engine (a bug in the program or an unanswered invoke)."""


class _Recorder(logging.Handler):
    """Keeps what the program logs to the engine at warning level or above."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@functools.cache
def provider_environment() -> tuple[str, ...]:
    """Environment variables the installed provider SDKs read as provider defaults (``GITHUB_TOKEN``,
    ``AWS_REGION``, ``KUBECONFIG``…), found in their own ``provider.py``: an offline plan must not
    depend on the shell it runs in."""
    names: set[str] = set()
    for dist in metadata.distributions():
        for file in dist.files or []:
            if file.name == "provider.py" and len(file.parts) == 2 and file.parts[0].startswith("pulumi_"):
                source = Path(str(dist.locate_file(file))).read_text(encoding="utf-8")
                for call in _ENV_READ.findall(source):
                    names.update(re.findall(r"'([A-Z0-9_]+)'", call))
    return tuple(sorted(names))


_ENV_READ = re.compile(r"get_env(?:_bool|_int|_float)?\(([^)]*)\)")


@contextmanager
def without_provider_environment() -> Iterator[list[str]]:
    """Unset the provider SDKs' environment defaults for the run; yields the names that were set."""
    saved = {n: os.environ.pop(n) for n in provider_environment() if n in os.environ}
    try:
        yield sorted(saved)
    finally:
        os.environ.update(saved)


def run_program(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    region: str,
    program: Path = ROOT / "__main__.py",
    first_preview: bool = False,
    warnings: list[str] | None = None,
) -> list[Registration]:
    """Execute ``program`` as ``pulumi up`` would (preview=False, so every output resolves), or with
    ``first_preview`` as the first ``pulumi preview`` of a new stack sees it (nothing exists yet).

    Returns the registrations sorted by URN. Safe to call repeatedly in one process. The program's
    warnings to the engine (``pulumi.log.warn``: the SDKs' deprecation notices, among others) are
    appended to ``warnings``, as the CLI would print them.
    """
    settings.reset_options(project=PROJECT, stack=stack, preview=first_preview)
    asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = PlanMocks(region, first_preview=first_preview)
    monitor = RecordingMonitor(mocks)
    logger = logging.getLogger(f"blueprint.program.{stack}")
    logger.propagate, logger.handlers = False, [_Recorder(warnings if warnings is not None else [])]
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=first_preview, monitor=monitor, logger=logger)
    pulumi.runtime.set_all_config(config, secret_keys)

    @pulumi.runtime.test  # waits for every outstanding registration before returning
    def _execute() -> None:
        runpy.run_path(str(program), run_name="__main__")

    # Source positions only feed the CLI's display; capturing a stack per resource is a sixth of the
    # SDK's registration cost, so the offline run skips it.
    capture = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        with without_provider_environment():
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


def run_stack_file(stack: str, config_file: Path) -> tuple[PlatformConfig, list[Registration]]:
    """Validate a stack file and run the program on it (no pack): the catalog's and the estimate's plan."""
    stack_file, config = load_stack_file(config_file)
    flat, secret_keys = stack_file.flattened()
    return config, run_program(stack, flat, secret_keys, config.region)
