"""Exit codes mean what they say (#28 item 10): 1 only ever for a reported mandatory violation; a rule
that raises instead of answering is a bug in the pack, exit 3 with one message naming the rule; a region
without prices plans (#26 item 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from blueprint import policies
from blueprint.cli import main
from blueprint.engine.analyzer import Analyzer, PolicyCrash, Resource
from policy_pack.policies._lib import MEDIUM, ResourceRule, StackRule
from policy_pack.policies.pack import DEFAULT_ENFORCEMENT, POLICIES
from stacks.loader import ROOT


def _raises(*_args: Any) -> Any:
    raise KeyError("region")
    yield  # a generator, as every check is


CRASHING_RESOURCE_RULE = ResourceRule(
    name="crashing-rule", description="A rule with a bug.", severity=MEDIUM, adr="ADR-0007", domain="test",
    types=["aws:s3/bucket:Bucket"], check=_raises,
)  # fmt: skip
CRASHING_STACK_RULE = StackRule(
    name="crashing-stack-rule", description="A stack rule with a bug.", severity=MEDIUM, adr="ADR-0007", domain="test",
    check=_raises, reads=["aws:"],
)  # fmt: skip
BUCKET = Resource(urn="urn:pulumi:dev::p::aws:s3/bucket:Bucket::ledger", type="aws:s3/bucket:Bucket", name="ledger", props={})


def test_a_raising_rule_is_named_among_the_type_s_rules() -> None:
    engine = Analyzer("pack", "1", [*POLICIES, CRASHING_RESOURCE_RULE], DEFAULT_ENFORCEMENT)
    with pytest.raises(PolicyCrash, match=r"policy 'crashing-rule' failed on ledger \(.*\): KeyError: 'region'"):
        engine.analyze(BUCKET)
    stack = Analyzer("pack", "1", [CRASHING_STACK_RULE], DEFAULT_ENFORCEMENT)
    with pytest.raises(PolicyCrash, match=r"policy 'crashing-stack-rule' failed on the stack: KeyError"):
        stack.analyze_stack([BUCKET])


@pytest.mark.parametrize("rule", [CRASHING_RESOURCE_RULE, CRASHING_STACK_RULE], ids=lambda r: r.name)
def test_policy_eval_exits_3_naming_the_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rule: Any) -> None:
    monkeypatch.setattr(policies, "POLICIES", [*POLICIES, rule])
    resources = tmp_path / "resources.json"
    resources.write_text(json.dumps([{"id": "ledger", "type": "aws:s3/bucket:Bucket", "props": {"bucket": "ledger-1"}}]))
    result = CliRunner().invoke(main, ["policy", "eval", str(resources)])
    assert result.exit_code == 3, result.output
    assert f"policy '{rule.name}' failed" in result.output and "Traceback" not in result.output


@pytest.mark.plan
def test_a_raising_rule_fails_the_plan_with_exit_3_and_writes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(policies, "POLICIES", [*POLICIES, CRASHING_RESOURCE_RULE])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "dev", "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "policy 'crashing-rule' failed on " in result.output and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.plan
def test_a_stack_in_a_region_without_prices_plans_with_its_resources_unpriced(tmp_path: Path) -> None:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["fintech-blueprint:region"] = "ap-southeast-2"
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "dev", "--config-file", str(stack_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "No price catalog for this stack's region" in result.output
    finops = json.loads((out / "finops.json").read_text())
    assert finops["catalogVersion"] == "none" and finops["monthlyTotal"] == "0.00" and finops["unpriced"]
    assert {u["reason"] for u in finops["unpriced"]} == {
        "no price catalog for region ap-southeast-2 (catalogs: eu-west-3): add policy_pack/policies/data/prices/ap-southeast-2.json "
        "to price it"
    }
    report = json.loads((out / "policy-report.json").read_text())
    assert report["counts"].get("mandatory", 0) == 0
