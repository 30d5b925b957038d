"""A tenant service's canary (#29 item 1): the Rollout drives the repository's Deployment through the
steps of the service's config, its background analysis is the service's SLO, and both validate
against the pinned Argo Rollouts CRDs. What the analysis concludes is measured against a real
Prometheus in tests/realserver/test_canary_analysis.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from components.kubernetes import crd_schemas
from components.tenant import canary
from components.tenant.canary import CanaryStep, Kpi
from components.tenant.delivery import ServiceSpec, TenantDelivery, TenantDeliveryArgs
from policy_pack.policies import contract
from tests.components.harness import build, resource_violations

API = ServiceSpec("payments-api", "git@github.com:acme/payments-payments-api.git", 250, Decimal("0.5"))
WORKER = ServiceSpec("payments-worker", "git@github.com:acme/payments-payments-worker.git", 300, Decimal("1.0"), worker_scaling=(1, 5, 100))
ROLLOUT, ANALYSIS = "kubernetes:argoproj.io/v1alpha1:Rollout", "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"


def _delivery(approval: bool = False) -> None:
    args = TenantDeliveryArgs(
        tenant="payments",
        services=[API, WORKER],
        region="eu-west-3",
        owner_email="pay@example.com",
        alert_topic_arn="arn:aws:sns:eu-west-3:111111111111:fb-prod-alerts",
        environment="prod",
        canary_approval=approval,
    )
    TenantDelivery("payments", args, "https://sqs.eu-west-3.amazonaws.com/1/payments-outbox", outbox_queue_name="payments-outbox")


def _manifest(kind: str, spec: dict) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": {"name": "x", "namespace": "payments"}, "spec": spec}


def _weights(spec: dict) -> list[int]:
    return [s["setWeight"] for s in spec["strategy"]["canary"]["steps"] if "setWeight" in s]


def test_each_service_gets_a_rollout_of_its_deployment_and_an_analysis_of_its_slo() -> None:
    built = build(_delivery, stack="prod")
    rollouts = {r.inputs["metadata"]["name"]: r.inputs for r in built.of_type(ROLLOUT)}
    templates = {r.inputs["metadata"]["name"]: r.inputs for r in built.of_type(ANALYSIS)}
    assert set(rollouts) == {"payments-api", "payments-worker"}
    assert set(templates) == {"payments-api-slo", "payments-worker-slo"}
    api = rollouts["payments-api"]["spec"]
    assert api["workloadRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "payments-api", "scaleDown": "progressively"}
    assert api["strategy"]["canary"]["analysis"]["templates"] == [{"templateName": "payments-api-slo"}]
    assert _weights(api) == [10, 50, 100] and api["progressDeadlineAbort"] is True
    # The worker's replicas are KEDA's: its ScaledObject scales the Rollout, not the Deployment.
    assert "replicas" not in rollouts["payments-worker"]["spec"] and api["replicas"] == canary.API_REPLICAS
    scaled = built.one("kubernetes:keda.sh/v1alpha1:ScaledObject").inputs["spec"]["scaleTargetRef"]
    assert scaled == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "payments-worker"}
    # The thresholds are the service's own SLO (0.5 % and 250 ms for the API).
    metrics = {m["name"]: m for m in templates["payments-api-slo"]["spec"]["metrics"]}
    assert metrics[contract.CANARY_ERROR_RATE_METRIC]["successCondition"] == "result[0] <= 0.005"
    assert metrics[contract.CANARY_LATENCY_METRIC]["failureCondition"] == "result[0] > 0.25"
    # The ServiceMonitor carries the pod-template hash the analysis selects the canary's pods by.
    monitors = [r.inputs["spec"] for r in built.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")]
    assert all(m["podTargetLabels"] == [canary.POD_TEMPLATE_HASH_LABEL] for m in monitors)
    for kind, found in (("Rollout", rollouts), ("AnalysisTemplate", templates)):
        for name, inputs in found.items():
            assert crd_schemas.errors(_manifest(kind, inputs["spec"])) == [], name
    assert resource_violations(built) == []


def test_tenants_cannot_sync_their_own_canary_or_analysis() -> None:
    """The Argo CD project refuses a Rollout or AnalysisTemplate from the tenant's repository: a canary
    without the SLO, or an analysis that always passes, is not the tenant's to write."""
    built = build(_delivery, stack="prod")
    project = built.one("kubernetes:argoproj.io/v1alpha1:AppProject").inputs["spec"]
    assert {"group": "argoproj.io", "kind": "Rollout"} in project["namespaceResourceBlacklist"]
    assert {"group": "argoproj.io", "kind": "AnalysisTemplate"} in project["namespaceResourceBlacklist"]


def test_approval_pauses_for_a_person_before_the_last_step_only() -> None:
    steps = canary.rollout_spec("svc", canary.DEFAULT_STEPS, approval=True, worker=False)["strategy"]["canary"]["steps"]
    assert steps == [
        {"setWeight": 10},
        {"pause": {"duration": "300s"}},
        {"setWeight": 50},
        {"pause": {"duration": "300s"}},
        {"pause": {}},
        {"setWeight": 100},
    ]
    unattended = canary.rollout_spec("svc", canary.DEFAULT_STEPS, approval=False, worker=False)["strategy"]["canary"]["steps"]
    assert {"pause": {}} not in unattended


@pytest.mark.parametrize(
    ("weights", "problem"),
    [
        ([10, 50, 100], None),
        ([25, 100], None),
        ([100], "at most 25%"),
        ([26, 100], "at most 25%"),
        ([10, 50], "must send 100%"),
        ([10, 5, 100], "rise"),
        ([], "at least one step"),
    ],
)
def test_steps_problem(weights: list[int], problem: str | None) -> None:
    found = canary.steps_problem(weights)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_kpis_join_the_analysis_with_their_bound() -> None:
    kpis = (Kpi("auth-rate", "sum(rate(a[2m]))", at_least=0.95), Kpi("refunds", "sum(rate(r[2m]))", at_most=0.1))
    spec = canary.analysis_template_spec("payments", "payments-api", latency_p95_ms=300, error_rate_percent=Decimal("1"), kpis=kpis)
    metrics = {m["name"]: m for m in spec["metrics"]}
    assert (metrics["kpi-auth-rate"]["successCondition"], metrics["kpi-auth-rate"]["failureCondition"]) == (
        "result[0] >= 0.95",
        "result[0] < 0.95",
    )
    assert metrics["kpi-refunds"]["successCondition"] == "result[0] <= 0.1"
    assert crd_schemas.errors(_manifest("AnalysisTemplate", spec)) == []


def test_the_crd_refuses_a_misspelt_canary() -> None:
    """Negative control: the vendored Rollout schema refuses what the API server would."""
    spec = canary.rollout_spec("svc", (CanaryStep(10, 60), CanaryStep(100, 0)), approval=False, worker=False)
    spec["strategy"]["canary"]["stepz"] = spec["strategy"]["canary"].pop("steps")
    assert any("stepz" in e for e in crd_schemas.errors(_manifest("Rollout", spec)))
