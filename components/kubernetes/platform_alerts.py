"""Alerts on what the platform does to a tenant's workloads (#30 item 3): Argo CD failing to sync or
keep healthy a tenant's Application, and admission refusing a burst of a namespace's requests.

One PrometheusRule in ``observability`` that names no tenant: each alert takes the tenant's namespace
from the series (Argo CD's ``dest_namespace``, Kyverno's ``resource_namespace``) into ``namespace``, so
the tenant's AlertmanagerConfig (which the operator confines to its namespace's alerts) routes it to
the tenant's owner; an alert about a platform namespace stays with the platform's route.

Series relied on:
- Argo CD v2.13 (chart argo-cd 7.7.22) ``argocd_app_info`` with ``dest_namespace``, ``sync_status``
  (Synced, OutOfSync, Unknown) and ``health_status`` (Healthy, Progressing, Degraded, Suspended,
  Missing, Unknown): argoproj/argo-cd ``controller/metrics/metrics.go``, gitops-engine
  ``pkg/health/health.go``; exported when ``controller.metrics.enabled`` and scraped through the
  chart's ServiceMonitor.
- Kyverno v1.13.2 (chart 3.3.4) ``kyverno_admission_requests_total`` with ``request_allowed`` and
  ``resource_namespace``: kyverno/kyverno ``pkg/webhooks/handlers/metrics.go``; scraped through
  ``admissionController.serviceMonitor``.
"""

from __future__ import annotations

from typing import Any

RULE_NAME = "platform-delivery"
SYNC_ALERT = "ArgoCdAppOutOfSync"
HEALTH_ALERT = "ArgoCdAppUnhealthy"
DENIALS_ALERT = "AdmissionDenialsSpike"
#: An automated Application re-syncs within minutes; this long out of sync means it cannot.
OUT_OF_SYNC_FOR = "15m"
#: Degraded or Missing this long: not a rollout in progress.
UNHEALTHY_FOR = "10m"
#: More refusals than this in ten minutes in one namespace: something keeps trying what the policy forbids.
DENIALS_PER_10M = 5


def _to_namespace(expr: str, source_label: str) -> str:
    return f'label_replace({expr}, "namespace", "$1", "{source_label}", "(.+)")'


def platform_rules_spec() -> dict[str, Any]:
    sync = _to_namespace('max by (name, dest_namespace, sync_status) (argocd_app_info{sync_status!="Synced"})', "dest_namespace")
    health = _to_namespace(
        'max by (name, dest_namespace, health_status) (argocd_app_info{health_status=~"Degraded|Missing|Unknown"})', "dest_namespace"
    )
    denials = _to_namespace(
        'sum by (resource_namespace) (increase(kyverno_admission_requests_total{request_allowed="false"}[10m]))', "resource_namespace"
    )
    return {
        "groups": [
            {
                "name": RULE_NAME,
                "rules": [
                    {
                        "alert": SYNC_ALERT,
                        "for": OUT_OF_SYNC_FOR,
                        "expr": sync,
                        "labels": {"severity": "ticket"},
                        "annotations": {
                            "summary": "Argo CD has not synced {{ $labels.name }} for 15 minutes ({{ $labels.sync_status }}): "
                            "read its sync errors (argocd app get)"
                        },
                    },
                    {
                        "alert": HEALTH_ALERT,
                        "for": UNHEALTHY_FOR,
                        "expr": health,
                        "labels": {"severity": "page"},
                        "annotations": {"summary": "{{ $labels.name }} is {{ $labels.health_status }} for 10 minutes"},
                    },
                    {
                        "alert": DENIALS_ALERT,
                        "expr": f"{denials} > {DENIALS_PER_10M}",
                        "labels": {"severity": "ticket"},
                        "annotations": {
                            "summary": "admission refused more than 5 requests in {{ $labels.namespace }} in 10 minutes: "
                            "something keeps trying what the policy forbids (kubectl get events)"
                        },
                    },
                ],
            }
        ]
    }
