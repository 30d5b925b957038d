"""The org stack (#26 item 1, ADR-0031): its config, the tenants it reads from the environments' files, the
contract environment stacks read, and the exit 2 of every bad input on either side."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from blueprint.cli import main
from stacks.config import ORG_OUTPUTS
from stacks.loader import ROOT, ConfigError, load_stack_file
from stacks.org import contract_outputs, environment_configs, load_org_stack_file, offline_outputs, tenant_directory, validate_org_config
from tests.conftest import as_document, project_values

ORG_FILE = ROOT / "org" / "Pulumi.org.yaml"
REFERENCE = "organization/fintech-blueprint-org/org"


def org_values() -> dict[str, Any]:
    document = yaml.safe_load(ORG_FILE.read_text())
    return {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in document["config"].items()}


def test_the_shipped_org_stack_serves_every_environment_and_owns_their_tenants_repositories() -> None:
    _, org = load_org_stack_file(ORG_FILE)
    environments = environment_configs(org, ORG_FILE.parent)
    assert [env.name for env, _ in environments] == ["dev", "staging", "prod"]
    outputs = contract_outputs(
        org, tenant_directory([(env.name, [t.model_dump(by_alias=True) for t in c.tenants]) for env, c in environments])
    )
    assert tuple(outputs) == ORG_OUTPUTS and outputs["contractVersion"] == 1 and outputs["organization"] == "fintech-blueprint"
    expected = {f"{t.name}-{s.name}" for _, c in environments for t in c.tenants for s in t.services}
    assert expected <= set(outputs["repositories"]) and {"db-manager", "concierge"} <= set(outputs["repositories"])
    assert outputs["repositories"]["db-manager"]["environments"] == ["dev", "staging", "prod"]


def test_the_file_being_planned_brings_its_tenants_into_the_org_stack_outputs() -> None:
    """``blueprint tenant add`` plans a copy of an environment's file: the org stack it reads then holds the
    new tenant's repositories, as it will once the org stack is up with that file."""
    outputs = offline_outputs(
        REFERENCE, "dev", [{"name": "lending", "ownerTeam": "lending-team", "services": [{"name": "loan-api", "kind": "api"}]}]
    )
    assert outputs["repositories"]["lending-loan-api"]["tenant"] == "lending"
    assert "payments-payments-api" in outputs["repositories"]  # prod's and staging's tenants stay


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda v: v["github"].update(platformMaintainers=["lead", "Lead"]), "", "github.platformMaintainers[1]: 'Lead' is listed twice"),
        (lambda v: v["environments"][2].update(reviewers=["auditors"]), "", "environments[2].reviewers: ['auditors'] is no team"),
        (lambda v: v["environments"].__setitem__(1, {"name": "dev"}), "", "names an environment twice"),
        (lambda v: v["environments"].__setitem__(1, {"name": "qa"}), "environments[1].name", "'dev', 'staging' or 'prod'"),
        (lambda v: v["github"].pop("billingEmail"), "github.billingEmail", "required key is missing"),
    ],
)
def test_bad_org_config_names_the_field(change: Callable[[dict[str, Any]], None], field: str, message: str) -> None:
    values = org_values()
    change(values)
    with pytest.raises(ConfigError) as raised:
        validate_org_config(values, "org")
    assert any((path.startswith(field) and message in text) or message in f"{path}: {text}" for path, text in raised.value.problems), (
        raised.value.problems
    )


def test_one_team_owns_a_tenant_in_every_environment() -> None:
    payments = {"name": "payments", "ownerTeam": "payments-team", "services": [{"name": "api", "kind": "api"}]}
    with pytest.raises(ConfigError) as raised:
        tenant_directory([("dev", [payments]), ("prod", [{**payments, "ownerTeam": "other-team"}])])
    assert raised.value.problems == [
        (
            "tenants[payments].ownerTeam",
            "is 'other-team' in prod but 'payments-team' in dev: one team owns a tenant's repositories in every environment",
        )
    ]


