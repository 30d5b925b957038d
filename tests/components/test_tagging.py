"""Cost tags: defined once, applied by transforms, present on everything that can carry them."""

from __future__ import annotations

import json

import pytest

from blueprint.engine.mocks import Registration
from blueprint.tools import taggable_types
from components.tagging import (
    DATA_BEARING_TYPES,
    MANDATORY_TAG_KEYS,
    CostTags,
    apply_cost_tags,
    is_kubernetes_object_type,
    is_taggable_aws_type,
)

PAYMENTS = CostTags("dev", "payments", "payments-team", "CC-1001", "pci")

#: AWS types in the plans that cannot carry tags (reviewed): a new untagged type fails the test below.
UNTAGGABLE_REVIEWED = {
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:kms/alias:Alias",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
    "aws:rds/proxyTarget:ProxyTarget",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:costexplorer/costAllocationTag:CostAllocationTag",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:backup/selection:Selection",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    # The edge (ADR-0028): a wait on ACM, a DNS record and a WAF logging setting take no tags.
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:route53/record:Record",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
}


def test_aws_resources_get_tags_and_explicit_values_win() -> None:
    props = apply_cost_tags("aws:s3/bucket:Bucket", {"tags": {"data-class": "confidential", "Name": "x"}}, PAYMENTS)
    assert props is not None
    assert props["tags"] == {**PAYMENTS.mandatory(), "data-class": "confidential", "Name": "x"}


def test_kubernetes_objects_get_labels_and_data_class_only_where_data_lives() -> None:
    namespace = apply_cost_tags("kubernetes:core/v1:Namespace", {"metadata": {"name": "payments"}}, PAYMENTS)
    quota = apply_cost_tags("kubernetes:core/v1:ResourceQuota", {}, PAYMENTS)
    assert namespace is not None and quota is not None
    assert namespace["metadata"]["labels"]["data-class"] == "pci"
    assert "data-class" not in quota["metadata"]["labels"]
    assert set(MANDATORY_TAG_KEYS) <= set(quota["metadata"]["labels"])


def test_launch_templates_tag_their_instances_and_volumes() -> None:
    props = apply_cost_tags("aws:ec2/launchTemplate:LaunchTemplate", {}, PAYMENTS)
    assert props is not None
    assert {spec["resourceType"] for spec in props["tagSpecifications"]} == {"instance", "volume"}
    assert all(spec["tags"]["tenant"] == "payments" for spec in props["tagSpecifications"])


def test_untaggable_types_are_left_alone() -> None:
    assert apply_cost_tags("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "r"}, PAYMENTS) is None
    assert apply_cost_tags("kubernetes:helm.sh/v3:Release", {"chart": "x"}, PAYMENTS) is None
    assert not is_kubernetes_object_type("pulumi:providers:kubernetes")


def required(registration: Registration) -> set[str]:
    keys = set(MANDATORY_TAG_KEYS)
    if registration.type in DATA_BEARING_TYPES:
        keys.add("data-class")
    return keys


def test_every_taggable_resource_and_kubernetes_object_carries_the_cost_tags(plan: list[Registration]) -> None:
    untagged_types = set()
    for r in plan:
        if not r.custom:
            continue
        if is_taggable_aws_type(r.type):
            assert required(r) <= set(r.inputs.get("tags", {})), f"{r.urn} tags {r.inputs.get('tags')}"
        elif is_kubernetes_object_type(r.type):
            labels = r.inputs.get("metadata", {}).get("labels", {})
            assert required(r) <= set(labels), f"{r.urn} labels {labels}"
        elif r.type.startswith("aws:"):
            untagged_types.add(r.type)
    assert untagged_types <= UNTAGGABLE_REVIEWED, f"new AWS types without tags: {sorted(untagged_types - UNTAGGABLE_REVIEWED)}"


def test_tenant_resources_are_tagged_with_their_tenant_and_shared_ones_as_shared(plan: list[Registration]) -> None:
    tenants = {r.name for r in plan if r.type == "fintech:platform:Tenant"}
    by_urn = {r.urn: r for r in plan}
    for r in plan:
        tags = r.inputs.get("tags") or r.inputs.get("metadata", {}).get("labels")
        if not r.custom or not isinstance(tags, dict) or "tenant" not in tags:
            continue
        owner, parent = "shared", by_urn.get(r.parent or "")
        while parent is not None:
            if parent.type == "fintech:platform:Tenant":
                owner = parent.name
                break
            parent = by_urn.get(parent.parent or "")
        assert tags["tenant"] == owner, r.urn
    assert tenants == {"payments", "fraud"}


@pytest.mark.plan
def test_without_the_transforms_nothing_would_be_tagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative control: the plan's tags come from the transforms, not from call sites."""
    from blueprint.engine import mocks
    from stacks.loader import ROOT
    from tests.conftest import plan_registrations

    monkeypatch.setattr(mocks.RecordingMonitor, "_transform_chain", lambda self, request: [])
    bare = plan_registrations(ROOT / "Pulumi.dev.yaml", "dev")
    tagged = [r for r in bare if r.custom and is_taggable_aws_type(r.type) and "tenant" in r.inputs.get("tags", {})]
    assert tagged == []


def test_the_packs_taggable_list_matches_the_pinned_sdk() -> None:
    shipped = json.loads(taggable_types.OUTPUT.read_text())
    assert shipped["types"] == taggable_types.taggable_types()
    assert len(shipped["types"]) > 800
