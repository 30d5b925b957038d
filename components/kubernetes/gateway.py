"""The edge's controllers in ``platform-gateway`` (#29 item 2, ADR-0028): the AWS Load Balancer
Controller, which provisions each tenant's ALB from the IngressClass, IngressClassParams and Ingress
the tenant's ``TenantEdge`` creates, and external-dns, which writes each public host's record in the
stack's zone. Neither creates an IngressClass of its own: a tenant's class is the only way to an ALB."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.aws.edge_identity import EXTERNAL_DNS_SERVICE_ACCOUNT, LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT
from components.kubernetes import charts


@dataclass(frozen=True)
class EdgeEntry:
    """The stack's public entry (config ``edge``), which the controllers and every tenant's entry share.

    Attributes:
        domain / hosted_zone_id: The Route 53 zone the public hosts are in (certificates' validation;
            external-dns writes there, and only under this domain).
        tls_policy: The HTTPS listeners' security policy.
        shield_advanced: Protect each ALB with Shield Advanced.
    """

    domain: str
    hosted_zone_id: str
    tls_policy: str
    shield_advanced: bool


@dataclass(frozen=True)
class EdgeSettings:
    """Attributes:
    entry: The stack's public entry.
    cluster_name: Names the controller's objects (the ``elbv2.k8s.aws/cluster`` tag its role is scoped to).
    vpc_id / region: Where its ALBs are.
    owner_id: external-dns's ownership marker (TXT records): it changes only records it wrote.
    """

    entry: EdgeEntry
    cluster_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    region: str
    owner_id: str


def load_balancer_controller_values(edge: EdgeSettings, replicas: int) -> dict[str, Any]:
    return {
        "clusterName": edge.cluster_name,
        "region": edge.region,
        "vpcId": edge.vpc_id,
        "replicaCount": replicas,
        "serviceAccount": {"create": True, "name": LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT},
        # Each tenant's class and params are the platform's (TenantEdge): none open to every namespace.
        "createIngressClassResource": False,
        "ingressClassParams": {"create": False},
        "defaultSSLPolicy": edge.entry.tls_policy,
        "defaultTargetType": "ip",
        "defaultLoadBalancerScheme": "internal",
        "enableShield": edge.entry.shield_advanced,
        "enableWaf": False,  # WAF Classic: retired; web ACLs are WAFv2
        "enableWafv2": True,
        "serviceMonitor": {"enabled": True},
    }


def external_dns_values(edge: EdgeSettings) -> dict[str, Any]:
    return {
        "provider": {"name": "aws"},
        "sources": ["ingress"],
        # An offboarded tenant's names go with it (a dangling name is a takeover waiting to happen);
        # sync deletes only records its TXT markers say it owns.
        "policy": "sync",
        "registry": "txt",
        "txtOwnerId": edge.owner_id,
        "domainFilters": [edge.entry.domain],
        "extraArgs": [f"--zone-id-filter={edge.entry.hosted_zone_id}", "--aws-zone-type=public"],
        "serviceAccount": {"create": True, "name": EXTERNAL_DNS_SERVICE_ACCOUNT},
        "env": [{"name": "AWS_DEFAULT_REGION", "value": edge.region}],
        "serviceMonitor": {"enabled": True},
    }


def chart_values(chart: charts.Chart, edge: EdgeSettings, replicas: int) -> dict[str, Any]:
    if chart is charts.AWS_LOAD_BALANCER_CONTROLLER:
        return load_balancer_controller_values(edge, replicas)
    if chart is charts.EXTERNAL_DNS:
        return external_dns_values(edge)
    raise ValueError(f"{chart.name} is not an edge chart")
