"""Nodes follow the workers (#30 item 7, ADR-0030): the Kubernetes Cluster Autoscaler grows the managed
node group when pods are unschedulable (KEDA scaled a worker out) and shrinks it when nodes sit idle,
between ``cluster.nodeMin`` and ``cluster.nodeMax``.

Chart ``cluster-autoscaler`` 9.59.0 (Cluster Autoscaler v1.35.0, the minor of the clusters' Kubernetes:
CA supports its own minor only). It finds the node group's Auto Scaling group by the tags EKS puts on a
managed node group's group (``k8s.io/cluster-autoscaler/enabled``, ``k8s.io/cluster-autoscaler/<cluster>``;
only the keys matter: cloudprovider/aws/README.md) and only changes its desired capacity. Its AWS
calls go through EKS Pod Identity: CA 1.35 uses aws-sdk-go-v2's default chain (config v1.32.3), which
reads the Pod Identity agent's credentials. Pure: values and the role's policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.aws import iam_documents
from components.kubernetes import charts

SERVICE_ACCOUNT = "cluster-autoscaler"
#: What CA reads to know the groups and the instance types it may add (the README's first statement:
#: these authorize on "*" only, except DescribeNodegroup, scoped below).
READ_ACTIONS = [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
]
#: What it changes: the desired capacity, and a node it drained (the README's second statement, which
#: it advises restricting; here to EKS's groups of this cluster).
WRITE_ACTIONS = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]


def discovery_tag(cluster_name: str) -> str:
    """The tag key EKS puts on a managed node group's Auto Scaling group, naming its cluster."""
    return f"k8s.io/cluster-autoscaler/{cluster_name}"


@dataclass(frozen=True)
class AutoscalerSettings:
    """Attributes:
    cluster_name: The cluster whose groups it discovers.
    region: The cluster's region.
    max_nodes: ``--max-nodes-total``: the node group's ``nodeMax`` (a second bound, in the autoscaler).
    scale_down_unneeded_minutes: How long a node stays underused before it is removed.
    scale_down_utilization: Below this share of a node's allocatable requests, the node is underused.
    """

    cluster_name: Any
    region: str
    max_nodes: int
    scale_down_unneeded_minutes: int = 10
    scale_down_utilization: float = 0.5


def access(*, region: str, account: str, cluster_name: str) -> dict[str, Any]:
    """The autoscaler role's policy: read the groups and types; set capacity and terminate instances in
    EKS's Auto Scaling groups of this cluster only (group name ``eks-*`` and the cluster's tag key)."""
    return iam_documents.document(
        {"Sid": "ReadGroupsAndTypes", "Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"},
        {
            # Labels and taints of a managed node group at zero nodes.
            "Sid": "ReadNodegroups",
            "Effect": "Allow",
            "Action": "eks:DescribeNodegroup",
            "Resource": f"arn:aws:eks:{region}:{account}:nodegroup/{cluster_name}/*/*",
        },
        {
            "Sid": "ScaleThisClustersGroups",
            "Effect": "Allow",
            "Action": WRITE_ACTIONS,
            "Resource": f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/eks-*",
            "Condition": {"Null": {f"aws:ResourceTag/{discovery_tag(cluster_name)}": "false"}},
        },
    )


def chart_values(settings: AutoscalerSettings, ha: bool) -> dict[str, Any]:
    """The chart's values: auto-discovery of this cluster's groups, Pod Identity (no keys, no IRSA
    annotation), the restricted pod security profile, metrics for the platform's Prometheus."""
    return {
        "cloudProvider": "aws",
        "awsRegion": settings.region,
        "autoDiscovery": {"clusterName": settings.cluster_name},
        "rbac": {"serviceAccount": {"create": True, "name": SERVICE_ACCOUNT}},
        # One active replica (it elects a leader); a second in HA takes over when the first's node goes.
        "replicaCount": 2 if ha else 1,
        "extraArgs": {
            "expander": "least-waste",
            "max-nodes-total": settings.max_nodes,
            "scale-down-unneeded-time": f"{settings.scale_down_unneeded_minutes}m",
            "scale-down-utilization-threshold": settings.scale_down_utilization,
            # Pods with emptyDir (the platform's read-only-root workloads) may move: their data is scratch.
            "skip-nodes-with-local-storage": False,
        },
        "resources": {"requests": {"cpu": "100m", "memory": "300Mi"}, "limits": {"memory": "600Mi"}},
        # The chart sets none; its image is distroless :nonroot.
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containerSecurityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "serviceMonitor": {"enabled": True, "namespace": charts.CLUSTER_AUTOSCALER.namespace, "interval": "30s"},
    }
