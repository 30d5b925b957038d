"""`blueprint catalog` (#14 item 3) agrees with the inventory the plan writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from blueprint.cli import main
from stacks.loader import ROOT


@pytest.mark.plan
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_catalog_agrees_with_the_inventory(stack: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["plan", stack, "--out", str(tmp_path / "plan")]).exit_code == 0
    inventory = json.loads((tmp_path / "plan" / "inventory.json").read_text())["resources"]
    result = runner.invoke(main, ["catalog", stack, "--json"])
    assert result.exit_code == 0, result.output
    catalog = json.loads(result.output)
    assert [t["tenant"] for t in catalog["tenants"]] == ["payments", "fraud"]

    def tagged(type_: str, tenant: str) -> list[str]:
        return sorted(
            r["inputs"]["name"] for r in inventory if r["type"] == type_ and (r["inputs"].get("tags") or {}).get("tenant") == tenant
        )

    repositories = {r["inputs"]["name"] for r in inventory if r["type"] == "github:index/repository:Repository"}
    for entry in catalog["tenants"]:
        tenant = entry["tenant"]
        assert entry["imageRepositories"] == tagged("aws:ecr/repository:Repository", tenant) and entry["imageRepositories"]
        # The outbox and its DLQ; the erasure queue and its DLQ too where the class has erasure (payments: pci).
        assert entry["queues"] == tagged("aws:sqs/queue:Queue", tenant) and len(entry["queues"]) == (4 if tenant == "payments" else 2)
        lifecycle = entry["dataLifecycle"]
        assert (lifecycle["dataClass"], lifecycle["erasure"]) == (("pci", True) if tenant == "payments" else ("confidential", False))
        assert {s["name"] for s in lifecycle["stores"] if s["store"] == "queue"} == set(entry["queues"])
        assert all(s["dataClass"] == lifecycle["dataClass"] for s in lifecycle["stores"])
        assert entry["budgets"] == tagged("aws:budgets/budget:Budget", tenant)
        namespace = next(r for r in inventory if r["type"] == "kubernetes:core/v1:Namespace" and r["inputs"]["metadata"]["name"] == tenant)
        assert entry["namespace"] == namespace["inputs"]["metadata"]["name"]
        # The org stack owns the repositories the catalog names (ADR-0031): no environment's plan creates one.
        assert entry["repositoriesManagedHere"] is False and not set(entry["repositories"]) & repositories
        assert all(s["kind"] in ("api", "worker") and s["slo"]["latencyP95Ms"] > 0 for s in entry["services"])


@pytest.mark.plan
def test_markdown_and_unknown_stack() -> None:
    runner = CliRunner()
    markdown = runner.invoke(main, ["catalog", "dev"])
    assert markdown.exit_code == 0 and "## payments" in markdown.output and "| Service | Kind |" in markdown.output
    unknown = runner.invoke(main, ["catalog", "qa"])
    assert unknown.exit_code == 2 and "unknown stack" in unknown.output
    assert (ROOT / "Pulumi.dev.yaml").is_file()


@pytest.mark.parametrize("command", [["catalog"], ["finops", "estimate"]])
def test_a_stack_file_of_another_environment_is_refused(command: list[str]) -> None:
    """#28 item 7: `catalog prod --config-file Pulumi.dev.yaml` would describe dev as prod."""
    result = CliRunner().invoke(main, [*command, "prod", "--config-file", str(ROOT / "Pulumi.dev.yaml")])
    assert result.exit_code == 2, result.output
    assert "environment: is 'dev' but the stack is 'prod'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("awsAccountId", "210987654321", "awsAccountId"),
        ("vault", {"address": "https://vault.prod.platform.internal:8200/"}, "vault.address"),
    ],
)
def test_a_stack_file_naming_another_environment_s_account_or_vault_is_refused(tmp_path: Path, key: str, value: object, field: str) -> None:
    """#28 item 6: dev pointed at prod's account or Vault exits 2 naming the field and the other file."""
    shutil.copy2(ROOT / "Pulumi.prod.yaml", tmp_path / "Pulumi.prod.yaml")
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    if isinstance(value, dict):
        document["config"][f"fintech-blueprint:{key}"].update(value)
    else:
        document["config"][f"fintech-blueprint:{key}"] = value
    dev = tmp_path / "Pulumi.dev.yaml"
    dev.write_text(yaml.safe_dump(document, sort_keys=False))
    result = CliRunner().invoke(main, ["catalog", "dev", "--config-file", str(dev)])
    assert result.exit_code == 2, result.output
    assert f"{field}: is Pulumi.prod.yaml's too (prod)" in result.output and "Traceback" not in result.output
