"""Every rule's cases, one module per domain (the domain ``blueprint policy list`` shows); helpers
shared by several domains in ``_common``."""

from __future__ import annotations

from . import (
    aws_data,
    aws_edge,
    aws_eks,
    aws_finops,
    aws_iam,
    aws_kms,
    aws_messaging,
    aws_network,
    aws_observability,
    aws_registry,
    aws_storage,
    data_lifecycle,
    github,
    kubernetes_platform,
    kubernetes_tenancy,
    kubernetes_workloads,
    stack,
    tagging,
    vault,
)
from ._common import CREATION_ORDER_CASES, TENANT_QUEUE, Case, Res, StackCase, camel

RESOURCE_CASES: dict[str, Case] = {
    **aws_data.RESOURCE_CASES,
    **aws_edge.RESOURCE_CASES,
    **aws_eks.RESOURCE_CASES,
    **aws_finops.RESOURCE_CASES,
    **aws_iam.RESOURCE_CASES,
    **aws_kms.RESOURCE_CASES,
    **aws_messaging.RESOURCE_CASES,
    **aws_network.RESOURCE_CASES,
    **aws_observability.RESOURCE_CASES,
    **aws_registry.RESOURCE_CASES,
    **aws_storage.RESOURCE_CASES,
    **data_lifecycle.RESOURCE_CASES,
    **github.RESOURCE_CASES,
    **kubernetes_platform.RESOURCE_CASES,
    **kubernetes_tenancy.RESOURCE_CASES,
    **kubernetes_workloads.RESOURCE_CASES,
    **stack.RESOURCE_CASES,
    **tagging.RESOURCE_CASES,
    **vault.RESOURCE_CASES,
}
STACK_CASES: dict[str, StackCase] = {
    **aws_data.STACK_CASES,
    **aws_edge.STACK_CASES,
    **aws_eks.STACK_CASES,
    **aws_finops.STACK_CASES,
    **aws_iam.STACK_CASES,
    **aws_kms.STACK_CASES,
    **aws_messaging.STACK_CASES,
    **aws_network.STACK_CASES,
    **aws_observability.STACK_CASES,
    **aws_registry.STACK_CASES,
    **aws_storage.STACK_CASES,
    **data_lifecycle.STACK_CASES,
    **github.STACK_CASES,
    **kubernetes_platform.STACK_CASES,
    **kubernetes_tenancy.STACK_CASES,
    **kubernetes_workloads.STACK_CASES,
    **stack.STACK_CASES,
    **tagging.STACK_CASES,
    **vault.STACK_CASES,
}

__all__ = ["CREATION_ORDER_CASES", "RESOURCE_CASES", "STACK_CASES", "TENANT_QUEUE", "Case", "Res", "StackCase", "camel"]
