"""A tenant service's journey, hop by hop (#17): each rule fails the plan when one hop of the path a
service walks — template, GitOps, workload identity, Vault, database, queue, telemetry — is broken,
even though every resource on it is compliant alone. (Hops 2 and 3, CI identity and own images,
are ``tenant-ci-identity-wired`` and ``tenant-images-own-repositories`` in ``stack_invariants``.)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from fnmatch import fnmatch
from typing import Any
from urllib.parse import urlparse

import yaml

from . import contract
from ._lib import HIGH, StackRule, depends_on, document, get, in_namespace, items, named, statements, strings, tenant_of

Finding = tuple[str, "str | None"]
REPOSITORY = "github:index/repository:Repository"
REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"
APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application"
SECRET = "kubernetes:core/v1:Secret"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
JOB = "kubernetes:batch/v1:Job"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
TRIGGER_AUTH = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALERTMANAGER_CHART = "kube-prometheus-stack"
ANALYSIS_TEMPLATE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
BUCKET = "aws:s3/bucket:Bucket"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
NAMESPACE = "kubernetes:core/v1:Namespace"
CONCIERGE = "fintech:vault:Concierge"
VAULT_DB_ROLE = "vault:database/secretBackendRole:SecretBackendRole"
VAULT_K8S_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole"
_PLACEHOLDER = contract.TEMPLATE_PLACEHOLDER_PATTERN
_WINDOW = re.compile(r"\[(\d+[smhdw])\]")


def _name(resource: Any) -> str:
    return str(get(resource.props, "metadata.name", resource.name))


def _tenant_applications(resources: list[Any]) -> list[tuple[str, str, Any]]:
    """(tenant, service, Application) of every Application a tenant's component created; the service is
    the Application's name after ``<tenant>-``."""
    found = []
    for app in named(resources, APPLICATION):
        tenant = tenant_of(app)
        name = _name(app)
        if tenant and name.startswith(f"{tenant}-"):
            found.append((tenant, name.removeprefix(f"{tenant}-"), app))
    return found


def _files_by_repository(resources: list[Any]) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for f in named(resources, REPOSITORY_FILE):
        files.setdefault(str(get(f.props, "repository")), {})[str(get(f.props, "file"))] = f
    return files


# -- hop 1: the repository ---------------------------------------------------------------------------


def _repository_rendered(args) -> Iterator[Finding]:
    files = _files_by_repository(args.resources)
    for repo in named(args.resources, REPOSITORY):
        template = get(repo.props, "template.repository")
        if not template:
            continue
        name = str(get(repo.props, "name", repo.name))
        own = files.get(name, {})
        needed = sorted(path for path, f in files.get(str(template), {}).items() if _PLACEHOLDER.search(str(get(f.props, "content", ""))))
        missing = [path for path in needed if path not in own]
        if missing:
            yield f"repository {name!r} keeps the template's placeholders in {', '.join(missing)}: commit them rendered", repo.urn
        for path, f in sorted(own.items()):
            left = sorted(set(_PLACEHOLDER.findall(str(get(f.props, "content", "")))))
            if left:
                yield f"repository {name!r}: {path} still holds {', '.join(left)}", f.urn


# -- hop 4: GitOps -----------------------------------------------------------------------------------


def _repository_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".git")


def _workload(manifest: Any) -> dict[str, Any] | None:
    try:
        docs = [d for d in yaml.safe_load_all(str(get(manifest.props, "content", ""))) if isinstance(d, dict)]
    except yaml.YAMLError:
        return None
    return next((d for d in docs if d.get("kind") == "Deployment"), None)


