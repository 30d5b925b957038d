"""Budgets, cost allocation and the estimate against each tenant's budget (ADR-0007 FinOps)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from . import contract, pricing
from ._lib import MEDIUM, Finding, ResourceRule, StackRule, get, items, named, strings, tagged_tenants, tenant_of

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


def _within_budget(args) -> Iterator[tuple[str, str | None]]:
    resources = [
        pricing.Resource(r.urn, r.resource_type, r.name, r.props, getattr(r.parent, "urn", None), tenant_of(r) or contract.SHARED_TENANT)
        for r in args.resources
    ]
    platform = next((r for r in resources if r.type == contract.PLATFORM_COMPONENT), None)
    finops = platform.props.get("finops") if platform is not None and isinstance(platform.props, Mapping) else None
    if not isinstance(finops, Mapping) or not finops.get("region"):
        return  # no FinOps profile recorded: nothing to estimate against (the description says so)
    estimate = pricing.estimate(resources, str(finops["region"]))
    totals = estimate.with_share()
    components = {r.name: r.urn for r in resources if r.type == contract.TENANT_COMPONENT}
    for tenant, budget in sorted(estimate.profiles.budgets.items()):
        total = totals.get(tenant)
        if total is not None and total > budget:
            direct, share = estimate.direct.get(tenant, 0), estimate.share.get(tenant, 0)
            yield (
                f"tenant {tenant!r} is estimated at {total:.2f} USD/month (direct {direct:.2f} + platform share {share:.2f}, "
                f"{estimate.profiles.rule} split) over its monthlyBudgetUsd {budget:.2f}: raise the budget or review its usage "
                "(blueprint finops estimate)",
                components.get(tenant),
            )


def _tenant_budget(args) -> Iterator[Finding]:
    covered: set[str] = set()
    for budget in named(args.resources, "aws:budgets/budget:Budget"):
        for f in items(get(budget.props, "costFilters")):
            if get(f, "name") == "TagKeyValue":
                covered.update(v.removeprefix("user:tenant$") for v in strings(get(f, "values")) if v.startswith("user:tenant$"))
    for name, urn in tagged_tenants(args.resources).items():
        if name not in covered:
            yield f"tenant {name!r} has no AWS Budget filtered on user:tenant${name}", urn


POLICIES = [
    ResourceRule(
        name="budget-notifications",
        description="Budgets notify on actual and forecast spend.",
        severity=MEDIUM,
        adr="ADR-0007",
        domain="aws-finops",
        types=[BUDGET],
        check=_notifications,
    ),
    ResourceRule(
        name="cost-allocation-tag-active",
        description="Cost allocation tags are activated.",
        severity=MEDIUM,
        adr="ADR-0007",
        domain="aws-finops",
        types=[COST_ALLOCATION_TAG],
        check=_tag_active,
    ),
    StackRule(
        name="tenant-estimate-within-budget",
        description=(
            "A tenant's estimated monthly cost at list prices (its resources plus its share of the platform's, "
            "from the FinOps profile the Platform and Tenant components record) stays within its monthlyBudgetUsd. "
            "A stack without a recorded FinOps profile is not judged."
        ),
        severity=MEDIUM,
        adr="ADR-0007",
        domain="aws-finops",
        check=_within_budget,
        reads=["aws:", "fintech:"],  # what is billed (Kubernetes, Vault, GitHub objects are free) and the profiles
    ),
    StackRule(
        name="tenant-budget",
        description="Each tenant has an AWS Budget on its tenant tag.",
        severity=MEDIUM,
        adr="ADR-0007",
        domain="aws-finops",
        check=_tenant_budget,
        reads=["aws:"],
    ),
]
