"""SQS: outbox queues and their dead-letter queues (seed: Outbox / DLQ; ADR-0005)."""

from __future__ import annotations

from ._lib import HIGH, MEDIUM, ResourceRule, denies_insecure_transport, document, get, is_set, principals, statements, strings

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"


def _encrypted(props, _args):
    if get(props, "sqsManagedSseEnabled") is not True and not is_set(props, "kmsMasterKeyId"):
        yield "set kmsMasterKeyId (customer managed key) or sqsManagedSseEnabled: true"


def _dlq(props, _args):
    if get(props, "redriveAllowPolicy"):
        return  # this queue *is* a dead-letter queue
    redrive = document(get(props, "redrivePolicy"))
    if not redrive or not redrive.get("deadLetterTargetArn"):
        yield "set redrivePolicy.deadLetterTargetArn so failed messages land in a DLQ for replay"
    elif not redrive.get("maxReceiveCount"):
        yield "set redrivePolicy.maxReceiveCount"


def _no_wildcard(props, _args):
    for statement in statements(get(props, "policy")):
        if statement.get("Effect") != "Allow":
            continue
        actions = strings(statement.get("Action"))
        if "*" in actions or "sqs:*" in actions:
            yield "a statement allows every SQS action: list the actions (sqs:SendMessage, sqs:ReceiveMessage, …)"
        if "*" in principals(statement) and not statement.get("Condition"):
            yield "a statement allows Principal '*' without a Condition: name the tenant's roles"


def _tls(props, _args):
    if not denies_insecure_transport(get(props, "policy")):
        yield "add a Deny statement for requests with aws:SecureTransport = false"


POLICIES = [
    ResourceRule(
        name="sqs-encryption",
        description="SQS queues are encrypted at rest.",
        severity=HIGH,
        adr="ADR-0005",
        domain="aws-messaging",
        types=[QUEUE],
        check=_encrypted,
    ),
    ResourceRule(
        name="sqs-dead-letter-queue",
        description="SQS work queues redrive to a dead-letter queue.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="aws-messaging",
        types=[QUEUE],
        check=_dlq,
    ),
    ResourceRule(
        name="sqs-policy-least-privilege",
        description="SQS queue policies name actions and principals.",
        severity=HIGH,
        adr="ADR-0001",
        domain="aws-messaging",
        types=[QUEUE_POLICY],
        check=_no_wildcard,
    ),
    ResourceRule(
        name="sqs-policy-tls-only",
        description="SQS queue policies deny requests not sent over TLS.",
        severity=MEDIUM,
        adr="ADR-0008",
        domain="aws-messaging",
        types=[QUEUE_POLICY],
        check=_tls,
    ),
]
