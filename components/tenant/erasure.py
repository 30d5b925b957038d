"""A tenant's right-to-be-forgotten path (ADR-0005, docs/erasure.md).

Only for a tenant whose data class has erasure (pii, pci by default). An approved request is a
message on the tenant's erasure queue (its services send it; after ``max_receive_count`` failed
attempts it waits in the DLQ for a human). A CronJob in the tenant's namespace drains the queue with
its own workload identity: it erases or anonymizes the subject in the tenant's table, bucket (every
version) and schema (through the Concierge, like any tenant workload), then writes one evidence
record per request to the audit ledger, under the tenant's prefix, where Object Lock keeps it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components import options
from components.aws import iam_documents
from components.aws.arns import Location, s3_bucket
from components.aws.ci_identity import ROLE_PATH
from components.aws.outbox import dead_lettered_queue
from components.context import StackContext
from components.naming import physical_name
from components.tenant.queue_alerts import WatchedQueue, queue_alert_rule
from policy_pack.policies.contract import BATCH_PRIORITY, ERASURE_COMPONENT, ERASURE_NAME, erasure_evidence_prefix

#: Pod resources: the job streams messages and issues API calls; it needs little.
JOB_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
#: A run that has not finished in an hour is stuck: the next schedule starts afresh.
JOB_DEADLINE_SECONDS = 3600
#: An erasure request may wait this long before the tenant's owner gets a ticket: a weekly schedule
#: with a day's margin, far inside the month GDPR art. 12(3) allows.
ERASURE_MAX_AGE_SECONDS = 8 * 24 * 3600
ERASURE_RUNBOOK = "docs/erasure.md"


@dataclass(frozen=True)
class ErasureJob:
    """What the job reads and writes, as its command line names it."""

    tenant: str
    image: str
    schedule: str
    queue_url: str
    table_name: str
    data_bucket: str
    ledger_bucket: str
    region: str


def cron_job_spec(job: ErasureJob) -> dict[str, Any]:
    """The CronJob's spec: restricted Pod Security, one run at a time, bounded in time and history."""
    container = {
        "name": ERASURE_NAME,
        "image": job.image,
        "args": [
            "erase",
            f"--tenant={job.tenant}",
            f"--queue-url={job.queue_url}",
            f"--table={job.table_name}",
            f"--data-bucket={job.data_bucket}",
            f"--evidence=s3://{job.ledger_bucket}/{erasure_evidence_prefix(job.tenant)}",
        ],
        "env": [{"name": "AWS_REGION", "value": job.region}],
        "resources": JOB_RESOURCES,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    pod = {
        "serviceAccountName": ERASURE_NAME,
        "priorityClassName": BATCH_PRIORITY[0],
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container],
    }
    return {
        "schedule": job.schedule,
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {
            "spec": {
                "backoffLimit": 2,
                "activeDeadlineSeconds": JOB_DEADLINE_SECONDS,
                "ttlSecondsAfterFinished": 7 * 86400,
                "template": {"metadata": {"labels": {"app.kubernetes.io/name": ERASURE_NAME}}, "spec": pod},
            }
        },
    }


@dataclass(frozen=True)
class ErasureSettings:
    """What the stack decides (the Tenant wires in its own stores). Attributes:
    image: The job's image (pinned, from an admitted registry).
    schedule: The CronJob schedule, UTC.
    region: For the AWS clients in the job.
    cluster_name: Whose Pod Identity maps the job's ServiceAccount to its role.
    ledger_bucket: The audit ledger (evidence under ``evidence/erasure/<tenant>/``).
    retention_seconds: (queue, DLQ) retention, within the class's (``Retention.transit_seconds``).
    max_receive_count: Attempts before a request waits in the DLQ.
    """

    image: pulumi.Input[str]
    schedule: str
    region: str
    cluster_name: pulumi.Input[str]
    ledger_bucket: pulumi.Input[str]
    retention_seconds: tuple[int, int]
    max_receive_count: int