def _gitops_wired(args) -> Iterator[Finding]:
    resources = args.resources
    secrets = [
        s
        for s in named(resources, SECRET)
        if get(s.props, "metadata.labels", {}).get(contract.GITOPS_SECRET_LABEL) == contract.GITOPS_REPOSITORY_SECRET
    ]
    keys = {str(get(k.props, "repository")) for k in named(resources, DEPLOY_KEY) if get(k.props, "readOnly") is True}
    files = _files_by_repository(resources)
    for tenant, service, app in _tenant_applications(resources):
        url = str(get(app.props, "spec.source.repoURL", ""))
        repository = _repository_name(url)
        where = f"Application {_name(app)!r}"
        credential = [
            s
            for s in secrets
            if get(s.props, "stringData.url") == url
            and get(s.props, "stringData.project") == tenant
            and get(s.props, "metadata.namespace") == get(app.props, "metadata.namespace")
        ]
        if not credential:
            yield f"{where}: Argo CD has no repository Secret for {url!r} scoped to project {tenant!r}", app.urn
        if repository not in keys:
            yield f"{where}: repository {repository!r} has no read-only deploy key for Argo CD", app.urn
        expected = contract.deploy_path(str(get(app.props, "metadata.labels", {}).get("environment", "<its environment>")))
        if get(app.props, "spec.source.path") != expected:
            yield f"{where}: syncs {get(app.props, 'spec.source.path')!r}, not its environment's overlay {expected!r}", app.urn
        if get(app.props, "spec.destination.namespace") != tenant or get(app.props, "spec.project") != tenant:
            yield f"{where}: deploys outside project and namespace {tenant!r}", app.urn
        accounts = {_name(a) for a in in_namespace(resources, SERVICE_ACCOUNT, tenant)}
        if service not in accounts:
            yield f"{where}: no ServiceAccount {service!r} in namespace {tenant!r} for its workload", app.urn
        manifest = files.get(repository, {}).get(contract.TEMPLATE_WORKLOAD_MANIFEST)
        if manifest is not None:
            workload = _workload(manifest) or {}
            pod = get(workload, "spec.template.spec", {})
            names = (get(workload, "metadata.name"), get(workload, "metadata.namespace"), get(pod, "serviceAccountName"))
            if names != (service, tenant, service):
                yield (
                    f"{where}: the repository's {contract.TEMPLATE_WORKLOAD_MANIFEST} deploys (name, namespace, service account) "
                    f"{names}, not {(service, tenant, service)}",
                    manifest.urn,
                )
    services = {(tenant, service) for tenant, service, _ in _tenant_applications(resources)}
    for scaled in named(resources, SCALED_OBJECT):
        owner, target = tenant_of(scaled), get(scaled.props, "spec.scaleTargetRef.name")
        if owner and (owner, target) not in services:
            yield f"ScaledObject {_name(scaled)!r} scales {target!r}, which no Application of tenant {owner!r} deploys", scaled.urn


# -- hop 5: workload identity ------------------------------------------------------------------------


def _role_documents(resources: list[Any], role_urn: str) -> list[Any]:
    return [document(get(p.props, "policy")) for p in named(resources, ROLE_POLICY) if role_urn in depends_on(p, "role")]


def _arn_name(arn: str) -> tuple[str, str]:
    """(service, resource name) of an ARN of a queue, table or bucket (object paths dropped)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "", ""
    service, rest = parts[2], parts[5]
    if service == "dynamodb":
        return service, rest.removeprefix("table/").split("/", 1)[0]
    return service, rest.split("/", 1)[0]


def _stores(resources: list[Any]) -> dict[tuple[str, str], str]:
    """(service, name) -> tenant tag of the stack's queues, tables and buckets."""
    found = {}
    for type_, service, key in ((QUEUE, "sqs", "name"), (TABLE, "dynamodb", "name"), (BUCKET, "s3", "bucket")):
        for r in named(resources, type_):
            found[(service, str(get(r.props, key, "")))] = str(get(r.props, "tags", {}).get("tenant", ""))
    return found


def _service_identities(resources: list[Any]) -> Iterator[tuple[str, str, Any, list[Any]]]:
    """(tenant, service account, association, role policy documents) of every Pod Identity association
    of a tenant's services."""
    for association in named(resources, POD_IDENTITY):
        tenant = tenant_of(association)
        account = str(get(association.props, "serviceAccount", ""))
        if not tenant or get(association.props, "namespace") != tenant or account == contract.ERASURE_NAME:
            continue
        roles = depends_on(association, "roleArn")
        docs = [d for urn in roles for d in _role_documents(resources, urn)]
        yield tenant, account, association, docs


def _workload_identity(args) -> Iterator[Finding]:
    stores = _stores(args.resources)
    for tenant, account, association, docs in _service_identities(args.resources):
        where = f"the workload role of {tenant}/{account}"
        reached: set[str] = set()
        for statement in (s for d in docs for s in statements(d) if s.get("Effect") == "Allow"):
            for arn in strings(statement.get("Resource")):
                service, name = _arn_name(arn)
                if service not in ("sqs", "dynamodb", "s3"):
                    continue
                owner = stores.get((service, name))
                if owner != tenant:
                    yield (
                        f"{where} reaches {arn!r}, {'a store of tenant ' + repr(owner) if owner else 'no store of the stack'}",
                        association.urn,
                    )
                else:
                    reached.add(service)
        missing = sorted({"sqs", "dynamodb", "s3"} - reached)
        if missing:
            yield f"{where} cannot reach its own {', '.join(missing)} (queue, idempotency table, data bucket)", association.urn


