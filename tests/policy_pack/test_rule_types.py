"""Rules say what they apply to (``applies(type)``), and the analyzer asks them (#13 item 4); levels
live in the policy config files only (ADR-0020)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel

from blueprint.engine.analyzer import Analyzer, Resource
from policy_pack.policies import tagging
from policy_pack.policies._lib import MEDIUM, ResourceRule, StackRule, TypeFilter
from policy_pack.policies.pack import POLICIES
from stacks.loader import ROOT


def recording_rule(seen: list[str], types: Any) -> ResourceRule:
    def check(props: Any, args: Any) -> Iterator[str]:
        seen.append(args.resource_type)
        yield "judged"

    return ResourceRule(name="probe", description="probe", severity=MEDIUM, adr="ADR-0001", domain="test", types=types, check=check)


def analyze(rule: ResourceRule, *types: str) -> list[str]:
    analyzer = Analyzer("probe-pack", "0.0.1", [rule], EnforcementLevel.MANDATORY)
    return [v.urn or "" for t in types for v in analyzer.analyze(Resource(urn=f"urn:{t}", type=t, name="r", props={}))]


def test_the_analyzer_hands_a_rule_only_the_types_it_applies_to() -> None:
    seen: list[str] = []
    rule = recording_rule(seen, TypeFilter("queues", lambda t: t.startswith("aws:sqs/")))
    assert rule.applies("aws:sqs/queue:Queue") and not rule.applies("aws:s3/bucket:Bucket")
    assert analyze(rule, "aws:sqs/queue:Queue", "aws:s3/bucket:Bucket") == ["urn:aws:sqs/queue:Queue"]
    assert seen == ["aws:sqs/queue:Queue"]
    assert rule.describe_types() == ["queues"]


def test_a_listed_rule_applies_to_its_list() -> None:
    seen: list[str] = []
    rule = recording_rule(seen, ["aws:s3/bucket:Bucket"])
    assert analyze(rule, "aws:sqs/queue:Queue", "aws:s3/bucket:Bucket") == ["urn:aws:s3/bucket:Bucket"]
    assert rule.describe_types() == ["aws:s3/bucket:Bucket"]


def test_cost_tags_apply_to_taggable_types_and_kubernetes_objects_only() -> None:
    rule = tagging.required_cost_tags
    assert rule.applies("aws:s3/bucket:Bucket") and rule.applies("kubernetes:core/v1:Namespace")
    assert not rule.applies("aws:kms/alias:Alias") and not rule.applies("kubernetes:helm.sh/v3:Release")


def test_stack_rules_apply_to_what_they_read() -> None:
    stack_rules = [p for p in POLICIES if isinstance(p, StackRule)]
    scoped = [r for r in stack_rules if r.reads is not None]
    assert scoped and all(not r.applies("random:index/randomPassword:RandomPassword") for r in scoped if "random:" not in r.reads)


def test_no_rule_sets_its_own_level_and_the_configs_set_the_rest() -> None:
    assert {p.enforcement_level for p in POLICIES} == {EnforcementLevel.MANDATORY}
    dev = json.loads((ROOT / "policy_pack" / "config.dev.json").read_text())
    advisory = {
        name
        for name, value in dev.items()
        if value == "advisory" or (isinstance(value, dict) and value.get("enforcementLevel") == "advisory")
    }
    assert "k8s-read-only-root-filesystem" in advisory
    assert json.loads((ROOT / "policy_pack" / "config.prod.json").read_text())["all"] == "mandatory"
