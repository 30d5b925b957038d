"""Gate 5's drift check (#30 item 5): a scheduled job per stack previews it against the cloud with the
pack and ``--expect-no-changes``, through an identity that reads and may publish to the alert topic
only, and publishes a drift to the platform team's recipient on the alert topic.

That a preview right after ``up`` proposes nothing (the job raises no false alarm) is the real-engine
tier's ``test_up_is_idempotent_and_matches_the_offline_inventory`` (the same flag on the real CLI).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.engine.mocks import Registration
from components.aws import alert_relay
from policy_pack.policies import contract
from tests.conftest import STACKS, by_type

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "drift.yml"


def _workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def test_every_stack_is_previewed_on_a_schedule_with_the_pack_expecting_no_changes() -> None:
    workflow = _workflow()
    assert "schedule" in workflow[True] and "workflow_dispatch" in workflow[True]  # YAML reads `on` as True
    job = workflow["jobs"]["drift"]
    stacks = [entry["stack"] for entry in job["strategy"]["matrix"]["include"]]
    assert sorted(stacks) == sorted(STACKS) == sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
    assert job["environment"] == "drift-${{ matrix.stack }}" and job["strategy"]["fail-fast"] is False
    preview = next(s for s in job["steps"] if s.get("id") == "preview")
    words = shlex.split(preview["run"].replace("${{ matrix.stack }}", "STACK"))
    assert words[:2] == ["pulumi", "preview"] and {"--expect-no-changes", "--refresh"} <= set(words)
    assert words[words.index("--policy-pack") + 1] == "policy_pack"
    assert words[words.index("--policy-pack-config") + 1] == "policy_pack/config.STACK.json"


def test_a_drift_is_published_to_the_platform_team() -> None:
    job = _workflow()["jobs"]["drift"]
    publish = next(s for s in job["steps"] if "sns publish" in s.get("run", ""))
    assert "failure()" in publish["if"] and "steps.preview.outcome == 'failure'" in publish["if"]
    words = shlex.split(publish["run"])
    attributes = json.loads(words[words.index("--message-attributes") + 1])
    assert attributes == {contract.ALERT_RECIPIENT_ATTRIBUTE: {"DataType": "String", "StringValue": alert_relay.PLATFORM_RECIPIENT}}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_drift_identity_trusts_its_environment_reads_and_publishes_alerts_only(
    stack_plans: dict[str, list[Registration]], stack: str
) -> None:
    plan = stack_plans[stack]
    [role] = [r for r in by_type(plan, "aws:iam/role:Role") if r.inputs.get("name", "").endswith("-drift")]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    subjects = [v for s in trust["Statement"] for cond in s["Condition"].values() for k, v in cond.items() if k.endswith(":sub")]
    assert subjects == [[f"repo:fintech-blueprint/infra:environment:drift-{stack}"]]
    attached = [
        a.inputs["policyArn"]
        for a in by_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.property_dependencies.get("role") == [role.urn]
    ]
    assert attached == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    [inline] = [p for p in by_type(plan, "aws:iam/rolePolicy:RolePolicy") if p.property_dependencies.get("role") == [role.urn]]
    statements = json.loads(inline.inputs["policy"])["Statement"]
    assert sorted(a for s in statements for a in s["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*", "sns:Publish"]
    assert next(s for s in statements if s["Action"] == ["sns:Publish"])["Resource"].endswith(f"fintech-blueprint-{stack}-alerts")
    [login] = [r for r in by_type(plan, "vault:jwt/authBackendRole:AuthBackendRole") if r.inputs["roleName"] == f"infra-drift-{stack}"]
    assert login.inputs["boundClaims"] == {"repository": "fintech-blueprint/infra", "environment": f"drift-{stack}"}
    preview = next(
        r for r in by_type(plan, "vault:jwt/authBackendRole:AuthBackendRole") if r.inputs["roleName"] == f"infra-preview-{stack}"
    )
    assert login.inputs["tokenPolicies"] == preview.inputs["tokenPolicies"]