# -- hop 6: Vault ------------------------------------------------------------------------------------


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None  # a DNS name: any non-default ipBlock on the port is accepted (names do not resolve here)


def _egress_allows(policies: list[Any], port: int, host: str) -> bool:
    literal = _ip_literal(host)
    for policy in policies:
        for rule in items(get(policy.props, "spec.egress")):
            if port not in {get(p, "port") for p in items(get(rule, "ports"))}:
                continue
            for peer in items(get(rule, "to")):
                cidr = get(peer, "ipBlock.cidr")
                if not cidr or ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0:
                    continue
                if literal is None or literal in ipaddress.ip_network(str(cidr), strict=False):
                    return True
    return False


def _vault_reachable(args) -> Iterator[Finding]:
    resources = args.resources
    roles = {str(get(r.props, "roleName")): r for r in named(resources, VAULT_K8S_ROLE)}
    for concierge in named(resources, CONCIERGE):
        tenant = str(get(concierge.props, "tenant", ""))
        address = urlparse(str(get(concierge.props, "vaultAddress", "")))
        if not tenant or not address.hostname:
            yield f"Concierge {concierge.name!r} records no tenant and Vault address", concierge.urn
            continue
        port = address.port or 443
        if not _egress_allows(in_namespace(resources, NETWORK_POLICY, tenant), port, address.hostname):
            yield (
                f"tenant {tenant!r}: no egress NetworkPolicy lets its pods reach Vault at {address.hostname}:{port} "
                "(an ipBlock of Vault's networks on that port)",
                concierge.urn,
            )
        role = roles.get(tenant)
        accounts = {str(get(a.props, "serviceAccount")) for a in named(resources, POD_IDENTITY) if get(a.props, "namespace") == tenant}
        if (
            role is None
            or not _binds(role, "boundServiceAccountNamespaces", {tenant})
            or not _binds(role, "boundServiceAccountNames", accounts)
        ):
            yield f"tenant {tenant!r}: no Vault Kubernetes auth role lets its namespace's service accounts log in", concierge.urn


def _binds(role: Any, field: str, wanted: set[str]) -> bool:
    """Whether the role admits every one of ``wanted`` (a wildcard admits all: whether it should is
    ``vault-auth-role-bound``'s concern, not reachability's)."""
    bound = set(strings(get(role.props, field)))
    return "*" in bound or wanted <= bound


# -- hop 7: database ---------------------------------------------------------------------------------


def _ini_pools(text: str) -> tuple[dict[str, dict[str, str]], int | None]:
    """(database entry -> its options, listen_port) of a pgbouncer.ini."""
    pools, section, port = {}, "", None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and section == "databases":
            name, value = (part.strip() for part in line.split("=", 1))
            pools[name] = dict(option.split("=", 1) for option in value.split() if "=" in option)
        elif line.startswith("listen_port") and section == "pgbouncer":
            port = int(line.split("=", 1)[1])
    return pools, port


#: What Vault's statements call to create a tenant's user (components/database/migration.py).
USER_FUNCTION = "pooler.create_user"


