"""The Pulumi property wire format, defined once: the SDK's own sentinels, and the two views of a
wire value the tools need (secrets masked for artifacts, secrets unwrapped for computation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from blueprint.engine.sdk import RESOURCE_SIG, SECRET_SIG, SIG_KEY

SECRET_MARK = "[secret]"

__all__ = [
    "RESOURCE_SIG",
    "SECRET_MARK",
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "is_secret",
    "masked",
    "masked_leaves",
    "secret",
    "unwrapped",
    "wire_ints",
]


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def secret(value: Any) -> dict[str, Any]:
    return value if is_secret(value) else {SIG_KEY: SECRET_SIG, "value": value}


def masked(value: Any) -> Any:
    """Wire-format value with secrets replaced by ``[secret]`` and resource refs by their URN.

    Also reads ``pulumi stack export --show-secrets`` (secrets there hold ``plaintext``)."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET_MARK
        if sig == RESOURCE_SIG:
            return value.get("urn")
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if value == UNKNOWN:
        return "[unknown]"
    return value


def masked_leaves(value: Any) -> Any:
    """Like :func:`masked`, but a secret holding a map or a list keeps its shape and masks each value:
    a rendered manifest stays a valid object (a Secret's ``stringData`` is a map, not a string)."""
    if is_secret(value):
        inner = value.get("value")
        if isinstance(inner, dict | list):
            return _mask_all(inner)
        return SECRET_MARK
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            return value.get("urn")
        return {k: masked_leaves(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked_leaves(v) for v in value]
    return masked(value)


def _mask_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all(v) for v in value]
    return SECRET_MARK


def unwrapped(value: Any) -> Any:
    """Wire-format value with secret wrappers removed (what a policy, or a provider, computes with)."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return unwrapped(value.get("value"))
        if sig == RESOURCE_SIG:
            return value.get("urn")
        return {k: unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrapped(v) for v in value]
    return value


def wire_ints(value: Any) -> Any:
    """Struct values as JSON: integral floats back to ints (the wire has only doubles)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: wire_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire_ints(v) for v in value]
    return value
