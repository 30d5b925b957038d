"""How a tenant's services reach the cluster and are watched: an Argo CD project confined to the
tenant, one Application per service (syncing the template's ``deploy/`` folder), a canary per service
guarded by its SLO (``canary.py``), a ServiceMonitor
per service, multi-window burn-rate SLO alerts routed to the tenant's owner, and queue-depth
autoscaling for workers (#17 hops 4, 8, 9)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import options
from components.aws import alert_relay, outbox
from components.kubernetes import charts, dashboards
from components.naming import DEFAULT_BRANCH
from components.tenant import canary
from components.tenant.queue_alerts import WatchedQueue, queue_alert_rule
from policy_pack.policies.contract import deploy_path

IN_CLUSTER = "https://kubernetes.default.svc"
OUTBOX_RUNBOOK = "docs/runbooks/duplicate-payment.md"
#: Tenants deploy workloads, never their own guardrails: quotas, network isolation, the RBAC the
#: platform grants their team (ADR-0021), and admission policy (a namespaced Kyverno Policy).
GUARDRAIL_KINDS = [
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("kyverno.io", "Policy"),
    # The canary and what judges it are the platform's (canary.py): a tenant's own Rollout could skip the SLO.
    ("argoproj.io", "Rollout"),
    ("argoproj.io", "AnalysisTemplate"),
    # Routes from the internet are the platform's (edge.py): through the tenant's WAF, or none.
    ("networking.k8s.io", "Ingress"),
]


#: The metrics port the template's Service names and its ServiceMonitor scrapes.
METRICS_PORT = "http"
METRICS_PATH = "/metrics"
WORKLOAD_LABEL = "app.kubernetes.io/name"
#: Burn rates of the error budget and their (long, short) windows (Google SRE workbook, ch. 5):
#: a fast burn pages, a slow burn opens a ticket. Both windows must burn: the long one proves it is
#: not a blip, the short one that it is still happening.
BURN_RATE_ALERTS = (
    ("page", 14.4, "1h", "5m"),
    ("page", 6.0, "6h", "30m"),
    ("ticket", 3.0, "1d", "2h"),
    ("ticket", 1.0, "3d", "6h"),
)


@dataclass(frozen=True)
class ServiceSpec:
    """Attributes:
    name: The workload (Deployment, ServiceAccount, Service: the template's ``__SERVICE__``).
    repository_url: What Argo CD clones (SSH: the repository's read-only deploy key authenticates).
    """

    name: str
    repository_url: str
    latency_p95_ms: int
    error_rate_percent: Decimal
    worker_scaling: tuple[int, int, int] | None = None  # (min replicas, max replicas, target queue depth)
    canary_steps: tuple[canary.CanaryStep, ...] = canary.DEFAULT_STEPS
    kpis: tuple[canary.Kpi, ...] = ()


def app_project_spec(tenant: str, services: list[ServiceSpec]) -> dict[str, Any]:
    return {
        "description": f"Tenant {tenant}: its own namespace and repositories only",
        "sourceRepos": sorted(s.repository_url for s in services),
        "destinations": [{"server": IN_CLUSTER, "namespace": tenant}],
        "clusterResourceWhitelist": [],
        "namespaceResourceBlacklist": [{"group": g, "kind": k} for g, k in GUARDRAIL_KINDS],
    }


def application_spec(tenant: str, service: ServiceSpec, environment: str) -> dict[str, Any]:
    """Argo CD of ``environment`` syncs that environment's overlay (the digest promoted there, #26)."""
    return {
        "project": tenant,
        "source": {"repoURL": service.repository_url, "targetRevision": DEFAULT_BRANCH, "path": deploy_path(environment)},
        "destination": {"server": IN_CLUSTER, "namespace": tenant},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True}, "syncOptions": ["CreateNamespace=false"]},
    }


def _ratio(selector: str, window: str) -> str:
    requests = f"http_server_request_duration_seconds_count{{{selector}}}"
    errors = f'http_server_request_duration_seconds_count{{{selector},http_response_status_code=~"5.."}}'
    return f"(sum(rate({errors}[{window}])) / sum(rate({requests}[{window}])))"


