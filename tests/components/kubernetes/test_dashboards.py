"""Dashboards as code (#30 item 4): generated from the SLOs in config, valid Grafana models, reading the
series the SLO alerts read, provisioned where the chart's Grafana sidecar loads them."""

from __future__ import annotations

import json

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from blueprint.engine.mocks import Registration
from components.kubernetes import dashboards
from components.tenant.delivery import ServiceSpec, slo_rules_spec
from tests.conftest import by_type


def test_a_service_dashboard_is_a_valid_grafana_model_with_its_slo_lines() -> None:
    board = dashboards.service_dashboard("payments", "payments-api", 200, 0.5)
    # The SDK's own model reads it back unchanged: a field it does not know, or a wrong type, would not survive.
    assert json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder)) == board
    misspelt = {**board, "panles": board["panels"]}  # negative control: a field Grafana does not know is dropped
    assert json.loads(json.dumps(Dashboard.from_json(misspelt), cls=JSONEncoder)) != misspelt
    by_title = {p["title"]: p for p in board["panels"]}
    assert set(by_title) == {"Requests per second", "Error ratio (SLO line)", "p95 latency (SLO line)"}
    lines = {
        title: [s["value"] for s in p["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", [])] for title, p in by_title.items()
    }
    assert lines["Error ratio (SLO line)"] == [None, 0.005] and lines["p95 latency (SLO line)"] == [None, 0.2]


def test_the_dashboards_read_the_series_the_slo_alerts_read() -> None:
    service = ServiceSpec("payments-api", "git@github.com:acme/payments-payments-api.git", 200, 0.5)  # type: ignore[arg-type]
    alerts = json.dumps(slo_rules_spec("payments", [service]))
    queries = [t["expr"] for p in dashboards.service_dashboard("payments", "payments-api", 200, 0.5)["panels"] for t in p["targets"]]
    for query in queries:
        series = query.split("{", 1)[0].rsplit("(", 1)[-1]
        assert series in alerts and '{namespace=\\"payments\\",service=\\"payments-api\\"' in json.dumps(query)


def test_each_tenant_s_dashboards_are_provisioned_for_the_grafana_sidecar(stack_plans: dict[str, list[Registration]]) -> None:
    for plan in stack_plans.values():
        maps = {c.inputs["metadata"]["name"]: c.inputs for c in by_type(plan, "kubernetes:core/v1:ConfigMap")}
        payments = maps["dashboards-payments"]
        assert payments["metadata"]["namespace"] == "observability" and payments["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert set(payments["data"]) == {"payments-overview.json", "payments-payments-api-slo.json", "payments-settlement-worker-slo.json"}
        assert set(maps["dashboards-fraud"]["data"]) == {"fraud-overview.json", "fraud-fraud-scoring-slo.json"}
        for text in payments["data"].values():
            Dashboard.from_json(json.loads(text))
