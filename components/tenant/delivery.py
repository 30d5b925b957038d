"""How a tenant's services reach the cluster and are watched: an Argo CD project confined to the
tenant, one Application per service, SLO alerting rules, and queue-depth autoscaling for workers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import charts
from components.naming import DEFAULT_BRANCH
from components.options import child_options

IN_CLUSTER = "https://kubernetes.default.svc"
#: Tenants deploy workloads, never their own guardrails: quotas, network isolation, the RBAC the
#: platform grants their team (ADR-0021), and admission policy (a namespaced Kyverno Policy).
GUARDRAIL_KINDS = [
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("kyverno.io", "Policy"),
]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    repository_url: str
    latency_p95_ms: int
    error_rate_percent: Decimal
    worker_scaling: tuple[int, int, int] | None = None  # (min replicas, max replicas, target queue depth)


def app_project_spec(tenant: str, services: list[ServiceSpec]) -> dict[str, Any]:
    return {
        "description": f"Tenant {tenant}: its own namespace and repositories only",
        "sourceRepos": sorted(s.repository_url for s in services),
        "destinations": [{"server": IN_CLUSTER, "namespace": tenant}],
        "clusterResourceWhitelist": [],
        "namespaceResourceBlacklist": [{"group": g, "kind": k} for g, k in GUARDRAIL_KINDS],
    }


def application_spec(tenant: str, service: ServiceSpec) -> dict[str, Any]:
    return {
        "project": tenant,
        "source": {"repoURL": service.repository_url, "targetRevision": DEFAULT_BRANCH, "path": "deploy"},
        "destination": {"server": IN_CLUSTER, "namespace": tenant},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True}, "syncOptions": ["CreateNamespace=false"]},
    }


def slo_rules_spec(tenant: str, services: list[ServiceSpec]) -> dict[str, Any]:
    """Alerting rules from the SLO thresholds in config (ADR-6), one group per tenant."""
    rules = []
    for s in services:
        selector = f'namespace="{tenant}",service="{s.name}"'
        requests = f"http_server_request_duration_seconds_count{{{selector}}}"
        errors = f'http_server_request_duration_seconds_count{{{selector},http_response_status_code=~"5.."}}'
        latency = f"http_server_request_duration_seconds_bucket{{{selector}}}"
        rules += [
            {
                "alert": "SloLatencyP95",
                "for": "10m",
                "expr": f"histogram_quantile(0.95, sum by (le) (rate({latency}[5m]))) > {s.latency_p95_ms / 1000:g}",
                "labels": {"severity": "page", "tenant": tenant, "service": s.name},
                "annotations": {"summary": f"{s.name} p95 latency above {s.latency_p95_ms} ms"},
            },
            {
                "alert": "SloErrorRate",
                "for": "10m",
                "expr": f"sum(rate({errors}[5m])) / sum(rate({requests}[5m])) > {s.error_rate_percent / 100}",
                "labels": {"severity": "page", "tenant": tenant, "service": s.name},
                "annotations": {"summary": f"{s.name} error rate above {s.error_rate_percent}%"},
            },
        ]
    return {"groups": [{"name": f"{tenant}-slo", "rules": rules}]}


def scaled_object_spec(service: ServiceSpec, queue_url: str, region: str) -> dict[str, Any]:
    assert service.worker_scaling is not None
    low, high, depth = service.worker_scaling
    return {
        "scaleTargetRef": {"name": service.name},
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
    gitops_namespace: Where Argo CD runs. Default ``argocd``.
    """

    tenant: str
    services: list[ServiceSpec]
    region: str
    gitops_namespace: str = charts.ARGO_CD.namespace


class TenantDelivery(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: TenantDeliveryArgs, outbox_queue_url: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """``outbox_queue_url``: the queue the tenant's workers scale on (its outbox)."""
        super().__init__("fintech:kubernetes:TenantDelivery", name, None, opts)
        child = child_options(self, opts)
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
                spec=application_spec(args.tenant, service),
                opts=child_options(self, opts, project),
            )
        k8s.apiextensions.CustomResource(
            f"{name}-slo",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata={"name": f"{args.tenant}-slo", "namespace": args.tenant},
            spec=slo_rules_spec(args.tenant, args.services),
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
                opts=child_options(self, opts, auth),
            )
        self.register_outputs({})