def slo_rules_spec(tenant: str, services: list[ServiceSpec]) -> dict[str, Any]:
    """Alerting rules from the SLO thresholds in config (ADR-0006), one group per tenant: the error
    budget's multi-window burn-rate alerts, and the p95 latency above its threshold over a long and a
    short window."""
    rules = []
    for s in services:
        selector = f'namespace="{tenant}",service="{s.name}"'
        labels = {"tenant": tenant, "service": s.name}
        budget = s.error_rate_percent / 100
        for severity, rate, long, short in BURN_RATE_ALERTS:
            threshold = f"{rate:g} * {budget}"
            rules.append(
                {
                    "alert": "SloErrorBudgetBurn",
                    "expr": f"{_ratio(selector, long)} > ({threshold}) and {_ratio(selector, short)} > ({threshold})",
                    "labels": {**labels, "severity": severity, "window": long},
                    "annotations": {
                        "summary": f"{s.name} burns its {s.error_rate_percent}% error budget {rate:g}x over {long} and {short}"
                    },
                }
            )
        latency = f"http_server_request_duration_seconds_bucket{{{selector}}}"
        seconds = f"{s.latency_p95_ms / 1000:g}"
        rules.append(
            {
                "alert": "SloLatencyP95",
                "for": "5m",
                "expr": " and ".join(f"histogram_quantile(0.95, sum by (le) (rate({latency}[{w}]))) > {seconds}" for w in ("1h", "5m")),
                "labels": {**labels, "severity": "page", "window": "1h"},
                "annotations": {"summary": f"{s.name} p95 latency above {s.latency_p95_ms} ms over 1h and 5m"},
            }
        )
    return {"groups": [{"name": f"{tenant}-slo", "rules": rules}]}


def service_monitor_spec(service: str) -> dict[str, Any]:
    """Prometheus scrapes the template's Service (its ``http`` port); the ``namespace`` and ``service``
    labels it adds are what the SLO rules select on."""
    return {
        "selector": {"matchLabels": {WORKLOAD_LABEL: service}},
        # Which ReplicaSet a series comes from: the canary's analysis measures its own pods alone.
        "podTargetLabels": [canary.POD_TEMPLATE_HASH_LABEL],
        "endpoints": [{"port": METRICS_PORT, "path": METRICS_PATH, "interval": "30s"}],
    }


def owner_receiver(tenant: str) -> str:
    return f"{tenant}-owner"


def alert_routing_spec(tenant: str, *, topic: str, region: str) -> dict[str, Any]:
    """The tenant's alerts go to its owner (an AlertmanagerConfig: the operator confines it to alerts
    of the tenant's namespace): published to the stack's alert topic for the tenant, which its owner's
    e-mail subscription takes (``components.aws.alert_relay``)."""
    return {
        "route": {
            "receiver": owner_receiver(tenant),
            "groupBy": ["alertname", "service"],
            "matchers": [{"name": "severity", "value": "page|ticket", "matchType": "=~"}],
        },
        "receivers": [
            {"name": owner_receiver(tenant), "snsConfigs": [alert_relay.tenant_sns_config(topic=topic, region=region, tenant=tenant)]}
        ],
    }


def scaled_object_spec(service: ServiceSpec, queue_url: str, region: str) -> dict[str, Any]:
    assert service.worker_scaling is not None
    low, high, depth = service.worker_scaling
    return {
        # The Rollout owns the replicas (canary.py); KEDA scales it through its scale subresource.
        "scaleTargetRef": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": service.name},
        "minReplicaCount": low,
        "maxReplicaCount": high,
        "pollingInterval": 15,
        "cooldownPeriod": 120,
        "triggers": [
            {
                "type": "aws-sqs-queue",
                "authenticationRef": {"name": f"{service.name}-aws"},
                "metadata": {"queueURL": queue_url, "queueLength": str(depth), "awsRegion": region},
            }
        ],
    }


def _scaled_object(service: ServiceSpec, queue_url: pulumi.Input[str], region: str) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.from_input(queue_url).apply(lambda url: scaled_object_spec(service, url, region))


@dataclass(frozen=True)
class TenantDeliveryArgs:
    """Attributes:
    tenant: Name and namespace.
    services: What to deploy and watch.
    region: For the KEDA SQS scaler.
    owner_email: Who owns the tenant (its alerts reach them through the alert topic's subscription).
    alert_topic_arn: The stack's alert topic, which the tenant's receiver publishes to.
    environment: Whose overlay its Applications sync (``deploy/overlays/<environment>``).
    outbox_max_age_seconds: The oldest outbox message's age before the owner is paged.
    canary_approval: A person promotes each canary before its last step (prod). Default False.
    gitops_namespace: Where Argo CD runs. Default ``argocd``.
    """

    tenant: str
    services: list[ServiceSpec]
    region: str
    owner_email: str
    alert_topic_arn: str
    environment: str
    outbox_max_age_seconds: int = outbox.MAX_MESSAGE_AGE_SECONDS
    canary_approval: bool = False
    gitops_namespace: str = charts.ARGO_CD.namespace


