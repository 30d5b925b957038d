"""Quota tiers: the size of a tenant, defined once and read by every layer.

A tier fixes the tenant's Kubernetes ResourceQuota and LimitRange defaults, and its share of the
pooled database connections (ADR-0002, DB Manager). Pure data and pure functions, tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class QuotaTier:
    """Requests/limits are Kubernetes quantities; ``db_connection_percent`` is of the RDS Proxy pool."""

    cpu_requests: str
    cpu_limits: str
    memory_requests: str
    memory_limits: str
    pods: int
    services: int
    pvcs: int
    storage: str
    db_connection_percent: int
    #: The monthly budget ``blueprint tenant add`` proposes when ``--budget`` is not given.
    default_monthly_budget_usd: int = 500
    # LimitRange defaults for a container that declares nothing.
    default_cpu: str = "250m"
    default_memory: str = "256Mi"
    default_request_cpu: str = "100m"
    default_request_memory: str = "128Mi"
    max_container_cpu: str = "2"
    max_container_memory: str = "4Gi"


QUOTA_TIERS: dict[str, QuotaTier] = {
    "small": QuotaTier("2", "4", "4Gi", "8Gi", pods=20, services=10, pvcs=5, storage="50Gi", db_connection_percent=5),
    "medium": QuotaTier(
        "8", "16", "16Gi", "32Gi", pods=60, services=20, pvcs=15, storage="200Gi", db_connection_percent=10, default_monthly_budget_usd=2000
    ),
    "large": QuotaTier(
        "32",
        "64",
        "64Gi",
        "128Gi",
        pods=200,
        services=50,
        pvcs=40,
        storage="1Ti",
        db_connection_percent=20,
        default_monthly_budget_usd=8000,
        max_container_cpu="8",
        max_container_memory="16Gi",
    ),
}


def resource_quota_spec(tier: QuotaTier) -> dict[str, Any]:
    return {
        "hard": {
            "requests.cpu": tier.cpu_requests,
            "limits.cpu": tier.cpu_limits,
            "requests.memory": tier.memory_requests,
            "limits.memory": tier.memory_limits,
            "pods": str(tier.pods),
            "services": str(tier.services),
            "services.loadbalancers": "0",
            "services.nodeports": "0",
            "persistentvolumeclaims": str(tier.pvcs),
            "requests.storage": tier.storage,
        }
    }


def limit_range_spec(tier: QuotaTier) -> dict[str, Any]:
    return {
        "limits": [
            {
                "type": "Container",
                "default": {"cpu": tier.default_cpu, "memory": tier.default_memory},
                "defaultRequest": {"cpu": tier.default_request_cpu, "memory": tier.default_request_memory},
                "max": {"cpu": tier.max_container_cpu, "memory": tier.max_container_memory},
            }
        ]
    }


def cpu_cores(quantity: str) -> Decimal:
    """A Kubernetes CPU quantity in cores: ``"500m"`` is 0.5, ``"2"`` is 2."""
    return Decimal(quantity[:-1]) / 1000 if quantity.endswith("m") else Decimal(quantity)
