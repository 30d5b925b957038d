"""Budgets and cost allocation (ADR-7 FinOps)."""

from __future__ import annotations

from ._lib import MEDIUM, ResourceRule, get, items

BUDGET = "aws:budgets/budget:Budget"
COST_ALLOCATION_TAG = "aws:costexplorer/costAllocationTag:CostAllocationTag"


def _notifications(props, _args):
    kinds = {
        get(n, "notificationType")
        for n in items(get(props, "notifications"))
        if get(n, "subscriberEmailAddresses") or get(n, "subscriberSnsTopicArns")
    }
    for kind in ("ACTUAL", "FORECASTED"):
        if kind not in kinds:
            yield f"add a {kind} notification with a subscriber so the owner hears before the month ends"


def _tag_active(props, _args):
    if get(props, "status") != "Active":
        yield "set status to Active so the tag appears in Cost Explorer and budgets"


POLICIES = [
    ResourceRule(
        name="budget-notifications",
        description="Budgets notify on actual and forecast spend.",
        severity=MEDIUM,
        adr="ADR-007",
        domain="aws-finops",
        types=[BUDGET],
        check=_notifications,
    ),
    ResourceRule(
        name="cost-allocation-tag-active",
        description="Cost allocation tags are activated.",
        severity=MEDIUM,
        adr="ADR-007",
        domain="aws-finops",
        types=[COST_ALLOCATION_TAG],
        check=_tag_active,
    ),
]
