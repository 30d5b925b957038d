"""The estimator against hand-computed figures (#18 acceptance): one EKS control plane, a NAT gateway
with its hours and GB, a tiered S3 bucket, and a tenant's direct + shared split under each rule."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest

from policy_pack.policies import pricing
from policy_pack.policies.contract import PLATFORM_COMPONENT, TENANT_COMPONENT
from stacks.loader import ROOT

PLATFORM = "urn:pulumi:t::p::fintech:platform:Platform::platform"


def res(
    type_: str, name: str, props: dict[str, Any] | None = None, tenant: str = "shared", parent: str | None = PLATFORM
) -> pricing.Resource:
    return pricing.Resource(f"urn:pulumi:t::p::{type_}::{name}", type_, name, props or {}, parent, tenant)


def platform(usage: dict[str, str] | None = None, rule: str = "even") -> pricing.Resource:
    return res(
        PLATFORM_COMPONENT, "platform", {"finops": {"usage": usage or {}, "sharedCostSplit": rule, "region": "eu-west-3"}}, parent=None
    )


def tenant(name: str, weight: str = "1", budget: str = "100.00", usage: dict[str, str] | None = None) -> pricing.Resource:
    finops = {"usage": usage or {}, "shareWeight": weight, "monthlyBudgetUsd": budget}
    return res(TENANT_COMPONENT, name, {"finops": finops}, tenant=name, parent=None)


def lines_of(estimate: pricing.Estimate, type_: str) -> list[tuple[str, str, str]]:
    return [(line.what, str(line.quantity), f"{line.monthly:.2f}") for line in estimate.lines if line.type == type_]


def test_an_eks_control_plane_for_730_hours_is_73_dollars() -> None:
    estimate = pricing.estimate([platform(), res("aws:eks/cluster:Cluster", "eks")], "eu-west-3")
    assert lines_of(estimate, "aws:eks/cluster:Cluster") == [("control plane", "730", "73.00")]
    assert estimate.total == Decimal("73.00") and estimate.shared == Decimal("73.00")


def test_a_nat_gateway_costs_its_hours_and_its_gigabytes() -> None:
    # 730 h x 0.048 = 35.04; 250 GB x 0.048 = 12.00
    estimate = pricing.estimate([platform({"natGbPerMonth": "250"}), res("aws:ec2/natGateway:NatGateway", "nat")], "eu-west-3")
    assert lines_of(estimate, "aws:ec2/natGateway:NatGateway") == [("gateway", "730", "35.04"), ("data processed", "250", "12.00")]
    assert estimate.total == Decimal("47.04")


def test_a_tenants_public_entry_costs_its_alb_and_its_web_acl() -> None:
    """#29: load balancer hours and LCUs (on the class the controller makes an ALB of), the web ACL,
    its rules and the requests of the routes it guards (two paths: 2 x requestsPerMonth)."""
    edge = "urn:pulumi:t::p::fintech:tenant:TenantEdge::lending"
    rules = [{"name": "rate-limit"}, *({"name": f"group-{i}"} for i in range(4))]
    paths = [{"path": "/"}, {"path": "/admin"}]
    resources = [
        platform(),
        tenant("lending", usage={"edgeLcus": "2"}),
        res("aws:wafv2/webAcl:WebAcl", "acl", {"rules": rules}, tenant="lending", parent=edge),
        res("kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams", "class", {}, tenant="lending", parent=edge),
        res("kubernetes:networking.k8s.io/v1:Ingress", "routes", {"spec": {"rules": [{"http": {"paths": paths}}]}}, "lending", edge),
    ]
    estimate = pricing.estimate(resources, "eu-west-3")
    # 730 h x 0.024 = 17.52; 2 LCUs x 730 h x 0.0085 = 12.41
    assert lines_of(estimate, "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams") == [
        ("load balancer hours", "730", "17.52"),
        ("load balancer capacity units", "1460", "12.41"),
    ]
    # 5.00 a web ACL, 1.00 a rule, 0.60 a million requests
    assert lines_of(estimate, "aws:wafv2/webAcl:WebAcl") == [
        ("web ACL", "1", "5.00"),
        ("rules", "5", "5.00"),
        ("requests inspected", "2", "1.20"),
    ]
    assert estimate.direct["lending"] == Decimal("41.13") and estimate.unpriced == []


def test_s3_storage_is_priced_by_tier() -> None:
    # 61,440 GB = 51,200 GB x 0.024 (1,228.80) + 10,240 GB x 0.023 (235.52) = 1,464.32
    estimate = pricing.estimate([platform({"storageGb": "61440"}), res("aws:s3/bucket:Bucket", "lake")], "eu-west-3")
    (line,) = estimate.lines
    assert (line.monthly, line.unit_price) == (Decimal("1464.32"), Decimal("0.023833"))
    # Beyond 500 TB the third tier: 600,000 GB = 1,228.80 + 460,800 x 0.023 (10,598.40) + 88,000 x 0.022 (1,936.00)
    big = pricing.estimate([platform({"storageGb": "600000"}), res("aws:s3/bucket:Bucket", "lake")], "eu-west-3")
    assert big.total == Decimal("13763.20")


def test_a_node_group_is_its_instances_and_their_volumes() -> None:
    # 3 x m6i.large x 730 h x 0.112 = 245.28; 3 x 50 GB gp3 x 0.0928 = 13.92
    template = res("aws:ec2/launchTemplate:LaunchTemplate", "nodes-lt", {"blockDeviceMappings": [{"ebs": {"volumeSize": 50}}]})
    nodes = res("aws:eks/nodeGroup:NodeGroup", "nodes", {"instanceTypes": ["m6i.large"], "scalingConfig": {"desiredSize": 3}})
    estimate = pricing.estimate([platform(), template, nodes], "eu-west-3")
    assert lines_of(estimate, "aws:eks/nodeGroup:NodeGroup") == [("instances", "2190", "245.28"), ("node volumes (gp3)", "150", "13.92")]


@pytest.mark.parametrize(("usage", "extra"), [(None, "1"), ("5", "2"), ("0", "0")])
def test_an_autoscaled_node_group_adds_the_nodes_its_workers_take_never_past_its_maximum(usage: str | None, extra: str) -> None:
    """#30 item 7: the autoscaler's nodes (usage autoscaledNodes, default 1) priced like the others, at
    most nodeMax - nodeDesired (here 4 - 2)."""
    scaling = {"desiredSize": 2, "maxSize": 4}
    props = {"instanceTypes": ["m6i.large"], "scalingConfig": scaling, "tags": {pricing.AUTOSCALED_TAG: "true"}}
    nodes = res("aws:eks/nodeGroup:NodeGroup", "nodes", props)
    estimate = pricing.estimate([platform({"autoscaledNodes": usage} if usage else None), nodes], "eu-west-3")
    hours = Decimal(extra) * 730
    assert ("autoscaled instances (usage autoscaledNodes)", str(hours), f"{hours * Decimal('0.112'):.2f}") in lines_of(
        estimate, "aws:eks/nodeGroup:NodeGroup"
    )
    fixed = res("aws:eks/nodeGroup:NodeGroup", "nodes", {**props, "tags": {}})
    assert [w for w, _, _ in lines_of(pricing.estimate([platform(), fixed], "eu-west-3"), "aws:eks/nodeGroup:NodeGroup")] == [
        "instances",
        "node volumes (gp3)",
    ]


SPLIT_STACK = [
    res("aws:eks/cluster:Cluster", "eks"),  # 73.00 shared
    res("aws:kms/key:Key", "shared-key"),  # 1.00 shared
    res("aws:kms/key:Key", "a-key", tenant="a", parent="urn:pulumi:t::p::fintech:platform:Tenant::a"),  # 1.00 direct to a
]


@pytest.mark.parametrize(
    ("rule", "weights", "shares"),
    [
        ("even", {"a": "1", "b": "1", "c": "1"}, {"a": "24.67", "b": "24.67", "c": "24.66"}),
        ("tier", {"a": "2", "b": "8", "c": "32"}, {"a": "3.52", "b": "14.10", "c": "56.38"}),
        ("weights", {"a": "0.5", "b": "0.25", "c": "0.25"}, {"a": "37.00", "b": "18.50", "c": "18.50"}),
    ],
)
def test_a_tenant_pays_its_own_and_its_share_of_the_platform(rule: str, weights: dict[str, str], shares: dict[str, str]) -> None:
    tenants = [tenant(name, weight) for name, weight in weights.items()]
    estimate = pricing.estimate([platform(rule=rule), *tenants, *SPLIT_STACK], "eu-west-3")
    assert estimate.shared == Decimal("74.00") and estimate.direct == {"a": Decimal("1.00")}
    assert {t: f"{v:.2f}" for t, v in estimate.share.items()} == shares
    assert sum(estimate.share.values()) == estimate.shared  # cent-exact, whatever the weights
    with_share = estimate.with_share()
    assert with_share["a"] == Decimal("1.00") + Decimal(shares["a"])
    assert sum(with_share.values()) == estimate.total


def test_usage_comes_from_the_tenant_profile_over_the_platform() -> None:
    queue = {"redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:eu-west-3:1:dlq", "maxReceiveCount": 5})}
    resources = [
        platform({"requestsPerMonth": "1000000"}),
        tenant("a", usage={"requestsPerMonth": "10000000"}),
        res("aws:sqs/queue:Queue", "a-outbox", queue, tenant="a"),
        res("aws:sqs/queue:Queue", "a-dlq", {}, tenant="a"),  # a DLQ sees only failures
    ]
    estimate = pricing.estimate(resources, "eu-west-3")
    # 10M messages x 3 requests = 30 million requests x 0.40 = 12.00
    assert lines_of(estimate, "aws:sqs/queue:Queue") == [("outbox messages (send, receive, delete)", "30", "12.00")]


def test_a_type_the_catalog_lacks_is_unpriced_with_the_reason() -> None:
    estimate = pricing.estimate([platform(), res("aws:opensearch/domain:Domain", "search")], "eu-west-3")
    assert [(u.type, u.reason) for u in estimate.unpriced] == [
        (
            "aws:opensearch/domain:Domain",
            f"the eu-west-3 price catalog ({pricing.load_catalog('eu-west-3').version}) has no entry for this type",
        )
    ]
    unknown_instance = res("aws:rds/clusterInstance:ClusterInstance", "db", {"instanceClass": "db.x9.huge"})
    assert "no price for 'db.x9.huge'" in pricing.estimate([platform(), unknown_instance], "eu-west-3").unpriced[0].reason


def test_a_region_without_a_catalog_is_an_error_naming_the_catalogs() -> None:
    with pytest.raises(pricing.CatalogError, match=r"no price catalog for region 'ap-south-9' \(catalogs: eu-west-3\)"):
        pricing.load_catalog("ap-south-9")


@pytest.mark.parametrize("region", sorted(json.loads((ROOT / "stacks" / "data" / "regions.json").read_text())["regions"]))
def test_every_accepted_region_is_estimated_priced_or_unpriced_never_an_error(region: str) -> None:
    """#26 item 8: a region the config model accepts is priced by its catalog, or its priced resources are
    reported unpriced with the reason (free ones stay free); the estimate never fails."""
    resources = [platform(), res("aws:eks/cluster:Cluster", "eks"), res("aws:kms/key:Key", "key"), res("aws:iam/role:Role", "role")]
    estimate = pricing.estimate(resources, region)
    if (pricing.PRICES / f"{region}.json").is_file():
        assert not estimate.unpriced and estimate.total > 0
    else:
        assert estimate.total == 0 and estimate.free == 1  # the role costs nothing, wherever it is
        assert [u.type for u in estimate.unpriced] == ["aws:eks/cluster:Cluster", "aws:kms/key:Key"]
        assert {u.reason for u in estimate.unpriced} == {
            f"no price catalog for region {region} (catalogs: eu-west-3): add policy_pack/policies/data/prices/{region}.json to price it"
        }


def test_tag_coverage_by_count_and_by_cost() -> None:
    full = {"environment": "dev", "tenant": "shared", "owner": "p", "cost-center": "C", "managed-by": "pulumi"}
    resources = [
        platform(),
        res("aws:eks/cluster:Cluster", "tagged", {"tags": full}),  # 73.00
        res("aws:kms/key:Key", "untagged", {"tags": {"environment": "dev"}}),  # 1.00
    ]
    coverage = pricing.estimate(resources, "eu-west-3", frozenset({"aws:eks/cluster:Cluster", "aws:kms/key:Key"})).tag_coverage
    assert coverage == {"byCount": Decimal("50.00"), "byCost": Decimal("98.65"), "untagged": ["urn:pulumi:t::p::aws:kms/key:Key::untagged"]}


def test_every_price_names_its_source_date_and_whether_it_was_verified() -> None:
    catalog = pricing.load_catalog("eu-west-3")
    assert catalog.hours == 730 and catalog.currency == "USD"
    for price in catalog.prices.values():
        assert price.source.startswith("https://aws.amazon.com/")
        assert "2026-12-04" <= price.retrieved <= datetime.date.today().isoformat() and len(price.retrieved) == 10
        assert isinstance(price.verified, bool)
    # Every key a meter uses is in the catalog.
    for type_, kind in catalog.types.items():
        assert kind["kind"] in ("priced", "usage", "free")
        assert (type_ in pricing.METERS) == (kind["kind"] != "free"), type_