class TenantDelivery(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: TenantDeliveryArgs,
        outbox_queue_url: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
        *,
        outbox_queue_name: str,
    ) -> None:
        """``outbox_queue_url`` / ``outbox_queue_name``: the queue the tenant's workers scale on (its
        outbox), and what its alerts watch."""
        super().__init__("fintech:kubernetes:TenantDelivery", name, None, opts)
        child = options.child(self, opts)
        gitops = {"namespace": args.gitops_namespace}
        project = k8s.apiextensions.CustomResource(
            f"{name}-project",
            api_version="argoproj.io/v1alpha1",
            kind="AppProject",
            metadata={"name": args.tenant, **gitops},
            spec=app_project_spec(args.tenant, args.services),
            opts=child,
        )
        for service in args.services:
            k8s.apiextensions.CustomResource(
                f"{name}-{service.name}-app",
                api_version="argoproj.io/v1alpha1",
                kind="Application",
                metadata={"name": f"{args.tenant}-{service.name}", **gitops},
                spec=application_spec(args.tenant, service, args.environment),
                opts=options.child(self, opts, after=[project]),
            )
        # Each service's canary, guarded by its SLO (#29 item 1): the Rollout drives the Deployment
        # Argo CD syncs from the repository's overlay.
        for service in args.services:
            template = k8s.apiextensions.CustomResource(
                f"{name}-{service.name}-analysis",
                api_version="argoproj.io/v1alpha1",
                kind="AnalysisTemplate",
                metadata={"name": canary.analysis_template_name(service.name), "namespace": args.tenant},
                spec=canary.analysis_template_spec(
                    args.tenant,
                    service.name,
                    latency_p95_ms=service.latency_p95_ms,
                    error_rate_percent=service.error_rate_percent,
                    kpis=service.kpis,
                ),
                opts=child,
            )
            k8s.apiextensions.CustomResource(
                f"{name}-{service.name}-rollout",
                api_version="argoproj.io/v1alpha1",
                kind="Rollout",
                metadata={"name": service.name, "namespace": args.tenant},
                spec=canary.rollout_spec(
                    service.name, service.canary_steps, approval=args.canary_approval, worker=service.worker_scaling is not None
                ),
                opts=options.child(self, opts, after=[template]),
            )
        k8s.apiextensions.CustomResource(
            f"{name}-slo",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata={"name": f"{args.tenant}-slo", "namespace": args.tenant},
            spec=slo_rules_spec(args.tenant, args.services),
            opts=child,
        )
        for service in args.services:
            k8s.apiextensions.CustomResource(
                f"{name}-{service.name}-monitor",
                api_version="monitoring.coreos.com/v1",
                kind="ServiceMonitor",
                metadata={"name": service.name, "namespace": args.tenant},
                spec=service_monitor_spec(service.name),
                opts=child,
            )
        # Dashboards as code (#30 item 4): the tenant's overview and each service against its SLO, in
        # Grafana's namespace, where the chart's dashboard sidecar loads them.
        boards = {f"{args.tenant}-overview.json": dashboards.tenant_dashboard(args.tenant, [s.name for s in args.services])}
        for service in args.services:
            boards[f"{args.tenant}-{service.name}-slo.json"] = dashboards.service_dashboard(
                args.tenant, service.name, service.latency_p95_ms, float(service.error_rate_percent)
            )
        k8s.core.v1.ConfigMap(
            f"{name}-dashboards",
            metadata={
                "name": f"dashboards-{args.tenant}",
                "namespace": charts.KUBE_PROMETHEUS_STACK.namespace,
                "labels": {dashboards.DASHBOARD_LABEL: "1"},
            },
            data={file: json.dumps(board, sort_keys=True) for file, board in sorted(boards.items())},
            opts=child,
        )
        # The outbox's dead letters and stuck messages (#30 item 3), to the owner as the SLO alerts are.
        queue_alert_rule(
            f"{name}-outbox-alerts",
            tenant=args.tenant,
            group=f"{args.tenant}-outbox",
            queues=[WatchedQueue(outbox_queue_name, "outbox", args.outbox_max_age_seconds, OUTBOX_RUNBOOK)],
            opts=child,
        )
        k8s.apiextensions.CustomResource(
            f"{name}-alert-routing",
            api_version="monitoring.coreos.com/v1alpha1",
            kind="AlertmanagerConfig",
            metadata={"name": owner_receiver(args.tenant), "namespace": args.tenant},
            spec=alert_routing_spec(args.tenant, topic=args.alert_topic_arn, region=args.region),
            opts=child,
        )
        for service in (s for s in args.services if s.worker_scaling):
            auth = k8s.apiextensions.CustomResource(
                f"{name}-{service.name}-aws-auth",
                api_version="keda.sh/v1alpha1",
                kind="TriggerAuthentication",
                metadata={"name": f"{service.name}-aws", "namespace": args.tenant},
                # KEDA's operator reads the queue depth with its own identity (ScalerIdentity), so the
                # workload's role need not trust the operator.
                spec={"podIdentity": {"provider": "aws", "identityOwner": "keda"}},
                opts=child,
            )
            k8s.apiextensions.CustomResource(
                f"{name}-{service.name}-scaler",
                api_version="keda.sh/v1alpha1",
                kind="ScaledObject",
                metadata={"name": service.name, "namespace": args.tenant},
                spec=_scaled_object(service, outbox_queue_url, args.region),
                opts=options.child(self, opts, after=[auth]),
            )
        self.register_outputs({})