def _database_path(args) -> Iterator[Finding]:
    resources = args.resources
    maps = list(named(resources, CONFIG_MAP))
    inis = [
        (m, *_ini_pools(str(get(m.props, "data", {}).get("pgbouncer.ini", ""))))
        for m in maps
        if "pgbouncer.ini" in get(m.props, "data", {})
    ]
    migrations = {
        _name(m): str(get(m.props, "data", {}).get("migration.sql", "")) for m in maps if "migration.sql" in get(m.props, "data", {})
    }
    run = {
        str(get(v, "configMap.name"))
        for job in named(resources, JOB)
        for v in items(get(job.props, "spec.template.spec.volumes"))
        if get(v, "configMap.name")
    }
    applied = "\n".join(sql for name, sql in migrations.items() if name in run)
    for role in named(resources, VAULT_DB_ROLE):
        tenant = str(get(role.props, "name", ""))
        group, lookup, schema = f"tenant_{tenant.replace('-', '_')}", f"pooler_{tenant.replace('-', '_')}", tenant.replace("-", "_")
        where = f"tenant {tenant!r}"
        # pooler.create_user (the migration's) makes the user a member of the tenant's group, and keeps
        # the verifier the pooler's lookup reads (ADR-0002: no pg_shadow on Aurora).
        call = f"SELECT {USER_FUNCTION}('{{{{name}}}}', '{{{{password}}}}', '{{{{expiration}}}}', '{tenant}',"
        if not any(s.startswith(call) for s in strings(get(role.props, "creationStatements"))):
            yield (
                f"{where}: Vault's database role does not create its users with {USER_FUNCTION}(..., '{tenant}', ...) (members of {group})",
                role.urn,
            )
        elif f"CREATE OR REPLACE FUNCTION {USER_FUNCTION}(" not in applied:
            yield f"{where}: no migration Job defines {USER_FUNCTION}, which its Vault role calls", role.urn
        pool = next(((m, pools[tenant], port) for m, pools, port in inis if tenant in pools), None)
        if pool is None:
            yield f"{where}: no pooler (pgbouncer.ini) has a pool for it", role.urn
        else:
            options = pool[1]
            if (
                options.get("auth_user") != lookup
                or not options.get("max_db_connections", "0").isdigit()
                or int(options["max_db_connections"]) < 1
            ):
                yield f"{where}: its pool must look users up as {lookup} and cap max_db_connections", pool[0].urn
            if pool[2] is not None and not _namespace_egress(resources, tenant, get(pool[0].props, "metadata.namespace"), pool[2]):
                yield (
                    f"{where}: its pods may not reach the pooler (namespace {get(pool[0].props, 'metadata.namespace')!r}, port {pool[2]})",
                    role.urn,
                )
        if f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {group}" not in applied:
            yield f"{where}: no migration Job creates schema {schema} owned by {group}", role.urn


def _namespace_egress(resources: list[Any], tenant: str, namespace: Any, port: int) -> bool:
    for policy in in_namespace(resources, NETWORK_POLICY, tenant):
        for rule in items(get(policy.props, "spec.egress")):
            peers = [get(p, "namespaceSelector.matchLabels", {}).get("kubernetes.io/metadata.name") for p in items(get(rule, "to"))]
            if namespace in peers and port in {get(p, "port") for p in items(get(rule, "ports"))}:
                return True
    return False


# -- hop 8: queue and idempotency --------------------------------------------------------------------


def _worker_scaling(args) -> Iterator[Finding]:
    resources = args.resources
    queues = {str(get(q.props, "name", "")): q for q in named(resources, QUEUE)}
    # Platform operators' identities (KEDA's among them): associations of no tenant.
    operators = [
        [d for urn in depends_on(a, "roleArn") for d in _role_documents(resources, urn)]
        for a in named(resources, POD_IDENTITY)
        if tenant_of(a) is None
    ]
    identities = {(t, a): docs for t, a, _, docs in _service_identities(resources)}
    for scaled in named(resources, SCALED_OBJECT):
        tenant = tenant_of(scaled)
        if not tenant:
            continue
        where = f"ScaledObject {tenant}/{_name(scaled)}"
        for trigger in items(get(scaled.props, "spec.triggers")):
            if get(trigger, "type") != "aws-sqs-queue":
                continue
            queue_name = str(get(trigger, "metadata.queueURL", "")).rstrip("/").rsplit("/", 1)[-1]
            queue = queues.get(queue_name)
            if queue is None or get(queue.props, "tags", {}).get("tenant") != tenant:
                yield f"{where} scales on {queue_name!r}, no queue of tenant {tenant!r}", scaled.urn
                continue
            redrive = document(get(queue.props, "redrivePolicy")) or {}
            dlq = str(redrive.get("deadLetterTargetArn", "")).rsplit(":", 1)[-1]
            if dlq not in queues or not redrive.get("maxReceiveCount"):
                yield f"{where}: queue {queue_name!r} sends poison messages to no dead-letter queue of the stack", scaled.urn
            auth = next(
                (a for a in in_namespace(resources, TRIGGER_AUTH, tenant) if _name(a) == get(trigger, "authenticationRef.name")), None
            )
            owner = get(auth.props, "spec.podIdentity.identityOwner") if auth else None
            if auth is None or get(auth.props, "spec.podIdentity.provider") != "aws":
                yield f"{where}: its TriggerAuthentication does not authenticate through AWS Pod Identity", scaled.urn
            elif owner == "keda" and not any(_allows(docs, "sqs:GetQueueAttributes", queue_name) for docs in operators):
                yield f"{where}: KEDA's operator identity may not read the depth of {queue_name!r}", scaled.urn
        target = str(get(scaled.props, "spec.scaleTargetRef.name", ""))
        docs = identities.get((tenant, target), [])
        tables = [str(get(t.props, "name")) for t in named(resources, TABLE) if get(t.props, "tags", {}).get("tenant") == tenant]
        if not any(_allows(docs, "dynamodb:PutItem", table) for table in tables):
            yield f"{where}: the worker {target!r} cannot write its tenant's idempotency table", scaled.urn


