"""Loading the policy pack and its per-stack config for the offline engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pulumi_policy import Policy

from blueprint.engine.analyzer import Analyzer, PolicyConfigError, Resource, Violation
from blueprint.engine.mocks import Registration
from blueprint.engine.wire import unwrapped
from policy_pack.policies.pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES
from stacks import documents
from stacks.loader import ROOT

PACK_DIR = ROOT / "policy_pack"


def pack_version() -> str:
    return str(yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())["version"])


def default_policy_config_path(stack: str) -> Path:
    """The file passed to ``pulumi preview --policy-pack-config`` for this stack."""
    return PACK_DIR / f"config.{stack}.json"


def read_policy_config(path: Path) -> dict[str, Any]:
    try:
        document = documents.load_json(path)
    except documents.DocumentError as exc:
        raise PolicyConfigError(f"policy config {exc}") from None
    if not isinstance(document, dict):
        raise PolicyConfigError(f"policy config {path} must be a JSON object of policy names")
    return document


def analyzer(file_config: dict[str, Any] | None, policies: list[Policy] | None = None) -> Analyzer:
    return Analyzer(PACK_NAME, pack_version(), policies or POLICIES, DEFAULT_ENFORCEMENT, file_config)


def as_policy_resources(registrations: list[Registration]) -> list[Resource]:
    by_urn = {r.urn: r for r in registrations}
    resources = []
    for r in registrations:
        if r.type.startswith("pulumi:providers:"):
            continue
        # Components too: the engine hands AnalyzeStack every resource of the deployment, a component
        # with its registered outputs (here its props: the components that stack rules read, Tenant
        # and Platform, register their FinOps profile as both), so rules can walk up to a Tenant.
        provider = by_urn.get(r.provider or "")
        resources.append(
            Resource(
                urn=r.urn,
                type=r.type,
                name=r.name,
                props=unwrapped(r.inputs),
                state=unwrapped(r.state),
                parent=r.parent,
                protect=bool(r.options.get("protect")),
                provider=(provider.type, provider.urn, provider.name) if provider else None,
                dependencies=r.dependencies,
                property_dependencies=r.property_dependencies,
            )
        )
    return resources


def _evaluate(engine: Analyzer, resources: list[Resource]) -> list[Violation]:
    violations: list[Violation] = []
    for resource in resources:
        violations.extend(engine.analyze(resource))
    violations.extend(engine.analyze_stack(resources))
    return violations


def evaluate(resources: list[Resource], file_config: dict[str, Any] | None) -> list[Violation]:
    return _evaluate(analyzer(file_config), resources)


def first_preview(resources: list[Resource], file_config: dict[str, Any] | None) -> tuple[list[dict[str, Any]], list[Violation]]:
    """The pack as the first ``pulumi preview`` of a new stack runs it: what it cannot evaluate yet
    (``previewDeferred``, with each policy's configured level: the analyzer reports them all as
    advisory), and the mandatory violations such a preview would fail on."""
    engine = analyzer(file_config)
    found = _evaluate(engine, resources)
    deferred = sorted(
        ({"policy": v.policy, "urn": v.urn, "enforcementLevel": engine.levels[v.policy]} for v in found if v.deferred),
        key=lambda d: (d["enforcementLevel"] != "mandatory", d["policy"], d["urn"] or ""),
    )
    return deferred, [v for v in found if v.mandatory]
