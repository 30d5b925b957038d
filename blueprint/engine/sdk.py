"""Every private name of the Pulumi SDKs the offline engine relies on, in one place, behind a version guard.

The offline engine drives the SDKs the way the engine does: it replays transforms the mocks never run,
reads the wire format's sentinels, skips the per-resource stack capture, and drives the policy pack's
own gRPC servicer. Those names are private: a new SDK release may rename or change any of them without
notice. They are imported here and nowhere else, and ``check_versions`` says which installed SDK differs
from the one this module was written against (``pyproject.toml`` pins both), so an upgrade fails with
one clear message instead of a confusing error deep in a plan.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any

from pulumi.runtime import resource as _sdk_resource
from pulumi.runtime.mocks import _resolve_callbacks
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.rpc import _special_resource_sig, _special_secret_sig, _special_sig_key
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await
from pulumi_policy.policy import _PolicyAnalyzerServicer

#: The SDK versions the private names below were read from (pinned in pyproject.toml).
PINNED = {"pulumi": "3.272.0", "pulumi-policy": "1.21.0"}

#: The wire format's signature key and the signatures of a secret and of a resource reference.
SIG_KEY: str = _special_sig_key
SECRET_SIG: str = _special_secret_sig
RESOURCE_SIG: str = _special_resource_sig

#: The policy pack's analyzer servicer (what ``PolicyPack`` serves over gRPC; constructing the pack blocks).
PolicyAnalyzerServicer = _PolicyAnalyzerServicer

#: Runs a coroutine to completion on the SDK's loop from a synchronous caller (the monitor's thread).
sync_await: Callable[[Any], Any] = _sync_await
#: Makes sure the calling thread has an event loop (the mock monitor registers on worker threads).
ensure_event_loop: Callable[[], Any] = _ensure_event_loop
#: Resolves a RegisterResource request's transform callbacks to the program's callables.
resolve_callbacks: Callable[[Any], list[Any]] = _resolve_callbacks

__all__ = [
    "PINNED",
    "RESOURCE_SIG",
    "SECRET_SIG",
    "SIG_KEY",
    "PolicyAnalyzerServicer",
    "SdkVersionMismatch",
    "check_versions",
    "checked_versions",
    "ensure_event_loop",
    "resolve_callbacks",
    "sync_await",
    "version_mismatches",
    "without_stack_capture",
]


class SdkVersionMismatch(RuntimeError):
    """An installed SDK is not the version whose private names this module uses."""


def version_mismatches(installed: Callable[[str], str] = metadata.version) -> list[str]:
    """One line per SDK whose installed version differs from ``PINNED``."""
    return [
        f"{name} {installed(name)} is installed, the offline engine was written against {pinned}"
        for name, pinned in PINNED.items()
        if installed(name) != pinned
    ]


def check_versions(installed: Callable[[str], str] = metadata.version) -> None:
    """Raise ``SdkVersionMismatch`` naming every SDK that differs from the pins, and what to do."""
    mismatches = version_mismatches(installed)
    if mismatches:
        raise SdkVersionMismatch(
            "; ".join(mismatches) + ". Re-read the private names in blueprint/engine/sdk.py against the new SDK, then update PINNED"
            " and pyproject.toml together (or reinstall: pip install -e '.[dev]')."
        )


@functools.cache
def checked_versions() -> None:
    """``check_versions`` once per process (every offline run calls it)."""
    check_versions()


@contextmanager
def without_stack_capture() -> Iterator[None]:
    """Source positions only feed the CLI's display; capturing a Python stack per resource is a sixth of
    the SDK's registration cost, so the offline run swaps the capture for an empty trace meanwhile."""
    capture = _sdk_resource._get_stack_trace
    _sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        _sdk_resource._get_stack_trace = capture
