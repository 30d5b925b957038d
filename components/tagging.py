"""Cost tags: defined once here, applied stack-wide by resource transforms.

Every taggable AWS resource gets the mandatory tags as ``tags``; every Kubernetes object gets them
as ``metadata.labels``. Nothing at a call site repeats them: a component is put in a *cost scope*
(``cost_scope_transform``) and the engine applies the scope's transform to the component and all
of its descendants. The stack transform (registered by the composition) is the safety net that tags
anything outside a tenant scope as platform-shared (tenant ``shared``).

Transforms are engine-side in a real ``pulumi up``; under mocks the offline engine replays them in
the engine's order (own, parent, …, stack), so the offline inventory is tagged exactly as a real one.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from policy_pack.policies import contract

#: Tag keys every taggable resource must carry; ``data-class`` only on data-bearing resources. The
#: program and the policy pack read them from one contract (policy_pack/policies/data/contract.json).
MANDATORY_TAG_KEYS = contract.REQUIRED_COST_TAGS
DATA_CLASS_TAG = contract.DATA_CLASS_TAG
SHARED_TENANT = contract.SHARED_TENANT
MANAGED_BY = contract.MANAGED_BY
DATA_BEARING_TYPES = contract.DATA_BEARING_TYPES

#: AWS types whose ``tags`` input is not a string map; tagged differently (or not at all).
_NON_MAP_TAG_TYPES = frozenset({"aws:autoscaling/group:Group", "aws:devopsguru/resourceCollection:ResourceCollection"})
#: Kubernetes tokens that are not Kubernetes objects (no metadata to label).
_K8S_NON_OBJECTS = contract.KUBERNETES_NON_OBJECTS


#: The tags whose values are one per stack (the CloudWatch exporter discovers the stack's queues by them).
ENVIRONMENT_TAG = "environment"
MANAGED_BY_TAG = "managed-by"


@dataclass(frozen=True)
class CostTags:
    """The cost identity of a scope: who pays for what it creates."""

    environment: str
    tenant: str
    owner: str
    cost_center: str
    data_class: str | None = None

    def mandatory(self) -> dict[str, str]:
        return {
            ENVIRONMENT_TAG: self.environment,
            "tenant": self.tenant,
            "owner": self.owner,
            "cost-center": self.cost_center,
            MANAGED_BY_TAG: MANAGED_BY,
        }

    def for_type(self, resource_type: str) -> dict[str, str]:
        """The tags (or labels) a resource of ``resource_type`` must carry in this scope."""
        tags = self.mandatory()
        if self.data_class and resource_type in DATA_BEARING_TYPES:
            tags[DATA_CLASS_TAG] = self.data_class
        return tags


def _aws_class(resource_type: str) -> type | None:
    """The pulumi_aws class behind a type token (``aws:s3/bucket:Bucket`` -> ``pulumi_aws.s3.Bucket``)."""
    try:
        _, module_path, class_name = resource_type.split(":")
    except ValueError:
        return None
    module = module_path.split("/")[0]
    candidates = ["pulumi_aws"] if module == "index" else [f"pulumi_aws.{module}", f"pulumi_aws.{module}_"]
    for name in candidates:
        try:
            return getattr(importlib.import_module(name), class_name, None)
        except ImportError:
            continue
    return None


@functools.cache
def is_taggable_aws_type(resource_type: str) -> bool:
    """True when the AWS resource type takes a ``tags`` string map (read from the pinned SDK)."""
    if not resource_type.startswith("aws:") or resource_type in _NON_MAP_TAG_TYPES:
        return False
    cls = _aws_class(resource_type)
    init = getattr(cls, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters


def is_kubernetes_object_type(resource_type: str) -> bool:
    return resource_type.startswith("kubernetes:") and not resource_type.startswith(_K8S_NON_OBJECTS)


def _merged(existing: Any, required: Mapping[str, str]) -> dict[str, Any]:
    """Explicit values win: a component may set a more specific data-class on one resource."""
    merged: dict[str, Any] = dict(required)
    if isinstance(existing, Mapping):
        merged.update(existing)
    return merged


def apply_cost_tags(resource_type: str, props: Mapping[str, Any], tags: CostTags) -> dict[str, Any] | None:
    """Return ``props`` with the scope's tags added, or None when the type carries no tags.

    Pure: used by the transforms below and directly by tests.
    """
    required = tags.for_type(resource_type)
    new_props = dict(props)
    if is_taggable_aws_type(resource_type):
        new_props["tags"] = _merged(props.get("tags"), required)
        if resource_type == "aws:ec2/launchTemplate:LaunchTemplate":
            # Instances and volumes launched from the template carry the tags too.
            new_props["tagSpecifications"] = [{"resourceType": kind, "tags": _merged(None, required)} for kind in ("instance", "volume")]
        return new_props
    if is_kubernetes_object_type(resource_type):
        metadata = dict(props.get("metadata") or {})
        metadata["labels"] = _merged(metadata.get("labels"), required)
        new_props["metadata"] = metadata
        return new_props
    return None


def cost_scope_transform(tags: CostTags) -> pulumi.ResourceTransform:
    """A resource transform that tags a resource with ``tags`` (explicit tags win).

    Put it on a component (``ResourceOptions(transforms=[...])``): the engine runs it for the
    component and every descendant, before parents' and stack transforms, so the nearest scope wins.
    """

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.custom:
            return None
        new_props = apply_cost_tags(args.type_, args.props, tags)
        if new_props is None:
            return None
        return pulumi.ResourceTransformResult(props=new_props, opts=args.opts)

    return transform
