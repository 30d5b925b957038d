"""Compliant and non-compliant cases of the aws-messaging rules."""

from __future__ import annotations

import json

from ._common import DENY_TLS, QUEUE, Case, StackCase, allow, doc

RESOURCE_CASES: dict[str, Case] = {
    "sqs-encryption": Case(QUEUE, {"kmsMasterKeyId": "arn:aws:kms:k"}, {"sqsManagedSseEnabled": False}),
    "sqs-dead-letter-queue": Case(
        QUEUE,
        {"redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:dlq", "maxReceiveCount": 5})},
        {},
        more_bad=((QUEUE, {"redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:dlq"})}),),
    ),
    "sqs-policy-least-privilege": Case(
        "aws:sqs/queuePolicy:QueuePolicy",
        {"policy": doc(allow("sqs:SendMessage", "arn:aws:sqs:q", Principal={"AWS": "arn:aws:iam::1:role/a"}))},
        {"policy": doc(allow("sqs:*", "arn:aws:sqs:q", Principal={"AWS": "arn:aws:iam::1:role/a"}))},
        more_bad=(("aws:sqs/queuePolicy:QueuePolicy", {"policy": doc(allow("sqs:SendMessage", "arn:aws:sqs:q", Principal="*"))}),),
    ),
    "sqs-policy-tls-only": Case("aws:sqs/queuePolicy:QueuePolicy", {"policy": doc(DENY_TLS)}, {"policy": doc(allow("sqs:SendMessage"))}),
}


STACK_CASES: dict[str, StackCase] = {}
