"""Compliant and non-compliant cases of the tagging rules."""

from __future__ import annotations

from ._common import Case, StackCase

TAGS = {"environment": "dev", "tenant": "payments", "owner": "payments-team", "cost-center": "CC-1", "managed-by": "pulumi"}


RESOURCE_CASES: dict[str, Case] = {
    "required-cost-tags": Case("aws:sqs/queue:Queue", {"tags": {**TAGS, "data-class": "pci"}}, {"tags": {"environment": "dev"}}),
    # #28 item 11: the class of a store's data is its own rule, so a configured tag list means what it says.
    "data-class-tagged": Case("aws:sqs/queue:Queue", {"tags": {**TAGS, "data-class": "pci"}}, {"tags": TAGS}),
}


STACK_CASES: dict[str, StackCase] = {}
