"""Onboard or offboard a tenant by editing its stack file the way a person would: one entry under
``fintech-blueprint:tenants``, every comment, key order, quote and flow list left as it was
(ruamel.yaml round-trip). The edit is validated with the same model and a plan before the file is
written, and written atomically: on any error the file is byte-identical."""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from components.kubernetes.quotas import QUOTA_TIERS
from stacks.loader import stack_yaml

TENANTS_KEY = "fintech-blueprint:tenants"
DEFAULT_WORKER_SCALING = {"minReplicas": 1, "maxReplicas": 10, "targetQueueDepth": 100}


class TenantEditError(ValueError):
    """The requested edit cannot be made (the file is left untouched)."""


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout of the stack files
    yaml.width = 4096
    return yaml


def entry(
    name: str,
    owner_team: str,
    owner_email: str,
    cost_center: str,
    tier: str,
    data_classes: list[str],
    budget_usd: float | None,
    services: list[str],
    layers: list[str],
) -> dict[str, Any]:
    """A tenant entry as the stack file spells it; ``services`` as ``NAME``, ``NAME:worker``, or
    ``NAME:public[=HOST]`` (an API reached from the internet through the stack's edge; HOST default
    ``NAME.<edge.domain>``)."""
    specs: list[dict[str, Any]] = []
    for spec in services or [name]:
        service, _, kind = spec.partition(":")
        kind, _, host = kind.partition("=")
        if kind not in ("", "api", "worker", "public") or (host and kind != "public") or (kind == "public" and "=" in spec and not host):
            raise TenantEditError(f"--service {spec}: write NAME, NAME:worker, NAME:public or NAME:public=HOST")
        item: dict[str, Any] = {"name": service, "kind": "api" if kind in ("", "public") else kind}
        if item["kind"] == "worker":
            item["scaling"] = dict(DEFAULT_WORKER_SCALING)
        if kind == "public":
            item["public"] = {"host": host} if host else {}
        specs.append(item)
    if budget_usd is None:
        if tier not in QUOTA_TIERS:
            raise TenantEditError(f"--tier {tier}: use one of {', '.join(QUOTA_TIERS)}")
        budget_usd = QUOTA_TIERS[tier].default_monthly_budget_usd
    document: dict[str, Any] = {
        "name": name,
        "ownerTeam": owner_team,
        "ownerEmail": owner_email,
        "costCenter": cost_center,
        "tier": tier,
        "dataClasses": list(data_classes) or ["internal"],
        "monthlyBudgetUsd": int(budget_usd) if float(budget_usd).is_integer() else budget_usd,
        "services": specs,
    }
    if layers:
        document["layers"] = list(layers)
    return document


#: The ``tenant add`` option that sets each field of the entry (``entry`` builds them).
OPTION_OF_FIELD = {
    "name": "NAME",
    "ownerTeam": "--owner-team",
    "ownerEmail": "--owner-email",
    "costCenter": "--cost-center",
    "tier": "--tier",
    "dataClasses": "--data-class",
    "monthlyBudgetUsd": "--budget",
    "services": "--service",
    "layers": "--layer",
}


def option_of_field(name: str) -> Callable[[str, str], str]:
    """Names a problem's field with the ``tenant add`` option that set it, when the field is in tenant
    ``name``'s entry of the edited ``text``: ``tenants[3].ownerEmail`` reads
    ``tenants[3].ownerEmail (--owner-email)``; fields of other tenants are left as they are."""

    def named(field: str, text: str) -> str:
        tenants = (stack_yaml(text) or {}).get("config", {}).get(TENANTS_KEY) or []
        index = next((i for i, t in enumerate(tenants) if isinstance(t, dict) and t.get("name") == name), None)
        match = re.match(rf"tenants\[{index}\]\.(\w+)", field) if index is not None else None
        option = OPTION_OF_FIELD.get(match.group(1)) if match else None
        return f"{field} ({option})" if option else field

    return named


def _load(text: str, source: Path) -> tuple[YAML, Any]:
    yaml = _yaml()
    try:
        document = yaml.load(text)
    except Exception as exc:  # ruamel raises many parser error types
        raise TenantEditError(f"{source}: not readable YAML ({exc})") from None
    if not isinstance(document, CommentedMap) or not isinstance(document.get("config"), CommentedMap):
        raise TenantEditError(f"{source}: no 'config' mapping; is this a Pulumi stack file?")
    return yaml, document


def _dump(yaml: YAML, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def added(text: str, source: Path, tenant: dict[str, Any]) -> str:
    """The stack file's text with ``tenant`` appended to its tenants."""
    yaml, document = _load(text, source)
    tenants = document["config"].get(TENANTS_KEY)
    if tenants is None:
        tenants = document["config"][TENANTS_KEY] = CommentedSeq()
    if not isinstance(tenants, CommentedSeq):
        raise TenantEditError(f"{source}: {TENANTS_KEY} is not a list")
    if any(isinstance(t, dict) and t.get("name") == tenant["name"] for t in tenants):
        raise TenantEditError(f"tenant {tenant['name']!r} already exists in {source}; remove it first or pick another name")
    tenants.append(tenant)
    return _dump(yaml, document)


def removed(text: str, source: Path, name: str) -> str:
    """The stack file's text without tenant ``name``."""
    yaml, document = _load(text, source)
    tenants = document["config"].get(TENANTS_KEY)
    names = [t.get("name") for t in tenants or [] if isinstance(t, dict)]
    if name not in names:
        raise TenantEditError(f"no tenant {name!r} in {source} (tenants: {', '.join(map(str, names)) or 'none'})")
    del tenants[names.index(name)]
    return _dump(yaml, document)


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, keeping its permissions."""
    mode = path.stat().st_mode & 0o777
    fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(staging, mode)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
