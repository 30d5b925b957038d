"""Invariants across layers that no generic pack has: what makes a tenant complete and isolated,
and the platform's promises hold end to end (ADR-0001, ADR-0003, ADR-0005, ADR-0007, ADR-0008)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatch
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from . import aws_storage, contract
from ._lib import (
    CRITICAL,
    HIGH,
    MEDIUM,
    StackRule,
    condition_values,
    config_value,
    document,
    get,
    items,
    named,
    schema,
    statements,
    strings,
    tenant_of,
)
from .vault import policy_paths

Finding = tuple[str, "str | None"]
SHARED = contract.SHARED_TENANT
#: What holds data or history (ADR-0005): protected and retained where the stack requires it. Tenant
#: namespaces are checked too (deleting one deletes everything in it); the platform's are not state.
STATEFUL_TYPES = [
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:dynamodb/table:Table",
    "aws:ecr/repository:Repository",
    "aws:sqs/queue:Queue",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudtrail/trail:Trail",
    "aws:eks/cluster:Cluster",
    "aws:backup/vault:Vault",
    "vault:index/mount:Mount",
    "vault:kv/secretV2:SecretV2",
    "github:index/repository:Repository",
]
DEFAULT_TENANT_PATHS = list(contract.VAULT_TENANT_PATHS)


def tenant_namespaces(resources: list[Any]) -> dict[str, Any]:
    """Namespace name -> resource, for namespaces labelled with a tenant other than ``shared``."""
    found = {}
    for ns in named(resources, "kubernetes:core/v1:Namespace"):
        tenant = get(ns.props, "metadata.labels", {}).get("tenant")
        if tenant and tenant != SHARED:
            found[get(ns.props, "metadata.name", ns.name)] = ns
    return found


def tagged_tenants(resources: list[Any]) -> dict[str, str]:
    """Tenant -> the first (by URN) AWS resource carrying its ``tenant`` cost tag, ``shared`` excluded.

    Tags are inputs, known on a first preview; a tenant's namespace is not (its state is empty while
    the cluster does not exist), so rules that only need to know who the tenants are read the tags.
    """
    found: dict[str, str] = {}
    for resource in sorted(resources, key=lambda r: r.urn):
        if resource.resource_type.startswith("aws:"):
            tags = get(resource.props, "tags", {})
            tenant = tags.get("tenant") if isinstance(tags, Mapping) else None
            if isinstance(tenant, str) and tenant != SHARED:
                found.setdefault(tenant, resource.urn)
    return found


def _in_namespace(resources: list[Any], resource_type: str, namespace: str) -> list[Any]:
    return [r for r in named(resources, resource_type) if get(r.props, "metadata.namespace") == namespace]


def is_default_deny(spec: Any) -> bool:
    return (
        get(spec, "podSelector") == {}
        and {"Ingress", "Egress"} <= set(strings(get(spec, "policyTypes")))
        and not items(get(spec, "ingress"))
        and not items(get(spec, "egress"))
    )


def _namespace_bundle(args) -> Iterator[Finding]:
    for name, ns in tenant_namespaces(args.resources).items():
        if not _in_namespace(args.resources, "kubernetes:core/v1:ResourceQuota", name):
            yield f"tenant namespace {name!r} has no ResourceQuota", ns.urn
        if not _in_namespace(args.resources, "kubernetes:core/v1:LimitRange", name):
            yield f"tenant namespace {name!r} has no LimitRange", ns.urn
        policies = _in_namespace(args.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", name)
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
            for p in _in_namespace(args.resources, "kubernetes:kyverno.io/v1:Policy", name)
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


def _tenant_budget(args) -> Iterator[Finding]:
    covered: set[str] = set()
    for budget in named(args.resources, "aws:budgets/budget:Budget"):
        for f in items(get(budget.props, "costFilters")):
            if get(f, "name") == "TagKeyValue":
                covered.update(v.removeprefix("user:tenant$") for v in strings(get(f, "values")) if v.startswith("user:tenant$"))
    for name, urn in tagged_tenants(args.resources).items():
        if name not in covered:
            yield f"tenant {name!r} has no AWS Budget filtered on user:tenant${name}", urn


def _allowed(path: str, tenant: str, templates: list[str]) -> bool:
    for template in templates:
        allowed = template.format(tenant=tenant)
        if (allowed.endswith("/") and path.startswith(allowed)) or path == allowed:
            return True
    return False


def _vault_confined(args) -> Iterator[Finding]:
    templates = config_value(args, "tenantPaths", DEFAULT_TENANT_PATHS)
    policies = {get(p.props, "name", p.name): p for p in named(args.resources, "vault:index/policy:Policy")}
    if not policies:
        return
    for tenant, urn in tagged_tenants(args.resources).items():
        name = contract.tenant_vault_policy(tenant)
        policy = policies.get(name)
        if policy is None:
            yield f"tenant {tenant!r} has no Vault policy {name!r}", urn
            continue
        for path, _capabilities in policy_paths(str(get(policy.props, "policy", ""))):
            if not _allowed(path, tenant, templates):
                yield f"Vault policy {name!r} reaches {path!r}, outside the tenant's own paths", policy.urn


def _signature_admission(args) -> Iterator[Finding]:
    references = []
    for policy in named(args.resources, "kubernetes:kyverno.io/v1:ClusterPolicy"):
        for rule in items(get(policy.props, "spec.rules")):
            for verify in items(get(rule, "verifyImages")):
                if items(get(verify, "attestors")):
                    references += strings(get(verify, "imageReferences"))
    for repo in named(args.resources, "aws:ecr/repository:Repository"):
        name = get(repo.props, "name", repo.name)
        if not any(fnmatch(name, ref.split("/", 1)[1]) for ref in references if ".dkr.ecr." in ref and "/" in ref):
            yield f"ECR repository {name!r} is not covered by a signature-verifying admission policy", repo.urn


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


def _subjects(role: Any) -> list[str]:
    trust = document(get(role.props, "assumeRolePolicy"))
    return [s for statement in statements(trust) for s in condition_values(statement, "token.actions.githubusercontent.com:sub")]


def _named_roles(resources: Any) -> dict[str, Any]:
    """Roles by the name the program gave them; an auto-named role's name is unknown at a first preview
    and is no publisher role anyway (those are named, components/aws/ci_identity.py)."""
    found = {}
    for role in named(resources, "aws:iam/role:Role"):
        try:
            found[str(get(role.props, "name", ""))] = role
        except UnknownValueError:
            continue
    return found


def _ci_identity(args) -> Iterator[Finding]:
    roles = _named_roles(args.resources)
    repositories = {str(get(r.props, "name", "")) for r in named(args.resources, "aws:ecr/repository:Repository")}
    variables: dict[str, dict[str, str]] = {}
    for variable in named(args.resources, "github:index/actionsVariable:ActionsVariable"):
        variables.setdefault(str(get(variable.props, "repository")), {})[str(get(variable.props, "variableName"))] = str(
            get(variable.props, "value")
        )
    for repo in named(args.resources, "github:index/repository:Repository"):
        name = str(get(repo.props, "name", repo.name))
        if tenant_of(repo) is None:
            continue
        own = variables.get(name, {})
        missing = [v for v in contract.CI_VARIABLES if not own.get(v)]
        if missing:
            yield f"service repository {name!r} lacks the Actions variables its workflow reads: {', '.join(missing)}", repo.urn
            continue
        image, role_arn = own[contract.CI_VARIABLES[0]], own[contract.CI_VARIABLES[1]]
        if image.split("/", 1)[-1] not in repositories:
            yield f"service repository {name!r}: {contract.CI_VARIABLES[0]} {image!r} is no image repository of the stack", repo.urn
        role = roles.get(role_arn.rsplit("/", 1)[-1])
        subjects = _subjects(role) if role is not None else []
        if not subjects or any(f"/{name}:" not in s for s in subjects):
            yield f"service repository {name!r}: {contract.CI_VARIABLES[1]} names no role that trusts exactly this repository", repo.urn


def _stateful_protected(args) -> Iterator[Finding]:
    if not config_value(args, "requireProtect", False):
        return
    stateful = [*named(args.resources, *config_value(args, "statefulTypes", STATEFUL_TYPES)), *tenant_namespaces(args.resources).values()]
    for resource in stateful:
        if not resource.opts.protect:
            yield (
                f"{resource.resource_type.rsplit(':', 1)[-1]} {resource.name!r} holds state: set protect (and retainOnDelete)",
                resource.urn,
            )


def _bucket_controls(args) -> Iterator[Finding]:
    wanted = {
        "public access block": aws_storage.PUBLIC_ACCESS_BLOCK,
        "default encryption": aws_storage.SSE,
        "versioning": aws_storage.VERSIONING,
    }
    for bucket in named(args.resources, *aws_storage.BUCKETS):
        for label, types in wanted.items():
            if not any(aws_storage.references_bucket(r, bucket) for r in named(args.resources, *types)):
                yield f"bucket {bucket.name!r} has no {label} resource", bucket.urn


def _access_logging(args) -> Iterator[Finding]:
    logging = list(named(args.resources, *aws_storage.LOGGING))
    targets = {get(r.props, "targetBucket") for r in logging}
    for bucket in named(args.resources, *aws_storage.BUCKETS):
        if get(bucket.props, "bucket") in targets:
            continue  # the log destination itself
        if not any(aws_storage.references_bucket(r, bucket) for r in logging):
            yield f"bucket {bucket.name!r} has no server access logging (S3 BucketLogging)", bucket.urn


#: Aurora PostgreSQL cluster parameters an auditor asks for: forced TLS, connection logging, pgaudit.
REQUIRED_DB_PARAMETERS = {"rds.force_ssl": "1", "log_connections": "1", "log_disconnections": "1"}


def _db_parameters(args) -> Iterator[Finding]:
    groups = {g.urn: g for g in named(args.resources, "aws:rds/clusterParameterGroup:ClusterParameterGroup")}
    for cluster in named(args.resources, "aws:rds/cluster:Cluster"):
        if not str(get(cluster.props, "engine", "")).startswith("aurora-postgresql"):
            continue
        group = next((groups[u] for u in _depends_on(cluster, "dbClusterParameterGroupName") if u in groups), None)
        if group is None:
            yield f"cluster {cluster.name!r} uses the default parameter group: TLS is not forced and nothing is audited", cluster.urn
            continue
        values = {get(p, "name"): str(get(p, "value", "")) for p in items(get(group.props, "parameters"))}
        for name, wanted in REQUIRED_DB_PARAMETERS.items():
            if values.get(name) != wanted:
                yield f"parameter group {group.name!r}: set {name} = {wanted}", group.urn
        if "pgaudit" not in values.get("shared_preload_libraries", "").split(","):
            yield f"parameter group {group.name!r}: load pgaudit (shared_preload_libraries) and set pgaudit.log", group.urn


def _vpc_flow_logs(args) -> Iterator[Finding]:
    logged = {d.urn for log in named(args.resources, "aws:ec2/flowLog:FlowLog") for d in log.property_dependencies.get("vpcId", [])}
    for vpc in named(args.resources, "aws:ec2/vpc:Vpc"):
        if vpc.urn not in logged:
            yield f"VPC {vpc.name!r} has no flow log", vpc.urn


def _depends_on(resource: Any, field: str) -> set[str]:
    return {d.urn for d in resource.property_dependencies.get(field, [])}


def _pattern(value: Any) -> str:
    return " ".join(str(value or "").split())


def _notifies(alarm: Any) -> bool:
    """An alarm with an action: wired to a resource of the stack (a topic whose ARN a first preview
    does not know yet), or naming one."""
    return bool(_depends_on(alarm, "alarmActions")) or bool(strings(get(alarm.props, "alarmActions")))


def _cis_trail_alarms(args) -> Iterator[Finding]:
    trails = [t for t in named(args.resources, "aws:cloudtrail/trail:Trail") if get(t.props, "isMultiRegionTrail") is True]
    if not trails:
        return
    watched = [t for t in trails if _depends_on(t, "cloudWatchLogsGroupArn")]
    if not watched:
        yield "no multi-region trail delivers to a CloudWatch log group: set cloudWatchLogsGroupArn and its role", trails[0].urn
        return
    groups = set().union(*(_depends_on(t, "cloudWatchLogsGroupArn") for t in watched))
    filters = [
        f for f in named(args.resources, "aws:cloudwatch/logMetricFilter:LogMetricFilter") if _depends_on(f, "logGroupName") & groups
    ]
    alarms = list(named(args.resources, "aws:cloudwatch/metricAlarm:MetricAlarm"))
    for cis in contract.CIS_CONTROLS:
        found = [f for f in filters if _pattern(get(f.props, "pattern")) == _pattern(cis.pattern)]
        if not found:
            yield f"no metric filter for CIS {cis.control} ({cis.description}) on the trail's log group", watched[0].urn
            continue
        metrics = {(get(f.props, "metricTransformation.name"), get(f.props, "metricTransformation.namespace")) for f in found}
        if not any((get(a.props, "metricName"), get(a.props, "namespace")) in metrics and _notifies(a) for a in alarms):
            yield f"the CIS {cis.control} metric ({cis.description}) has no alarm that notifies anyone", found[0].urn


def _ecr_lifecycle(args) -> Iterator[Finding]:
    covered = {get(p.props, "repository") for p in named(args.resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy")}
    for repo in named(args.resources, "aws:ecr/repository:Repository"):
        if get(repo.props, "name", repo.name) not in covered:
            yield f"ECR repository {repo.name!r} has no lifecycle policy (untagged images pile up and cost)", repo.urn


def _vault_audited(args) -> Iterator[Finding]:
    vault = [r for r in args.resources if r.resource_type.startswith("vault:")]
    if vault and not any(r.resource_type == "vault:index/audit:Audit" for r in vault):
        yield "Vault is configured but no audit device is enabled", None


POLICIES = [
    StackRule(
        name="tenant-namespace-bundle",
        description="Each tenant namespace has a ResourceQuota, a LimitRange and a default-deny NetworkPolicy.",
        severity=HIGH,
        adr="ADR-0001",
        domain="stack",
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
        domain="stack",
        check=_registry_scope,
        reads=["kubernetes:core/v1:Namespace", "kubernetes:kyverno.io/v1:Policy"],
    ),
    StackRule(
        name="tenant-budget",
        description="Each tenant has an AWS Budget on its tenant tag.",
        severity=MEDIUM,
        adr="ADR-0007",
        domain="stack",
        check=_tenant_budget,
        reads=["aws:"],
    ),
    StackRule(
        name="tenant-vault-policy-confined",
        description="Each tenant's Vault policy reaches only the tenant's own paths.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="stack",
        check=_vault_confined,
        config_schema=schema(tenantPaths={"type": "array", "items": {"type": "string"}, "default": DEFAULT_TENANT_PATHS}),
        reads=["aws:", "vault:index/policy:Policy"],
    ),
    StackRule(
        name="ecr-signature-admission",
        description="Every ECR repository is covered by the signed-image admission policy.",
        severity=CRITICAL,
        adr="ADR-0003",
        domain="stack",
        check=_signature_admission,
        reads=["kubernetes:kyverno.io/v1:ClusterPolicy", "aws:ecr/repository:Repository"],
    ),
    StackRule(
        name="tenant-ci-identity-wired",
        description="Every tenant service repository has the Actions variables its Gate 1 workflow reads, naming an image "
        "repository of the stack and a publisher role that trusts exactly that repository.",
        severity=HIGH,
        adr="ADR-0003",
        domain="stack",
        check=_ci_identity,
        reads=["github:", "fintech:", "aws:iam/role:Role", "aws:ecr/repository:Repository"],
    ),
    StackRule(
        name="tenant-images-own-repositories",
        description="A tenant namespace runs images of the platform registry only from its own repositories (named after it) "
        "or the platform's, never another tenant's (an enforced Kyverno rule).",
        severity=HIGH,
        adr="ADR-0003",
        domain="stack",
        check=_own_repositories,
        reads=["kubernetes:kyverno.io/v1:ClusterPolicy", "kubernetes:core/v1:Namespace"],
    ),
    StackRule(
        name="stateful-resources-protected",
        description="Resources holding data or history (tenant namespaces included) are protected where the stack requires it.",
        severity=HIGH,
        adr="ADR-0005",
        domain="stack",
        check=_stateful_protected,
        reads_state=False,
        config_schema=schema(
            requireProtect={"type": "boolean", "default": False},
            statefulTypes={"type": "array", "items": {"type": "string"}, "default": STATEFUL_TYPES},
        ),
    ),
    StackRule(
        name="s3-bucket-controls",
        description="Every bucket has a public access block, default encryption and versioning.",
        severity=HIGH,
        adr="ADR-0005",
        domain="stack",
        check=_bucket_controls,
        reads=[*aws_storage.BUCKETS, *aws_storage.PUBLIC_ACCESS_BLOCK, *aws_storage.SSE, *aws_storage.VERSIONING],
    ),
    StackRule(
        name="s3-access-logging",
        description="Every S3 bucket but the log destination has server access logging.",
        severity=MEDIUM,
        adr="ADR-0008",
        domain="stack",
        check=_access_logging,
        reads=[*aws_storage.BUCKETS, *aws_storage.LOGGING],
    ),
    StackRule(
        name="rds-cluster-parameters",
        description="Aurora PostgreSQL clusters use a parameter group forcing TLS and logging connections and pgaudit.",
        severity=HIGH,
        adr="ADR-0002",
        domain="stack",
        check=_db_parameters,
        reads=["aws:rds/cluster:Cluster", "aws:rds/clusterParameterGroup:ClusterParameterGroup"],
    ),
    StackRule(
        name="vpc-flow-logs",
        description="Every VPC has a flow log.",
        severity=MEDIUM,
        adr="ADR-0006",
        domain="stack",
        check=_vpc_flow_logs,
        reads=["aws:ec2/vpc:Vpc", "aws:ec2/flowLog:FlowLog"],
    ),
    StackRule(
        name="cis-trail-alarms",
        description="The multi-region trail delivers to CloudWatch Logs, watched by the CIS 4.1-4.15 metric filters and alarms.",
        severity=HIGH,
        adr="ADR-0008",
        domain="stack",
        check=_cis_trail_alarms,
        reads=[
            "aws:cloudtrail/trail:Trail",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:cloudwatch/logMetricFilter:LogMetricFilter",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:sns/topic:Topic",
        ],
    ),
    StackRule(
        name="ecr-lifecycle-policy",
        description="Every ECR repository has a lifecycle policy.",
        severity=MEDIUM,
        adr="ADR-0007",
        domain="stack",
        check=_ecr_lifecycle,
        reads=["aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy"],
    ),
    StackRule(
        name="vault-audit-enabled",
        description="Vault has an audit device.",
        severity=HIGH,
        adr="ADR-0008",
        domain="stack",
        check=_vault_audited,
        reads=["vault:"],
    ),
]
