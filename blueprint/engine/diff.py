"""What changed since the previous plan, as ``pulumi preview`` shows it: added, changed (with the input
paths), removed, and replaced where a changed input forces replacement
(``data/replacement_inputs.json``). Works on inventory documents, so a plan compares with the
``inventory.json`` an earlier plan wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint.engine.inventory import TENANT_COMPONENT
from policy_pack.policies.contract import SHARED_TENANT

_REPLACEMENT = json.loads((Path(__file__).parent / "data" / "replacement_inputs.json").read_text())
REPOSITORY = "github:index/repository:Repository"


@dataclass(frozen=True)
class Diff:
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    #: Removals and replacements of stateful or protected resources and of GitHub repositories.
    dangerous: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": [{"urn": urn, "paths": paths} for urn, paths in self.changed],
            "removed": self.removed,
            "replaced": self.replaced,
        }

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.replaced)


def changed_paths(before: Any, after: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths (``rules[0].name``) where two input trees differ."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(set(before) | set(after)):
            yield from changed_paths(before.get(key), after.get(key), f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from changed_paths(b, a, f"{prefix}[{index}]")
    elif before != after:
        yield prefix or "(value)"


def replacing_paths(resource_type: str, paths: list[str]) -> list[str]:
    """The changed input ``paths`` that make the provider replace a resource of ``resource_type``
    (``data/replacement_inputs.json``: the offline diff's ``+-`` and the stand-in providers' ``Diff``)."""
    kubernetes = resource_type.startswith("kubernetes:")
    keys = _REPLACEMENT["kubernetes"] if kubernetes else _REPLACEMENT["types"].get(resource_type, [])
    return [p for p in paths if any(p == k or p.startswith((f"{k}.", f"{k}[")) for k in keys)]


def forces_replacement(resource_type: str, paths: list[str]) -> bool:
    return bool(replacing_paths(resource_type, paths))


def _stateful(resource: Mapping[str, Any]) -> bool:
    # Imported here: the stand-in providers read this module's replacement table and load no rule.
    from policy_pack.policies.data_lifecycle import STATEFUL_TYPES

    options = resource.get("options") or {}
    return resource["type"] in STATEFUL_TYPES or resource["type"] == REPOSITORY or bool(options.get("protect"))


def diff(previous: Mapping[str, Any], current: Mapping[str, Any]) -> Diff:
    before = {r["urn"]: r for r in previous.get("resources", [])}
    after = {r["urn"]: r for r in current.get("resources", [])}
    result = Diff(added=sorted(set(after) - set(before)), removed=sorted(set(before) - set(after)))
    for urn in sorted(set(before) & set(after)):
        paths = list(changed_paths(before[urn].get("inputs"), after[urn].get("inputs")))
        if not paths:
            continue
        if forces_replacement(after[urn]["type"], paths):
            result.replaced.append(urn)
        else:
            result.changed.append((urn, paths))
    result.dangerous.extend(u for u in [*result.removed, *result.replaced] if _stateful(before[u]))
    return result


def tenant_of(urn: str, resources: Mapping[str, Mapping[str, Any]]) -> str:
    current = resources.get(urn)
    while current is not None:
        if current["type"] == TENANT_COMPONENT:
            return str(current["name"])
        current = resources.get(current.get("parent") or "")
    return SHARED_TENANT


def by_tenant(result: Diff, previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, list[tuple[str, str, list[str]]]]:
    """Tenant -> [(sign, urn, paths)], signs as pulumi preview prints them."""
    resources = {r["urn"]: r for r in previous.get("resources", [])} | {r["urn"]: r for r in current.get("resources", [])}
    rows: list[tuple[str, str, list[str]]] = [("+", u, []) for u in result.added] + [("~", u, p) for u, p in result.changed]
    rows += [("-", u, []) for u in result.removed] + [("+-", u, []) for u in result.replaced]
    grouped: dict[str, list[tuple[str, str, list[str]]]] = {}
    for sign, urn, paths in sorted(rows, key=lambda row: row[1]):
        grouped.setdefault(tenant_of(urn, resources), []).append((sign, urn, paths))
    return dict(sorted(grouped.items()))