def _allows(docs: list[Any], action: str, resource_name: str) -> bool:
    """Whether an Allow statement of ``docs`` grants ``action`` on a resource named ``resource_name``."""
    for statement in (s for d in docs for s in statements(d) if s.get("Effect") == "Allow"):
        if any(fnmatch(action, a) for a in strings(statement.get("Action"))) and any(
            arn == "*" or fnmatch(resource_name, _arn_name(arn)[1]) for arn in strings(statement.get("Resource"))
        ):
            return True
    return False


# -- hop 9: telemetry --------------------------------------------------------------------------------


def _log_routes(resources: list[Any]) -> dict[str, str]:
    """Tenant namespace -> the log group its containers' logs go to: what each log shipper's release
    (Fluent Bit's ``cloudwatch_logs`` output) makes of the namespace's labels."""
    outputs = [
        settings
        for release in named(resources, HELM_RELEASE)
        for kind, settings in contract.parse_sections(str(get(release.props, "values.config.outputs", "") or ""))
        if kind == "OUTPUT" and settings.get("name") == "cloudwatch_logs"
    ]
    routes: dict[str, str] = {}
    for namespace in named(resources, NAMESPACE):
        labels = get(namespace.props, "metadata.labels", {}) or {}
        for output in outputs:
            routes[str(get(namespace.props, "metadata.name", ""))] = contract.resolve_group(output, labels)
    return routes


def _telemetry(args) -> Iterator[Finding]:
    resources = args.resources
    routes = _log_routes(resources)
    groups = {str(get(g.props, "name")): str(get(g.props, "tags", {}).get("tenant", "")) for g in named(resources, LOG_GROUP)}
    applications = _tenant_applications(resources)
    tenants = sorted({t for t, _, _ in applications})
    for tenant, service, app in applications:
        where = f"service {tenant}/{service}"
        monitors = [
            m
            for m in in_namespace(resources, SERVICE_MONITOR, tenant)
            if get(m.props, "spec.selector.matchLabels", {}).get("app.kubernetes.io/name") == service
        ]
        if not monitors:
            yield f"{where}: no ServiceMonitor scrapes it", app.urn
        rules = [
            rule
            for r in in_namespace(resources, PROMETHEUS_RULE, tenant)
            for group in items(get(r.props, "spec.groups"))
            for rule in items(get(group, "rules"))
            if get(rule, "labels.service") == service and get(rule, "alert")
        ]
        if not any(len(set(_WINDOW.findall(str(get(rule, "expr", ""))))) >= 2 for rule in rules):
            yield f"{where}: no multi-window burn-rate SLO alert (an expression over a long and a short window)", app.urn
    for tenant in tenants:
        configs = in_namespace(resources, ALERTMANAGER_CONFIG, tenant)
        routed = [
            c
            for c in configs
            if any(
                get(r, "name") == get(c.props, "spec.route.receiver")
                and (
                    items(get(r, "snsConfigs"))
                    or items(get(r, "emailConfigs"))
                    or items(get(r, "webhookConfigs"))
                    or items(get(r, "slackConfigs"))
                )
                for r in items(get(c.props, "spec.receivers"))
            )
        ]
        first = next((app for t, _, app in applications if t == tenant), None)
        urn = first.urn if first is not None else None
        if not routed:
            yield f"tenant {tenant!r}: its alerts route to no receiver of its owner (an AlertmanagerConfig in its namespace)", urn
        group = routes.get(tenant)
        if group is None or groups.get(group) != tenant:
            yield f"tenant {tenant!r}: its containers' logs go to {group!r}, not to a log group of the tenant", urn


# -- dead letters ----------------------------------------------------------------------------------


def _dead_letter_queues(resources: list[Any]) -> list[Any]:
    """Queues that are some queue's dead-letter target (by the name its redrive ARN ends with), or
    declare themselves one (``redriveAllowPolicy``)."""
    targets = {
        str(get(document(get(q.props, "redrivePolicy")) or {}, "deadLetterTargetArn", "")).rsplit(":", 1)[-1]
        for q in named(resources, QUEUE)
    }
    return [q for q in named(resources, QUEUE) if get(q.props, "redriveAllowPolicy") or str(get(q.props, "name", "")) in targets]


