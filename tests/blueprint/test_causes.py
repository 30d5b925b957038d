"""#14 item 6: violations that one stack config key causes name that key and are reported once."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from blueprint.cli import main
from blueprint.engine.analyzer import Violation
from blueprint.engine.causes import config_key, grouped, number_as_written
from blueprint.engine.mocks import Registration

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CONFIG = {"audit": {"logRetentionDays": 30}, "network": {"flowLogRetentionDays": 90}, "protectStateful": False}


def log_group(name: str, days: int, under: str = "fintech:aws:Cluster") -> Registration:
    urn = f"urn:pulumi:dev::fintech-blueprint::fintech:platform:Platform${under}${LOG_GROUP}::{name}"
    return Registration(urn, LOG_GROUP, name, True, None, None, {"retentionInDays": days}, {"protect": False})


def too_short(resource: Registration) -> Violation:
    days = resource.inputs["retentionInDays"]
    return Violation("cloudwatch-log-retention", "mandatory", "medium", resource.urn, f"x\nretentionInDays is {days}; at least 365")


def test_the_key_is_the_one_whose_value_the_resource_holds() -> None:
    cluster, flow, hand_set = log_group("cluster-logs", 30), log_group("flow-logs", 90, "fintech:aws:Network"), log_group("other", 7)
    assert config_key(too_short(cluster), cluster, CONFIG) == ("audit.logRetentionDays", 30)
    assert config_key(too_short(flow), flow, CONFIG) == ("network.flowLogRetentionDays", 90)
    # 7 days is in no config key: the violation is the resource's own.
    assert config_key(too_short(hand_set), hand_set, CONFIG) is None
    # Another branch of the same policy is not what the key sets.
    other_branch = Violation("cloudwatch-log-retention", "mandatory", "medium", cluster.urn, "x\nset kmsKeyId")
    assert config_key(other_branch, cluster, CONFIG) is None


def test_violations_of_one_key_are_one_group() -> None:
    resources = [log_group("a", 30), log_group("b", 30), log_group("c", 7)]
    groups = grouped([too_short(r) for r in resources], resources, CONFIG)
    assert [(g.key, [u.rsplit("::", 1)[-1] for u in g.urns if u]) for g in groups] == [
        (("audit.logRetentionDays", 30), ["a", "b"]),
        (None, ["c"]),
    ]


def test_numbers_print_as_written() -> None:
    assert [number_as_written(v) for v in (365.0, 2.5, True, 30)] == ["365", "2.5", "true", "30"]


def test_a_stricter_policy_config_names_the_stack_keys_once(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "dev", "--policy-config", "policy_pack/config.prod.json", "--out", str(out)])
    assert result.exit_code == 1, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip().startswith("✗")]
    assert (
        "✗ cloudwatch-log-retention: stack config audit.logRetentionDays = 30 fails it on 4 resource(s) "
        "(audit-ledger-trail-logs, cluster-control-plane-logs, fraud-logs, payments-logs): retentionInDays is 30; "
        "this stack requires at least 365"
    ) in lines
    assert any(
        line.startswith("✗ stateful-resources-protected: stack config protectStateful = false fails it on 41 resource(s)") for line in lines
    )
    assert sum("stateful-resources-protected" in line for line in lines) == 1
    report = json.loads((out / "policy-report.json").read_text())
    keys = {v["urn"].rsplit("::", 1)[-1]: v.get("configKey") for v in report["violations"] if v["policy"] == "cloudwatch-log-retention"}
    assert keys == {
        "audit-ledger-trail-logs": "audit.logRetentionDays",
        "cluster-control-plane-logs": "audit.logRetentionDays",
        "fraud-logs": "audit.logRetentionDays",
        "payments-logs": "audit.logRetentionDays",
        "network-flow-logs": "network.flowLogRetentionDays",
    }
