"""What each data store of a plan keeps, and for how long (ADR-0005), read from the plan itself: the
inputs the program gave each store, not the table it meant to apply. ``blueprint plan`` prints it per
tenant and the catalog carries it."""

from __future__ import annotations

import json
from typing import Any

from blueprint.engine.mocks import Registration
from policy_pack.policies import contract, lifecycle
from policy_pack.policies.data_lifecycle import LIFECYCLE, LOG_GROUP, QUEUE, RDS_CLUSTER, TABLE

BUCKET = "aws:s3/bucket:Bucket"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
CRON_JOB = "kubernetes:batch/v1:CronJob"
STORE_LABELS = {BUCKET: "bucket", LOG_GROUP: "log group", TABLE: "table", QUEUE: "queue", RDS_CLUSTER: "database", ECR_REPOSITORY: "images"}


def _tags(registration: Registration) -> dict[str, Any]:
    tags = registration.inputs.get("tags") or ((registration.inputs.get("metadata") or {}).get("labels") or {})
    return tags if isinstance(tags, dict) else {}


def _days(seconds: Any) -> str:
    return f"{float(seconds) / 86400:g}d"


def _ecr(policy: Any) -> str:
    try:
        rules = json.loads(policy)["rules"]
    except (TypeError, ValueError, KeyError):
        return "no lifecycle policy"
    parts = []
    for rule in rules:
        selection = rule.get("selection", {})
        if selection.get("countType") == "sinceImagePushed":
            parts.append(f"{selection.get('tagStatus')} after {selection.get('countNumber')}d")
        elif selection.get("countType") == "imageCountMoreThan":
            parts.append(f"last {selection.get('countNumber')} kept")
    return ", ".join(parts) or "no expiry"


def describe(store: Registration, by_type: dict[str, list[Registration]]) -> str:
    """The store's effective lifecycle, in words."""
    inputs = store.inputs
    if store.type == BUCKET:
        own = [c for t in LIFECYCLE for c in by_type.get(t, []) if c.inputs.get("bucket") == inputs.get("bucket")]
        return lifecycle.BucketLifecycle.of_inputs(own[0].inputs).describe() if own else "no lifecycle"
    if store.type == LOG_GROUP:
        days = inputs.get("retentionInDays")
        return f"{days}d" if days else "never expires"
    if store.type == QUEUE:
        return _days(inputs.get("messageRetentionSeconds", 345_600))
    if store.type == TABLE:
        ttl = inputs.get("ttl") or {}
        return f"TTL on {ttl.get('attributeName')}" if ttl.get("enabled") else "no TTL"
    if store.type == RDS_CLUSTER:
        return f"backups {inputs.get('backupRetentionPeriod', 1)}d"
    policies = [p for p in by_type.get(ECR_LIFECYCLE, []) if p.inputs.get("repository") == inputs.get("name")]
    return _ecr(policies[0].inputs.get("policy")) if policies else "no lifecycle policy"


def by_tenant(registrations: list[Registration]) -> dict[str, dict[str, Any]]:
    """Tenant (``shared`` for the platform) -> its data class, whether erasure runs, and every store."""
    by_type: dict[str, list[Registration]] = {}
    for r in registrations:
        by_type.setdefault(r.type, []).append(r)
    found: dict[str, dict[str, Any]] = {}
    for component in by_type.get(contract.TENANT_COMPONENT, []):
        found[component.name] = {"dataClass": component.inputs.get("dataClass"), "erasure": False, "stores": []}
    for job in by_type.get(CRON_JOB, []):
        metadata = job.inputs.get("metadata") or {}
        if metadata.get("name") == contract.ERASURE_NAME and metadata.get("namespace") in found:
            found[metadata["namespace"]]["erasure"] = True
    for store_type, label in STORE_LABELS.items():
        for store in by_type.get(store_type, []):
            tags = _tags(store)
            tenant = str(tags.get("tenant", contract.SHARED_TENANT))
            entry = found.setdefault(tenant, {"dataClass": None, "erasure": False, "stores": []})
            entry["stores"].append(
                {
                    "store": label,
                    "name": str(inputs_name(store)),
                    "resource": store.name,
                    "dataClass": tags.get(contract.DATA_CLASS_TAG),
                    "retention": describe(store, by_type),
                }
            )
    for entry in found.values():
        entry["stores"].sort(key=lambda s: (s["store"], s["name"]))
    return dict(sorted(found.items(), key=lambda kv: (kv[0] == contract.SHARED_TENANT, kv[0])))


def inputs_name(store: Registration) -> Any:
    """The store's physical name where the plan knows it, else its logical name."""
    for key in ("bucket", "name", "clusterIdentifier"):
        value = store.inputs.get(key)
        if isinstance(value, str) and value:
            return value
    return store.name
