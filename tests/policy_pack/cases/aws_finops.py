"""Compliant and non-compliant cases of the aws-finops rules."""

from __future__ import annotations

from ._common import KEY, TENANT_QUEUE, Case, Res, StackCase

BUDGET = Res("aws:budgets/budget:Budget", "payments-budget", {"costFilters": [{"name": "TagKeyValue", "values": ["user:tenant$payments"]}]})


def finops_stack(budget: str) -> list[Res]:
    """A platform (the EKS control plane, 73.00 a month, shared) and one tenant with a budget and a key (1.00)."""
    usage = {"requestsPerMonth": "1000000"}
    return [
        Res("fintech:platform:Platform", "platform", {"finops": {"usage": usage, "sharedCostSplit": "even", "region": "eu-west-3"}}),
        Res("aws:eks/cluster:Cluster", "eks", {}, parent="platform"),
        Res("fintech:platform:Tenant", "payments", {"finops": {"usage": usage, "shareWeight": "1", "monthlyBudgetUsd": budget}}),
        Res(KEY, "payments-key", {}, parent="payments"),
    ]


RESOURCE_CASES: dict[str, Case] = {
    "budget-notifications": Case(
        "aws:budgets/budget:Budget",
        {"notifications": [{"notificationType": t, "subscriberEmailAddresses": ["a@b.c"]} for t in ("ACTUAL", "FORECASTED")]},
        {"notifications": [{"notificationType": "ACTUAL", "subscriberEmailAddresses": ["a@b.c"]}]},
    ),
    "cost-allocation-tag-active": Case(
        "aws:costexplorer/costAllocationTag:CostAllocationTag", {"status": "Active"}, {"status": "Inactive"}
    ),
}


STACK_CASES: dict[str, StackCase] = {
    # 73.00 shared + 1.00 direct: within 100.00, over 50.00.
    "tenant-estimate-within-budget": StackCase(finops_stack("100.00"), finops_stack("50.00"), "payments"),
    "tenant-budget": StackCase(
        [TENANT_QUEUE, BUDGET], [TENANT_QUEUE, Res("aws:budgets/budget:Budget", "other", {"costFilters": []})], "payments-outbox"
    ),
}
