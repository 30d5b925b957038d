"""Violations that one stack config key causes: named by that key, reported once.

A policy config that asks more than the stack config gives (prod wants 365 days of logs, the stack
sets 30) fails every resource that value reaches; the user fixes one key, not N resources. The table
(``data/config_causes.json``) says which key sets the input a policy judges; a violation is caused
by the key when the resource's input holds exactly the key's value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprint.engine.analyzer import Violation
from blueprint.engine.mocks import Registration

_CAUSES: list[dict[str, str]] = json.loads((Path(__file__).parent / "data" / "config_causes.json").read_text())["causes"]


def _at(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _resolved(key: str, resource: Registration) -> str | None:
    """``{data-class}`` in a key is the resource's data-class tag (None when it has none)."""
    if "{data-class}" not in key:
        return key
    from policy_pack.policies.contract import DATA_CLASS_TAG

    data_class = (resource.inputs.get("tags") or {}).get(DATA_CLASS_TAG)
    return key.replace("{data-class}", str(data_class)) if data_class else None


def config_key(violation: Violation, resource: Registration, config: Mapping[str, Any]) -> tuple[str, Any] | None:
    """(key, value) of the stack config key that set what ``violation`` judges, if the table knows one."""
    for cause in _CAUSES:
        if cause["policy"] != violation.policy or cause["type"] not in ("*", resource.type):
            continue
        if cause["when"] not in violation.message or ("under" in cause and f"{cause['under']}$" not in resource.urn):
            continue
        key = _resolved(cause["key"], resource)
        wanted = _at(config, key) if key else None
        found = resource.options.get(cause["option"]) if "option" in cause else _at(resource.inputs, cause["input"])
        if key is not None and wanted is not None and found == wanted:
            return key, wanted
    return None


@dataclass(frozen=True)
class Group:
    """Violations of one policy caused by one config key (or, without a known key, with one message)."""

    policy: str
    enforcement_level: str
    #: The message of the first violation of the group.
    detail: str
    key: tuple[str, Any] | None
    urns: tuple[str | None, ...]


def grouped(violations: list[Violation], registrations: list[Registration], config: Mapping[str, Any]) -> list[Group]:
    """In first-seen order; ``config`` holds the stack's values by their camelCase paths."""
    by_urn = {r.urn: r for r in registrations}
    groups: dict[tuple[str, str, str], tuple[str, tuple[str, Any] | None, list[str | None]]] = {}
    for v in violations:
        resource = by_urn.get(v.urn or "")
        key = config_key(v, resource, config) if resource else None
        detail = v.message.splitlines()[-1]
        identity = (v.policy, v.enforcement_level, f"key:{key[0]}" if key else f"message:{detail}")
        groups.setdefault(identity, (detail, key, []))[2].append(v.urn)
    return [Group(policy, level, detail, key, tuple(urns)) for (policy, level, _), (detail, key, urns) in groups.items()]


def number_as_written(value: Any) -> str:
    """``365``, not ``365.0``: JSON numbers arrive as floats through the engine's protobuf Struct."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, bool) else str(value)
