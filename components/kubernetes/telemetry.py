"""Where telemetry goes (#17 hop 9, ADR-0006): the OpenTelemetry collector's pipelines.

- Metrics: OTLP in, remote-written to the cluster's Prometheus (its remote-write receiver is on);
  Prometheus also scrapes each service's ``/metrics`` through its ServiceMonitor.
- Traces: to AWS X-Ray's OTLP endpoint in the stack's region, signed with SigV4 by the collector's
  own Pod Identity (``TelemetryIdentity``).
- Logs are not the collector's: services write them to stdout, and Fluent Bit ships every
  container's to its tenant's log group (``components/kubernetes/logging.py``). The collector
  accepts no OTLP logs, so none can bypass that routing; its configuration names no tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.kubernetes import charts

COLLECTOR = charts.OPENTELEMETRY_COLLECTOR
#: The chart names its Service and ServiceAccount after the release.
COLLECTOR_SERVICE = COLLECTOR.name
COLLECTOR_SERVICE_ACCOUNT = COLLECTOR.name
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
#: What a service sets as ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the template's ``__OTLP_ENDPOINT__``).
OTLP_HTTP_ENDPOINT = f"http://{COLLECTOR_SERVICE}.{COLLECTOR.namespace}.svc:{OTLP_HTTP_PORT}"
#: kube-prometheus-stack's Prometheus Service.
PROMETHEUS_REMOTE_WRITE = (
    f"http://{charts.KUBE_PROMETHEUS_STACK.name}-prometheus.{charts.KUBE_PROMETHEUS_STACK.namespace}.svc:9090/api/v1/write"
)


@dataclass(frozen=True)
class CollectorSettings:
    """Attributes:
    region: Of X-Ray.
    """

    region: str


def collector_config(settings: CollectorSettings) -> dict[str, Any]:
    processors = ["memory_limiter", "k8sattributes", "batch"]
    exporters: dict[str, Any] = {
        "prometheusremotewrite": {"endpoint": PROMETHEUS_REMOTE_WRITE, "resource_to_telemetry_conversion": {"enabled": True}},
        "otlphttp/xray": {
            "traces_endpoint": f"https://xray.{settings.region}.amazonaws.com/v1/traces",
            "auth": {"authenticator": "sigv4auth"},
        },
    }
    pipelines: dict[str, Any] = {
        "metrics": {"receivers": ["otlp"], "processors": processors, "exporters": ["prometheusremotewrite"]},
        "traces": {"receivers": ["otlp"], "processors": processors, "exporters": ["otlphttp/xray"]},
        # The chart's default logs pipeline (OTLP to the debug exporter, i.e. the collector's stdout,
        # which lands in the platform's group) removed: Helm deletes a default key set to null.
        "logs": None,
    }
    return {
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "extensions": {"sigv4auth": {"region": settings.region, "service": "xray"}, "health_check": {}},
        "processors": {"batch": {}, "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 25}},
        "exporters": exporters,
        "service": {"extensions": ["health_check", "sigv4auth"], "pipelines": pipelines},
    }
