"""Progressive delivery of a tenant service (#29 item 1, ADR-0027): an Argo Rollouts canary guarded by
the service's SLO.

The tenant's repository keeps its pod template in a Deployment (the golden template's
``deploy/base/deployment.yaml``, ``replicas: 0``); the platform owns the Rollout that references it
(``workloadRef``) and the AnalysisTemplate that judges it. A new digest promoted into an
environment's overlay changes the Deployment's pod template, and the Rollout walks it through the
canary steps of the service's config while a background analysis measures the canary's pods alone
against the service's SLO (and its business KPIs). A failed analysis aborts: the canary is scaled
away and every request goes back to the stable pods, without a person. Steps and thresholds live in
the platform's config, so a change there re-plans the Rollout; a file rendered once into the
service's repository would drift from it.

Pure functions; the tests measure the rendered AnalysisTemplate with Argo Rollouts' own metric
provider (``engine/argo-analysis``) against a real Prometheus.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from components.kubernetes import charts
from policy_pack.policies import contract

#: Where the analysis asks (the kube-prometheus-stack's Prometheus, which scrapes the tenant's services).
PROMETHEUS_ADDRESS = f"http://{charts.KUBE_PROMETHEUS_STACK.name}-prometheus.{charts.KUBE_PROMETHEUS_STACK.namespace}.svc:9090"
#: The argument naming the canary's pods: Argo Rollouts' ``rollouts-pod-template-hash`` of the newest
#: ReplicaSet, carried onto every series of the pod by the ServiceMonitor (``podTargetLabels``).
CANARY_HASH_ARG = "canary-hash"
POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"
HASH_SERIES_LABEL = POD_TEMPLATE_HASH_LABEL.replace("-", "_")
#: One measurement a minute over the last two (four scrapes at 30 s): two failed minutes abort the
#: canary (fail fast, not on one blip); three inconclusive ones (no traffic to judge) pause it for a
#: person; four errors in a row (Prometheus unreachable, a query that returns nothing) abort it.
INTERVAL = "1m"
WINDOW = "2m"
FAILURE_LIMIT = 1
INCONCLUSIVE_LIMIT = 2
CONSECUTIVE_ERROR_LIMIT = 4
QUERY_TIMEOUT_SECONDS = 30
#: A canary that cannot become ready in ten minutes (a crash loop, an image it cannot pull) aborts.
PROGRESS_DEADLINE_SECONDS = 600
#: Replicas of an API (a worker's are KEDA's: the ScaledObject scales the Rollout).
API_REPLICAS = 2


@dataclass(frozen=True)
class CanaryStep:
    """Send ``weight`` percent of the service to the new digest, then wait ``pause_seconds`` while the
    analysis measures it (0: go on)."""

    weight: int
    pause_seconds: int


@dataclass(frozen=True)
class Kpi:
    """A business KPI of the canary (e.g. the payment authorisation rate): a PromQL query whose first
    value must stay at or above ``at_least`` or at or below ``at_most``. The query may name the canary's
    pods with ``{{args.canary-hash}}`` on the ``rollouts_pod_template_hash`` label."""

    name: str
    query: str
    at_least: float | None = None
    at_most: float | None = None


DEFAULT_STEPS = (CanaryStep(10, 300), CanaryStep(50, 300), CanaryStep(100, 0))


def steps_problem(weights: list[int]) -> str | None:
    """Why these step weights are not a canary the platform runs, or None."""
    if not weights:
        return "needs at least one step"
    if weights[0] > contract.CANARY_FIRST_STEP_MAX:
        return f"the first step sends {weights[0]}% to the new digest; at most {contract.CANARY_FIRST_STEP_MAX}% (a canary, not a release)"
    for before, after in itertools.pairwise(weights):
        if after <= before:
            return f"weights must rise step by step; {after} follows {before}"
    if weights[-1] != 100:
        return f"the last step must send 100% (the weights end at {weights[-1]}): a canary that never completes is never promoted"
    return None


def _selector(tenant: str, service: str) -> str:
    return f'namespace="{tenant}",service="{service}",{HASH_SERIES_LABEL}="{{{{args.{CANARY_HASH_ARG}}}}}"'


def error_rate_query(tenant: str, service: str) -> str:
    """The canary's share of 5xx responses over the window; NaN when it served nothing (neither
    condition holds: inconclusive, never a pass)."""
    selector = _selector(tenant, service)
    requests = f"http_server_request_duration_seconds_count{{{selector}}}"
    errors = f'http_server_request_duration_seconds_count{{{selector},http_response_status_code=~"5.."}}'
    return f"(sum(rate({errors}[{WINDOW}])) or vector(0)) / (sum(rate({requests}[{WINDOW}])) or vector(0))"


def latency_query(tenant: str, service: str) -> str:
    """The canary's p95 request duration (seconds) over the window; NaN when it served nothing."""
    buckets = f"http_server_request_duration_seconds_bucket{{{_selector(tenant, service)}}}"
    return f"histogram_quantile(0.95, sum by (le) (rate({buckets}[{WINDOW}]))) or vector(NaN)"


