"""The Tenant slice: namespace, quota and limits from the tier, default-deny, identities, RBAC;
and onboarding: one config entry adds exactly that tenant's resources."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from blueprint.engine.mocks import Registration
from policy_pack.policies import contract
from policy_pack.policies._lib import is_default_deny
from policy_pack.policies.kubernetes_tenancy import identity_escalations
from stacks.catalog import PLATFORM_REPOSITORIES
from stacks.loader import ROOT
from tests.components.harness import team_rules
from tests.conftest import SHARED_CHANGES_ON_ONBOARDING, as_document, by_type, plan_registrations, project_values


def in_namespace(plan: list[Registration], type_: str, namespace: str) -> list[Registration]:
    return [r for r in by_type(plan, type_) if r.inputs["metadata"].get("namespace") == namespace]


def test_tenant_namespace_bundle(stack_plans: dict[str, list[Registration]]) -> None:
    dev = stack_plans["dev"]
    namespace = next(r for r in by_type(dev, "kubernetes:core/v1:Namespace") if r.inputs["metadata"]["name"] == "payments")
    labels = namespace.inputs["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    assert labels["tenant"] == "payments" and labels["data-class"] == "pci"

    # payments is a medium tenant.
    quota = in_namespace(dev, "kubernetes:core/v1:ResourceQuota", "payments")
    assert [q.inputs["spec"]["hard"] for q in quota] == [
        {
            "requests.cpu": "8",
            "limits.cpu": "16",
            "requests.memory": "16Gi",
            "limits.memory": "32Gi",
            "pods": "60",
            "services": "20",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
            "persistentvolumeclaims": "15",
            "requests.storage": "200Gi",
        }
    ]
    limits = in_namespace(dev, "kubernetes:core/v1:LimitRange", "payments")
    assert [lr.inputs["spec"]["limits"] for lr in limits] == [
        [
            {
                "type": "Container",
                "default": {"cpu": "250m", "memory": "256Mi"},
                "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                "max": {"cpu": "2", "memory": "4Gi"},
            }
        ]
    ]

    policies = {
        p.inputs["metadata"]["name"]: p.inputs["spec"]
        for p in in_namespace(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "payments")
    }
    assert sorted(policies) == [
        "allow-dns-egress",
        # payments-api is public in dev (its edge): the ALB reaches its pods from the public subnets.
        "allow-edge-ingress",
        "allow-metrics-scrape",
        "allow-platform-egress",
        "allow-same-namespace",
        "default-deny",
    ]
    assert is_default_deny(policies["default-deny"])
    assert policies["allow-edge-ingress"]["podSelector"]["matchExpressions"][0]["values"] == ["payments-api"]
    assert [b["ipBlock"]["cidr"] for b in policies["allow-edge-ingress"]["ingress"][0]["from"]] == ["10.10.128.0/20", "10.10.144.0/20"]
    vault, pooler, collector, aws_apis, pod_identity = policies["allow-platform-egress"]["egress"]
    # Vault is outside the cluster (ADR-0023): dev's address port, on the VPC (vault.networkCidrs' default).
    assert vault == {"to": [{"ipBlock": {"cidr": "10.10.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 8200}]}
    assert pooler == {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "db-manager"}}}],
        "ports": [{"protocol": "TCP", "port": 6432}],
    }
    assert collector["ports"] == [{"protocol": "TCP", "port": 4317}, {"protocol": "TCP", "port": 4318}]
    assert policies["allow-metrics-scrape"]["ingress"] == [
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
            "ports": [{"protocol": "TCP", "port": "http"}],
        }
    ]
    # No internet (ADR-0025): AWS's APIs through the VPC's interface endpoints, credentials from the
    # node's Pod Identity agent; payments has no egress allow-list in dev, so no other destination.
    assert aws_apis == {"to": [{"ipBlock": {"cidr": "10.10.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    assert pod_identity == {"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}
    endpoints = {r.inputs["serviceName"] for r in by_type(dev, "aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert endpoints == {f"com.amazonaws.eu-west-3.{s}" for s in ("sqs", "s3", "dynamodb", "kms", "sts", "logs")}
    dns = policies["allow-dns-egress"]["egress"][0]
    assert dns["to"][0]["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]

    accounts = in_namespace(dev, "kubernetes:core/v1:ServiceAccount", "payments")
    # One per service, and the erasure job's (payments is pci: erasure applies, ADR-0005).
    assert {a.inputs["metadata"]["name"] for a in accounts} == {"payments-api", "settlement-worker", "erasure"}
    assert all(a.inputs["automountServiceAccountToken"] is False for a in accounts)
    # Credentials come from EKS Pod Identity: one association per service account, to its own role.
    assert all("annotations" not in a.inputs["metadata"] for a in accounts)
    associations = {a.inputs["serviceAccount"]: a.inputs for a in by_type(dev, "aws:eks/podIdentityAssociation:PodIdentityAssociation")}
    assert {k for k, v in associations.items() if v["namespace"] == "payments"} == {"payments-api", "settlement-worker", "erasure"}
    assert all(v["clusterName"] == "fintech-blueprint-dev" for v in associations.values())


def test_the_tier_drives_the_quota(stack_plans: dict[str, list[Registration]]) -> None:
    dev_fraud = in_namespace(stack_plans["dev"], "kubernetes:core/v1:ResourceQuota", "fraud")[0]
    prod_fraud = in_namespace(stack_plans["prod"], "kubernetes:core/v1:ResourceQuota", "fraud")[0]
    assert dev_fraud.inputs["spec"]["hard"]["pods"] == "20"  # small
    assert prod_fraud.inputs["spec"]["hard"]["pods"] == "60"  # medium


def test_children_are_parented_to_their_components(plan: list[Registration]) -> None:
    by_urn = {r.urn: r for r in plan}
    for r in plan:
        if r.custom and not r.type.startswith("pulumi:providers:"):
            parent = by_urn.get(r.parent or "")
            assert parent is not None and not parent.custom, f"{r.urn} is not inside a component"
        if r.type.startswith("kubernetes:") and r.custom and not r.type.startswith("pulumi:"):
            assert r.provider and r.provider.endswith("::cluster"), f"{r.urn} does not use the cluster's provider"


def test_team_rbac_stays_in_the_team_namespace(plan: list[Registration]) -> None:
    for binding in by_type(plan, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"):
        namespace = binding.inputs["metadata"]["namespace"]
        assert binding.inputs["subjects"] == [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": f"tenant:{namespace}:developers"}
        ]
        assert binding.inputs["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "tenant-developer"}
    for role in by_type(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role"):
        granted = {(g, r) for rule in role.inputs["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
        assert ("", "secrets") not in granted and not {("", "pods/exec"), ("", "pods/attach"), ("", "pods/portforward")} & granted
        assert ("apps", "deployments") in granted and ("", "pods/log") in granted
    # Planned as a whole: no team's effective permissions (every binding to its group) make a pod (ADR-0021).
    for namespace in {b.inputs["metadata"]["namespace"] for b in by_type(plan, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")}:
        assert identity_escalations(team_rules(plan, namespace)) == [], namespace
    # The one cluster-wide binding is the platform's: Vault's token reviewer may review tokens.
    cluster_wide = by_type(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
    assert [(b.inputs["roleRef"]["name"], [s["kind"] for s in b.inputs["subjects"]]) for b in cluster_wide] == [
        ("system:auth-delegator", ["ServiceAccount"])
    ]


def test_adding_a_tenant_adds_exactly_its_resources(write_stack: Callable[..., Path], stack_plans: dict[str, list[Registration]]) -> None:
    values = project_values()
    values["tenants"].append(
        {
            "name": "lending",
            "ownerTeam": "lending-team",
            "ownerEmail": "lending@fintech-blueprint.example",
            "costCenter": "CC-1003",
            "tier": "small",
            "dataClasses": ["pii"],
            "monthlyBudgetUsd": 300,
            "services": [{"name": "loans-api"}],
        }
    )
    before = {r.urn: r for r in stack_plans["dev"]}
    after = {r.urn: r for r in plan_registrations(write_stack(as_document(values), "Pulumi.dev.yaml"), "dev")}
    added = set(after) - set(before)
    assert set(before) <= set(after)
    assert added and all("lending" in urn for urn in added)
    assert any(urn.endswith("fintech:platform:Tenant::lending") for urn in added)
    changed = {urn for urn in before if before[urn].inputs != after[urn].inputs}
    # Nothing of the platform or of another tenant changes (#27 item 3, #31 item 1).
    assert {after[u].name for u in changed} <= SHARED_CHANGES_ON_ONBOARDING, sorted(changed)


def test_each_service_repository_gets_what_its_workflow_reads(stack_plans: dict[str, list[Registration]]) -> None:
    """#17 hop 2, ADR-0031: the variables the golden template's workflows read are set by each environment
    on every service repository, in its GitHub environment, naming that environment's image repository,
    publisher role, signing key, cluster and ledger; dev, where Gate 1 publishes, also sets Gate 1's."""
    template = ROOT / "templates" / "golden-service" / ".github" / "workflows"
    assert set(re.findall(r"vars\.([A-Z_]+)", (template / "ci.yml").read_text())) == set(contract.CI_VARIABLES)
    promotion_reads = set(re.findall(r"vars\.([A-Z_]+)", (template / "promote.yml").read_text()))
    # The Gate 2 job's role is not created yet (#26): the one variable the promotion reads that no stack sets.
    assert promotion_reads - {*contract.CI_VARIABLES, *contract.PROMOTION_VARIABLES} == {"AWS_GATE_ROLE_ARN"}
    services = {f"{t}-{s}" for t, ss in (("payments", ("payments-api", "settlement-worker")), ("fraud", ("fraud-scoring",))) for s in ss}
    # Each tenant's service, and each platform repository that ships an image (#26: their Gate 1 publishes too).
    platform = {r.name for r in PLATFORM_REPOSITORIES if r.ships_image}
    for stack, plan in stack_plans.items():
        variables: dict[str, dict[str, str]] = {}
        for v in by_type(plan, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"):
            assert v.inputs["environment"] == stack
            variables.setdefault(v.inputs["repository"], {})[v.inputs["variableName"]] = v.inputs["value"]
        roles = {r.inputs.get("name"): r for r in by_type(plan, "aws:iam/role:Role")}
        images = {r.inputs["name"] for r in by_type(plan, "aws:ecr/repository:Repository")}
        aliases = {r.inputs["name"] for r in by_type(plan, "aws:kms/alias:Alias")}
        ledger = next(b.inputs["bucket"] for b in by_type(plan, "aws:s3/bucket:Bucket") if "-audit-ledger-" in b.inputs["bucket"])
        assert set(variables) == services | platform, stack
        for repository, values in variables.items():
            assert set(values) == {*contract.CI_VARIABLES, *contract.PROMOTION_VARIABLES}
            assert values["IMAGE_REPOSITORY_URL"].split("/", 1)[1] in images
            role = roles[values["AWS_PUBLISHER_ROLE_ARN"].rsplit("/", 1)[1]]
            assert f"repo:fintech-blueprint/{repository}:" in role.inputs["assumeRolePolicy"]
            assert values["AWS_REGION"] == "eu-west-3" and values["COSIGN_KMS_KEY_ARN"].split(":", 5)[5] in aliases
            assert values["CLUSTER_NAME"] == f"fintech-blueprint-{stack}" and values["AUDIT_LEDGER_BUCKET"] == ledger
        gate1: dict[str, dict[str, str]] = {}
        for v in by_type(plan, "github:index/actionsVariable:ActionsVariable"):
            gate1.setdefault(v.inputs["repository"], {})[v.inputs["variableName"]] = v.inputs["value"]
        if stack == contract.BUILD_ENVIRONMENT:
            assert gate1 == {r: {k: values[k] for k in contract.CI_VARIABLES} for r, values in variables.items()}
        else:
            assert gate1 == {}, stack
