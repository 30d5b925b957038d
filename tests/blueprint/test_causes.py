"""#14 item 6: violations that one stack config key causes name that key and are reported once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from blueprint.cli import main
from blueprint.engine.analyzer import Violation
from blueprint.engine.causes import config_key, grouped, number_as_written
from blueprint.engine.mocks import Registration

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CONFIG = {"dataLifecycle": {"internal": {"expireAfterDays": 30}, "confidential": {"expireAfterDays": 90}}, "protectStateful": False}


def log_group(name: str, days: int, data_class: str | None = "internal") -> Registration:
    urn = f"urn:pulumi:dev::fintech-blueprint::fintech:platform:Platform$fintech:aws:Cluster${LOG_GROUP}::{name}"
    tags = {"data-class": data_class} if data_class else {}
    return Registration(urn, LOG_GROUP, name, True, None, None, {"retentionInDays": days, "tags": tags}, {"protect": False})


def too_short(resource: Registration) -> Violation:
    days = resource.inputs["retentionInDays"]
    return Violation("cloudwatch-log-retention", "mandatory", "medium", resource.urn, f"x\nretentionInDays is {days}; at least 365")


def test_the_key_is_the_one_whose_value_the_resource_holds() -> None:
    cluster, tenant, hand_set = log_group("cluster-logs", 30), log_group("fraud-logs", 90, "confidential"), log_group("other", 7)
    # A log group keeps its data class's expiry: the key is that class's row of the lifecycle table.
    assert config_key(too_short(cluster), cluster, CONFIG) == ("dataLifecycle.internal.expireAfterDays", 30)
    assert config_key(too_short(tenant), tenant, CONFIG) == ("dataLifecycle.confidential.expireAfterDays", 90)
    # 7 days is in no config key: the violation is the resource's own; so is an untagged group's.
    assert config_key(too_short(hand_set), hand_set, CONFIG) is None
    untagged = log_group("untagged", 30, None)
    assert config_key(too_short(untagged), untagged, CONFIG) is None
    # Another branch of the same policy is not what the key sets.
    other_branch = Violation("cloudwatch-log-retention", "mandatory", "medium", cluster.urn, "x\nset kmsKeyId")
    assert config_key(other_branch, cluster, CONFIG) is None


def test_violations_of_one_key_are_one_group() -> None:
    resources = [log_group("a", 30), log_group("b", 30), log_group("c", 7)]
    groups = grouped([too_short(r) for r in resources], resources, CONFIG)
    assert [(g.key, [u.rsplit("::", 1)[-1] for u in g.urns if u]) for g in groups] == [
        (("dataLifecycle.internal.expireAfterDays", 30), ["a", "b"]),
        (None, ["c"]),
    ]


def test_numbers_print_as_written() -> None:
    assert [number_as_written(v) for v in (365.0, 2.5, True, 30)] == ["365", "2.5", "true", "30"]


@pytest.mark.plan
def test_a_stricter_policy_config_names_the_stack_keys_once(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "dev", "--policy-config", "policy_pack/config.prod.json", "--out", str(out)])
    assert result.exit_code == 1, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip().startswith("✗")]
    # dev's shorter rows for internal (the cluster's, flow and platform logs) and confidential (fraud's) data.
    assert (
        "✗ cloudwatch-log-retention: stack config dataLifecycle.internal.expireAfterDays = 90 fails it on 3 resource(s) "
        "(platform-logs, cluster-control-plane-logs, network-flow-logs): retentionInDays is 90; this stack requires at least 365"
    ) in lines
    assert (
        "✗ cloudwatch-log-retention: stack config dataLifecycle.confidential.expireAfterDays = 180 fails it on 1 resource(s) "
        "(fraud-logs): retentionInDays is 180; this stack requires at least 365"
    ) in lines
    # 47 before #28 item 9, whose 8 platform namespaces (dev: chaos-mesh too) hold history as well; 56 with
    # argo-rollouts (#29), 57 with payments' WAF log group (its edge), 58 with cluster-autoscaler (#30 item 7), 61 with
    # the second region's vault, the multi-region key and its replica (#30 item 6).
    assert any(
        line.startswith("✗ stateful-resources-protected: stack config protectStateful = false fails it on 61 resource(s)") for line in lines
    )
    assert sum("stateful-resources-protected" in line for line in lines) == 1
    report = json.loads((out / "policy-report.json").read_text())
    keys = {v["urn"].rsplit("::", 1)[-1]: v.get("configKey") for v in report["violations"] if v["policy"] == "cloudwatch-log-retention"}
    # pci, pii and audit logs keep their floors (a year and more) in dev too: they pass prod's rule.
    assert keys == {
        "cluster-control-plane-logs": "dataLifecycle.internal.expireAfterDays",
        "network-flow-logs": "dataLifecycle.internal.expireAfterDays",
        "platform-logs": "dataLifecycle.internal.expireAfterDays",
        "fraud-logs": "dataLifecycle.confidential.expireAfterDays",
    }