def _dead_letters_alerted(args) -> Iterator[Finding]:
    resources = args.resources
    alerted = [
        (str(get(rule, "expr", "")), r)
        for r in named(resources, PROMETHEUS_RULE)
        for group in items(get(r.props, "spec.groups"))
        for rule in items(get(group, "rules"))
        if get(rule, "alert")
    ]
    for dlq in _dead_letter_queues(resources):
        name = str(get(dlq.props, "name", ""))
        selector = f'{contract.QUEUE_LABEL}="{name}"'
        if not any(contract.QUEUE_DEPTH_METRIC in expr and selector in expr for expr, _ in alerted):
            yield (
                f"dead-letter queue {name!r} has no depth alert: a PrometheusRule alerting on "
                f"{contract.QUEUE_DEPTH_METRIC}{{{selector}}} (components/tenant/queue_alerts.py)",
                dlq.urn,
            )


# -- alerts reach a person ------------------------------------------------------------------------------


def _sns_targets(receiver: Any) -> list[tuple[str, str]]:
    """(topic ARN, recipient attribute) of each SNS delivery of an Alertmanager receiver, in the CRD's
    shape (``snsConfigs``) or the configuration file's (``sns_configs``)."""
    found = []
    for config in [*items(get(receiver, "snsConfigs")), *items(get(receiver, "sns_configs"))]:
        topic = get(config, "topicARN") or get(config, "topic_arn") or ""
        found.append((str(topic), str(get(config, "attributes", {}).get(contract.ALERT_RECIPIENT_ATTRIBUTE, ""))))
    return found


def _subscribers(resources: list[Any]) -> dict[tuple[str, str], list[Any]]:
    """(topic name, recipient) -> the subscriptions with an endpoint whose filter policy takes it."""
    found: dict[tuple[str, str], list[Any]] = {}
    for sub in named(resources, SUBSCRIPTION):
        policy = document(get(sub.props, "filterPolicy")) or {}
        # Unfiltered subscriptions (the CIS alarms' topic) are not recipients; their topic may be
        # known only once it exists.
        if not policy.get(contract.ALERT_RECIPIENT_ATTRIBUTE):
            continue
        if not get(sub.props, "endpoint") or get(sub.props, "filterPolicyScope", "MessageAttributes") != "MessageAttributes":
            continue
        topic = str(get(sub.props, "topic", "")).rsplit(":", 1)[-1]
        for recipient in strings(policy.get(contract.ALERT_RECIPIENT_ATTRIBUTE)):
            found.setdefault((topic, recipient), []).append(sub)
    return found


def _alertmanager_publishers(resources: list[Any], release: Any) -> list[Any]:
    """The role policy documents of Alertmanager's Pod Identity (the service account the chart's values name)."""
    account = get(release.props, "values.alertmanager.serviceAccount.name")
    namespace = get(release.props, "namespace")
    return [
        d
        for a in named(resources, POD_IDENTITY)
        if (get(a.props, "namespace"), get(a.props, "serviceAccount")) == (namespace, account)
        for urn in depends_on(a, "roleArn")
        for d in _role_documents(resources, urn)
    ]


def _alerts_reach_a_person(args) -> Iterator[Finding]:
    resources = args.resources
    release = next((r for r in named(resources, HELM_RELEASE) if get(r.props, "chart") == ALERTMANAGER_CHART), None)
    if release is None:
        return
    topics = {str(get(t.props, "name")) for t in named(resources, TOPIC)}
    subscribers = _subscribers(resources)
    publishers = _alertmanager_publishers(resources, release)

    def undelivered(whose: str, targets: list[tuple[str, str]], recipient: str) -> Iterator[str]:
        if not targets:
            yield f"{whose} go to a receiver that reaches no one: publish to the stack's alert topic (components/aws/alert_relay.py)"
        for arn, addressed in targets:
            topic = arn.rsplit(":", 1)[-1]
            if topic not in topics:
                yield f"{whose} are published to {arn!r}, no SNS topic of the stack"
            elif addressed != recipient:
                yield f"{whose} are addressed to recipient {addressed!r}, not {recipient!r}"
            elif not subscribers.get((topic, recipient)):
                yield f"{whose} reach no one: no subscription of {topic!r} takes recipient {recipient!r}"
            elif not any(_allows([d], "sns:Publish", topic) for d in publishers):
                yield f"{whose}: Alertmanager's identity may not publish to {topic!r}"

    config = get(release.props, "values.alertmanager.config", {})
    default = get(config, "route.receiver")
    receiver: Any = next((r for r in items(get(config, "receivers")) if get(r, "name") == default), {})
    for problem in undelivered("the platform's alerts", _sns_targets(receiver), "platform"):
        yield problem, release.urn
    applications = _tenant_applications(resources)
    for tenant in sorted({t for t, _, _ in applications}):
        configs = in_namespace(resources, ALERTMANAGER_CONFIG, tenant)
        targets = [
            target
            for c in configs
            for r in items(get(c.props, "spec.receivers"))
            if get(r, "name") == get(c.props, "spec.route.receiver")
            for target in _sns_targets(r)
        ]
        urn = configs[0].urn if configs else next(app.urn for t, _, app in applications if t == tenant)
        for problem in undelivered(f"tenant {tenant!r}'s alerts", targets, tenant):
            yield problem, urn


