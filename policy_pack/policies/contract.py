"""The contract between the program and the pack (``data/contract.json``), read by both."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_RAW: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "contract.json").read_text())
_CIS: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "cis_monitoring.json").read_text())

REQUIRED_COST_TAGS: tuple[str, ...] = tuple(_RAW["costTags"]["required"])
DATA_CLASS_TAG: str = _RAW["costTags"]["dataClass"]
MANAGED_BY: str = _RAW["costTags"]["managedBy"]
#: The tenant of platform-shared resources.
SHARED_TENANT: str = _RAW["costTags"]["sharedTenant"]
DATA_BEARING_TYPES: frozenset[str] = frozenset(_RAW["dataBearingTypes"])
#: Type-token prefixes that are not Kubernetes objects (no metadata to label).
KUBERNETES_NON_OBJECTS: tuple[str, ...] = tuple(_RAW["kubernetesNonObjects"])
VAULT_KV_MOUNT: str = _RAW["vault"]["kvMount"]
VAULT_DATABASE_MOUNT: str = _RAW["vault"]["databaseMount"]
#: Path templates (``{tenant}``) a tenant's Vault policy may reach; a trailing '/' allows the subtree.
VAULT_TENANT_PATHS: tuple[str, ...] = tuple(
    p.replace("{kvMount}", VAULT_KV_MOUNT).replace("{databaseMount}", VAULT_DATABASE_MOUNT) for p in _RAW["vault"]["tenantPaths"]
)


def tenant_vault_policy(tenant: str) -> str:
    """The name of a tenant's Vault policy."""
    return str(_RAW["vault"]["tenantPolicy"]).format(tenant=tenant)


#: A tenant namespace labelled ``REGISTRY_SCOPE_LABEL: REGISTRY_SCOPE_OWN`` is left out of the cluster-wide
#: registry rule; its own Kyverno Policy ``TENANT_REGISTRY_POLICY`` must take over.
REGISTRY_SCOPE_LABEL: str = _RAW["admission"]["registryScopeLabel"]
REGISTRY_SCOPE_OWN: str = _RAW["admission"]["registryScopeOwn"]
TENANT_REGISTRY_POLICY: str = _RAW["admission"]["tenantRegistryPolicy"]

#: The roles that may sign images with the signing key (ADR-0022).
SIGNER_ROLES: tuple[str, ...] = tuple(_RAW["kms"]["signerRoles"])
#: The component type whose name is a tenant's; every resource below one belongs to that tenant.
TENANT_COMPONENT: str = _RAW["components"]["tenant"]
#: The component of the platform-shared resources; it records the stack's FinOps profile.
PLATFORM_COMPONENT: str = _RAW["components"]["platform"]
#: The erasure job (ADR-0005): its component type, the name of its ServiceAccount and CronJob (and
#: the suffix of its queue), and its prefix in the audit ledger.
ERASURE_COMPONENT: str = _RAW["erasure"]["component"]
ERASURE_NAME: str = _RAW["erasure"]["name"]


def erasure_evidence_prefix(tenant: str) -> str:
    return str(_RAW["erasure"]["evidencePrefix"]).format(tenant=tenant)


def deployment_records_prefix(repository: str) -> str:
    """Where a repository's promotions append their deployment records in the audit ledger (#26 item 6)."""
    return str(_RAW["erasure"]["deploymentsPrefix"]).format(repository=repository)


#: The Actions variables a service repository's Gate 1 workflow reads, in this order: image repository
#: URL, publisher role ARN, region, signing key ARN.
CI_VARIABLES: tuple[str, ...] = tuple(_RAW["ciVariables"]["names"])
#: The environment Gate 1 publishes to (first of the path): its stack also writes Gate 1's repository variables.
BUILD_ENVIRONMENT: str = _RAW["ciVariables"]["buildEnvironment"]
#: What the promotion reads in each GitHub environment besides ``CI_VARIABLES`` (ADR-0031).
PROMOTION_VARIABLES: tuple[str, ...] = tuple(_RAW["ciVariables"]["promotion"]["names"])
#: Where the platform's own images live in its registry (``platform/<repository>``).
PLATFORM_IMAGE_PREFIX = "platform/"

#: Platform key aliases a tenant's roles may be granted (the signing key, for its CI).
TENANT_SHARED_KEY_ALIASES: tuple[str, ...] = tuple(_RAW["kms"]["sharedAliases"])


@dataclass(frozen=True)
class CisControl:
    control: str
    metric: str
    description: str
    pattern: str


#: CIS AWS Foundations 4.1-4.15: the metric filters and alarms on the trail's log group.
CIS_CONTROLS: tuple[CisControl, ...] = tuple(CisControl(**c) for c in _CIS["controls"])
CIS_METRIC_NAMESPACE: str = _CIS["namespace"]

