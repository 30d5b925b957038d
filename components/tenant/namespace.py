"""A tenant's Kubernetes isolation bundle: namespace, quota, limits, network policies, identities, RBAC.

Everything a tenant's workloads need to run isolated in its own namespace and nothing more:
Pod Security ``restricted`` (enforce/audit/warn), a ResourceQuota and LimitRange from the tier,
default-deny ingress *and* egress with narrow allows (in: the same namespace, Prometheus, and for its
public services their ALB from the public subnets (ADR-0028); out: Vault where it really is, the
database pooler, the telemetry collector, the AWS APIs' interface endpoints, the Pod Identity agent,
and the tenant's own egress allow-list), a ServiceAccount per service, and the tenant team's group
bound to a read-and-restart role in this namespace only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import options
from components.context import StackContext
from components.kubernetes.admission import REGISTRY_SCOPE_LABEL, REGISTRY_SCOPE_OWN, TENANT_REGISTRY_POLICY, tenant_registry_policy
from components.kubernetes.logging import TENANT_LABEL
from components.kubernetes.namespaces import DNS_NAMESPACE, pod_security_labels
from components.kubernetes.quotas import QuotaTier, limit_range_spec, resource_quota_spec

#: The instance metadata endpoint: no tenant pod may reach node credentials.
METADATA_CIDR = "169.254.169.254/32"
#: The EKS Pod Identity agent on every node, where the SDKs fetch a pod's AWS credentials (EKS User
#: Guide, "Set up the Amazon EKS Pod Identity Agent"); a default-deny egress blocks it unless allowed.
POD_IDENTITY_AGENT = ("169.254.170.23/32", 80)


def team_group(tenant: str) -> str:
    """The Kubernetes group of a tenant's team (mapped from IAM/SSO by the cluster's access entries)."""
    return f"tenant:{tenant}:developers"


def _namespace_selector(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


@dataclass(frozen=True)
class PlatformEndpoints:
    """Where a tenant pod's platform peers are, for its network policies.

    Attributes:
        vault_cidrs / vault_port: Vault (the Concierge) runs outside the cluster (ADR-0023): the networks
            its address resolves to and the port of that address.
        pooler_namespace / pooler_port: The database pooler (ADR-0002).
        telemetry_namespace / otlp_ports: The OpenTelemetry collector (and Prometheus, which scrapes
            tenant pods from the same namespace).
        aws_endpoints_cidr: Where the VPC's interface endpoints to the AWS APIs are (the VPC's CIDR;
            ADR-0025): HTTPS there reaches AWS without the internet.
        edge_cidrs: The public subnets, where a tenant's ALB sends requests from (its targets are pod
            IPs: ADR-0028). Default: none.
    """

    vault_cidrs: list[str]
    vault_port: int
    pooler_namespace: str
    pooler_port: int
    telemetry_namespace: str
    otlp_ports: tuple[int, ...]
    aws_endpoints_cidr: str
    edge_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class EgressAllow:
    """A destination outside the cluster a tenant's pods may open connections to (ADR-0025)."""

    name: str
    cidrs: list[str]
    ports: list[int]


ALLOW_LISTED_EGRESS = "allow-listed-egress"
ALLOW_EDGE_INGRESS = "allow-edge-ingress"
WORKLOAD_LABEL = "app.kubernetes.io/name"


def _tcp(*ports: int | str) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def network_policy_specs(
    endpoints: PlatformEndpoints, metrics_port: str, egress: Sequence[EgressAllow] = (), public_services: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """Name -> NetworkPolicy spec. Pure: the isolation tests read the same specs the component applies.
    No egress to the internet but the tenant's own allow-list (``egress``, from its config; none by default).
    ``public_services``: the pods its ALB may reach, on their serving port, from the public subnets."""
    specs: dict[str, dict[str, Any]] = {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-same-namespace": {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {}}]}],
            "egress": [{"to": [{"podSelector": {}}]}],
        },
        "allow-dns-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{**_namespace_selector(DNS_NAMESPACE), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
        "allow-metrics-scrape": {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [_namespace_selector(endpoints.telemetry_namespace)], "ports": _tcp(metrics_port)}],
        },
        "allow-platform-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": cidr}} for cidr in endpoints.vault_cidrs], "ports": _tcp(endpoints.vault_port)},
                {"to": [_namespace_selector(endpoints.pooler_namespace)], "ports": _tcp(endpoints.pooler_port)},
                {"to": [_namespace_selector(endpoints.telemetry_namespace)], "ports": _tcp(*endpoints.otlp_ports)},
                {"to": [{"ipBlock": {"cidr": endpoints.aws_endpoints_cidr}}], "ports": _tcp(443)},
                {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT[0]}}], "ports": _tcp(POD_IDENTITY_AGENT[1])},
            ],
        },
    }
    if public_services and endpoints.edge_cidrs:
        specs[ALLOW_EDGE_INGRESS] = {
            "podSelector": {"matchExpressions": [{"key": WORKLOAD_LABEL, "operator": "In", "values": sorted(public_services)}]},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"ipBlock": {"cidr": cidr}} for cidr in endpoints.edge_cidrs], "ports": _tcp(metrics_port)}],
        }
    if egress:
        specs[ALLOW_LISTED_EGRESS] = {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": cidr}} for cidr in allow.cidrs], "ports": _tcp(*allow.ports)} for allow in egress],
        }
    return specs


DEVELOPER_ROLE = "tenant-developer"
_READ = ["get", "list", "watch"]