@dataclass(frozen=True)
class TenantErasureArgs:
    """Attributes:
    tenant: Name and namespace (its ServiceAccount ``erasure`` is created with the namespace's).
    settings: The stack's choices (``ErasureSettings``).
    key_arn / key_alias: The tenant's key (queues, and what the job reads and rewrites).
    table_name / data_bucket: The tenant's stores the job erases in.
    requester_arns: Who may send a request: the tenant's service roles.
    """

    tenant: str
    settings: ErasureSettings
    key_arn: pulumi.Input[str]
    key_alias: str
    table_name: pulumi.Input[str]
    data_bucket: pulumi.Input[str]
    requester_arns: list[pulumi.Input[str]]


class TenantErasure(pulumi.ComponentResource):
    """Its AWS children use the AWS provider and its CronJob the Kubernetes one: the Tenant passes both
    in ``opts.providers``, and each child takes the one of its package."""

    queue_url: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TenantErasureArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ERASURE_COMPONENT, name, None, opts)
        settings = args.settings
        child = options.child(self, opts)
        location = Location.of(self)
        role = aws.iam.Role(
            f"{name}-role",
            path=ROLE_PATH,
            name=physical_name(ctx.name_prefix, args.tenant, ERASURE_NAME, max_length=64),
            assume_role_policy=pulumi.Output.all(
                account_id=location.account, cluster_arn=location.eks_cluster(settings.cluster_name)
            ).apply(lambda v: json.dumps(iam_documents.pod_identity_trust(**v, namespace=args.tenant, service_account=ERASURE_NAME))),
            opts=child,
        )
        role_arn = location.role(role.name, ROLE_PATH)
        queue_name = physical_name(ctx.name_prefix, args.tenant, ERASURE_NAME, max_length=76)
        queue, _dlq = dead_lettered_queue(
            name,
            queue_name=queue_name,
            kms_key_arn=args.key_arn,
            producers=args.requester_arns,
            consumers=[role_arn],
            retention_seconds=settings.retention_seconds,
            max_receive_count=settings.max_receive_count,
            parent=self,
            protect=ctx.protect,
        )
        evidence = s3_bucket(settings.ledger_bucket).apply(lambda arn: f"{arn}/{erasure_evidence_prefix(args.tenant)}*")
        aws.iam.RolePolicy(
            f"{name}-access",
            role=role.id,
            opts=child,
            policy=pulumi.Output.all(
                queue_arn=queue.arn,
                table_arn=location.dynamodb_table(args.table_name),
                bucket_arn=s3_bucket(args.data_bucket),
                evidence_arn=evidence,
                keys_arn=location.kms_keys(),
            ).apply(lambda v: json.dumps(iam_documents.erasure_access(**v, data_alias=args.key_alias))),
        )
        identity = aws.eks.PodIdentityAssociation(
            f"{name}-identity",
            cluster_name=settings.cluster_name,
            namespace=args.tenant,
            service_account=ERASURE_NAME,
            role_arn=role.arn,
            opts=child,
        )
        # The queue's URL from its name (known at a first preview, so the pack judges the pod spec then).
        queue_url = pulumi.Output.concat("https://sqs.", ctx.region, ".amazonaws.com/", location.account, "/", queue_name)
        # Any: checking a built dict against the CronJob's TypedDict inputs exhausts mypy's memory.
        spec: Any = pulumi.Output.all(
            image=settings.image,
            queue_url=queue_url,
            table_name=args.table_name,
            data_bucket=args.data_bucket,
            ledger_bucket=settings.ledger_bucket,
        ).apply(lambda v: cron_job_spec(ErasureJob(**v, tenant=args.tenant, schedule=settings.schedule, region=settings.region)))
        k8s.batch.v1.CronJob(
            f"{name}-job",
            metadata={"name": ERASURE_NAME, "namespace": args.tenant, "labels": {"app.kubernetes.io/name": ERASURE_NAME}},
            spec=spec,
            opts=options.child(self, opts, after=[identity]),
        )
        # A request that failed every attempt, or that no run drained in time (#30 item 3).
        queue_alert_rule(
            f"{name}-queue-alerts",
            tenant=args.tenant,
            group=f"{args.tenant}-erasure-queue",
            queues=[WatchedQueue(queue_name, "erasure request", ERASURE_MAX_AGE_SECONDS, ERASURE_RUNBOOK, severity="ticket")],
            opts=child,
        )
        self.queue_url, self.role_arn = queue.url, role_arn
        self.register_outputs({"queueUrl": self.queue_url, "roleArn": self.role_arn})
