"""The cluster's platform services: GitOps (Argo CD), signed-image admission (Kyverno), observability
(OpenTelemetry collector, Prometheus/Grafana, Fluent Bit for logs), queue-depth autoscaling (KEDA) and optional chaos
tooling (Chaos Mesh), each from a pinned chart in its own namespace."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import options
from components.aws import alert_relay
from components.aws.scaler_identity import KEDA_OPERATOR_SERVICE_ACCOUNT
from components.kubernetes import charts, cloudwatch_metrics, gateway, logging, node_autoscaler, platform_alerts, probes
from components.kubernetes.admission import POLICY_NAME, registry_prefixes, signature_policy
from components.kubernetes.charts import Chart
from components.kubernetes.namespaces import GATEWAY_NAMESPACE, pod_security_labels
from components.kubernetes.telemetry import COLLECTOR_SERVICE_ACCOUNT, CollectorSettings, collector_config
from policy_pack.policies.contract import BATCH_PRIORITY, CRITICAL_PRIORITY

#: Platform namespaces run vendor charts: PSS baseline. Chaos Mesh's daemon needs privileged, granted
#: only through this annotation naming the decision (k8s-namespace-pod-security checks it).
POD_SECURITY_EXCEPTION = "fintech-blueprint.io/pod-security-exception"
#: Grafana's admin login, created here (the chart only reads it; a missing secret fails the release).
GRAFANA_ADMIN_SECRET = "grafana-admin"


VAULT_REVIEWER = "vault-token-reviewer"
VAULT_REVIEWER_NAMESPACE = "kube-system"


def vault_token_reviewer(name: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """The service account Vault's Kubernetes auth presents to the TokenReview API (it may review
    tokens, nothing else: ``system:auth-delegator``), and its long-lived token, which Vault holds."""
    child = options.child(parent)
    account = k8s.core.v1.ServiceAccount(
        f"{name}-vault-reviewer",
        metadata={"name": VAULT_REVIEWER, "namespace": VAULT_REVIEWER_NAMESPACE},
        automount_service_account_token=False,
        opts=child,
    )
    k8s.rbac.v1.ClusterRoleBinding(
        f"{name}-vault-reviewer",
        metadata={"name": VAULT_REVIEWER},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"},
        subjects=[{"kind": "ServiceAccount", "name": VAULT_REVIEWER, "namespace": VAULT_REVIEWER_NAMESPACE}],
        opts=child,
    )
    token = k8s.core.v1.Secret(
        f"{name}-vault-reviewer-token",
        metadata={
            "name": f"{VAULT_REVIEWER}-token",
            "namespace": VAULT_REVIEWER_NAMESPACE,
            "annotations": {"kubernetes.io/service-account.name": VAULT_REVIEWER},
        },
        type="kubernetes.io/service-account-token",
        opts=options.child(parent, after=[account]),
    )
    return pulumi.Output.secret(token.data.apply(lambda data: base64.b64decode((data or {}).get("token", "")).decode()))


#: Namespaces whose vendor workloads need what Pod Security "baseline" forbids, and why (the
#: exception annotation names the decision; k8s-namespace-pod-security checks it).
PRIVILEGED_NAMESPACES = {
    charts.CHAOS_MESH.namespace: "adrs/0006-observability-chaos.md: chaos-daemon injects faults on nodes",
    charts.FLUENT_BIT.namespace: "adrs/0006-observability-chaos.md: Fluent Bit reads container logs from the node (hostPath /var/log)",
}


def chart_values(
    chart: Chart,
    ha: bool,
    metrics_retention: str,
    collector: CollectorSettings,
    shipper: logging.ShipperSettings,
    exporter: cloudwatch_metrics.ExporterSettings,
    vault_address: str,
    alerting: tuple[str, str],
) -> dict[str, Any]:
    """Values per chart; ``ha`` doubles the replicas of everything that serves requests."""
    replicas = 2 if ha else 1
    if chart is charts.ARGO_CD:
        return {
            "redis-ha": {"enabled": ha},
            "server": {"replicas": replicas},
            "repoServer": {"replicas": replicas},
            "applicationSet": {"replicas": replicas},
            "configs": {"params": {"server.insecure": False}},
            # argocd_app_info, which the platform's delivery alerts read (platform_alerts.py).
            "controller": {"replicas": 1, "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}},
        }
    if chart is charts.ARGO_ROLLOUTS:
        return {
            "controller": {"replicas": replicas, "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}},
            "dashboard": {"enabled": False},
            # Its own ServiceAccount may touch what it drives, no more: no service-mesh or ingress
            # controller's objects (the edge's traffic routing is #29 item 2's, with its ADR).
            "providerRBAC": {"enabled": False},
        }
    if chart is charts.KYVERNO:
        return {
            # kyverno_admission_requests_total, which the admission-denials alert reads (platform_alerts.py).
            "admissionController": {"replicas": 3 if ha else 1, "serviceMonitor": {"enabled": True}},
            "backgroundController": {"replicas": replicas},
            "features": {"policyExceptions": {"enabled": False}},
        }
    if chart is charts.KUBE_PROMETHEUS_STACK:
        return {
            "nodeExporter": {"enabled": False},  # needs host namespaces; node metrics come from the OTel collector
            "grafana": {"admin": {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": "admin-user", "passwordKey": "admin-password"}},
            "prometheus": {
                "prometheusSpec": {
                    "retention": metrics_retention,
                    "replicas": replicas,
                    "ruleSelectorNilUsesHelmValues": False,
                    "ruleNamespaceSelector": {},
                    # Tenant namespaces' ServiceMonitors, and the collector's remote-written OTLP metrics.
                    "serviceMonitorSelectorNilUsesHelmValues": False,
                    "serviceMonitorNamespaceSelector": {},
                    "enableRemoteWriteReceiver": True,
                }
            },
            # Tenant namespaces' AlertmanagerConfigs (the operator confines each to its namespace's alerts);
            # the platform's own alerts to the platform team, through the alert topic (alert_relay.py).
            "alertmanager": {
                "serviceAccount": {"create": True, "name": alert_relay.ALERTMANAGER_SERVICE_ACCOUNT},
                "config": alert_relay.alertmanager_config(topic=alerting[0], region=alerting[1]),
                "alertmanagerSpec": {
                    "replicas": replicas,
                    "alertmanagerConfigSelector": {},
                    "alertmanagerConfigNamespaceSelector": {},
                    "alertmanagerConfigMatcherStrategy": {"type": "OnNamespace"},
                },
            },
        }
    if chart is charts.OPENTELEMETRY_COLLECTOR:
        return {
            "mode": "deployment",
            "replicaCount": replicas,
            # contrib: the awscloudwatchlogs exporter, the routing connector and sigv4auth are not in the k8s distribution.
            "image": {"repository": "otel/opentelemetry-collector-contrib"},
            "serviceAccount": {"create": True, "name": COLLECTOR_SERVICE_ACCOUNT},
            "presets": {"kubernetesAttributes": {"enabled": True}, "kubeletMetrics": {"enabled": True}},
            "config": collector_config(collector),
        }
    if chart is charts.BLACKBOX_EXPORTER:
        return probes.chart_values(vault_address)
    if chart is charts.CLOUDWATCH_EXPORTER:
        return cloudwatch_metrics.chart_values(exporter)
    if chart is charts.FLUENT_BIT:
        # A node's logs are lost while its shipper is pending: above tenant workloads.
        return logging.chart_values(shipper, CRITICAL_PRIORITY[0])
    if chart is charts.KEDA:
        # The operator authenticates through EKS Pod Identity (ScalerIdentity): no IRSA webhook.
        return {"operator": {"replicaCount": replicas}, "serviceAccount": {"operator": {"name": KEDA_OPERATOR_SERVICE_ACCOUNT}}}
    if chart is charts.CHAOS_MESH:
        return {
            "chaosDaemon": {"runtime": "containerd", "socketPath": "/run/containerd/containerd.sock"},
            "dashboard": {"securityMode": True},
        }
    raise ValueError(f"no values for chart {chart.name}")


@dataclass(frozen=True)
class KubernetesPlatformArgs:
    """Attributes:
    kubernetes_version: Pins Pod Security labels.
    registry_host: The platform ECR registry (``<account>.dkr.ecr.<region>.amazonaws.com``).
    signing_public_key_pem: Public half of the cosign KMS key.
    ha: Highly available replicas (prod).
    chaos_enabled: Install Chaos Mesh.
    allowed_registries: Registries admitted in every tenant namespace besides the platform's.
    metrics_retention: Prometheus retention (e.g. ``15d``).
    collector: Where the OpenTelemetry collector sends what it receives (``telemetry.collector_config``).
    shipper: Where Fluent Bit sends container logs (``logging.shipper_config``).
    exporter: Whose CloudWatch metrics the exporter reads (``cloudwatch_metrics.exporter_config``).
    vault_address: Where Vault is (its health endpoint is probed from the cluster).
    alert_topic_arn / region: Where Alertmanager publishes the platform's alerts (``components.aws.alert_relay``).
    protect: Protect and retain the platform's namespaces (deleting one deletes all inside). Default False.
    edge: The edge's controllers (``gateway.py``), where the stack has a public entry. Default: none.
    node_autoscaler: The Cluster Autoscaler's settings (``node_autoscaler.py``), where nodes follow the
        workers. Default: none (the node group keeps its desired size).
    """

    kubernetes_version: str
    registry_host: pulumi.Input[str]
    signing_public_key_pem: pulumi.Input[str]
    ha: bool
    chaos_enabled: bool
    allowed_registries: list[str]
    metrics_retention: str
    collector: CollectorSettings
    shipper: logging.ShipperSettings
    exporter: cloudwatch_metrics.ExporterSettings
    vault_address: str
    alert_topic_arn: str
    region: str
    protect: bool = False
    edge: gateway.EdgeSettings | None = None
    node_autoscaler: node_autoscaler.AutoscalerSettings | None = None


class KubernetesPlatform(pulumi.ComponentResource):
    releases: dict[str, k8s.helm.v3.Release]
    vault_reviewer_jwt: pulumi.Output[str]
    admitted_registries: pulumi.Output[list[str]]

    def __init__(self, name: str, args: KubernetesPlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:kubernetes:KubernetesPlatform", name, None, opts)
        wanted = [
            c
            for c in charts.ALL
            if c not in charts.OPTIONAL
            or (c is charts.CHAOS_MESH and args.chaos_enabled)
            or (c in charts.EDGE and args.edge)
            or (c is charts.CLUSTER_AUTOSCALER and args.node_autoscaler)
        ]
        namespaces: dict[str, k8s.core.v1.Namespace] = {}
        for ns in sorted({c.namespace for c in wanted} | {GATEWAY_NAMESPACE}):
            labels = {**pod_security_labels(args.kubernetes_version)}
            annotations = {}
            labels["pod-security.kubernetes.io/enforce"] = "privileged" if ns in PRIVILEGED_NAMESPACES else "baseline"
            if ns in PRIVILEGED_NAMESPACES:
                annotations[POD_SECURITY_EXCEPTION] = PRIVILEGED_NAMESPACES[ns]
            # What runs here holds history (metrics, Argo's state, the policies): kept where the stack
            # protects state, as a tenant's namespace is (ADR-0005).
            namespaces[ns] = k8s.core.v1.Namespace(
                f"{name}-{ns}",
                metadata={"name": ns, "labels": labels, "annotations": annotations},
                opts=options.child(self, opts, keep=args.protect),
            )
        # Who the scheduler keeps when a node is short (#27 item 5): the database pooler above tenant
        # serving workloads (no class: 0), platform batch jobs (migration, erasure) below them, never
        # preempting anyone.
        self.priority_classes = [
            k8s.scheduling.v1.PriorityClass(
                f"{name}-{class_name}",
                metadata={"name": class_name},
                value=value,
                global_default=False,
                preemption_policy="PreemptLowerPriority" if value > 0 else "Never",
                description=description,
                opts=options.child(self, opts),
            )
            for (class_name, value), description in (
                (CRITICAL_PRIORITY, "Platform services tenants depend on (the database pooler, the log shipper): above tenant workloads."),
                (BATCH_PRIORITY, "Platform batch jobs (migration, erasure): below tenant serving workloads; never preempt."),
            )
        ]
        chart_secrets: dict[str, list[pulumi.Resource]] = {}
        if charts.KUBE_PROMETHEUS_STACK in wanted:
            login = random.RandomPassword(f"{name}-grafana-admin", length=32, special=False, opts=options.child(self, opts))
            chart_secrets[charts.KUBE_PROMETHEUS_STACK.name] = [
                k8s.core.v1.Secret(
                    f"{name}-grafana-admin",
                    metadata={"name": GRAFANA_ADMIN_SECRET, "namespace": charts.KUBE_PROMETHEUS_STACK.namespace},
                    string_data={"admin-user": "admin", "admin-password": login.result},
                    opts=options.child(self, opts, after=[namespaces[charts.KUBE_PROMETHEUS_STACK.namespace]]),
                )
            ]
        self.releases = {}
        for chart in wanted:
            self.releases[chart.name] = k8s.helm.v3.Release(
                f"{name}-{chart.name}",
                name=chart.name,
                chart=chart.name,
                version=chart.version,
                repository_opts={"repo": chart.repository},
                namespace=chart.namespace,
                create_namespace=False,
                atomic=True,
                cleanup_on_fail=True,
                values=gateway.chart_values(chart, args.edge, 2 if args.ha else 1)
                if chart in charts.EDGE and args.edge
                else node_autoscaler.chart_values(args.node_autoscaler, args.ha)
                if chart is charts.CLUSTER_AUTOSCALER and args.node_autoscaler
                else chart_values(
                    chart,
                    args.ha,
                    args.metrics_retention,
                    args.collector,
                    args.shipper,
                    args.exporter,
                    args.vault_address,
                    (args.alert_topic_arn, args.region),
                ),
                opts=options.child(
                    self,
                    opts,
                    after=[
                        namespaces[chart.namespace],
                        *chart_secrets.get(chart.name, []),
                        *(self.priority_classes if chart is charts.FLUENT_BIT else []),
                    ],
                ),
            )

        # Only the key itself waits for the signing key to exist: the rest of the policy (what it covers)
        # is known at a first preview, where the pack checks it.
        spec = pulumi.Output.from_input(args.registry_host).apply(
            lambda host: signature_policy(host, args.signing_public_key_pem, args.allowed_registries)
        )
        #: What every tenant namespace admits; a tenant with its own allow-list extends it.
        self.admitted_registries = pulumi.Output.from_input(args.registry_host).apply(
            lambda host: registry_prefixes(host, args.allowed_registries)
        )
        k8s.apiextensions.CustomResource(
            f"{name}-image-signatures",
            api_version="kyverno.io/v1",
            kind="ClusterPolicy",
            metadata={
                "name": POLICY_NAME,
                "annotations": {
                    "policies.kyverno.io/severity": "high",
                    "policies.kyverno.io/category": "Software Supply Chain Security",
                },
            },
            spec=spec,
            opts=options.child(self, opts, after=[self.releases[charts.KYVERNO.name]]),
        )
        # Argo CD's and admission's effects on tenant workloads, routed to each tenant, and Vault's
        # health and certificate, the platform's (#30 item 3).
        for rule, spec_of in (
            (platform_alerts.RULE_NAME, platform_alerts.platform_rules_spec),
            (probes.RULE_NAME, probes.endpoint_rules_spec),
        ):
            k8s.apiextensions.CustomResource(
                f"{name}-{rule}-alerts",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata={"name": rule, "namespace": charts.KUBE_PROMETHEUS_STACK.namespace},
                spec=spec_of(),
                opts=options.child(self, opts, after=[self.releases[charts.KUBE_PROMETHEUS_STACK.name]]),
            )
        self.vault_reviewer_jwt = vault_token_reviewer(name, self)
        self.register_outputs({"releases": sorted(self.releases)})
