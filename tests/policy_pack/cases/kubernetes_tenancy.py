"""Compliant and non-compliant cases of the kubernetes-tenancy rules."""

from __future__ import annotations

from typing import Any

from components.kubernetes.admission import own_repositories

from ._common import DENY_ALL, NS, Case, Res, StackCase, tenant_ns

KYVERNO_POLICY = "kubernetes:kyverno.io/v1:Policy"


def image_policy(admitted: list[str], action: str = "Enforce") -> Res:
    """A ClusterPolicy whose one rule denies platform-registry images outside ``admitted``."""
    deny = {
        "all": [
            {"key": "{{ element.image }}", "operator": "AnyIn", "value": [f"{REGISTRY}/*"]},
            {"key": "{{ element.image }}", "operator": "AnyNotIn", "value": admitted},
        ]
    }
    rule = {"name": "own-repositories", "validate": {"foreach": [{"list": "request.object.spec.containers", "deny": {"conditions": deny}}]}}
    return Res(
        "kubernetes:kyverno.io/v1:ClusterPolicy",
        "images",
        {"metadata": {"name": "images"}, "spec": {"validationFailureAction": action, "rules": [rule]}},
    )


OWN_REGISTRIES_NS = Res(
    NS,
    "payments-ns",
    {"metadata": {"name": "payments", "labels": {"tenant": "payments", "fintech-blueprint.io/registries": "tenant-allow-list"}}},
)


def in_ns(type_: str, name: str, spec: dict[str, Any] | None = None, ns: str = "payments") -> Res:
    return Res(type_, name, {"metadata": {"name": name, "namespace": ns}, "spec": spec or {}})


BUNDLE = [
    tenant_ns(),
    in_ns("kubernetes:core/v1:ResourceQuota", "quota"),
    in_ns("kubernetes:core/v1:LimitRange", "limits"),
    in_ns("kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny", DENY_ALL),
]


REGISTRY = "123456789012.dkr.ecr.eu-west-3.amazonaws.com"


RESOURCE_CASES: dict[str, Case] = {
    "k8s-namespace-pod-security": Case(
        NS,
        {"metadata": {"name": "payments", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}},
        {
            "metadata": {
                "name": "payments",
                "labels": {"pod-security.kubernetes.io/enforce": "privileged", "tenant": "payments"},
                "annotations": {"fintech-blueprint.io/pod-security-exception": "adr"},
            }
        },
    ),
    "k8s-no-default-namespace": Case(
        "kubernetes:core/v1:ConfigMap",
        {"metadata": {"name": "c", "namespace": "payments"}},
        {"metadata": {"name": "c", "namespace": "default"}},
    ),
    "k8s-network-policy-no-allow-all": Case(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        {"spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}},
        {"spec": {"podSelector": {}, "ingress": [{}]}},
    ),
    "k8s-no-public-services": Case(
        "kubernetes:core/v1:Service",
        {"spec": {"type": "ClusterIP"}},
        {"spec": {"type": "LoadBalancer"}},
        more_bad=(("kubernetes:core/v1:Service", {"spec": {"type": "NodePort"}}),),
    ),
    "k8s-tenant-egress-allow-listed": Case(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        {
            "metadata": {"labels": {"tenant": "payments"}},
            "spec": {"egress": [{"to": [{"ipBlock": {"cidr": "10.10.0.0/16"}}, {"ipBlock": {"cidr": "198.51.100.0/24"}}]}]},
        },
        {
            "metadata": {"labels": {"tenant": "payments"}},
            "spec": {"egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}]},
        },
        more_bad=(
            (
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                {"metadata": {"labels": {"tenant": "payments"}}, "spec": {"egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/1"}}]}]}},
            ),
            (
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                {"metadata": {"labels": {"tenant": "payments"}}, "spec": {"egress": [{"to": [{"ipBlock": {"cidr": "::/0"}}]}]}},
            ),
            (
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                {"metadata": {"labels": {"tenant": "payments"}}, "spec": {"egress": [{"to": [{"ipBlock": {"cidr": "internet"}}]}]}},
            ),
        ),
    ),
    "k8s-tenant-no-broad-role-binding": Case(
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        {"metadata": {"labels": {"tenant": "payments"}}, "roleRef": {"kind": "Role", "name": "tenant-developer"}},
        {"metadata": {"labels": {"tenant": "payments"}}, "roleRef": {"kind": "ClusterRole", "name": "edit"}},
    ),
    "k8s-tenant-role-no-secrets-or-exec": Case(
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        {"metadata": {"labels": {"tenant": "payments"}}, "rules": [{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}]},
        {"metadata": {"labels": {"tenant": "payments"}}, "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]},
    ),
    "k8s-tenant-role-gitops-only": Case(
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        {
            "metadata": {"labels": {"tenant": "payments"}},
            "rules": [
                {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "delete"]},
            ],
        },
        {"metadata": {"labels": {"tenant": "payments"}}, "rules": [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create"]}]},
        more_bad=(
            (
                "kubernetes:rbac.authorization.k8s.io/v1:Role",
                {"metadata": {"labels": {"tenant": "payments"}}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["patch"]}]},
            ),
            (
                "kubernetes:rbac.authorization.k8s.io/v1:Role",
                {
                    "metadata": {"labels": {"tenant": "payments"}},
                    "rules": [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}],
                },
            ),
            (
                "kubernetes:rbac.authorization.k8s.io/v1:Role",
                {
                    "metadata": {"labels": {"tenant": "payments"}},
                    "rules": [{"apiGroups": [""], "resources": ["*/ephemeralcontainers"], "verbs": ["update"]}],
                },
            ),
        ),
    ),
    "k8s-no-cluster-admin-binding": Case(
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        {"roleRef": {"name": "cluster-admin"}, "subjects": [{"kind": "Group", "name": "system:masters"}]},
        {"roleRef": {"name": "cluster-admin"}, "subjects": [{"kind": "Group", "name": "tenant:payments:developers"}]},
    ),
    "k8s-service-account-no-automount": Case("kubernetes:core/v1:ServiceAccount", {"automountServiceAccountToken": False}, {}),
    "argocd-project-confined": Case(
        "kubernetes:argoproj.io/v1alpha1:AppProject",
        {
            "spec": {
                "sourceRepos": ["https://github.com/org/payments-api.git"],
                "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "payments"}],
            }
        },
        {
            "spec": {
                "sourceRepos": ["*"],
                "destinations": [{"server": "*", "namespace": "*"}],
                "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
            }
        },
    ),
}


STACK_CASES: dict[str, StackCase] = {
    "tenant-namespace-bundle": StackCase(BUNDLE, BUNDLE[:3], "payments-ns"),
    "tenant-images-own-repositories": StackCase(
        [tenant_ns(), image_policy(own_repositories(REGISTRY))],
        [tenant_ns(), image_policy([f"{REGISTRY}/*"])],  # every repository of the registry: another tenant's too
        "payments-ns",
        more_bad=(([tenant_ns(), image_policy(own_repositories(REGISTRY), action="Audit")], "payments-ns"),),
    ),
    "tenant-registry-scope-enforced": StackCase(
        [OWN_REGISTRIES_NS, in_ns(KYVERNO_POLICY, "restrict-registries", {"validationFailureAction": "Enforce"})],
        [OWN_REGISTRIES_NS, in_ns(KYVERNO_POLICY, "restrict-registries", {"validationFailureAction": "Audit"})],
        "restrict-registries",
        more_bad=(([OWN_REGISTRIES_NS, in_ns(KYVERNO_POLICY, "other", {"validationFailureAction": "Enforce"})], "payments-ns"),),
    ),
}
