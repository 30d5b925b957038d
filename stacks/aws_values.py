"""Values AWS accepts, so that a typo fails the plan and not ``pulumi up``: EC2 instance types and
regions from the pinned SDK's own enums, Aurora PostgreSQL versions and instance classes from a kept
list with its source (``data/aurora_postgresql.json``; the SDK's DB class enum stops at Graviton2)."""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path
from typing import Any

from pulumi_aws._enums import Region
from pulumi_aws.ec2._enums import InstanceType as Ec2InstanceType
from pulumi_aws.rds._enums import InstanceType as DbInstanceType

AURORA = Path(__file__).parent / "data" / "aurora_postgresql.json"
EKS_INSTANCE_TYPES = Path(__file__).parent / "data" / "eks_instance_types.json"
EC2_OFFERINGS = Path(__file__).parent / "data" / "ec2_offerings.json"
#: Families the node group's AMIs (EKS AL2023 STANDARD, x86_64 or arm64) do not run: Mac instances
#: (no EKS AMI), a1 (AL2023 needs Graviton2 or later), and the accelerated families, which need the
#: NVIDIA or Neuron AMI types (EKS User Guide, "Choose an optimal Amazon EC2 node instance type";
#: g/p/inf named there, trn, dl and gr by the same rule). Prefix of the series, before the generation.
EKS_STANDARD_AMI_REFUSES = {
    "mac": "Mac instances run no EKS AMI",
    "a": "a1 is Graviton1: EKS's AL2023 AMIs need Graviton2 or later (m7g, c7g, r7g, …)",
    "g": "a GPU type needs EKS's NVIDIA AMI type, not the standard AMI this node group runs",
    "gr": "a GPU type needs EKS's NVIDIA AMI type, not the standard AMI this node group runs",
    "p": "a GPU type needs EKS's NVIDIA AMI type, not the standard AMI this node group runs",
    "inf": "an Inferentia type needs EKS's Neuron AMI type, not the standard AMI this node group runs",
    "trn": "a Trainium type needs EKS's Neuron AMI type, not the standard AMI this node group runs",
    "dl": "a Gaudi (dl) type needs an accelerator AMI, not the standard AMI this node group runs",
}


@functools.cache
def _aurora() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(AURORA.read_text(encoding="utf-8"))
    return data


@functools.cache
def ec2_instance_types() -> frozenset[str]:
    return frozenset(t.value for t in Ec2InstanceType)


@functools.cache
def aws_regions() -> frozenset[str]:
    return frozenset(r.value for r in Region)


@functools.cache
def aurora_instance_classes() -> frozenset[str]:
    extra = {f"{family}.{size}".rstrip(".") for family, sizes in _aurora()["instanceClassesBeyondTheSdk"].items() for size in sizes}
    return frozenset(t.value for t in DbInstanceType) | extra


@functools.cache
def eks_node_types() -> frozenset[str]:
    data = json.loads(EKS_INSTANCE_TYPES.read_text(encoding="utf-8"))
    return frozenset(data["instanceTypes"])


@functools.cache
def _offerings() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EC2_OFFERINGS.read_text(encoding="utf-8"))
    return data


def offered_in(region: str) -> frozenset[str] | None:
    """The EC2 types ``region`` offers (``data/ec2_offerings.json``), or None where the list has no row."""
    found = _offerings()["offerings"].get(region)
    return None if found is None else frozenset(found)


def node_type_problem(instance_type: str, region: str, series: str | None) -> str | None:
    """Why an EKS managed node group on the AL2023 standard AMI cannot run ``instance_type`` in
    ``region`` (``series``: the type's series, e.g. ``m`` of m6i), or None."""
    if instance_type not in eks_node_types():
        return f"{instance_type!r} is unknown to the EKS AMI's node agent (nodeadm's instance data, data/eks_instance_types.json)"
    refused = next((why for prefix, why in EKS_STANDARD_AMI_REFUSES.items() if series == prefix), None)
    if refused:
        return f"{instance_type!r}: {refused}"
    offered = offered_in(region)
    if offered is not None and instance_type not in offered:
        return (
            f"{instance_type!r} is not offered in {region} (EC2 DescribeInstanceTypeOfferings, data/ec2_offerings.json): "
            "pick a type the region offers"
        )
    return None


def aurora_engine_versions() -> list[str]:
    return list(_aurora()["engineVersions"])


def unknown(value: str, known: frozenset[str] | list[str], what: str, source: str) -> str | None:
    """None when ``value`` is known; else the message, with the closest known values."""
    if value in known:
        return None
    close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.75)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"{value!r} is not {what} ({source}){hint}"
