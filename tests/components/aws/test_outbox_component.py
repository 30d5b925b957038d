"""Outbox alone: the queue, its dead-letter queue and the idempotency table."""

from __future__ import annotations

import json

from components.aws.outbox import Outbox, OutboxArgs
from tests.components.harness import TENANT_TAGS, build, resource_violations

KEY = "arn:aws:kms:eu-west-3:111111111111:key/tenant-payments"
ROLE = "arn:aws:iam::111111111111:role/payments-api"


def outbox(protect: bool = False) -> Outbox:
    return Outbox(
        "payments-outbox",
        OutboxArgs(queue_name="payments-outbox", table_name="payments-idempotency", kms_key_arn=KEY, identity_arns=[ROLE], protect=protect),
    )


def test_messages_dead_letter_after_five_deliveries_and_only_the_tenant_may_send() -> None:
    built = build(outbox, tags=TENANT_TAGS)
    queues = {q.inputs["name"]: q for q in built.of_type("aws:sqs/queue:Queue")}
    assert sorted(queues) == ["payments-outbox", "payments-outbox-dlq"]
    redrive = json.loads(queues["payments-outbox"].inputs["redrivePolicy"])
    assert redrive["maxReceiveCount"] == 5 and redrive["deadLetterTargetArn"].endswith(":payments-outbox-dlq")
    assert all(q.inputs["kmsMasterKeyId"] == KEY for q in queues.values())
    for policy in built.of_type("aws:sqs/queuePolicy:QueuePolicy"):
        principals = {json.dumps(s.get("Principal")) for s in json.loads(policy.inputs["policy"])["Statement"] if s["Effect"] == "Allow"}
        assert all(ROLE in p for p in principals), principals


def test_the_table_is_encrypted_recoverable_and_expires_keys() -> None:
    table = build(outbox, tags=TENANT_TAGS).one("aws:dynamodb/table:Table").inputs
    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": KEY}
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["ttl"]["enabled"] is True


def test_protection_follows_the_args() -> None:
    for protect in (False, True):
        built = build(lambda protect=protect: outbox(protect), tags=TENANT_TAGS)  # type: ignore[misc]
        stateful = [*built.of_type("aws:sqs/queue:Queue"), built.one("aws:dynamodb/table:Table")]
        assert {(r.options["protect"], r.options["retainOnDelete"]) for r in stateful} == {(protect, protect)}
        assert built.one("aws:dynamodb/table:Table").inputs["deletionProtectionEnabled"] is protect


def test_the_component_alone_passes_the_pack_s_resource_rules() -> None:
    assert resource_violations(build(lambda: outbox(True), stack="prod", tags=TENANT_TAGS)) == []
