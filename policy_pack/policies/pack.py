"""The fintech-blueprint policy pack: every rule, by domain, and how a rule is described.

Importable without side effects (``policy_pack/__main__.py`` is the only place that constructs the
``PolicyPack``, which starts a server and blocks). Relative imports only: the Pulumi CLI runs the
pack from its own directory, the offline engine imports it as ``policy_pack.policies.pack``.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Policy

from . import (
    aws_compute,
    aws_data,
    aws_edge,
    aws_finops,
    aws_iam,
    aws_kms,
    aws_messaging,
    aws_observability,
    aws_registry,
    aws_storage,
    data_lifecycle,
    github,
    kubernetes_tenancy,
    kubernetes_workloads,
    ordering,
    service_journey,
    tagging,
    vault,
)
from ._lib import StackRule

PACK_NAME = "fintech-blueprint-guardrails"
#: Every rule is mandatory unless a stack's policy config says otherwise (ADR-0020).
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY

POLICIES: list[Policy] = [
    *tagging.POLICIES,
    *aws_registry.POLICIES,
    *aws_storage.POLICIES,
    *aws_kms.POLICIES,
    *aws_messaging.POLICIES,
    *aws_compute.POLICIES,
    *aws_iam.POLICIES,
    *aws_observability.POLICIES,
    *aws_data.POLICIES,
    *aws_edge.POLICIES,
    *aws_finops.POLICIES,
    *data_lifecycle.POLICIES,
    *kubernetes_workloads.POLICIES,
    *kubernetes_tenancy.POLICIES,
    *github.POLICIES,
    *vault.POLICIES,
    *service_journey.POLICIES,
    *ordering.POLICIES,
]


def describe(policy: Policy) -> dict[str, Any]:
    rule: Any = policy
    return {
        "name": policy.name,
        "kind": "stack" if isinstance(policy, StackRule) else "resource",
        "severity": policy.severity.value if policy.severity else None,
        "enforcement": (policy.enforcement_level or DEFAULT_ENFORCEMENT).value,
        "adr": rule.adr,
        "domain": rule.domain,
        "description": policy.description,
        "types": rule.describe_types(),
        "configurable": sorted(policy.config_schema.properties) if policy.config_schema else [],
    }
