"""The pack as the first `pulumi preview` of a new stack sees it: nothing exists yet, so every output
a resource computes is unknown. CI's gate must still judge every mandatory policy (ADR-0015)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from blueprint import policies
from blueprint.engine.run import run_program
from blueprint.plan import plan
from stacks.loader import ROOT
from tests.conftest import as_document, project_values


@pytest.mark.plan
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_first_preview_of_each_stack_defers_nothing(stack: str, tmp_path: Path) -> None:
    result = plan(stack, ROOT / f"Pulumi.{stack}.yaml", tmp_path / "out", policies.default_policy_config_path(stack))
    report = json.loads((tmp_path / "out" / "policy-report.json").read_text())
    assert report["previewDeferred"] == []
    assert result.summary.policy.preview_deferred == 0 and result.blocking == []


@pytest.mark.plan
def test_adding_a_tenant_adds_no_deferred_check(tmp_path: Path, write_stack: Callable[..., Path]) -> None:
    values = project_values()
    extra = copy.deepcopy(values["tenants"][0])
    extra.update(name="lending", ownerTeam="lending-team", costCenter="CC-1003")
    extra["services"][0]["public"] = {"host": "api.lending.dev.fintech-blueprint.example"}  # its own entry, its own host
    values["tenants"].append(extra)
    plan("dev", write_stack(as_document(values)), tmp_path / "out", policies.default_policy_config_path("dev"))
    assert json.loads((tmp_path / "out" / "policy-report.json").read_text())["previewDeferred"] == []


def test_a_document_built_from_an_output_is_deferred_with_its_configured_level(tmp_path: Path) -> None:
    """The negative control: a policy naming a role by its ``arn`` output cannot be judged."""
    program = tmp_path / "__main__.py"
    program.write_text(
        "import json\nimport pulumi\nimport pulumi_aws as aws\n"
        "trust = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole',"
        " 'Principal': {'Service': 'ec2.amazonaws.com'}}]})\n"
        "role = aws.iam.Role('r', name='r', assume_role_policy=trust)\n"
        "aws.iam.RolePolicy('p', role=role.id, policy=role.arn.apply(lambda arn: json.dumps({'Version': '2012-10-17',"
        " 'Statement': [{'Effect': 'Allow', 'Action': 'iam:GetRole', 'Resource': arn}]})))\n"
    )
    registrations = run_program("dev", {"aws:region": "eu-west-3"}, [], "eu-west-3", program=program, first_preview=True)
    deferred, blocking = policies.first_preview(policies.as_policy_resources(registrations), {"all": "mandatory"})
    assert {(d["policy"], d["urn"].rsplit("::", 1)[-1], d["enforcementLevel"]) for d in deferred} == {
        ("iam-no-star-action", "p", "mandatory"),
        ("iam-no-star-resource-write", "p", "mandatory"),
    }
    # What a first preview does judge still blocks (the test program carries no cost tags).
    assert {v.policy for v in blocking} == {"required-cost-tags"}
