"""TenantNamespace alone: the isolation bundle one tenant gets, built in milliseconds."""

from __future__ import annotations

from components.kubernetes.quotas import QUOTA_TIERS
from components.tenant.namespace import (
    ALLOW_LISTED_EGRESS,
    DEVELOPER_ROLE,
    EgressAllow,
    PlatformEndpoints,
    TenantNamespace,
    TenantNamespaceArgs,
    team_group,
)
from policy_pack.policies._lib import is_default_deny
from policy_pack.policies.kubernetes_tenancy import grants, identity_escalations
from tests.components.harness import CONTEXT, PROD_CONTEXT, TENANT_TAGS, build, resource_violations, team_rules

ENDPOINTS = PlatformEndpoints(
    vault_cidrs=["10.10.0.0/16"],
    vault_port=8200,
    pooler_namespace="db-manager",
    pooler_port=6432,
    telemetry_namespace="observability",
    otlp_ports=(4317, 4318),
    aws_endpoints_cidr="10.10.0.0/16",
)


def args(**overrides: object) -> TenantNamespaceArgs:
    values: dict[str, object] = {
        "namespace": "payments",
        "tier": QUOTA_TIERS["medium"],
        "kubernetes_version": "1.33",
        "services": ["payments-api", "payments-worker"],
        "admitted_registries": ["111111111111.dkr.ecr.eu-west-3.amazonaws.com/*"],
        "allowed_registries": [],
        "endpoints": ENDPOINTS,
    }
    values.update(overrides)
    return TenantNamespaceArgs(**values)  # type: ignore[arg-type]


def test_a_namespace_is_restricted_default_deny_and_bound_to_its_team() -> None:
    built = build(lambda: TenantNamespace("payments", args(), CONTEXT))
    namespace = built.one("kubernetes:core/v1:Namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert {labels[f"pod-security.kubernetes.io/{mode}"] for mode in ("enforce", "audit", "warn")} == {"restricted"}
    policies = {p.inputs["metadata"]["name"]: p.inputs["spec"] for p in built.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    assert is_default_deny(policies["default-deny"])
    assert {p.inputs["metadata"]["namespace"] for p in built.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")} == {"payments"}
    binding = built.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    assert binding.inputs["roleRef"]["name"] == DEVELOPER_ROLE
    assert binding.inputs["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": team_group("payments")}]
    # One ServiceAccount per service, no token automount.
    accounts = built.of_type("kubernetes:core/v1:ServiceAccount")
    assert sorted(a.inputs["metadata"]["name"] for a in accounts) == ["payments-api", "payments-worker"]
    assert all(a.inputs["automountServiceAccountToken"] is False for a in accounts)


def test_every_child_is_parented_to_the_component_and_waits_for_the_namespace() -> None:
    built = build(lambda: TenantNamespace("payments", args(), CONTEXT))
    component = built.one("fintech:kubernetes:TenantNamespace")
    namespace = built.one("kubernetes:core/v1:Namespace")
    children = built.children_of(component)
    assert len(children) == len(built.registrations) - 1
    assert all(namespace.urn in c.dependencies for c in children if c is not namespace)


def test_the_namespace_is_protected_only_where_the_stack_protects_state() -> None:
    dev = build(lambda: TenantNamespace("payments", args(), CONTEXT)).one("kubernetes:core/v1:Namespace")
    prod = build(lambda: TenantNamespace("payments", args(), PROD_CONTEXT), stack="prod").one("kubernetes:core/v1:Namespace")
    assert (dev.options["protect"], dev.options["retainOnDelete"]) == (False, False)
    assert (prod.options["protect"], prod.options["retainOnDelete"]) == (True, True)


def test_own_registries_label_the_namespace_out_and_admit_both_lists() -> None:
    built = build(lambda: TenantNamespace("payments", args(allowed_registries=["ghcr.io/payments/*"]), CONTEXT))
    policy = built.one("kubernetes:kyverno.io/v1:Policy")
    assert policy.inputs["metadata"]["namespace"] == "payments"
    assert "ghcr.io/payments/*" in str(policy.inputs["spec"])
    assert "111111111111.dkr.ecr.eu-west-3.amazonaws.com/*" in str(policy.inputs["spec"])


def test_the_component_alone_passes_the_pack_s_resource_rules() -> None:
    built = build(lambda: TenantNamespace("payments", args(), PROD_CONTEXT), stack="prod", tags=TENANT_TAGS)
    assert resource_violations(built) == []


def test_the_team_cannot_produce_a_pod_under_another_identity_only_restart_and_read() -> None:
    """ADR-0021: workloads change through GitOps. The team's effective permissions (every binding to
    its group) write nothing that makes a pod and act as no other identity; it reads, follows logs
    and restarts a pod by deleting it."""
    built = build(lambda: TenantNamespace("payments", args(), CONTEXT))
    rules = team_rules(built.registrations, "payments")
    assert identity_escalations(rules) == []
    assert grants(rules, "delete", "", "pods") and grants(rules, "get", "", "pods/log") and grants(rules, "list", "", "events")
    assert not grants(rules, "get", "", "secrets") and not grants(rules, "create", "", "pods/exec")


def test_the_escalation_check_sees_wildcards_and_subresources() -> None:
    """Negative control of the check above: what the API server would grant, it reports."""
    assert identity_escalations([{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["patch"]}]) == ["patch apps/deployments"]
    assert "create batch/jobs" in identity_escalations([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
    assert identity_escalations([{"apiGroups": [""], "resources": ["*/ephemeralcontainers"], "verbs": ["update"]}]) == [
        "update pods/ephemeralcontainers"
    ]
    assert identity_escalations([{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}]) == [
        "impersonate serviceaccounts"
    ]


def test_egress_leaves_the_cluster_only_to_the_aws_endpoints_the_agent_and_the_allow_list() -> None:
    """ADR-0025: no 0.0.0.0/0. A tenant with no allow-list reaches AWS through the VPC's endpoints and
    its credentials through the Pod Identity agent; one with an allow-list gets exactly its entries."""
    bare = build(lambda: TenantNamespace("payments", args(), CONTEXT))
    names = {p.inputs["metadata"]["name"] for p in bare.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    assert ALLOW_LISTED_EGRESS not in names
    blocks = [
        peer["ipBlock"]["cidr"]
        for p in bare.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        for rule in p.inputs["spec"].get("egress", [])
        for peer in rule.get("to", [])
        if "ipBlock" in peer
    ]
    assert sorted(blocks) == ["10.10.0.0/16", "10.10.0.0/16", "169.254.170.23/32"]
    psp = EgressAllow(name="psp-api", cidrs=["198.51.100.0/24"], ports=[443, 8443])
    allowed = build(lambda: TenantNamespace("payments", args(egress=[psp]), CONTEXT))
    policy = next(
        p for p in allowed.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy") if p.inputs["metadata"]["name"] == ALLOW_LISTED_EGRESS
    )
    assert policy.inputs["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "198.51.100.0/24"}}], "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 8443}]}
    ]
    assert resource_violations(allowed) == []
