"""#16: the data class drives the lifecycle of every store the program creates (ADR-0005)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from blueprint.cli import main
from blueprint.engine.mocks import Registration
from policy_pack.policies import contract, lifecycle
from policy_pack.policies.data_lifecycle import LIFECYCLE, LOG_GROUP, QUEUE, RDS_CLUSTER, TABLE
from policy_pack.policies.lifecycle import BucketLifecycle, Retention
from stacks.loader import ROOT, load_stack_file
from tests.conftest import NEW_TENANT, STACKS, as_document, by_type, plan_registrations, project_values
from tests.policy_pack.cases import camel

BUCKET = "aws:s3/bucket:Bucket"


def data_class(r: Registration) -> str:
    labels = (r.inputs.get("metadata") or {}).get("labels") or {}
    return str((r.inputs.get("tags") or labels)[contract.DATA_CLASS_TAG])


@pytest.mark.parametrize("stack", STACKS)
def test_each_store_type_gets_its_class_s_lifecycle(stack: str, stack_plans: dict[str, list[Registration]]) -> None:
    plan = stack_plans[stack]
    _, config = load_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    table = config.data_lifecycle.table()
    configurations = {r.inputs["bucket"]: r for t in LIFECYCLE for r in by_type(plan, t)}
    buckets = by_type(plan, BUCKET)
    assert {r.name for r in buckets} >= {"payments-data-bucket", "fraud-data-bucket", "audit-ledger-bucket", "access-logs-bucket"}
    for bucket in buckets:
        retention = Retention(data_class(bucket), table[data_class(bucket)])
        assert BucketLifecycle.of_inputs(camel(configurations[bucket.inputs["bucket"]].inputs)) == retention.bucket(), bucket.name
    groups = by_type(plan, LOG_GROUP)
    # trail, control plane, flow logs, PostgreSQL, the platform's, one per tenant; in dev payments' WAF logs (its edge).
    assert len(groups) == (8 if stack == "dev" else 7)
    for group in groups:
        assert group.inputs["retentionInDays"] == lifecycle.log_retention_days(table[data_class(group)]), group.name
    for queue in by_type(plan, QUEUE):
        assert queue.inputs["messageRetentionSeconds"] <= lifecycle.longest_transit_seconds(table[data_class(queue)])
    for store in by_type(plan, TABLE):
        assert store.inputs["ttl"] == {"attributeName": "expiresAt", "enabled": True}
    (cluster,) = by_type(plan, RDS_CLUSTER)
    # The shared cluster holds every tenant's schema: it is of their highest class.
    assert data_class(cluster) == "pci"
    expiry = table["pci"].expire_after_days
    assert expiry is not None and cluster.inputs["backupRetentionPeriod"] <= expiry
    # The ledger tiers, never deletes: Object Lock decides.
    ledger = configurations[next(b for b in buckets if b.name == "audit-ledger-bucket").inputs["bucket"]]
    assert not BucketLifecycle.of_inputs(camel(ledger.inputs)).deletes()


def two_tenants(write_stack: Callable[..., Path], classes: dict[str, str]) -> list[Registration]:
    values = project_values()
    values["tenants"] = []
    for name, data in classes.items():
        values["tenants"].append({**copy.deepcopy(NEW_TENANT), "name": name, "ownerTeam": f"{name}-team", "dataClasses": [data]})
    return plan_registrations(write_stack(as_document(values)), "dev")


def normalized(registrations: list[Registration], tenant: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The tenant's resources, its name (and its key's random id) replaced, so two tenants compare."""
    # Every child of a Tenant is named after it (components/tenant/tenant.py).
    mine = [r for r in registrations if r.name == tenant or r.name.startswith(f"{tenant}-")]
    key_id = next(str(r.inputs["targetKeyId"]) for r in mine if r.type == "aws:kms/alias:Alias")
    return {
        (r.type, r.name.replace(tenant, "T")): json.loads(json.dumps(r.inputs, default=str).replace(key_id, "KEY").replace(tenant, "T"))
        for r in mine
    }