# -- Gate 3: the canary -------------------------------------------------------------------------------


def _selects(query: str, tenant: str, service: str) -> bool:
    return f'namespace="{tenant}"' in query and f'service="{service}"' in query


def _slo_metric(metric: Any, tenant: str, service: str, series: str) -> bool:
    query = str(get(metric, "provider.prometheus.query", ""))
    return (
        series in query
        and _selects(query, tenant, service)
        and bool(get(metric, "successCondition"))
        and bool(get(metric, "failureCondition"))
    )


def _canary_guarded(args) -> Iterator[Finding]:
    resources = args.resources
    # Indexed once: a lookup per service would make the rule quadratic in the tenants.
    rollouts = {(get(r.props, "metadata.namespace"), _name(r)): r for r in named(resources, ROLLOUT)}
    templates = {(get(t.props, "metadata.namespace"), _name(t)): t for t in named(resources, ANALYSIS_TEMPLATE)}
    tied = {
        contract.CANARY_ERROR_RATE_METRIC: "http_server_request_duration_seconds_count",
        contract.CANARY_LATENCY_METRIC: "http_server_request_duration_seconds_bucket",
    }
    for tenant, service, app in _tenant_applications(resources):
        where = f"service {tenant}/{service}"
        rollout = rollouts.get((tenant, service))
        if rollout is None:
            yield f"{where} has no Rollout: a new digest would reach every pod at once, unjudged by its SLO", app.urn
            continue
        spec = get(rollout.props, "spec", {})
        ref = get(spec, "workloadRef", {})
        if (get(ref, "kind"), get(ref, "name")) != ("Deployment", service):
            yield (
                f"{where}: its Rollout drives {get(ref, 'kind')} {get(ref, 'name')!r}, not the repository's Deployment {service!r}",
                rollout.urn,
            )
        weights = [int(get(s, "setWeight")) for s in items(get(spec, "strategy.canary.steps")) if get(s, "setWeight") is not None]
        if not weights or weights[0] > contract.CANARY_FIRST_STEP_MAX:
            first = f"{weights[0]}%" if weights else "everything"
            yield f"{where}: its canary's first step sends {first}; at most {contract.CANARY_FIRST_STEP_MAX}%", rollout.urn
        names = [str(get(t, "templateName")) for t in items(get(spec, "strategy.canary.analysis.templates"))]
        metrics = [m for name in names if (tenant, name) in templates for m in items(get(templates[(tenant, name)].props, "spec.metrics"))]
        missing = [
            name
            for name, series in tied.items()
            if not any(get(m, "name") == name and _slo_metric(m, tenant, service, series) for m in metrics)
        ]
        if missing:
            yield (
                f"{where}: its canary's background analysis does not measure the service's SLO ({', '.join(missing)} of "
                f"{service!r} in {tenant!r}, with success and failure conditions): components/tenant/canary.py",
                rollout.urn,
            )