def developer_rules() -> list[dict[str, Any]]:
    """What a tenant's team may do in its namespace: see its workloads (pods, logs, events, quotas,
    the objects GitOps applied) and restart a pod by deleting it. Workloads change only through GitOps
    (Argo CD applies the service repository's overlay): a person who could create a Deployment or Job
    could run a pod as any ServiceAccount of the namespace (the erasure job's included) or mount any
    Secret. Never Secrets, never a shell (exec, attach, port-forward): credentials come from the
    Concierge (Vault), and a shell next to pci or pii data is a break-glass for the platform team
    (ADR-0021)."""
    return [
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets", "statefulsets"], "verbs": _READ},
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": _READ},
        {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": _READ},
        {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": _READ},
        {"apiGroups": [""], "resources": ["configmaps", "services", "persistentvolumeclaims"], "verbs": _READ},
        {"apiGroups": [""], "resources": ["pods"], "verbs": [*_READ, "delete"]},
        {"apiGroups": [""], "resources": ["pods/log", "events", "serviceaccounts", "resourcequotas", "limitranges"], "verbs": _READ},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": _READ},
        {"apiGroups": ["keda.sh"], "resources": ["scaledobjects"], "verbs": _READ},
    ]


@dataclass(frozen=True)
class TenantNamespaceArgs:
    """Inputs of a tenant's namespace bundle.

    Attributes:
        namespace: Namespace name (the tenant name; a DNS-1123 label).
        tier: Quota tier. Sets the ResourceQuota and the LimitRange defaults.
        kubernetes_version: Pins the Pod Security Standards version labels.
        services: Service names; each gets a ServiceAccount (no token automount).
        admitted_registries: Image patterns the platform admits in every tenant namespace
            (``KubernetesPlatform.admitted_registries``).
        allowed_registries: The tenant's own extra registry prefixes. When set, the namespace is
            labelled out of the cluster-wide registry rule and gets a Policy admitting both lists.
        endpoints: Where Vault, the pooler, the collector and the gateway are (the network policies).
        metrics_port: The container port Prometheus may scrape (the template's ``http``).
        egress: Destinations outside the cluster the tenant's pods may reach (ADR-0025). Default: none.
        public_services: Its services the edge routes to (their pods admit the ALB). Default: none.
    """

    namespace: str
    tier: QuotaTier
    kubernetes_version: str
    services: list[str]
    admitted_registries: pulumi.Input[list[str]]
    allowed_registries: list[str]
    endpoints: PlatformEndpoints
    metrics_port: str = "http"
    egress: list[EgressAllow] = field(default_factory=list)
    public_services: list[str] = field(default_factory=list)


class TenantNamespace(pulumi.ComponentResource):
    """The tenant's namespace and the isolation bundle inside it."""

    namespace: pulumi.Output[str]

    def __init__(self, name: str, args: TenantNamespaceArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:kubernetes:TenantNamespace", name, None, opts)
        ns_name = args.namespace

        # The label Fluent Bit routes this namespace's container logs by (to the tenant's log group).
        labels = {**pod_security_labels(args.kubernetes_version), TENANT_LABEL: ns_name}
        if args.allowed_registries:
            labels[REGISTRY_SCOPE_LABEL] = REGISTRY_SCOPE_OWN
        # Deleting a namespace deletes everything in it: kept where the stack protects state (ADR-0005).
        kept = options.child(self, opts, keep=ctx.protect)
        namespace = k8s.core.v1.Namespace(f"{name}-ns", metadata={"name": ns_name, "labels": labels}, opts=kept)
        in_ns = options.child(self, opts, after=[namespace])

        def meta(object_name: str) -> dict[str, Any]:
            return {"name": object_name, "namespace": ns_name}

        k8s.core.v1.ResourceQuota(f"{name}-quota", metadata=meta("tenant-quota"), spec=resource_quota_spec(args.tier), opts=in_ns)
        k8s.core.v1.LimitRange(f"{name}-limits", metadata=meta("tenant-limits"), spec=limit_range_spec(args.tier), opts=in_ns)
        for policy_name, spec in network_policy_specs(args.endpoints, args.metrics_port, args.egress, args.public_services).items():
            k8s.networking.v1.NetworkPolicy(f"{name}-{policy_name}", metadata=meta(policy_name), spec=spec, opts=in_ns)
        for service in args.services:
            k8s.core.v1.ServiceAccount(
                f"{name}-{service}-sa",
                metadata=meta(service),
                automount_service_account_token=False,
                opts=in_ns,
            )
        if args.allowed_registries:
            k8s.apiextensions.CustomResource(
                f"{name}-registries",
                api_version="kyverno.io/v1",
                kind="Policy",
                metadata=meta(TENANT_REGISTRY_POLICY),
                spec=pulumi.Output.from_input(args.admitted_registries).apply(
                    lambda admitted: tenant_registry_policy(admitted, args.allowed_registries)
                ),
                opts=in_ns,
            )
        developer = k8s.rbac.v1.Role(f"{name}-developer", metadata=meta(DEVELOPER_ROLE), rules=developer_rules(), opts=in_ns)
        k8s.rbac.v1.RoleBinding(
            f"{name}-team-developer",
            metadata=meta("tenant-team-developer"),
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": DEVELOPER_ROLE},
            subjects=[{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": team_group(ns_name)}],
            opts=options.child(self, opts, after=[namespace, developer]),
        )

        self.namespace = namespace.metadata.apply(lambda _: ns_name)
        self.register_outputs({"namespace": self.namespace})
