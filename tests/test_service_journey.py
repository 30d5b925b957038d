"""#17 acceptance: for each hop of a tenant service's journey, breaking that hop in the program makes
``blueprint plan prod`` (``org`` for the repository, ADR-0031) exit 1 with the hop's stack rule blocking (and no rule outside the journey).

Each breaker is a resource transform registered before the composition (the offline engine runs
transforms as the real engine does), changing one resource of tenant ``payments``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from click.testing import CliRunner

from blueprint.cli import main
from stacks import compose as compose_module
from stacks import org_program


def _mapped(props: dict[str, Any], key: str, change: Callable[[Any], Any]) -> dict[str, Any]:
    """The offline engine replays transforms on resolved values; an Output is mapped as the engine would."""
    value = props[key]
    return {**props, key: value.apply(change) if isinstance(value, pulumi.Output) else change(value)}


def _text(change: Callable[[str], str]) -> Callable[[Any], Any]:
    """Change a value through its JSON text (specs and documents alike)."""

    def apply(value: Any) -> Any:
        return json.loads(change(json.dumps(value))) if not isinstance(value, str) else change(value)

    return apply


#: hop -> (type, logical name, the rule that must block, how the resource is broken).
BREAKERS: dict[str, tuple[str, str, str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "1-repository": (
        "github:index/repositoryFile:RepositoryFile",
        "payments-payments-payments-api-deploy/base/deployment.yaml",
        "tenant-repository-rendered",
        lambda p: {**p, "content": "namespace: __TENANT__\n"},
    ),
    "2-ci-identity": (
        "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
        "payments-ci-prod-payments-payments-api-aws-publisher-role-arn",
        "tenant-ci-identity-wired",
        lambda p: {**p, "value": "arn:aws:iam::111111111111:role/fintech-blueprint/someone-else"},
    ),
    "3-signed-image": (
        "kubernetes:kyverno.io/v1:ClusterPolicy",
        "kubernetes-platform-image-signatures",
        "tenant-images-own-repositories",
        lambda p: _mapped(p, "spec", _text(lambda s: s.replace("{{ request.namespace }}/*", "*"))),
    ),
    "4-gitops": (
        "kubernetes:core/v1:Secret",
        "payments-payments-payments-api-repository",
        "tenant-gitops-wired",
        lambda p: _mapped(p, "metadata", lambda m: {**m, "labels": {}}),
    ),
    "5-workload-identity": (
        "aws:iam/rolePolicy:RolePolicy",
        "payments-payments-api-workload",
        "tenant-workload-identity-scoped",
        lambda p: _mapped(p, "policy", _text(lambda s: s.replace("payments-idempotency", "fraud-idempotency"))),
    ),
    "6-vault": (
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "payments-allow-platform-egress",
        "tenant-vault-reachable",
        lambda p: _mapped(p, "spec", _text(lambda s: s.replace('"port": 8200', '"port": 8201'))),
    ),
    "7-database": (
        "kubernetes:core/v1:ConfigMap",
        "db-access-payments-pooler-config",
        "tenant-database-path-wired",
        lambda p: _mapped(
            p, "data", lambda d: {"pgbouncer.ini": "\n".join(x for x in d["pgbouncer.ini"].splitlines() if not x.startswith("payments ="))}
        ),
    ),
    "8-queue": (
        "kubernetes:keda.sh/v1alpha1:ScaledObject",
        "payments-settlement-worker-scaler",
        "tenant-worker-scaling-wired",
        lambda p: _mapped(p, "spec", _text(lambda s: s.replace("-payments-outbox", "-fraud-outbox"))),
    ),
    "9-telemetry": (
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
        "payments-payments-api-monitor",
        "tenant-telemetry-wired",
        lambda p: _mapped(p, "spec", lambda s: {**s, "selector": {"matchLabels": {"app.kubernetes.io/name": "another"}}}),
    ),
}


@pytest.mark.plan
@pytest.mark.parametrize("hop", sorted(BREAKERS))
def test_breaking_a_hop_blocks_the_plan_with_its_rule(hop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    type_, name, rule, breaker = BREAKERS[hop]
    broken: list[str] = []
    # The repositories and their files are the org stack's (ADR-0031): hop 1 breaks in its plan.
    stack, module, function = ("org", org_program, "compose_org") if hop == "1-repository" else ("prod", compose_module, "compose")
    original = getattr(module, function)

    def break_one(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != type_ or args.name != name:
            return None
        broken.append(args.name)
        return pulumi.ResourceTransformResult(breaker(dict(args.props)), args.opts)

    def compose_with_breaker(*args: Any) -> None:
        pulumi.runtime.register_resource_transform(break_one)
        original(*args)

    monkeypatch.setattr(module, function, compose_with_breaker)
    result = CliRunner().invoke(main, ["plan", stack, "--out", str(tmp_path)])
    assert set(broken) == {name}, f"no {type_} named {name} in the plan"
    assert result.exit_code == 1, result.output
    report = json.loads((tmp_path / "policy-report.json").read_text())
    blocking = {v["policy"] for v in report["violations"] if v["enforcementLevel"] == "mandatory"}
    assert rule in blocking, blocking
    # Only journey rules: a later hop may notice too (a placeholder left in the workload manifest also
    # breaks the names GitOps checks), nothing unrelated does.
    assert blocking <= {r for _, _, r, _ in BREAKERS.values()}, blocking
