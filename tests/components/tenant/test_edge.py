"""A tenant's public entry (#29 items 2-3, ADR-0028): its certificate validated in the zone, its web
ACL with the managed groups and its rate limit, logging where WAF can write; an IngressClass whose
parameters fix everything an Ingress annotation could loosen, validated against the pinned
controller's CRD; the Ingress of its routes; and the identities of the two controllers."""

from __future__ import annotations

import json

import pytest

from components.aws import edge_identity
from components.aws.edge_identity import EdgeIdentity, EdgeIdentityArgs
from components.kubernetes import charts, crd_schemas, gateway
from components.tenant import edge
from components.tenant.edge import PublicRoute, TenantEdge, TenantEdgeArgs
from components.tenant.namespace import PlatformEndpoints, network_policy_specs
from policy_pack.policies import contract
from policy_pack.policies.lifecycle import default_retention
from tests.components.harness import CONTEXT, TENANT_TAGS, build, resource_violations

ROUTES = [
    PublicRoute("payments-api", "api.payments.dev.example.com"),
    PublicRoute("payments-admin", "api.payments.dev.example.com", "/admin"),
    PublicRoute("checkout", "checkout.dev.example.com"),
]
PARAMS = "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams"


def _edge(rate: int = 500, shield: bool = False) -> None:
    TenantEdge(
        "payments",
        TenantEdgeArgs(
            tenant="payments",
            routes=ROUTES,
            hosted_zone_id="Z0EXAMPLE",
            domain="dev.example.com",
            rate_limit_per_5_min=rate,
            tls_policy=edge.DEFAULT_TLS_POLICY,
            shield_advanced=shield,
            public_subnet_ids=["subnet-a", "subnet-b"],
            cost_tags=TENANT_TAGS.mandatory(),
            waf_log_key_arn="arn:aws:kms:eu-west-3:111111111111:key/data",
            retention=default_retention("pci"),
        ),
        CONTEXT,
    )


