"""Where telemetry goes (#17 hop 9, ADR-0006): the OpenTelemetry collector's pipelines.

- Metrics: OTLP in, remote-written to the cluster's Prometheus (its remote-write receiver is on);
  Prometheus also scrapes each service's ``/metrics`` through its ServiceMonitor.
- Traces: to AWS X-Ray's OTLP endpoint in the stack's region, signed with SigV4 by the collector's
  own Pod Identity (``TelemetryIdentity``).
- Logs: each tenant namespace's logs to that tenant's log group (a routing table keyed on the
  namespace the k8sattributes processor adds); the platform's to the platform log group.
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
NAMESPACE_ATTRIBUTE = "k8s.namespace.name"


@dataclass(frozen=True)
class CollectorSettings:
    """Attributes:
    region: Of X-Ray and CloudWatch Logs.
    platform_log_group: Where logs of no tenant go.
    tenant_log_groups: Tenant (its namespace) -> its log group.
    """

    region: str
    platform_log_group: str
    tenant_log_groups: dict[str, str]


def _logs_exporter(group: str, region: str) -> dict[str, Any]:
    return {"log_group_name": group, "log_stream_name": "{NodeName}", "region": region}


def collector_config(settings: CollectorSettings) -> dict[str, Any]:
    tenants = sorted(settings.tenant_log_groups)
    processors = ["memory_limiter", "k8sattributes", "batch"]
    exporters: dict[str, Any] = {
        "prometheusremotewrite": {"endpoint": PROMETHEUS_REMOTE_WRITE, "resource_to_telemetry_conversion": {"enabled": True}},
        "otlphttp/xray": {
            "traces_endpoint": f"https://xray.{settings.region}.amazonaws.com/v1/traces",
            "auth": {"authenticator": "sigv4auth"},
        },
        "awscloudwatchlogs/platform": _logs_exporter(settings.platform_log_group, settings.region),
    }
    pipelines: dict[str, Any] = {
        "metrics": {"receivers": ["otlp"], "processors": processors, "exporters": ["prometheusremotewrite"]},
        "traces": {"receivers": ["otlp"], "processors": processors, "exporters": ["otlphttp/xray"]},
        "logs": {"receivers": ["otlp"], "processors": processors, "exporters": ["routing/logs"]},
        "logs/platform": {"receivers": ["routing/logs"], "exporters": ["awscloudwatchlogs/platform"]},
    }
    table = []
    for tenant in tenants:
        exporters[f"awscloudwatchlogs/{tenant}"] = _logs_exporter(settings.tenant_log_groups[tenant], settings.region)
        pipelines[f"logs/{tenant}"] = {"receivers": ["routing/logs"], "exporters": [f"awscloudwatchlogs/{tenant}"]}
        table.append({"statement": f'route() where attributes["{NAMESPACE_ATTRIBUTE}"] == "{tenant}"', "pipelines": [f"logs/{tenant}"]})
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
        "connectors": {"routing/logs": {"default_pipelines": ["logs/platform"], "error_mode": "ignore", "table": table}},
        "exporters": exporters,
        "service": {"extensions": ["health_check", "sigv4auth"], "pipelines": pipelines},
    }
