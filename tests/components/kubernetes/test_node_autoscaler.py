"""#30 item 7: the Cluster Autoscaler's values and identity (components/kubernetes/node_autoscaler.py,
components/aws/scaler_identity.py)."""

from __future__ import annotations

import json

from components.aws.scaler_identity import NodeAutoscalerIdentity, NodeAutoscalerIdentityArgs
from components.kubernetes import charts, node_autoscaler
from components.kubernetes.node_autoscaler import AutoscalerSettings
from tests.components.harness import PROD_CONTEXT, build, resource_violations

SETTINGS = AutoscalerSettings(cluster_name="acme-prod", region="eu-west-3", max_nodes=12, scale_down_unneeded_minutes=15)


def test_the_autoscaler_discovers_this_cluster_within_its_bounds() -> None:
    values = node_autoscaler.chart_values(SETTINGS, ha=True)
    assert values["autoDiscovery"] == {"clusterName": "acme-prod"} and values["awsRegion"] == "eu-west-3"
    flags = values["extraArgs"]
    assert flags["max-nodes-total"] == 12 and flags["scale-down-unneeded-time"] == "15m"
    assert flags["scale-down-utilization-threshold"] == 0.5 and flags["expander"] == "least-waste"
    # The service account the Pod Identity association names, created by the chart with no IRSA annotation.
    assert values["rbac"]["serviceAccount"] == {"create": True, "name": node_autoscaler.SERVICE_ACCOUNT}
    assert values["replicaCount"] == 2 and node_autoscaler.chart_values(SETTINGS, ha=False)["replicaCount"] == 1


def test_the_autoscaler_runs_under_the_restricted_pod_profile() -> None:
    values = node_autoscaler.chart_values(SETTINGS, ha=False)
    assert values["securityContext"]["runAsNonRoot"] is True
    assert values["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = values["containerSecurityContext"]
    assert container["allowPrivilegeEscalation"] is False and container["readOnlyRootFilesystem"] is True
    assert container["capabilities"] == {"drop": ["ALL"]}
    assert values["resources"]["limits"]["memory"] and values["resources"]["requests"]["cpu"]


def test_the_autoscaler_may_scale_only_this_cluster_s_groups() -> None:
    document = node_autoscaler.access(region="eu-west-3", account="111111111111", cluster_name="acme-prod")
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    write = by_sid["ScaleThisClustersGroups"]
    assert sorted(write["Action"]) == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert write["Resource"] == "arn:aws:autoscaling:eu-west-3:111111111111:autoScalingGroup:*:autoScalingGroupName/eks-*"
    assert write["Condition"] == {"Null": {"aws:ResourceTag/k8s.io/cluster-autoscaler/acme-prod": "false"}}
    assert by_sid["ReadNodegroups"]["Resource"] == "arn:aws:eks:eu-west-3:111111111111:nodegroup/acme-prod/*/*"
    # Only reads are on "*".
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in by_sid["ReadGroupsAndTypes"]["Action"])


def test_the_identity_is_the_chart_s_service_account_s_and_passes_the_pack() -> None:
    built = build(lambda: NodeAutoscalerIdentity("cluster-autoscaler", NodeAutoscalerIdentityArgs("acme-prod"), PROD_CONTEXT))
    association = built.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs
    expected = (charts.CLUSTER_AUTOSCALER.namespace, node_autoscaler.SERVICE_ACCOUNT)
    assert (association["namespace"], association["serviceAccount"]) == expected
    policy = json.loads(built.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {"ReadGroupsAndTypes", "ReadNodegroups", "ScaleThisClustersGroups"}
    assert resource_violations(built) == []
