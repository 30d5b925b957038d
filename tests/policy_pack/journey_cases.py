"""Failing stacks for the service-journey rules (#17), made from the real prod plan: one edit per
branch of each rule, so every violation those rules can report is reached by a real-shaped stack
(``test_every_violation_a_rule_can_report_has_a_failing_case``), and each names the rule it breaks.

The journey crosses stacks since ADR-0031: the repositories and their files are the org stack's, the
Applications prod's. The cases judge the environment whole: prod's plan with the org stack's.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
from collections.abc import Callable
from typing import Any

from blueprint.engine.analyzer import Resource
from blueprint.policies import as_policy_resources
from policy_pack.policies.contract import TENANT_LABEL
from tests.conftest import shipped_org_plan, shipped_plan

NAMESPACE = "kubernetes:core/v1:Namespace"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"

Edit = Callable[[list[Resource]], list[Resource]]


@functools.cache
def _prod() -> tuple[Resource, ...]:
    return tuple(as_policy_resources([*shipped_org_plan(), *shipped_plan("prod")]))


def prod_resources() -> list[Resource]:
    return [dataclasses.replace(r, props=copy.deepcopy(dict(r.props)), state=copy.deepcopy(dict(r.state or r.props))) for r in _prod()]


def changed(type_: str, name: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(resources: list[Resource]) -> list[Resource]:
        found = [r for r in resources if r.type == type_ and r.name == name]
        assert found, f"no {type_} {name} in the prod plan"
        out = []
        for r in resources:
            if r in found:
                props = copy.deepcopy(dict(r.state or r.props))
                change(props)
                r = dataclasses.replace(r, props=props, state=props)
            out.append(r)
        return out

    return edit


def _drop(type_: str, name: str) -> Edit:
    def edit(resources: list[Resource]) -> list[Resource]:
        kept = [r for r in resources if not (r.type == type_ and r.name == name)]
        assert len(kept) == len(resources) - 1, f"no {type_} {name} in the prod plan"
        return kept

    return edit


def _json(key: str, change: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        props[key] = json.dumps(change(json.loads(props[key])))

    return apply


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        holder = props
        for key in parents:
            holder = holder[key][0] if isinstance(holder[key], list) else holder[key]
        holder[leaf] = value

    return apply


ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ROUTING = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig"


def _receiver_email_only(props: dict[str, Any]) -> None:
    for receiver in props["spec"]["receivers"]:
        receiver.pop("snsConfigs", None)
        receiver["emailConfigs"] = [{"to": "owner@example.com"}]


def _recipient(who: str) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        for receiver in props["spec"]["receivers"]:
            for config in receiver["snsConfigs"]:
                config["attributes"]["recipient"] = who

    return apply


def _topic(arn: str) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        for receiver in props["spec"]["receivers"]:
            for config in receiver["snsConfigs"]:
                config["topicARN"] = arn

    return apply


ANALYSIS = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"


def _first_weight(weight: int) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        next(s for s in props["spec"]["strategy"]["canary"]["steps"] if "setWeight" in s)["setWeight"] = weight

    return apply


def _without_metric(name: str) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        props["spec"]["metrics"] = [m for m in props["spec"]["metrics"] if m["name"] != name]

    return apply


def _queries_replaced(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        for m in props["spec"]["metrics"]:
            m["provider"]["prometheus"]["query"] = m["provider"]["prometheus"]["query"].replace(old, new)

    return apply


FILE = "github:index/repositoryFile:RepositoryFile"
API_MANIFEST = "payments-payments-payments-api-deploy/base/deployment.yaml"
APP = "kubernetes:argoproj.io/v1alpha1:Application"
POLICY = "aws:iam/rolePolicy:RolePolicy"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SCALER = "kubernetes:keda.sh/v1alpha1:ScaledObject"
QUEUE = "aws:sqs/queue:Queue"


def _statements(keep: Callable[[dict[str, Any]], bool]) -> Callable[[Any], Any]:
    return lambda doc: {**doc, "Statement": [s for s in doc["Statement"] if keep(s)]}


def _ini_without(prefix: str) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        props["data"]["pgbouncer.ini"] = "\n".join(x for x in props["data"]["pgbouncer.ini"].splitlines() if not x.startswith(prefix))

    return apply


def _ini_replace(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        props["data"]["pgbouncer.ini"] = props["data"]["pgbouncer.ini"].replace(old, new)

    return apply


def _egress_without(namespace: str) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        props["spec"]["egress"] = [r for r in props["spec"]["egress"] if namespace not in json.dumps(r)]

    return apply


def _shipper_without_template(props: dict[str, Any]) -> None:
    outputs = props["values"]["config"]["outputs"]
    props["values"]["config"]["outputs"] = "\n".join(line for line in outputs.splitlines() if "log_group_template" not in line)


def _dlq_alert_on_source(props: dict[str, Any]) -> None:
    for rule in props["spec"]["groups"][0]["rules"]:
        rule["expr"] = rule["expr"].replace('-dlq"', '"')


def _namespace_labelled(tenant: str | None) -> Callable[[dict[str, Any]], None]:
    def apply(props: dict[str, Any]) -> None:
        props["metadata"]["labels"].pop(TENANT_LABEL)
        if tenant is not None:
            props["metadata"]["labels"][TENANT_LABEL] = tenant

    return apply


#: (rule, what breaks, edit of the prod plan)
JOURNEY_BAD: list[tuple[str, str, Edit]] = [
    ("tenant-repository-rendered", "rendered manifest not committed", _drop(FILE, API_MANIFEST)),
    ("tenant-repository-rendered", "placeholder left", changed(FILE, API_MANIFEST, _set("content", "name: __SERVICE__\n"))),
    (
        "tenant-gitops-wired",
        "no repository Secret",
        changed("kubernetes:core/v1:Secret", "payments-payments-payments-api-repository", _set("metadata.labels", {})),
    ),
    (
        "tenant-gitops-wired",
        "no deploy key",
        _drop("github:index/repositoryDeployKey:RepositoryDeployKey", "payments-payments-payments-api-deploy-key"),
    ),
    ("tenant-gitops-wired", "another path", changed(APP, "payments-payments-api-app", _set("spec.source.path", "k8s"))),
    ("tenant-gitops-wired", "another namespace", changed(APP, "payments-payments-api-app", _set("spec.destination.namespace", "fraud"))),
    ("tenant-gitops-wired", "no ServiceAccount", _drop("kubernetes:core/v1:ServiceAccount", "payments-payments-api-sa")),
    (
        "tenant-gitops-wired",
        "manifest names another workload",
        changed(FILE, API_MANIFEST, lambda p: p.update(content=p["content"].replace("name: payments-api", "name: api", 1))),
    ),
    (
        "tenant-gitops-wired",
        "scales what is not deployed",
        changed(SCALER, "payments-settlement-worker-scaler", _set("spec.scaleTargetRef.name", "other")),
    ),
    (
        "tenant-workload-identity-scoped",
        "reaches another tenant's table",
        changed(
            POLICY,
            "payments-payments-api-workload",
            lambda p: p.update(policy=p["policy"].replace("payments-idempotency", "fraud-idempotency")),
        ),
    ),
    (
        "tenant-workload-identity-scoped",
        "cannot reach its bucket",
        changed(POLICY, "payments-payments-api-workload", _json("policy", _statements(lambda s: "s3" not in json.dumps(s.get("Action"))))),
    ),
    ("tenant-vault-reachable", "no address recorded", changed("fintech:vault:Concierge", "payments", lambda p: p.update(vaultAddress=""))),
    (
        "tenant-vault-reachable",
        "no egress to Vault",
        changed(
            NETPOL,
            "payments-allow-platform-egress",
            lambda p: p["spec"].update(
                egress=[r for r in p["spec"]["egress"] if "ipBlock" not in json.dumps(r) or "0.0.0.0/0" in json.dumps(r)]
            ),
        ),
    ),
    ("tenant-vault-reachable", "no Kubernetes auth role", _drop("vault:kubernetes/authBackendRole:AuthBackendRole", "payments-k8s-role")),
    (
        "tenant-database-path-wired",
        "users outside the group",
        changed(
            "vault:database/secretBackendRole:SecretBackendRole",
            "payments-db-role",
            lambda p: p.update(creationStatements=["CREATE ROLE x;"]),
        ),
    ),
    (
        "tenant-database-path-wired",
        "users in another tenant's group",
        changed(
            "vault:database/secretBackendRole:SecretBackendRole",
            "payments-db-role",
            lambda p: p.update(creationStatements=[s.replace("'payments'", "'fraud'") for s in p["creationStatements"]]),
        ),
    ),
    (
        "tenant-database-path-wired",
        "a migration without the user function",
        changed(
            "kubernetes:core/v1:ConfigMap",
            "db-access-migration",
            lambda p: p["data"].update(
                {"migration.sql": p["data"]["migration.sql"].replace("FUNCTION pooler.create_user(", "FUNCTION x(")}
            ),
        ),
    ),
    (
        "tenant-database-path-wired",
        "no pool",
        changed("kubernetes:core/v1:ConfigMap", "db-access-payments-pooler-config", _ini_without("payments =")),
    ),
    (
        "tenant-database-path-wired",
        "wrong lookup",
        changed(
            "kubernetes:core/v1:ConfigMap",
            "db-access-payments-pooler-config",
            _ini_replace("auth_user=pooler_payments", "auth_user=pooler_fraud"),
        ),
    ),
    (
        "tenant-database-path-wired",
        "no egress to the pooler",
        changed(NETPOL, "payments-allow-platform-egress", _egress_without("db-manager")),
    ),
    ("tenant-database-path-wired", "no migration", _drop("kubernetes:batch/v1:Job", "db-access-payments-migrate-job")),
    ("tenant-database-path-wired", "no base migration", _drop("kubernetes:batch/v1:Job", "db-access-migrate-job")),
    (
        "tenant-worker-scaling-wired",
        "another tenant's queue",
        changed(
            SCALER,
            "payments-settlement-worker-scaler",
            lambda p: p["spec"]["triggers"][0]["metadata"].update(queueURL="https://sqs/x/fintech-blueprint-prod-fraud-outbox"),
        ),
    ),
    ("tenant-worker-scaling-wired", "no dead-letter queue", changed(QUEUE, "payments-outbox-queue", _set("redrivePolicy", "{}"))),
    (
        "tenant-worker-scaling-wired",
        "no AWS pod identity",
        changed(
            "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
            "payments-settlement-worker-aws-auth",
            _set("spec.podIdentity.provider", "none"),
        ),
    ),
    (
        "tenant-worker-scaling-wired",
        "KEDA cannot read the depth",
        changed(POLICY, "keda-operator-queue-depth", _json("policy", _statements(lambda s: False))),
    ),
    (
        "tenant-worker-scaling-wired",
        "worker cannot write its table",
        changed(POLICY, "payments-settlement-worker-workload", _json("policy", _statements(lambda s: "dynamodb" not in json.dumps(s)))),
    ),
    (
        "tenant-telemetry-wired",
        "no ServiceMonitor",
        _drop("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "payments-payments-api-monitor"),
    ),
    (
        "tenant-telemetry-wired",
        "single-window alerts",
        changed(
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            "payments-slo",
            lambda p: [r.update(expr="up == 0") for g in p["spec"]["groups"] for r in g["rules"]],
        ),
    ),
    (
        "tenant-telemetry-wired",
        "no owner receiver",
        _drop("kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", "payments-alert-routing"),
    ),
    ("dead-letter-queues-alerted", "no outbox alerts", _drop(PROMETHEUS_RULE, "payments-outbox-alerts")),
    (
        "dead-letter-queues-alerted",
        "the alert watches the source queue",
        changed(PROMETHEUS_RULE, "payments-outbox-alerts", _dlq_alert_on_source),
    ),
    (
        "tenant-telemetry-wired",
        "shipper sends every log to the platform",
        changed("kubernetes:helm.sh/v3:Release", "kubernetes-platform-fluent-bit", _shipper_without_template),
    ),
    ("alerts-reach-a-person", "tenant owner not subscribed", _drop(SUBSCRIPTION, "payments-alerts")),
    ("alerts-reach-a-person", "platform team not subscribed", _drop(SUBSCRIPTION, "alert-relay-platform")),
    ("alerts-reach-a-person", "tenant receiver e-mails through no relay", changed(ROUTING, "payments-alert-routing", _receiver_email_only)),
    ("alerts-reach-a-person", "tenant alerts addressed to another", changed(ROUTING, "payments-alert-routing", _recipient("fraud"))),
    (
        "alerts-reach-a-person",
        "tenant alerts to a topic of no stack",
        changed(ROUTING, "payments-alert-routing", _topic("arn:aws:sns:eu-west-3:999999999999:elsewhere")),
    ),
    (
        "alerts-reach-a-person",
        "Alertmanager may not publish",
        changed(POLICY, "alert-relay-publish", _json("policy", _statements(lambda s: "sns" not in json.dumps(s)))),
    ),
    (
        "alerts-reach-a-person",
        "platform alerts to the null receiver",
        changed(
            "kubernetes:helm.sh/v3:Release",
            "kubernetes-platform-kube-prometheus-stack",
            _set("values.alertmanager.config.route.receiver", "null"),
        ),
    ),
    ("tenant-canary-guarded", "no Rollout", _drop(ROLLOUT, "payments-payments-api-rollout")),
    (
        "tenant-canary-guarded",
        "drives another Deployment",
        changed(ROLLOUT, "payments-payments-api-rollout", _set("spec.workloadRef.name", "other")),
    ),
    ("tenant-canary-guarded", "first step of 50%", changed(ROLLOUT, "payments-payments-api-rollout", _first_weight(50))),
    (
        "tenant-canary-guarded",
        "analysis without latency",
        changed(ANALYSIS, "payments-payments-api-analysis", _without_metric("latency-p95")),
    ),
    (
        "tenant-canary-guarded",
        "analysis of another service",
        changed(ANALYSIS, "payments-payments-api-analysis", _queries_replaced('service="payments-api"', 'service="ledger"')),
    ),
    ("tenant-telemetry-wired", "namespace not labelled", changed(NAMESPACE, "payments-ns", _namespace_labelled(None))),
    (
        "tenant-telemetry-wired",
        "namespace labelled as another tenant",
        changed(NAMESPACE, "payments-ns", _namespace_labelled("fraud")),
    ),
]
