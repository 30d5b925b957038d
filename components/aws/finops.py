"""FinOps plumbing (ADR-0007): cost-allocation tags activated, and budgets filtered on the tenant tag."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pulumi
import pulumi_aws as aws

from components import options
from components.tagging import SHARED_TENANT

#: Alert thresholds, percent of the monthly budget: actual spend, and forecast for the month.
ACTUAL_ALERT_PERCENT = 80
FORECAST_ALERT_PERCENT = 100


def tenant_cost_filter(tenant: str) -> dict[str, Any]:
    """Cost Explorer's filter on a user tag: ``user:<key>$<value>``."""
    return {"name": "TagKeyValue", "values": [f"user:tenant${tenant}"]}


def budget_notifications(email: str) -> list[dict[str, Any]]:
    return [
        {
            "comparison_operator": "GREATER_THAN",
            "notification_type": "ACTUAL",
            "threshold": ACTUAL_ALERT_PERCENT,
            "threshold_type": "PERCENTAGE",
            "subscriber_email_addresses": [email],
        },
        {
            "comparison_operator": "GREATER_THAN",
            "notification_type": "FORECASTED",
            "threshold": FORECAST_ALERT_PERCENT,
            "threshold_type": "PERCENTAGE",
            "subscriber_email_addresses": [email],
        },
    ]


def monthly_budget(
    name: str, budget_name: str, tenant: str, amount: Decimal, email: str, opts: pulumi.ResourceOptions
) -> aws.budgets.Budget:
    return aws.budgets.Budget(
        name,
        name=budget_name,
        budget_type="COST",
        time_unit="MONTHLY",
        limit_amount=f"{amount:.2f}",
        limit_unit="USD",
        cost_filters=[tenant_cost_filter(tenant)],
        notifications=budget_notifications(email),
        opts=opts,
    )


@dataclass(frozen=True)
class CostAllocationArgs:
    """Attributes:
    tag_keys: The tag keys to activate in Cost Explorer; empty while activation is not possible yet
      (a day-one ``up`` cannot activate keys absent from billing data).
    shared_budget_name / shared_budget_usd / alert_email: The platform-shared budget (tenant ``shared``).
    """

    tag_keys: list[str]
    shared_budget_name: str
    shared_budget_usd: Decimal
    alert_email: str


class CostAllocation(pulumi.ComponentResource):
    def __init__(self, name: str, args: CostAllocationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:CostAllocation", name, None, opts)
        child = options.child(self, opts)
        for key in args.tag_keys:
            aws.costexplorer.CostAllocationTag(f"{name}-{key}", tag_key=key, status="Active", opts=child)
        monthly_budget(f"{name}-shared", args.shared_budget_name, SHARED_TENANT, args.shared_budget_usd, args.alert_email, child)
        self.register_outputs({})
