"""Cluster alone: built with only its required fields, it is private, encrypted, logged and sized by
the same defaults the config model reads, and passes the pack's resource rules."""

from __future__ import annotations

from components.aws import cluster
from components.aws.cluster import Cluster, ClusterArgs
from policy_pack.policies.lifecycle import default_retention
from policy_pack.policies.pricing import AUTOSCALED_TAG
from stacks.config import ClusterConfig
from tests.components.harness import PROD_CONTEXT, build, resource_violations

KEYS = "arn:aws:kms:eu-west-3:111111111111:key/"


def minimal() -> Cluster:
    return Cluster(
        "cluster",
        ClusterArgs(
            subnet_ids=["subnet-a", "subnet-b"],
            secrets_key_arn=KEYS + "secrets",
            data_key_arn=KEYS + "data",
            log_retention=default_retention("internal"),
        ),
        PROD_CONTEXT,
    )


def test_a_cluster_with_only_its_required_fields_passes_the_pack() -> None:
    built = build(minimal, stack="prod")
    assert resource_violations(built) == []
    eks = built.one("aws:eks/cluster:Cluster").inputs
    assert eks["vpcConfig"]["endpointPublicAccess"] is False and eks["vpcConfig"]["endpointPrivateAccess"] is True
    assert eks["version"] == cluster.KUBERNETES_VERSION
    nodes = built.one("aws:eks/nodeGroup:NodeGroup").inputs
    assert nodes["scalingConfig"] == {"minSize": cluster.NODE_MIN, "desiredSize": cluster.NODE_DESIRED, "maxSize": cluster.NODE_MAX}
    assert nodes["instanceTypes"] == list(cluster.NODE_INSTANCE_TYPES)


def test_the_config_model_defaults_are_the_component_s() -> None:
    defaults = ClusterConfig()
    assert defaults.kubernetes_version == cluster.KUBERNETES_VERSION
    assert (defaults.node_min, defaults.node_desired, defaults.node_max) == (cluster.NODE_MIN, cluster.NODE_DESIRED, cluster.NODE_MAX)
    assert defaults.node_instance_types == list(cluster.NODE_INSTANCE_TYPES)
    assert defaults.endpoint_public_access is ClusterArgs.__dataclass_fields__["endpoint_public_access"].default


def test_an_autoscaled_node_group_leaves_its_desired_size_to_the_autoscaler() -> None:
    """#30 item 7: ``up`` must not reset the size the Cluster Autoscaler chose; FinOps sees the tag."""

    def build_autoscaled() -> Cluster:
        return Cluster(
            "cluster",
            ClusterArgs(
                subnet_ids=["subnet-a", "subnet-b"],
                secrets_key_arn=KEYS + "secrets",
                data_key_arn=KEYS + "data",
                log_retention=default_retention("internal"),
                autoscaled=True,
            ),
            PROD_CONTEXT,
        )

    nodes = build(build_autoscaled, stack="prod").one("aws:eks/nodeGroup:NodeGroup")
    assert nodes.options["ignoreChanges"] == ["scalingConfig.desiredSize"]
    assert nodes.inputs["tags"][AUTOSCALED_TAG] == "true"
    fixed = build(minimal, stack="prod").one("aws:eks/nodeGroup:NodeGroup")
    assert not fixed.options.get("ignoreChanges") and AUTOSCALED_TAG not in (fixed.inputs.get("tags") or {})
