"""From registrations to artifacts: inventory.json, Kubernetes manifests, the summary.

Secrets never leave this module in plaintext: every value the program marked secret is written
as ``"[secret]"``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from blueprint.engine.mocks import Registration
from blueprint.engine.wire import masked, masked_leaves
from components.tagging import SHARED_TENANT, is_kubernetes_object_type
from policy_pack.policies import contract

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: same YAML, much faster
TENANT_COMPONENT = contract.TENANT_COMPONENT


def inventory_document(stack: str, registrations: list[Registration]) -> dict[str, Any]:
    return {
        "stack": stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "custom": r.custom,
                "parent": r.parent,
                "provider": r.provider,
                "inputs": masked(r.inputs),
                "options": r.options,
                "dependencies": r.dependencies,
            }
            for r in registrations
        ],
    }


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def tenant_of(registration: Registration, by_urn: dict[str, Registration]) -> str:
    """The tenant whose scope a resource is in (nearest Tenant ancestor), else ``shared``."""
    current: Registration | None = registration
    while current is not None:
        if current.type == TENANT_COMPONENT:
            return current.name
        current = by_urn.get(current.parent or "")
    return SHARED_TENANT


def component_of(registration: Registration, by_urn: dict[str, Registration]) -> str:
    parent = by_urn.get(registration.parent or "")
    return parent.type if parent is not None else "(stack)"


def summary(stack: str, registrations: list[Registration]) -> dict[str, Any]:
    by_urn = {r.urn: r for r in registrations}
    custom = [r for r in registrations if r.custom and not r.type.startswith("pulumi:providers:")]
    return {
        "stack": stack,
        "resources": len(custom),
        "components": sum(1 for r in registrations if not r.custom),
        "providers": sum(1 for r in registrations if r.type.startswith("pulumi:providers:")),
        "byComponentType": dict(sorted(Counter(component_of(r, by_urn) for r in custom).items())),
        "byTenant": dict(sorted(Counter(tenant_of(r, by_urn) for r in custom).items())),
        "kubernetesObjects": sum(1 for r in custom if is_kubernetes_object_type(r.type)),
    }


def manifest_path(inputs: dict[str, Any]) -> Path:
    metadata = inputs.get("metadata") or {}
    scope = metadata.get("namespace") or "_cluster"
    return Path(scope) / f"{str(inputs.get('kind', 'object')).lower()}-{metadata.get('name', 'unnamed')}.yaml"


def write_manifests(directory: Path, registrations: list[Registration]) -> int:
    count = 0
    for r in registrations:
        if not (r.custom and is_kubernetes_object_type(r.type)):
            continue
        body = masked_leaves(r.inputs)
        path = directory / manifest_path(body)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise ValueError(f"two Kubernetes objects render to {path}: names must be unique per kind and namespace")
        path.write_text(yaml.dump(body, Dumper=_DUMPER, sort_keys=True), encoding="utf-8")
        count += 1
    return count
