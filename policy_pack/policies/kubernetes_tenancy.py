"""Namespaces, network policies, services, RBAC, service accounts, Helm releases and Argo CD projects:
what keeps tenants apart and the platform reproducible (ADR-0001, ADR-0003, ADR-0007)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from . import contract
from ._lib import (
    CRITICAL,
    HIGH,
    MEDIUM,
    Finding,
    ResourceRule,
    StackRule,
    get,
    in_namespace,
    is_default_deny,
    items,
    named,
    strings,
    tenant_namespaces,
)

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE = "kubernetes:core/v1:Service"
BINDINGS = ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"]
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
APP_PROJECT = "kubernetes:argoproj.io/v1alpha1:AppProject"
NAMESPACED = [
    "kubernetes:core/v1:Pod",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    SERVICE,
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Secret",
    SERVICE_ACCOUNT,
    NETWORK_POLICY,
    "kubernetes:core/v1:ResourceQuota",
    "kubernetes:core/v1:LimitRange",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    BINDINGS[0],
]
SYSTEM_SUBJECT = re.compile(r"^system:")
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


POD_SECURITY_EXCEPTION = "fintech-blueprint.io/pod-security-exception"


def _pod_security(props, _args):
    labels = get(props, "metadata.labels", {})
    enforce = labels.get("pod-security.kubernetes.io/enforce")
    exception = get(props, "metadata.annotations", {}).get(POD_SECURITY_EXCEPTION)
    if enforce == "privileged" and exception and labels.get("tenant") in (None, contract.SHARED_TENANT):
        return  # a documented platform exception (the annotation names the decision); never for a tenant
    if enforce not in ("baseline", "restricted"):
        yield f"label pod-security.kubernetes.io/enforce is {enforce!r}: set 'restricted' (or 'baseline' for platform namespaces)"


def _no_default_namespace(props, _args):
    if get(props, "metadata.namespace") in (None, "", "default"):
        yield "set metadata.namespace to the owning namespace (never 'default')"


def _no_allow_all(props, _args):
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for rule in items(get(props, f"spec.{direction}")):
            if not items(get(rule, peers)) and not items(get(rule, "ports")):
                yield f"an {direction} rule with no '{peers}' and no ports allows all traffic: name the peers"


#: The widest destination a tenant's egress may name: a /8 (IPv6 /32). Wider is the internet in pieces.
EGRESS_WIDEST = {4: 8, 6: 32}


def _egress_allow_listed(props, _args):
    if not _tenant_scoped(props):
        return
    for rule in items(get(props, "spec.egress")):
        for peer in items(get(rule, "to")):
            cidr = get(peer, "ipBlock.cidr")
            if not isinstance(cidr, str):
                continue
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                yield f"egress ipBlock {cidr!r} is not a CIDR"
                continue
            if network.prefixlen < EGRESS_WIDEST[network.version]:
                yield (
                    f"egress to {cidr} opens the internet (wider than a /{EGRESS_WIDEST[network.version]}): a tenant reaches "
                    "AWS through the VPC's endpoints and partners through its egress allow-list (tenants[].egress)"
                )


def _service_exposure(props, _args):
    kind = get(props, "spec.type", "ClusterIP")
    annotations = get(props, "metadata.annotations", {})
    internal = hasattr(annotations, "get") and (
        annotations.get("service.beta.kubernetes.io/aws-load-balancer-scheme") == "internal"
        or annotations.get("service.beta.kubernetes.io/aws-load-balancer-internal") in ("true", "0.0.0.0/0")
    )
    if kind == "LoadBalancer" and not internal:
        yield "a public LoadBalancer bypasses the API gateway and WAF: use ClusterIP behind the gateway"
    if kind == "NodePort":
        yield "NodePort opens a port on every node: use ClusterIP behind the gateway"


def _no_cluster_admin(props, _args):
    if get(props, "roleRef.name") != "cluster-admin":
        return
    for subject in items(get(props, "subjects")):
        if not SYSTEM_SUBJECT.match(str(get(subject, "name", ""))):
            yield f"{get(subject, 'kind')} {get(subject, 'name')!r} is bound to cluster-admin: bind a scoped role"


#: Built-in roles that read Secrets and enter containers (pods/exec, attach, port-forward).
BROAD_ROLES = ("admin", "edit", "cluster-admin")
#: What a tenant role must not grant: the credentials and the shells of the namespace.
SENSITIVE = {("", "secrets"), ("", "pods/exec"), ("", "pods/attach"), ("", "pods/portforward")}
ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"


def _tenant_scoped(props) -> bool:
    tenant = get(props, "metadata.labels", {}).get("tenant")
    return bool(tenant) and tenant != contract.SHARED_TENANT


def _no_broad_tenant_binding(props, _args):
    role = get(props, "roleRef.name")
    if _tenant_scoped(props) and get(props, "roleRef.kind") == "ClusterRole" and role in BROAD_ROLES:
        yield f"a tenant is bound to the built-in {role!r} role, which reads Secrets and allows pods/exec: bind a tenant role without them"


def _tenant_role_no_secrets_or_exec(props, _args):
    if not _tenant_scoped(props):
        return
    for rule in items(get(props, "rules")):
        granted = {(g, r) for g in strings(get(rule, "apiGroups")) for r in strings(get(rule, "resources"))}
        wildcard = {(g, r) for g, r in granted if r == "*" and g in ("", "*")}
        for group, resource in sorted((granted & SENSITIVE) | wildcard):
            where = f" in {group!r}" if group else ""
            yield f"the role grants {resource!r}{where}: tenants get credentials from the Concierge, never Secrets or a shell"


#: What creates or changes a pod: a person holding a write on any of these in a tenant namespace can
#: run a pod as any ServiceAccount there (the erasure job's included) or mount any Secret.
POD_PRODUCERS = (
    ("", "pods"),
    ("", "pods/ephemeralcontainers"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
)
WRITE_VERBS = ("create", "update", "patch")
#: Grants that act as another identity or widen one's own: a token of any ServiceAccount, impersonation,
#: and RBAC objects written or bound beyond what one holds (Kubernetes RBAC docs, "Privilege escalation
#: prevention and bootstrapping").
IDENTITY_GRANTS = (
    ("create", "", "serviceaccounts/token"),
    ("impersonate", "", "serviceaccounts"),
    ("impersonate", "", "users"),
    ("impersonate", "", "groups"),
    ("escalate", "rbac.authorization.k8s.io", "roles"),
    ("bind", "rbac.authorization.k8s.io", "roles"),
    ("create", "rbac.authorization.k8s.io", "rolebindings"),
    ("update", "rbac.authorization.k8s.io", "rolebindings"),
    ("patch", "rbac.authorization.k8s.io", "rolebindings"),
)


def _matches(granted: list[str], wanted: str, *, resource: bool = False) -> bool:
    if "*" in granted or wanted in granted:
        return True
    # RBAC: "*/scale" grants a subresource of every resource (k8s.io/apiserver rbac ResourceMatches).
    return resource and "/" in wanted and f"*/{wanted.split('/', 1)[1]}" in granted


def grants(rules: Any, verb: str, group: str, resource: str) -> bool:
    """Whether RBAC ``rules`` allow ``verb`` on ``group``/``resource`` (wildcards as the API server reads them)."""
    return any(
        _matches(strings(get(rule, "verbs")), verb)
        and _matches(strings(get(rule, "apiGroups")), group)
        and _matches(strings(get(rule, "resources")), resource, resource=True)
        for rule in items(rules)
    )


def identity_escalations(rules: Any) -> list[str]:
    """The grants of ``rules`` through which a person could run a pod under another identity or act as one."""
    found = [
        f"{verb} {group + '/' if group else ''}{resource}"
        for group, resource in POD_PRODUCERS
        for verb in WRITE_VERBS
        if grants(rules, verb, group, resource)
    ]
    found += [
        f"{verb} {group + '/' if group else ''}{resource}"
        for verb, group, resource in IDENTITY_GRANTS
        if grants(rules, verb, group, resource)
    ]
    return found


def _tenant_role_gitops_only(props, _args):
    if not _tenant_scoped(props):
        return
    escalations = identity_escalations(get(props, "rules"))
    if escalations:
        yield (
            f"the role grants {', '.join(escalations)}: a person holding it could run a pod as any ServiceAccount of the "
            "namespace or mount any Secret; workloads change through GitOps (read, logs and pod restarts only)"
        )


def _no_automount(props, _args):
    if get(props, "automountServiceAccountToken") is not False:
        yield "set automountServiceAccountToken: false; mount a projected token only where a pod needs one"


def _helm_pinned(props, _args):
    version = str(get(props, "version", ""))
    if not EXACT_VERSION.match(version):
        yield f"chart version {version!r} is not an exact version: pin it (e.g. 7.7.3)"
    if not get(props, "repositoryOpts.repo") and not str(get(props, "chart", "")).startswith("oci://"):
        yield "set repositoryOpts.repo (or an oci:// chart) so the chart source is explicit"


def _project_confined(props, _args):
    spec = get(props, "spec", {})
    if items(get(spec, "clusterResourceWhitelist")):
        yield "a tenant project may not manage cluster-scoped resources: remove clusterResourceWhitelist"
    for destination in items(get(spec, "destinations")):
        if get(destination, "namespace") in (None, "*") or get(destination, "server") in (None, "*"):
            yield "destinations must name the tenant's namespace and this cluster, never '*'"
    for repo in strings(get(spec, "sourceRepos")):
        if "*" in repo:
            yield f"sourceRepos {repo!r} is a wildcard: list the tenant's repositories"


def _namespace_bundle(args) -> Iterator[Finding]:
    for name, ns in tenant_namespaces(args.resources).items():
        if not in_namespace(args.resources, "kubernetes:core/v1:ResourceQuota", name):
            yield f"tenant namespace {name!r} has no ResourceQuota", ns.urn
        if not in_namespace(args.resources, "kubernetes:core/v1:LimitRange", name):
            yield f"tenant namespace {name!r} has no LimitRange", ns.urn
        policies = in_namespace(args.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", name)
        if not any(is_default_deny(get(p.props, "spec", {})) for p in policies):
            yield f"tenant namespace {name!r} has no default-deny (ingress and egress) NetworkPolicy", ns.urn


def _registry_scope(args) -> Iterator[Finding]:
    """A namespace labelled out of the cluster-wide registry rule must bring its own, enforced."""
    for ns in named(args.resources, "kubernetes:core/v1:Namespace"):
        if get(ns.props, "metadata.labels", {}).get(contract.REGISTRY_SCOPE_LABEL) != contract.REGISTRY_SCOPE_OWN:
            continue
        name = get(ns.props, "metadata.name", ns.name)
        own = [
            p
            for p in in_namespace(args.resources, "kubernetes:kyverno.io/v1:Policy", name)
            if get(p.props, "metadata.name") == contract.TENANT_REGISTRY_POLICY
        ]
        if not own:
            yield (
                (
                    f"namespace {name!r} is left out of the cluster-wide registry rule "
                    f"({contract.REGISTRY_SCOPE_LABEL}={contract.REGISTRY_SCOPE_OWN}) but has no Policy {contract.TENANT_REGISTRY_POLICY!r}"
                ),
                ns.urn,
            )
        for policy in own:
            if get(policy.props, "spec.validationFailureAction") != "Enforce":
                yield f"Policy {contract.TENANT_REGISTRY_POLICY!r} in namespace {name!r} does not enforce", policy.urn


#: Kyverno's substitution of the pod's namespace: a tenant's repositories are named after it.
NAMESPACE_VARIABLE = "{{ request.namespace }}"


def _confines_to_own_repositories(rule: Any) -> bool:
    """A rule denying images of an ECR registry unless they are under ``<registry>/<namespace>/`` (or
    the platform's ``<registry>/platform/``): every pattern it admits is one of those two."""
    for step in items(get(rule, "validate.foreach")):
        for condition in items(get(step, "deny.conditions.all")):
            admitted = strings(get(condition, "value"))
            if get(condition, "operator") != "AnyNotIn" or not admitted:
                continue
            scoped = [p for p in admitted if ".dkr.ecr." in p and (f"/{NAMESPACE_VARIABLE}/" in p or p.endswith("/platform/*"))]
            if scoped == admitted and any(NAMESPACE_VARIABLE in p for p in admitted):
                return True
    return False


def _own_repositories(args) -> Iterator[Finding]:
    namespaces = tenant_namespaces(args.resources)
    confining = [
        policy
        for policy in named(args.resources, "kubernetes:kyverno.io/v1:ClusterPolicy")
        if get(policy.props, "spec.validationFailureAction") == "Enforce"
        and any(_confines_to_own_repositories(rule) for rule in items(get(policy.props, "spec.rules")))
    ]
    if namespaces and not confining:
        for name, namespace in sorted(namespaces.items()):
            yield (
                f"tenant namespace {name!r} may run another tenant's images: no enforced rule confines it to its own repositories",
                namespace.urn,
            )


POLICIES = [
    ResourceRule(
        name="k8s-namespace-pod-security",
        description="Namespaces enforce a Pod Security Standard.",
        severity=HIGH,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=[NAMESPACE],
        check=_pod_security,
    ),
    ResourceRule(
        name="k8s-no-default-namespace",
        description="Namespaced objects name their namespace, never 'default'.",
        severity=MEDIUM,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=NAMESPACED,
        check=_no_default_namespace,
    ),
    ResourceRule(
        name="k8s-network-policy-no-allow-all",
        description="Network policies never allow all traffic.",
        severity=HIGH,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=[NETWORK_POLICY],
        check=_no_allow_all,
    ),
    ResourceRule(
        name="k8s-no-public-services",
        description="Services are not exposed through public load balancers or node ports.",
        severity=HIGH,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=[SERVICE],
        check=_service_exposure,
    ),
    ResourceRule(
        name="k8s-tenant-egress-allow-listed",
        description="A tenant's network policies open no egress to the internet: AWS through the VPC's endpoints, partners by name.",
        severity=HIGH,
        adr="ADR-0025",
        domain="kubernetes-tenancy",
        types=[NETWORK_POLICY],
        check=_egress_allow_listed,
    ),
    ResourceRule(
        name="k8s-tenant-no-broad-role-binding",
        description="Tenant teams are not bound to the built-in edit/admin roles (Secrets, pods/exec).",
        severity=HIGH,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=BINDINGS,
        check=_no_broad_tenant_binding,
    ),
    ResourceRule(
        name="k8s-tenant-role-no-secrets-or-exec",
        description="A tenant role grants neither Secrets nor exec/attach/port-forward into pods.",
        severity=HIGH,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=[ROLE],
        check=_tenant_role_no_secrets_or_exec,
    ),
    ResourceRule(
        name="k8s-tenant-role-gitops-only",
        description="A tenant role cannot create or change what runs pods, nor act as another identity: workloads change through GitOps.",
        severity=HIGH,
        adr="ADR-0021",
        domain="kubernetes-tenancy",
        types=[ROLE],
        check=_tenant_role_gitops_only,
    ),
    ResourceRule(
        name="k8s-no-cluster-admin-binding",
        description="Nobody but the system is bound to cluster-admin.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=BINDINGS,
        check=_no_cluster_admin,
    ),
    ResourceRule(
        name="k8s-service-account-no-automount",
        description="Service accounts do not automount API tokens.",
        severity=MEDIUM,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=[SERVICE_ACCOUNT],
        check=_no_automount,
    ),
    ResourceRule(
        name="k8s-helm-release-pinned",
        description="Helm releases pin an exact chart version and repository.",
        severity=HIGH,
        adr="ADR-0003",
        domain="kubernetes-platform",
        types=[HELM_RELEASE],
        check=_helm_pinned,
    ),
    ResourceRule(
        name="argocd-project-confined",
        description="Argo CD projects are confined to their tenant's namespace and repositories.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        types=[APP_PROJECT],
        check=_project_confined,
    ),
    StackRule(
        name="tenant-namespace-bundle",
        description="Each tenant namespace has a ResourceQuota, a LimitRange and a default-deny NetworkPolicy.",
        severity=HIGH,
        adr="ADR-0001",
        domain="kubernetes-tenancy",
        check=_namespace_bundle,
        reads=[
            "kubernetes:core/v1:Namespace",
            "kubernetes:core/v1:ResourceQuota",
            "kubernetes:core/v1:LimitRange",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        ],
    ),
    StackRule(
        name="tenant-registry-scope-enforced",
        description="A namespace exempt from the cluster-wide registry rule has its own enforced registry Policy.",
        severity=CRITICAL,
        adr="ADR-0003",
        domain="kubernetes-tenancy",
        check=_registry_scope,
        reads=["kubernetes:core/v1:Namespace", "kubernetes:kyverno.io/v1:Policy"],
    ),
    StackRule(
        name="tenant-images-own-repositories",
        description="A tenant namespace runs images of the platform registry only from its own repositories (named after it) "
        "or the platform's, never another tenant's (an enforced Kyverno rule).",
        severity=HIGH,
        adr="ADR-0003",
        domain="kubernetes-tenancy",
        check=_own_repositories,
        reads=["kubernetes:kyverno.io/v1:ClusterPolicy", "kubernetes:core/v1:Namespace"],
    ),
]