#: The golden template's placeholders; a repository generated from it has every file holding one
#: committed rendered (#17 hop 1).
TEMPLATE_PLACEHOLDERS: tuple[str, ...] = tuple(_RAW["template"]["placeholders"])
#: Matches any of them (the program renders with it, the pack looks for leftovers with it).
TEMPLATE_PLACEHOLDER_PATTERN: re.Pattern[str] = re.compile("|".join(re.escape(p) for p in TEMPLATE_PLACEHOLDERS))
#: The folder of a service repository Argo CD syncs, and the manifest naming the workload in it.
TEMPLATE_DEPLOY_PATH: str = _RAW["template"]["deployPath"]


def deploy_path(environment: str) -> str:
    """The overlay Argo CD of ``environment`` syncs in a service repository."""
    return TEMPLATE_DEPLOY_PATH.format(environment=environment)


TEMPLATE_WORKLOAD_MANIFEST: str = _RAW["template"]["workloadManifest"]
#: Argo CD's repository credentials: a Secret labelled ``GITOPS_SECRET_LABEL: GITOPS_REPOSITORY_SECRET``.
GITOPS_SECRET_LABEL: str = _RAW["gitops"]["secretTypeLabel"]
GITOPS_REPOSITORY_SECRET: str = _RAW["gitops"]["repositorySecretType"]

#: The database pooler's namespace and Deployment, and the priority classes around it (#27 item 5).
POOLER_NAMESPACE: str = _RAW["pooler"]["namespace"]
POOLER_DEPLOYMENT: str = _RAW["pooler"]["deployment"]
CRITICAL_PRIORITY: tuple[str, int] = (_RAW["pooler"]["priorityClass"]["name"], _RAW["pooler"]["priorityClass"]["value"])
BATCH_PRIORITY: tuple[str, int] = (_RAW["pooler"]["batchPriorityClass"]["name"], _RAW["pooler"]["batchPriorityClass"]["value"])


# -- container logs (components/kubernetes/logging.py writes them, tenant-telemetry-wired reads them) --

#: The namespace label naming a tenant's namespace; Fluent Bit routes its container logs by it.
TENANT_LABEL = "fintech-blueprint.io/tenant"


def parse_sections(text: str) -> list[tuple[str, dict[str, str]]]:
    """Classic-mode sections of ``text`` as (kind, settings), keys lower-cased (Fluent Bit reads them
    case-insensitively)."""
    sections: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = re.fullmatch(r"\[([A-Z]+)\]", stripped)
        if header:
            sections.append((header.group(1), {}))
        elif sections:
            key, _, value = stripped.partition(" ")
            sections[-1][1][key.lower()] = value.strip()
    return sections


def resolve_group(output: dict[str, str], namespace_labels: dict[str, str]) -> str:
    """The log group Fluent Bit's ``cloudwatch_logs`` output sends a record of a namespace with
    ``namespace_labels`` to: the template with each namespace-label accessor replaced, or, when one
    names a label the namespace lacks, ``log_group_name``."""
    template = output.get("log_group_template")
    fallback = output.get("log_group_name", "")
    if not template:
        return fallback
    missing = False

    def label(match: re.Match[str]) -> str:
        nonlocal missing
        value = namespace_labels.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return value

    resolved = re.sub(r"\$kubernetes_namespace\['labels'\]\['([^']+)'\]", label, template)
    return fallback if missing or "$" in resolved else resolved


# -- queue alerts (components/tenant/queue_alerts.py writes them, dead-letter-queues-alerted reads them) --

#: A queue's depth as the CloudWatch exporter (YACE) exports it, and the label naming the queue.
QUEUE_DEPTH_METRIC = "aws_sqs_approximate_number_of_messages_visible_maximum"
QUEUE_AGE_METRIC = "aws_sqs_approximate_age_of_oldest_message_maximum"
QUEUE_LABEL = "dimension_QueueName"


# -- canaries (components/tenant/canary.py writes them, tenant-canary-guarded reads them) --

#: The most a canary's first step may send to a new digest (#29): a canary, not a release.
CANARY_FIRST_STEP_MAX = 25
#: The analysis metrics that tie a canary to its service's SLO.
CANARY_ERROR_RATE_METRIC = "error-rate"
CANARY_LATENCY_METRIC = "latency-p95"


# -- the edge (components/tenant/edge.py writes it, the edge-* rules read it) --

#: The controller an IngressClass names for the AWS Load Balancer Controller's ALBs.
EDGE_CONTROLLER = "ingress.k8s.aws/alb"
#: The rate-based rule of a tenant's web ACL (requests per client IP per 5 minutes).
EDGE_RATE_RULE = "rate-limit"
#: The AWS managed rule groups every internet-facing web ACL holds (#29 item 3).
EDGE_MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
#: WAF delivers logs to CloudWatch Logs only into groups named so.
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"


# -- alerts (components/aws/alert_relay.py writes them, alerts-reach-a-person reads them) --

#: The SNS message attribute naming whom a notification is for; each subscription filters on it.
ALERT_RECIPIENT_ATTRIBUTE = "recipient"
