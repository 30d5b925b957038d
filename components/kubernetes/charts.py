"""Pinned Helm charts of the platform: repository and exact version, defined once (ADR-0003).

Bumping a chart is a reviewed change to this file; ``k8s-helm-release-pinned`` rejects any release
without an exact version and an explicit repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.kubernetes.namespaces import GATEWAY_NAMESPACE


@dataclass(frozen=True)
class Chart:
    name: str
    repository: str
    version: str
    namespace: str


ARGO_CD = Chart("argo-cd", "https://argoproj.github.io/argo-helm", "7.7.22", "argocd")
KYVERNO = Chart("kyverno", "https://kyverno.github.io/kyverno/", "3.3.4", "kyverno")
KUBE_PROMETHEUS_STACK = Chart("kube-prometheus-stack", "https://prometheus-community.github.io/helm-charts", "66.3.1", "observability")
OPENTELEMETRY_COLLECTOR = Chart(
    "opentelemetry-collector", "https://open-telemetry.github.io/opentelemetry-helm-charts", "0.111.0", "observability"
)
#: Argo Rollouts v1.9.0: the canaries of tenant services (components/tenant/canary.py).
ARGO_ROLLOUTS = Chart("argo-rollouts", "https://argoproj.github.io/argo-helm", "2.41.0", "argo-rollouts")
KEDA = Chart("keda", "https://kedacore.github.io/charts", "2.16.0", "keda")
CHAOS_MESH = Chart("chaos-mesh", "https://charts.chaos-mesh.org", "2.7.0", "chaos-mesh")
#: YACE v0.67.0, the CloudWatch exporter (in prometheus-community since 2025-01).
CLOUDWATCH_EXPORTER = Chart(
    "prometheus-yet-another-cloudwatch-exporter", "https://prometheus-community.github.io/helm-charts", "0.47.0", "observability"
)
#: blackbox_exporter v0.28.0: probes Vault's health endpoint.
BLACKBOX_EXPORTER = Chart("prometheus-blackbox-exporter", "https://prometheus-community.github.io/helm-charts", "11.17.2", "observability")
#: Fluent Bit 5.1.1: namespace labels in records (>= 3.0.0) and EKS Pod Identity (>= 4.0.0).
FLUENT_BIT = Chart("fluent-bit", "https://fluent.github.io/helm-charts", "0.58.1", "logging")
#: The edge (#29 item 2, ADR-0028), installed where the stack has one (``edge``): AWS Load Balancer
#: Controller v3.5.0 turns each tenant's Ingress into its ALB; external-dns v0.21.0 writes its hosts.
AWS_LOAD_BALANCER_CONTROLLER = Chart("aws-load-balancer-controller", "https://aws.github.io/eks-charts", "3.5.0", GATEWAY_NAMESPACE)
EXTERNAL_DNS = Chart("external-dns", "https://kubernetes-sigs.github.io/external-dns/", "1.21.1", GATEWAY_NAMESPACE)
#: Cluster Autoscaler v1.35.0 (chart 9.59.0): nodes follow the workers (#30 item 7, ADR-0030); its minor
#: is the clusters' Kubernetes minor, so a Kubernetes upgrade bumps this chart too.
CLUSTER_AUTOSCALER = Chart("cluster-autoscaler", "https://kubernetes.github.io/autoscaler", "9.59.0", "cluster-autoscaler")

ALL = (
    ARGO_CD,
    ARGO_ROLLOUTS,
    KYVERNO,
    KUBE_PROMETHEUS_STACK,
    OPENTELEMETRY_COLLECTOR,
    CLOUDWATCH_EXPORTER,
    BLACKBOX_EXPORTER,
    FLUENT_BIT,
    KEDA,
    CHAOS_MESH,
    AWS_LOAD_BALANCER_CONTROLLER,
    EXTERNAL_DNS,
    CLUSTER_AUTOSCALER,
)
#: Installed only where the stack asks for them.
OPTIONAL = (CHAOS_MESH, AWS_LOAD_BALANCER_CONTROLLER, EXTERNAL_DNS, CLUSTER_AUTOSCALER)
EDGE = (AWS_LOAD_BALANCER_CONTROLLER, EXTERNAL_DNS)