def test_the_entry_is_https_through_the_tenants_waf_on_its_own_alb() -> None:
    built = build(_edge, tags=TENANT_TAGS)
    certificate = built.one("aws:acm/certificate:Certificate").inputs
    assert (certificate["domainName"], certificate["subjectAlternativeNames"]) == (
        "api.payments.dev.example.com",
        ["checkout.dev.example.com"],
    )
    # One validation record per name, in the stack's zone, and the validation waits for them.
    records = built.of_type("aws:route53/record:Record")
    assert len(records) == 2 and {r.inputs["zoneId"] for r in records} == {"Z0EXAMPLE"}
    assert all(r.inputs["name"].startswith("_") and r.inputs["type"] == "CNAME" for r in records)
    assert len(built.one("aws:acm/certificateValidation:CertificateValidation").inputs["validationRecordFqdns"]) == 2

    acl = built.one("aws:wafv2/webAcl:WebAcl").inputs
    assert acl["scope"] == "REGIONAL" and acl["defaultAction"] == {"allow": {}}
    rate = acl["rules"][0]
    assert rate["statement"]["rateBasedStatement"] == {"limit": 500, "aggregateKeyType": "IP", "evaluationWindowSec": 300}
    assert rate["action"] == {"block": {}} and rate["priority"] == 0
    groups = [r["statement"]["managedRuleGroupStatement"]["name"] for r in acl["rules"][1:]]
    assert groups == list(contract.EDGE_MANAGED_RULE_GROUPS)
    assert all(r["overrideAction"] == {"none": {}} for r in acl["rules"][1:])
    # WAF writes only to groups named aws-waf-logs-*, and never the credentials.
    logs = built.named("payments-waf-logs").inputs
    assert logs["name"] == "aws-waf-logs-fintech-blueprint-dev-payments" and logs["retentionInDays"] > 0
    logging = built.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    assert logging["logDestinationConfigs"] == [f"arn:aws:logs:eu-west-3:123456789012:log-group:{logs['name']}"]
    assert {f["singleHeader"]["name"] for f in logging["redactedFields"]} == {"authorization", "cookie"}

    params = built.one(PARAMS).inputs
    spec = params["spec"]
    assert spec["scheme"] == "internet-facing" and spec["sslRedirectPort"] == "443" and spec["targetType"] == "ip"
    assert spec["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "payments"}}
    assert spec["wafv2AclArn"].startswith("arn:aws:wafv2:eu-west-3:123456789012:regional/webacl/fintech-blueprint-dev-payments-edge/")
    assert spec["certificateArn"] == [certificate_arn(built)]
    assert spec["subnets"] == {"ids": ["subnet-a", "subnet-b"]} and spec["group"] == {"name": "payments"}
    assert {t["key"]: t["value"] for t in spec["tags"]} == TENANT_TAGS.mandatory()
    manifest = {"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "IngressClassParams", "metadata": {"name": "x"}, "spec": spec}
    assert crd_schemas.errors(manifest) == []

    ingress_class = built.one("kubernetes:networking.k8s.io/v1:IngressClass").inputs
    assert ingress_class["spec"] == {
        "controller": contract.EDGE_CONTROLLER,
        "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "payments-public"},
    }
    ingress = built.one("kubernetes:networking.k8s.io/v1:Ingress").inputs
    assert ingress["metadata"]["namespace"] == "payments" and ingress["spec"]["ingressClassName"] == "payments-public"
    rules = {r["host"]: [(p["path"], p["backend"]["service"]["name"]) for p in r["http"]["paths"]] for r in ingress["spec"]["rules"]}
    assert rules == {
        "api.payments.dev.example.com": [("/", "payments-api"), ("/admin", "payments-admin")],
        "checkout.dev.example.com": [("/", "checkout")],
    }
    assert json.loads(ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert resource_violations(built) == []


def certificate_arn(built) -> str:
    return built.one("aws:acm/certificateValidation:CertificateValidation").inputs["certificateArn"]


def test_the_crd_refuses_what_the_controller_would_refuse() -> None:
    spec = edge.ingress_class_params_spec(
        "payments", certificate_arn="arn:c", web_acl_arn="arn:w", subnet_ids=["s"], tls_policy=edge.DEFAULT_TLS_POLICY, tags={}
    )
    manifest = {"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "IngressClassParams", "metadata": {"name": "x"}}
    assert crd_schemas.errors({**manifest, "spec": {**spec, "scheme": "public"}})
    assert crd_schemas.errors({**manifest, "spec": {**spec, "wafAclArn": "arn:w"}})


@pytest.mark.parametrize(("region", "floor"), [("eu-west-3", 10), ("us-east-1", 10), ("eu-central-2", 100), ("us-gov-west-1", 100)])
def test_the_rate_limit_floor_is_wafs_in_the_region(region: str, floor: int) -> None:
    assert edge.waf_rate_limit_minimum(region) == floor


def test_hosts_in_the_zone() -> None:
    assert edge.in_zone("api.dev.example.com", "dev.example.com")
    assert edge.in_zone("dev.example.com.", "dev.example.com")
    assert not edge.in_zone("api.example.com", "dev.example.com")
    assert not edge.in_zone("evildev.example.com", "dev.example.com")


def test_only_the_public_services_admit_the_alb_from_the_public_subnets() -> None:
    endpoints = PlatformEndpoints(["10.0.0.0/16"], 8200, "db", 6432, "observability", (4317,), "10.0.0.0/16", edge_cidrs=("10.0.128.0/20",))
    specs = network_policy_specs(endpoints, "http", public_services=["payments-api"])
    allow = specs["allow-edge-ingress"]
    assert allow["podSelector"]["matchExpressions"] == [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["payments-api"]}]
    assert allow["ingress"] == [{"from": [{"ipBlock": {"cidr": "10.0.128.0/20"}}], "ports": [{"protocol": "TCP", "port": "http"}]}]
    assert "allow-edge-ingress" not in network_policy_specs(endpoints, "http")


def test_the_controllers_identities_write_only_what_is_theirs() -> None:
    built = build(
        lambda: EdgeIdentity("edge-identity", EdgeIdentityArgs(cluster_name="fintech-blueprint-dev", hosted_zone_id="Z0EXAMPLE"), CONTEXT)
    )
    policies = {r.name: json.loads(r.inputs["policy"]) for r in built.of_type("aws:iam/rolePolicy:RolePolicy")}
    controller = policies["edge-identity-load-balancer-controller-albs"]
    for statement in controller["Statement"]:
        writes = [a for a in statement["Action"] if not a.split(":")[1].startswith(("Describe", "Get", "List"))]
        if writes and statement["Resource"] == "*":
            pytest.fail(f"{statement['Sid']} writes on '*'")
    # Deleting and modifying: only what carries this cluster's tag; opening: its own groups and the cluster's.
    by_sid = {s["Sid"]: s for s in controller["Statement"]}
    ours = {"StringEquals": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "fintech-blueprint-dev"}}
    assert by_sid["ManageOwnAlbs"]["Condition"] == by_sid["ManageOwnSecurityGroups"]["Condition"] == ours
    assert by_sid["CreateOwnSecurityGroups"]["Condition"] == {
        "StringEquals": {"aws:RequestTag/elbv2.k8s.aws/cluster": "fintech-blueprint-dev"}
    }
    cluster_group = {"StringEquals": {"aws:ResourceTag/kubernetes.io/cluster/fintech-blueprint-dev": "owned"}}
    assert by_sid["AllowAlbTrafficToTheCluster"]["Condition"] == cluster_group
    assert not any(a.startswith("waf-regional:") for s in controller["Statement"] for a in s["Action"])
    dns = policies["edge-identity-external-dns-records"]
    assert dns["Statement"][0]["Resource"] == "arn:aws:route53:::hostedzone/Z0EXAMPLE"
    associations = {
        r.inputs["serviceAccount"]: r.inputs["namespace"] for r in built.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    }
    assert associations == {
        edge_identity.LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT: "platform-gateway",
        edge_identity.EXTERNAL_DNS_SERVICE_ACCOUNT: "platform-gateway",
    }
    assert resource_violations(built) == []


def test_the_controllers_create_no_class_of_their_own_and_write_only_the_zone() -> None:
    entry = gateway.EdgeEntry("dev.example.com", "Z0EXAMPLE", edge.DEFAULT_TLS_POLICY, False)
    settings = gateway.EdgeSettings(entry, "fb-dev", "vpc-1", "eu-west-3", "fb-dev")
    controller = gateway.chart_values(charts.AWS_LOAD_BALANCER_CONTROLLER, settings, 2)
    assert controller["createIngressClassResource"] is False and controller["ingressClassParams"] == {"create": False}
    assert controller["defaultLoadBalancerScheme"] == "internal" and controller["enableWaf"] is False
    assert controller["serviceAccount"]["name"] == edge_identity.LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT
    dns = gateway.chart_values(charts.EXTERNAL_DNS, settings, 1)
    assert dns["domainFilters"] == ["dev.example.com"] and "--zone-id-filter=Z0EXAMPLE" in dns["extraArgs"]
    assert dns["policy"] == "sync" and dns["txtOwnerId"] == "fb-dev" and dns["sources"] == ["ingress"]
