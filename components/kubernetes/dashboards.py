"""Dashboards as code (#30 item 4): each service's SLO dashboard and each tenant's overview, generated
from the SLOs in config with the Grafana Foundation SDK's typed builders (an invalid model does not
build), provisioned as a ConfigMap that the chart's Grafana dashboard sidecar loads.

The queries read the series the SLO alerting rules read (``components.tenant.delivery``): the
request-duration histogram Prometheus scrapes from the template's ``/metrics``, by ``namespace`` and
``service``; the thresholds drawn are the service's own SLO.
"""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import dashboard as panels
from grafana_foundation_sdk.builders import prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Threshold, ThresholdsMode

#: The label kube-prometheus-stack's Grafana sidecar loads dashboards from (its chart default).
DASHBOARD_LABEL = "grafana_dashboard"
HISTOGRAM = "http_server_request_duration_seconds"


def _selector(tenant: str, service: str) -> str:
    return f'namespace="{tenant}",service="{service}"'


def error_ratio(tenant: str, service: str, window: str = "5m") -> str:
    selector = _selector(tenant, service)
    errors = f'{HISTOGRAM}_count{{{selector},http_response_status_code=~"5.."}}'
    return f"sum(rate({errors}[{window}])) / sum(rate({HISTOGRAM}_count{{{selector}}}[{window}]))"


def latency_p95(tenant: str, service: str, window: str = "5m") -> str:
    return f"histogram_quantile(0.95, sum by (le) (rate({HISTOGRAM}_bucket{{{_selector(tenant, service)}}}[{window}])))"


def request_rate(tenant: str, service: str, window: str = "5m") -> str:
    return f"sum(rate({HISTOGRAM}_count{{{_selector(tenant, service)}}}[{window}]))"


def _panel(title: str, expr: str, legend: str, unit: str, limit: float | None = None) -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit).with_target(prometheus.Dataquery().expr(expr).legend_format(legend).ref_id("A"))
    if limit is not None:
        steps = [Threshold(value=None, color="green"), Threshold(value=limit, color="red")]
        panel = panel.thresholds(panels.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(steps))
    return panel


def _json(builder: panels.Dashboard) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    return loaded


def service_dashboard(tenant: str, service: str, latency_p95_ms: int, error_rate_percent: float) -> dict[str, Any]:
    """One service against its SLO: traffic, error ratio and p95 latency with the SLO's thresholds."""
    board = (
        panels.Dashboard(f"{tenant} / {service}: SLO")
        .uid(f"slo-{tenant}-{service}"[:40])
        .tags(["slo", tenant])
        .time("now-6h", "now")
        .refresh("1m")
        .with_panel(_panel("Requests per second", request_rate(tenant, service), service, "reqps"))
        .with_panel(_panel("Error ratio (SLO line)", error_ratio(tenant, service), service, "percentunit", error_rate_percent / 100))
        .with_panel(_panel("p95 latency (SLO line)", latency_p95(tenant, service), service, "s", latency_p95_ms / 1000))
    )
    return _json(board)


def tenant_dashboard(tenant: str, services: list[str]) -> dict[str, Any]:
    """A tenant's services side by side: error ratio and p95 latency of each."""
    board = panels.Dashboard(f"{tenant}: overview").uid(f"tenant-{tenant}"[:40]).tags(["tenant", tenant]).time("now-24h", "now")
    for service in services:
        board = board.with_panel(_panel(f"{service}: error ratio", error_ratio(tenant, service), service, "percentunit"))
        board = board.with_panel(_panel(f"{service}: p95 latency", latency_p95(tenant, service), service, "s"))
    return _json(board)