@pytest.mark.plan
def test_a_pci_and_a_public_tenant_differ_exactly_where_the_table_says(write_stack: Callable[..., Path]) -> None:
    plan = two_tenants(write_stack, {"cards": "pci", "brochure": "public"})
    pci, public = normalized(plan, "cards"), normalized(plan, "brochure")
    erasure = {key for key in pci if "erasure" in key[1]}
    assert set(public) == set(pci) - erasure
    assert {t for t, _ in erasure} == {
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:sqs/queue:Queue",
        "aws:sqs/queuePolicy:QueuePolicy",
        contract.ERASURE_COMPONENT,
        "kubernetes:batch/v1:CronJob",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",  # its queue's alerts (#30 item 3)
    }
    differing = {
        (key[1], field) for key in public for field in set(pci[key]) | set(public[key]) if pci[key].get(field) != public[key].get(field)
    }
    tags = {(key[1], "tags") for key in public if key[0] in contract.DATA_BEARING_TYPES and key[0].startswith("aws:")}
    assert differing == tags | {
        ("T-data-lifecycle", "rules"),  # tiering, expiry, old versions
        ("T-logs", "retentionInDays"),
        ("T-ns", "metadata"),  # its data-class label
        ("T", "dataClass"),
        ("T-k8s-role", "boundServiceAccountNames"),  # the erasure job logs in to Vault as the tenant
        # Each repository's deploy key pair is its own.
        ("T-T-loan-api-repository", "data"),
        ("T-T-loan-api-deploy-key", "key"),
    }
    assert pci[("aws:cloudwatch/logGroup:LogGroup", "T-logs")]["retentionInDays"] == 1827
    assert public[("aws:cloudwatch/logGroup:LogGroup", "T-logs")]["retentionInDays"] == 30  # dev: public expires after 30 days
    rules = {
        name: BucketLifecycle.of_inputs(camel(t[(LIFECYCLE[0], "T-data-lifecycle")])) for name, t in (("pci", pci), ("public", public))
    }
    assert rules["pci"] == BucketLifecycle(90, 365, "GLACIER", 1825, 30, 7)
    assert rules["public"] == BucketLifecycle(None, None, None, 30, 7, 7)


@pytest.mark.plan
def test_the_erasure_job_runs_as_the_tenant_and_writes_evidence_under_its_prefix(write_stack: Callable[..., Path]) -> None:
    plan = two_tenants(write_stack, {"cards": "pii"})
    (job,) = by_type(plan, "kubernetes:batch/v1:CronJob")
    pod = job.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert (job.inputs["metadata"]["namespace"], pod["serviceAccountName"]) == ("cards", "erasure")
    (identity,) = by_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")[-1:]
    assert (identity.inputs["namespace"], identity.inputs["serviceAccount"]) == ("cards", "erasure")
    args = pod["containers"][0]["args"]
    assert any(a.startswith("--evidence=s3://") and a.endswith("/evidence/erasure/cards/") for a in args)
    access = json.loads(next(r for r in plan if r.name == "cards-erasure-access").inputs["policy"])
    evidence = next(s for s in access["Statement"] if s["Sid"] == "WriteEvidence")
    assert evidence["Resource"].endswith("/evidence/erasure/cards/*") and evidence["Action"] == "s3:PutObject"


def test_a_class_minimum_that_cannot_be_lowered_exits_2_and_writes_nothing(write_stack: Callable[..., Path], tmp_path: Path) -> None:
    values = project_values()
    values["dataLifecycle"]["pci"] = {"minimumRetentionDays": 30}
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "dev", "--config-file", str(write_stack(as_document(values))), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "dataLifecycle.pci.minimumRetentionDays: is 30; pci keeps at least 365" in result.output
    assert "Traceback" not in result.output and not out.exists()
