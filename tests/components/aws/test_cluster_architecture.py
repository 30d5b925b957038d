"""A node group runs one AMI: its instance types share an architecture, and the AMI type follows it."""

from __future__ import annotations

import pytest

from components.aws.cluster import AMI_TYPES, Cluster, ClusterArgs, ami_type_for, architecture
from policy_pack.policies.lifecycle import default_retention
from tests.components.harness import CONTEXT, build


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [("m6i.large", "x86_64"), ("m7g.large", "arm64"), ("c6gn.xlarge", "arm64"), ("r6gd.2xlarge", "arm64"), ("a1.medium", "arm64"),
     ("t4g.small", "arm64"), ("g5.xlarge", "x86_64"), ("im4gn.large", "arm64"), ("m7a.large", "x86_64"), ("c5n.large", "x86_64")],
)  # fmt: skip
def test_architecture_from_the_ec2_naming_convention(instance_type: str, arch: str) -> None:
    assert architecture(instance_type) == arch


def test_graviton_nodes_get_the_arm_ami_and_mixed_types_are_refused() -> None:
    assert ami_type_for(["m7g.large", "c7g.large"]) == AMI_TYPES["arm64"]
    assert ami_type_for(["m6i.large"]) == AMI_TYPES["x86_64"]
    with pytest.raises(ValueError, match="mix architectures"):
        ami_type_for(["m6i.large", "m7g.large"])
    built = build(
        lambda: Cluster(
            "cluster",
            ClusterArgs(
                subnet_ids=["s"], secrets_key_arn="k", data_key_arn="d", log_retention=default_retention("internal"),
                instance_types=["m7g.large"],
            ),
            CONTEXT,
        )
    )  # fmt: skip
    assert built.one("aws:eks/nodeGroup:NodeGroup").inputs["amiType"] == "AL2023_ARM_64_STANDARD"
