"""`blueprint plan` shows what changed since the previous plan, like `pulumi preview` (#14 item 1)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from blueprint.cli import main
from blueprint.engine.diff import changed_paths, diff, forces_replacement, tenant_of
from tests.conftest import (
    NEW_TENANT,
    NEW_TENANT_RESOURCES,
    SHARED_CHANGES_ON_ONBOARDING,
    as_document,
    platform_resources_of,
    project_values,
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write(path: Path, values: dict[str, Any]) -> Path:
    path.write_text(json.dumps(as_document(values)))
    return path


@pytest.mark.plan
def test_adding_then_removing_a_tenant(tmp_path: Path) -> None:
    values = project_values("dev")
    before = write(tmp_path / "Pulumi.before.yaml", values)
    grown = copy.deepcopy(values)
    grown["tenants"].append(NEW_TENANT)
    after = write(tmp_path / "Pulumi.after.yaml", grown)
    out = tmp_path / "plan"

    first = run("plan", "dev", "--config-file", str(before), "--out", str(out))
    assert first.exit_code == 0 and "No previous plan" in first.output
    assert run("plan", "dev", "--config-file", str(before), "--out", str(out)).output.count("No changes since the previous plan") == 1
    assert json.loads((out / "diff.json").read_text()) == {"added": [], "changed": [], "removed": [], "replaced": []}

    added = run("plan", "dev", "--config-file", str(after), "--out", str(out))
    assert added.exit_code == 0, added.output
    changes = json.loads((out / "diff.json").read_text())
    inventory = json.loads((out / "inventory.json").read_text())["resources"]
    by_urn = {r["urn"]: r for r in inventory}
    lending = {urn for urn in by_urn if tenant_of(urn, by_urn) == "lending"}
    platform = {urn for urn in changes["added"] if urn.rsplit("::", 1)[-1] in platform_resources_of("lending")}
    assert set(changes["added"]) == lending | platform and len(lending) == NEW_TENANT_RESOURCES
    changed = {c["urn"].rsplit("::", 1)[-1]: c["paths"] for c in changes["changed"]}
    # #27 item 3: nothing shared changes (pooler, migration, Vault's connection, the log route).
    assert set(changed) <= SHARED_CHANGES_ON_ONBOARDING, changed
    assert changes["replaced"] == [] and changes["removed"] == [], changes["replaced"]
    assert "+" in added.output and "lending" in added.output and "~" in added.output

    removed = run("plan", "dev", "--config-file", str(before), "--out", str(out))
    back = json.loads((out / "diff.json").read_text())
    assert set(back["removed"]) == lending | platform and back["added"] == []
    assert "!!" in removed.output, "deleting the tenant's queues, table and image repositories is shown loudly"


@pytest.mark.plan
def test_diff_against_another_directory_and_a_missing_one(tmp_path: Path) -> None:
    base = tmp_path / "base"
    assert run("plan", "dev", "--out", str(base)).exit_code == 0
    result = run("plan", "prod", "--out", str(tmp_path / "prod"), "--diff", str(base))
    assert result.exit_code == 0 and "Changes since the previous plan" in result.output
    missing = run("plan", "dev", "--out", str(tmp_path / "x"), "--diff", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "--diff" in missing.output and "Traceback" not in missing.output


def test_paths_and_replacement() -> None:
    assert list(changed_paths({"a": {"b": [1, 2]}, "c": 1}, {"a": {"b": [1, 3]}, "c": 1})) == ["a.b[1]"]
    assert list(changed_paths({"a": [1]}, {"a": [1, 2]})) == ["a"]
    assert forces_replacement("aws:s3/bucket:Bucket", ["bucket"]) and not forces_replacement("aws:s3/bucket:Bucket", ["tags.owner"])
    assert forces_replacement("kubernetes:core/v1:Namespace", ["metadata.name"])
    bucket = {"urn": "u", "type": "aws:s3/bucket:Bucket", "inputs": {"bucket": "a"}, "options": {"protect": True}}
    renamed = diff({"resources": [bucket]}, {"resources": [{**bucket, "inputs": {"bucket": "b"}}]})
    assert renamed.replaced == ["u"] and renamed.dangerous == ["u"]
