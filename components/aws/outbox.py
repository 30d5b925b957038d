"""Outbox, DLQ and idempotency for one tenant (seed: Outbox / Idempotency / DLQ; ADR-0005).

The outbox queue carries the tenant's events; after ``max_receive_count`` failed deliveries a
message moves to the dead-letter queue and waits there for replay. The idempotency table records
processed keys (with a TTL) so a replay never charges twice. Only the tenant's own identities may
touch the queue; everything is encrypted with the platform data key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location

#: The outbox's secure defaults, read by OutboxArgs and by the config model (``outbox.*``) alike.
MAX_RECEIVE_COUNT = 5
MESSAGE_RETENTION_SECONDS = 4 * 24 * 3600
#: SQS's maximum: a dead-lettered message waits as long as it can for a person to replay it.
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
#: The oldest outbox message may be this old before its tenant's owner is paged (a worker consumes
#: within seconds; five minutes means it is stuck or gone).
MAX_MESSAGE_AGE_SECONDS = 300
#: A dead-letter queue is named after its queue with this suffix (the alerts find it by that name).
DLQ_SUFFIX = "-dlq"

IDEMPOTENCY_KEY = "idempotencyKey"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiresAt"


def redrive_policy(dlq_arn: str, max_receive_count: int) -> str:
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})


def redrive_allow_policy(source_queue_arn: str) -> str:
    """The DLQ accepts messages from its own outbox only."""
    return json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [source_queue_arn]})


@dataclass(frozen=True)
class QueueLocation:
    """A queue's ARN (from its name: known at a first preview, queue policies name it) and URL."""

    arn: pulumi.Output[str]
    url: pulumi.Output[str]


def dead_lettered_queue(
    name: str,
    *,
    queue_name: str,
    kms_key_arn: pulumi.Input[str],
    producers: list[pulumi.Input[str]],
    consumers: list[pulumi.Input[str]],
    retention_seconds: tuple[int, int],
    max_receive_count: int,
    parent: pulumi.Resource,
    protect: bool,
) -> tuple[QueueLocation, QueueLocation]:
    """A queue and its dead-letter queue (``<queue_name>-dlq``), both encrypted with ``kms_key_arn``, each
    with a policy admitting only ``producers`` to send and ``consumers`` to receive, TLS only.
    ``retention_seconds``: (queue, DLQ). Returns (queue, DLQ)."""
    keep = options.child(parent, keep=protect)
    location = Location.of(parent)
    queue_arn = location.sqs_queue(queue_name)
    dlq = aws.sqs.Queue(
        f"{name}-dlq",
        name=f"{queue_name}{DLQ_SUFFIX}",
        kms_master_key_id=kms_key_arn,
        message_retention_seconds=retention_seconds[1],
        redrive_allow_policy=queue_arn.apply(redrive_allow_policy),
        opts=keep,
    )
    queue = aws.sqs.Queue(
        f"{name}-queue",
        name=queue_name,
        kms_master_key_id=kms_key_arn,
        message_retention_seconds=retention_seconds[0],
        visibility_timeout_seconds=60,
        redrive_policy=location.sqs_queue(dlq.name).apply(lambda arn: redrive_policy(arn, max_receive_count)),
        opts=keep,
    )
    found = []
    for label, target in (("queue", queue), ("dlq", dlq)):
        arn = location.sqs_queue(target.name)
        aws.sqs.QueuePolicy(
            f"{name}-{label}-policy",
            queue_url=target.url,
            opts=options.child(parent),
            policy=pulumi.Output.all(
                queue_arn=arn, producer_arns=pulumi.Output.all(*producers), consumer_arns=pulumi.Output.all(*consumers)
            ).apply(lambda v: json.dumps(iam_documents.queue_access(**v))),
        )
        # The URL from the name too (known at a first preview): the KEDA scaler and the pack read it there.
        url = pulumi.Output.concat("https://sqs.", location.region, ".amazonaws.com/", location.account, "/", target.name)
        found.append(QueueLocation(arn, url))
    return found[0], found[1]


@dataclass(frozen=True)
class OutboxArgs:
    """Attributes:
    queue_name: Physical name of the outbox queue (the DLQ adds ``-dlq``).
    table_name: Physical name of the idempotency table.
    kms_key_arn: Encrypts queues and table.
    identity_arns: The tenant's roles: the only principals the queue policy admits.
    max_receive_count: Deliveries before a message dead-letters. Default 5.
    message_retention_seconds: Outbox retention. Default 4 days.
    dlq_retention_seconds: DLQ retention. Default 14 days (SQS maximum).
    protect: Protect and retain. Default False.
    """

    queue_name: str
    table_name: str
    kms_key_arn: pulumi.Input[str]
    identity_arns: list[pulumi.Input[str]]
    max_receive_count: int = MAX_RECEIVE_COUNT
    message_retention_seconds: int = MESSAGE_RETENTION_SECONDS
    dlq_retention_seconds: int = DLQ_RETENTION_SECONDS
    protect: bool = False


class Outbox(pulumi.ComponentResource):
    queue_arn: pulumi.Output[str]
    queue_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    table_name: pulumi.Output[str]

    def __init__(self, name: str, args: OutboxArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:Outbox", name, None, opts)
        keep = options.child(self, opts, keep=args.protect)
        location = Location.of(self)
        queue, dlq = dead_lettered_queue(
            name,
            queue_name=args.queue_name,
            kms_key_arn=args.kms_key_arn,
            producers=args.identity_arns,
            consumers=args.identity_arns,
            retention_seconds=(args.message_retention_seconds, args.dlq_retention_seconds),
            max_receive_count=args.max_receive_count,
            parent=self,
            protect=args.protect,
        )
        table = aws.dynamodb.Table(
            f"{name}-idempotency",
            name=args.table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=IDEMPOTENCY_KEY,
            attributes=[{"name": IDEMPOTENCY_KEY, "type": "S"}],
            ttl={"attribute_name": IDEMPOTENCY_TTL_ATTRIBUTE, "enabled": True},
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": args.kms_key_arn},
            deletion_protection_enabled=args.protect,
            opts=keep,
        )
        self.queue_arn, self.queue_url, self.dlq_arn = queue.arn, queue.url, dlq.arn
        self.table_arn, self.table_name = location.dynamodb_table(table.name), table.name
        self.register_outputs({"queueArn": queue.arn, "queueUrl": queue.url, "dlqArn": dlq.arn, "tableArn": table.arn})
