"""The service catalog the design asks for: who owns what, at which tier and data class, with which
services, repositories, namespace, image repositories, queues and budget. Built from the config
(owners, SLOs) and from the plan (the names the program really gives), so it cannot drift from what
is deployed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blueprint import retention
from blueprint.engine.mocks import Registration
from blueprint.engine.run import run_stack_file
from components.tenant.aws import service_repository_name

NAMESPACE = "kubernetes:core/v1:Namespace"
IMAGE_REPOSITORY = "aws:ecr/repository:Repository"
QUEUE = "aws:sqs/queue:Queue"
BUDGET = "aws:budgets/budget:Budget"
GITHUB_REPOSITORY = "github:index/repository:Repository"


def _tenant_of(registration: Registration) -> str | None:
    tags = registration.inputs.get("tags") or ((registration.inputs.get("metadata") or {}).get("labels") or {})
    return tags.get("tenant") if isinstance(tags, dict) else None


def build(stack: str, config_file: Path) -> dict[str, Any]:
    config, registrations = run_stack_file(stack, config_file)
    owned: dict[str, dict[str, list[Registration]]] = {}
    for r in registrations:
        owner = _tenant_of(r) if r.custom else None
        if owner:
            owned.setdefault(owner, {}).setdefault(r.type, []).append(r)
    # GitHub repositories carry no tags: the plan's repository names, matched with the tenant's.
    planned_repositories = {str(r.inputs.get("name")) for r in registrations if r.type == GITHUB_REPOSITORY}

    def names(tenant: str, type_: str, key: str) -> list[str]:
        return sorted(str(r.inputs[key]) for r in owned.get(tenant, {}).get(type_, []) if r.inputs.get(key))

    stores = retention.by_tenant(registrations)
    tenants = []
    for tenant in config.tenants:
        namespaces = [str(r.inputs["metadata"]["name"]) for r in owned.get(tenant.name, {}).get(NAMESPACE, [])]
        expected = sorted(service_repository_name(tenant.name, s.name) for s in tenant.services)
        managed_repositories = [name for name in expected if name in planned_repositories]
        tenants.append(
            {
                "tenant": tenant.name,
                "ownerTeam": tenant.owner_team,
                "ownerEmail": tenant.owner_email,
                "costCenter": tenant.cost_center,
                "tier": tenant.tier,
                "dataClasses": [d.value for d in tenant.data_classes],
                "dataClass": tenant.data_class.value,
                "layers": list(tenant.layers),
                "services": [
                    {
                        "name": s.name,
                        "kind": s.kind,
                        "slo": {"latencyP95Ms": s.slo.latency_p95_ms, "errorRatePercent": str(s.slo.error_rate_percent)},
                        "repository": service_repository_name(tenant.name, s.name),
                    }
                    for s in tenant.services
                ],
                # Repositories are the org stack's (ADR-0031): never managed by an environment's stack.
                "repositories": expected,
                "repositoriesManagedHere": bool(managed_repositories),
                "namespace": namespaces[0] if namespaces else None,
                "imageRepositories": names(tenant.name, IMAGE_REPOSITORY, "name"),
                "queues": names(tenant.name, QUEUE, "name"),
                "dataLifecycle": stores.get(tenant.name, {}),
                "monthlyBudgetUsd": str(tenant.monthly_budget_usd),
                "budgets": names(tenant.name, BUDGET, "name"),
            }
        )
    return {"stack": stack, "environment": config.environment, "tenants": tenants}


def markdown(catalog: dict[str, Any]) -> str:
    lines = [f"# Service catalog — stack {catalog['stack']}", ""]
    for t in catalog["tenants"]:
        lines += [
            f"## {t['tenant']}",
            "",
            f"- Owner: team `{t['ownerTeam']}` ({t['ownerEmail']}), cost center `{t['costCenter']}`",
            f"- Tier `{t['tier']}`, data classes {', '.join(f'`{d}`' for d in t['dataClasses'])} (tagged `{t['dataClass']}`)",
            f"- Namespace `{t['namespace']}`; monthly budget {t['monthlyBudgetUsd']} USD ({', '.join(t['budgets'])})",
            f"- Repositories: {', '.join(t['repositories'])}" + ("" if t["repositoriesManagedHere"] else " (the org stack's: ADR-0031)"),
            f"- Image repositories: {', '.join(t['imageRepositories'])}",
            f"- Queues: {', '.join(t['queues'])}",
        ]
        if t["layers"]:
            lines.append(f"- Layers: {', '.join(t['layers'])}")
        lifecycle = t["dataLifecycle"]
        if lifecycle:
            erasure = "erasure requests apply (queue + job)" if lifecycle["erasure"] else "no erasure"
            lines += [
                "",
                f"Data lifecycle (`{lifecycle['dataClass']}`, {erasure}):",
                "",
                "| Store | Name | Class | Retention |",
                "|---|---|---|---|",
            ]
            lines += [f"| {s['store']} | {s['name']} | {s['dataClass']} | {s['retention']} |" for s in lifecycle["stores"]]
        lines += ["", "| Service | Kind | p95 latency (ms) | Error rate (%) | Repository |", "|---|---|---|---|---|"]
        lines += [
            f"| {s['name']} | {s['kind']} | {s['slo']['latencyP95Ms']} | {s['slo']['errorRatePercent']} | {s['repository']} |"
            for s in t["services"]
        ]
        lines.append("")
    return "\n".join(lines)