def test_an_environment_file_of_another_organization_or_environment_is_refused(tmp_path: Path) -> None:
    values = project_values("dev")
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(as_document({**values, "githubOrg": "someone-else"})))
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(as_document(values)))
    org = validate_org_config(
        {
            **org_values(),
            "environments": [
                {"name": "dev", "stackFile": "Pulumi.dev.yaml"},
                {"name": "prod", "stackFile": "Pulumi.prod.yaml"},
                {"name": "staging", "stackFile": "missing.yaml"},
            ],
        },
        "org",
    )
    with pytest.raises(ConfigError) as raised:
        environment_configs(org, tmp_path)
    assert [p for p, _ in raised.value.problems] == ["environments[0].stackFile", "environments[1].stackFile", "environments[2].stackFile"]
    messages = " | ".join(m for _, m in raised.value.problems)
    assert "runs in GitHub organization 'someone-else'" in messages and "is environment 'dev', not 'prod'" in messages
    assert "missing.yaml: no such file" in messages


@pytest.mark.parametrize(
    ("org", "field", "message"),
    [
        ({"reads": ["organization", "repos"]}, "org.reads", "'repos' is not an output of the org stack's contract v1"),
        ({"reads": ["contractVersion", "organization"]}, "org.reads", "lacks 'repositories', which this program reads"),
        ({"stack": "acme/fintech-blueprint-org/corp"}, "org.stack", "no org stack file org/Pulumi.corp.yaml"),
    ],
)
def test_an_environment_naming_an_unknown_org_output_or_stack_exits_2(
    write_stack: Callable[..., Path], org: dict[str, Any], field: str, message: str
) -> None:
    values = project_values("dev")
    values["org"] = {**values["org"], **org}
    path = write_stack(as_document(values), name="Pulumi.dev.yaml")
    result = CliRunner().invoke(main, ["plan", "dev", "--config-file", str(path), "--out", str(path.parent / "out")])
    assert result.exit_code == 2, result.output
    assert f"{field}: " in result.output and message in result.output, result.output
    assert "Traceback" not in result.output and not (path.parent / "out").exists()


def test_a_retired_github_key_says_where_it_went(write_stack: Callable[..., Path]) -> None:
    values = project_values("dev")
    values["github"] = {"manageOrganization": True, "requiredApprovals": 2}
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    messages = dict(raised.value.problems)
    assert "the org stack (org/) owns the organization's objects" in messages["github.manageOrganization"]
    assert "org/Pulumi.org.yaml" in messages["github.requiredApprovals"]


def test_the_org_stack_file_is_no_environment_s() -> None:
    result = CliRunner().invoke(main, ["catalog", "prod", "--config-file", str(ORG_FILE)])
    assert result.exit_code == 2 and "is the org stack's file" in result.output and "blueprint plan org" in result.output


@pytest.mark.plan
def test_blueprint_plan_org_plans_the_organization_with_no_violation(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plan", "org", "--out", str(tmp_path / "org"), "--json"])
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads(result.stdout)
    assert summary["policy"]["mandatory"] == 0 and summary["policy"]["config"] == "policy_pack/config.org.json"
    assert summary["byComponentType"]["fintech:github:TenantGithub"] > 0
    inventory = json.loads((tmp_path / "org" / "inventory.json").read_text())
    environments = [r for r in inventory["resources"] if r["type"] == "github:index/repositoryEnvironment:RepositoryEnvironment"]
    # Every repository but the template gets the three environments; prod's waits for the platform team.
    prod = [r for r in environments if r["inputs"]["environment"] == "prod"]
    assert prod and all(r["inputs"]["reviewers"][0]["teams"] and r["inputs"]["preventSelfReview"] for r in prod)
    assert all(not r["inputs"].get("reviewers") for r in environments if r["inputs"]["environment"] != "prod")
    assert all(r["inputs"]["deploymentBranchPolicy"]["customBranchPolicies"] for r in environments)
