"""Run the real program (``__main__.py``), or any body that registers resources (one component in a
test), under the recording mocks."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import runpy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pulumi
from pulumi.runtime import settings

from blueprint.engine.mocks import PlanMocks, RecordingMonitor, Registration, UnansweredInvoke
from blueprint.engine.sdk import checked_versions, without_stack_capture
from stacks.config import PROJECT, PlatformConfig
from stacks.loader import ROOT, check_environment, load_stack_file
from stacks.org import ORG_PROJECT


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


def run_body(
    body: Callable[[], object],
    *,
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: Sequence[str] = (),
    region: str = "eu-west-3",
    first_preview: bool = False,
    warnings: list[str] | None = None,
    project: str = PROJECT,
) -> list[Registration]:
    """Run ``body`` as ``pulumi up`` would run a program (preview=False, so every output resolves), or with
    ``first_preview`` as the first ``pulumi preview`` of a new stack sees it (nothing exists yet).

    ``body`` is any callable that registers resources: the whole program (``run_program``) or one
    component built by a test. Either way it runs under the SDK's mocks with the engine's URNs and its
    transform order (``RecordingMonitor``), with ``config`` (flattened ``project:key`` values) as the
    stack's configuration. Returns the registrations sorted by URN. Safe to call repeatedly in one
    process. What the body logs to the engine (``pulumi.log.warn``: the SDKs' deprecation notices,
    among others) is appended to ``warnings``, as the CLI would print it.
    """
    checked_versions()
    settings.reset_options(project=project, stack=stack, preview=first_preview)
    asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = PlanMocks(region, first_preview=first_preview)
    monitor = RecordingMonitor(mocks)
    logger = logging.getLogger(f"blueprint.program.{stack}")
    logger.propagate, logger.handlers = False, [_Recorder(warnings if warnings is not None else [])]
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=first_preview, monitor=monitor, logger=logger)
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys))

    @pulumi.runtime.test  # waits for every outstanding registration before returning
    def _execute() -> None:
        body()

    try:
        with without_stack_capture(), without_provider_environment():
            _execute()
    except Exception as exc:
        cause: BaseException = exc
        while cause.__cause__ is not None:
            cause = cause.__cause__
        where = f" while registering {monitor.failures[0]}" if monitor.failures else ""
        kind = "unanswered invoke" if isinstance(cause, UnansweredInvoke) else type(cause).__name__
        raise ProgramError(f"the program failed{where}: {kind}: {cause}") from exc
    finally:
        asyncio.get_event_loop().close()
        settings.reset_options()
    if monitor.failures:
        raise ProgramError(f"the program failed while reading {monitor.failures[0]}")
    if monitor.duplicates:
        urn = monitor.duplicates[0]
        raise ProgramError(f"the program failed: Duplicate resource URN '{urn}'; try giving it a unique name")
    return [monitor.registrations[urn] for urn in sorted(monitor.registrations)]


def run_program(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    region: str,
    program: Path | None = None,
    first_preview: bool = False,
    warnings: list[str] | None = None,
    project: str = PROJECT,
) -> list[Registration]:
    """Execute the whole ``program`` (the project's ``__main__.py``: the org stack's for ``project``
    ``fintech-blueprint-org``) under the offline engine (``run_body``)."""
    if program is None:
        program = ROOT / "org" / "__main__.py" if project == ORG_PROJECT else ROOT / "__main__.py"
    return run_body(
        lambda: runpy.run_path(str(program), run_name="__main__"),
        stack=stack,
        config=config,
        secret_keys=secret_keys,
        region=region,
        first_preview=first_preview,
        warnings=warnings,
        project=project,
    )


def run_stack_file(stack: str, config_file: Path) -> tuple[PlatformConfig, list[Registration]]:
    """Validate a stack file and run the program on it (no pack): the catalog's and the estimate's plan."""
    stack_file, config = load_stack_file(config_file)
    check_environment(stack, config, config_file)
    flat, secret_keys = stack_file.flattened()
    return config, run_program(stack, flat, secret_keys, config.region)