POLICIES = [
    StackRule(
        name="tenant-repository-rendered",
        description="Every repository generated from the golden template has each file that holds a placeholder committed "
        "rendered, and none of its committed files keeps one (#17 hop 1).",
        severity=HIGH,
        adr="ADR-0003",
        domain="journey",
        check=_repository_rendered,
        reads=[REPOSITORY, REPOSITORY_FILE],
    ),
    StackRule(
        name="tenant-gitops-wired",
        description="Every tenant Application has Argo CD credentials for its repository (a repository Secret scoped to the "
        "tenant's project and a read-only deploy key), syncs the template's deploy path into the tenant's namespace, and "
        "names a workload whose Deployment, ServiceAccount and ScaledObject agree (#17 hop 4).",
        severity=HIGH,
        adr="ADR-0003",
        domain="journey",
        check=_gitops_wired,
        reads=[APPLICATION, SECRET, DEPLOY_KEY, REPOSITORY_FILE, SERVICE_ACCOUNT, SCALED_OBJECT, "fintech:"],
    ),
    StackRule(
        name="tenant-workload-identity-scoped",
        description="Each tenant service's Pod Identity role reaches its own queue, idempotency table and data bucket, and no "
        "store of another tenant (#17 hop 5).",
        severity=HIGH,
        adr="ADR-0001",
        domain="journey",
        check=_workload_identity,
        reads=[POD_IDENTITY, ROLE, ROLE_POLICY, QUEUE, TABLE, BUCKET, "fintech:"],
    ),
    StackRule(
        name="tenant-vault-reachable",
        description="A tenant's pods may reach Vault where it really is (an egress rule to Vault's networks on its "
        "address's port) and log in with a Kubernetes auth role admitting their namespace and service accounts (#17 hop 6).",
        severity=HIGH,
        adr="ADR-0001",
        domain="journey",
        check=_vault_reachable,
        reads=[CONCIERGE, NETWORK_POLICY, VAULT_K8S_ROLE, POD_IDENTITY],
    ),
    StackRule(
        name="tenant-database-path-wired",
        description="Each tenant with a Vault database role has a capped pool at the pooler that looks its users up, a "
        "migration Job that creates its schema and group role, and egress to the pooler (#17 hop 7, ADR-0002).",
        severity=HIGH,
        adr="ADR-0002",
        domain="journey",
        check=_database_path,
        reads=[VAULT_DB_ROLE, CONFIG_MAP, JOB, NETWORK_POLICY],
    ),
    StackRule(
        name="tenant-worker-scaling-wired",
        description="A tenant worker scales on its own queue (which dead-letters poison messages) through an identity that "
        "may read the queue's depth, and can write its tenant's idempotency table (#17 hop 8).",
        severity=HIGH,
        adr="ADR-0005",
        domain="journey",
        check=_worker_scaling,
        reads=[SCALED_OBJECT, TRIGGER_AUTH, QUEUE, TABLE, POD_IDENTITY, ROLE, ROLE_POLICY, "fintech:"],
    ),
    StackRule(
        name="dead-letter-queues-alerted",
        description="Every dead-letter queue has an alert on its depth: a message that failed every delivery reaches a "
        "person, as the runbooks assume (#30 item 3).",
        severity=HIGH,
        adr="ADR-0006",
        domain="journey",
        check=_dead_letters_alerted,
        reads=[QUEUE, PROMETHEUS_RULE],
    ),
    StackRule(
        name="alerts-reach-a-person",
        description="The platform's alerts and each tenant's are published to an SNS topic of the stack, addressed to "
        "their recipient, which a subscription takes, by an Alertmanager identity allowed to publish there (#30 item 1).",
        severity=HIGH,
        adr="ADR-0006",
        domain="journey",
        check=_alerts_reach_a_person,
        reads=[HELM_RELEASE, TOPIC, SUBSCRIPTION, ALERTMANAGER_CONFIG, APPLICATION, POD_IDENTITY, ROLE, ROLE_POLICY, "fintech:"],
    ),
    StackRule(
        name="tenant-canary-guarded",
        description="Each tenant service ships as a canary: a Rollout of its repository's Deployment whose first step "
        "sends at most 25% to the new digest, with a background analysis measuring the service's own error rate and p95 "
        "latency against its SLO (#29, Gate 3).",
        severity=HIGH,
        adr="ADR-0027",
        domain="journey",
        check=_canary_guarded,
        reads=[APPLICATION, ROLLOUT, ANALYSIS_TEMPLATE, "fintech:"],
    ),
    StackRule(
        name="tenant-telemetry-wired",
        description="Each tenant service is scraped (ServiceMonitor) and has a multi-window burn-rate SLO alert; the tenant's "
        "alerts route to its owner; the log shipper sends the tenant's container logs to the tenant's log group (#17 hop 9).",
        severity=HIGH,
        adr="ADR-0006",
        domain="journey",
        check=_telemetry,
        reads=[APPLICATION, SERVICE_MONITOR, PROMETHEUS_RULE, ALERTMANAGER_CONFIG, HELM_RELEASE, NAMESPACE, LOG_GROUP, "fintech:"],
    ),
]