def _metric(name: str, query: str, success: str, failure: str) -> dict[str, Any]:
    return {
        "name": name,
        "interval": INTERVAL,
        "failureLimit": FAILURE_LIMIT,
        "inconclusiveLimit": INCONCLUSIVE_LIMIT,
        "consecutiveErrorLimit": CONSECUTIVE_ERROR_LIMIT,
        "successCondition": success,
        "failureCondition": failure,
        "provider": {"prometheus": {"address": PROMETHEUS_ADDRESS, "query": query, "timeout": QUERY_TIMEOUT_SECONDS}},
    }


def _number(value: float | Decimal) -> str:
    return f"{value:g}" if isinstance(value, float) else format(value.normalize(), "f")


def analysis_template_name(service: str) -> str:
    return f"{service}-slo"


def analysis_template_spec(
    tenant: str, service: str, *, latency_p95_ms: int, error_rate_percent: Decimal, kpis: tuple[Kpi, ...] = ()
) -> dict[str, Any]:
    """The SLO the canary must hold: its error rate at most the SLO's, its p95 latency at most the
    SLO's, and each KPI within its bound. Conditions are Argo Rollouts' (``result`` is the query's
    values); NaN satisfies neither side."""
    budget = _number(error_rate_percent / 100)
    seconds = _number(latency_p95_ms / 1000)
    metrics = [
        _metric(contract.CANARY_ERROR_RATE_METRIC, error_rate_query(tenant, service), f"result[0] <= {budget}", f"result[0] > {budget}"),
        _metric(contract.CANARY_LATENCY_METRIC, latency_query(tenant, service), f"result[0] <= {seconds}", f"result[0] > {seconds}"),
    ]
    for kpi in kpis:
        if kpi.at_least is not None:
            bound = _number(kpi.at_least)
            metrics.append(_metric(f"kpi-{kpi.name}", kpi.query, f"result[0] >= {bound}", f"result[0] < {bound}"))
        else:
            assert kpi.at_most is not None
            bound = _number(kpi.at_most)
            metrics.append(_metric(f"kpi-{kpi.name}", kpi.query, f"result[0] <= {bound}", f"result[0] > {bound}"))
    return {"args": [{"name": CANARY_HASH_ARG}], "metrics": metrics}


def rollout_spec(service: str, steps: tuple[CanaryStep, ...], *, approval: bool, worker: bool) -> dict[str, Any]:
    """The canary of ``service``'s Deployment: its steps from config, a person's promotion before the
    last step when ``approval``, the SLO analysis in the background from the first step on."""
    rendered: list[dict[str, Any]] = []
    for i, step in enumerate(steps):
        if approval and i == len(steps) - 1:
            rendered.append({"pause": {}})  # until `kubectl argo rollouts promote`: four eyes before 100%
        rendered.append({"setWeight": step.weight})
        if step.pause_seconds:
            rendered.append({"pause": {"duration": f"{step.pause_seconds}s"}})
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app.kubernetes.io/name": service}},
        "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": service, "scaleDown": "progressively"},
        "revisionHistoryLimit": 3,
        "progressDeadlineSeconds": PROGRESS_DEADLINE_SECONDS,
        "progressDeadlineAbort": True,
        "strategy": {
            "canary": {
                "analysis": {
                    "templates": [{"templateName": analysis_template_name(service)}],
                    "args": [{"name": CANARY_HASH_ARG, "valueFrom": {"podTemplateHashValue": "Latest"}}],
                },
                "steps": rendered,
            }
        },
    }
    if not worker:
        spec["replicas"] = API_REPLICAS
    return spec
