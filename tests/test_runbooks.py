"""#17 item 10: every alert, queue, table, log group, bucket, repository, database and vault a runbook
names exists in the plans (docs/runbooks/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.engine.mocks import Registration
from stacks.loader import ROOT, load_stack_file
from stacks.settings import name_prefix
from tests.conftest import STACKS, by_type

RUNBOOKS = sorted((ROOT / "docs" / "runbooks").glob("*.md"))
#: Signal kind -> (resource type, the input that names it).
KINDS = {
    "queues": ("aws:sqs/queue:Queue", "name"),
    "tables": ("aws:dynamodb/table:Table", "name"),
    "logGroups": ("aws:cloudwatch/logGroup:LogGroup", "name"),
    "buckets": ("aws:s3/bucket:Bucket", "bucket"),
    "repositories": ("aws:ecr/repository:Repository", "name"),
    "databases": ("aws:rds/cluster:Cluster", "clusterIdentifier"),
    "backupVaults": ("aws:backup/vault:Vault", "name"),
}


def header(path: Path) -> dict[str, Any]:
    text = path.read_text()
    assert text.startswith("---\n"), f"{path.name}: no header"
    document = yaml.safe_load(text.split("---\n", 2)[1])
    assert isinstance(document, dict)
    return document


def alerts(plan: list[Registration]) -> set[str]:
    rules = by_type(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    names = {rule["alert"] for r in rules for group in r.inputs["spec"]["groups"] for rule in group["rules"] if "alert" in rule}
    return names | {str(a.inputs["name"]) for a in by_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")}


def test_the_seed_s_three_incidents_gate_3_s_kill_switch_and_the_restore_have_runbooks() -> None:
    incidents = {header(p)["incident"] for p in RUNBOOKS if p.name != "README.md"}
    assert incidents == {
        "duplicate payment",
        "database primary failure",
        "model bias event",
        "a feature misbehaving in production",
        "data lost or corrupted in the database",
    }


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("runbook", [p for p in RUNBOOKS if p.name != "README.md"], ids=lambda p: p.stem)
def test_every_signal_a_runbook_names_exists(runbook: Path, stack: str, stack_plans: dict[str, list[Registration]]) -> None:
    plan = stack_plans[stack]
    _, config = load_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    document = header(runbook)
    assert document["owner"] and document["signals"]
    tenants = [t.name for t in config.tenants if document["tenants"] == "all" or (document["tenants"] == "mlops" and t.mlops)]
    assert tenants, f"{runbook.name}: applies to no tenant of {stack}"
    missing = []
    for kind, names in document["signals"].items():
        if kind == "alerts":
            missing += [n for n in names if n not in alerts(plan)]
            continue
        resource_type, key = KINDS[kind]
        existing = {str(r.inputs.get(key)) for r in by_type(plan, resource_type)}
        for template in names:
            for tenant in tenants:
                name = template.format(prefix=name_prefix(config), tenant=tenant, account=config.aws_account_id)
                if name not in existing:
                    missing.append(f"{kind}: {name}")
    assert missing == []
