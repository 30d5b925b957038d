"""The offline engine's stand-ins answer as the cloud and the CLI would (issue #11, item 8)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from blueprint.engine import fakes
from blueprint.engine.run import run_program
from blueprint.plan import plan
from stacks.loader import ROOT, ConfigError, load_stack_file
from tests.conftest import as_document, project_values


def test_availability_zones_are_the_regions_own() -> None:
    answer = fakes.invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {}, "eu-west-3")
    assert answer["names"] == ["eu-west-3a", "eu-west-3b", "eu-west-3c"]
    assert answer["zoneIds"] == ["euw3-az1", "euw3-az2", "euw3-az3"]
    assert len(fakes.invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {}, "us-west-1")["names"]) == 2


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (lambda v: v["network"].update(azCount=4), "network.azCount", "eu-west-3 has 3 availability zones; azCount is 4"),
        (lambda v: v.update(region="xx-nowhere-1"), "region", "'xx-nowhere-1' is not an AWS region"),
        (lambda v: v.update(region="me-central-1"), "region", "'me-central-1' is not a region this platform knows"),
    ],
    ids=["more zones than the region has", "not a region", "a region without zone data"],
)
def test_asking_for_what_the_region_has_not_is_a_config_error(
    change: Callable[[dict], None], path: str, fragment: str, write_stack: Callable[..., Path]
) -> None:
    values = project_values()
    change(values)
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    assert fragment in dict(raised.value.problems)[path]


@pytest.mark.plan
def test_provider_settings_from_the_environment_do_not_change_the_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = plan("dev", ROOT / "Pulumi.dev.yaml", tmp_path / "plain", None)
    for name, value in {"GITHUB_TOKEN": "ghp_x", "AWS_REGION": "us-east-1", "KUBECONFIG": "/nowhere", "VAULT_SKIP_VERIFY": "true"}.items():
        monkeypatch.setenv(name, value)
    shelled = plan("dev", ROOT / "Pulumi.dev.yaml", tmp_path / "shell", None)
    assert (tmp_path / "plain" / "inventory.json").read_bytes() == (tmp_path / "shell" / "inventory.json").read_bytes()
    assert plain.summary.ignored_environment == []
    assert shelled.summary.ignored_environment == ["AWS_REGION", "GITHUB_TOKEN", "KUBECONFIG", "VAULT_SKIP_VERIFY"]


def test_sdk_deprecation_warnings_reach_the_plan(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text("import pulumi_aws as aws\naws.s3.BucketV2('b', bucket='b', acl='private')\n")
    warnings: list[str] = []
    run_program("dev", {"aws:region": "eu-west-3"}, [], "eu-west-3", program=program, warnings=warnings)
    assert warnings == ["BucketV2 is deprecated: s3.BucketV2 has been deprecated in favor of s3.Bucket"]


@pytest.mark.plan
def test_the_real_stacks_plan_without_warnings(tmp_path: Path) -> None:
    result = plan("dev", ROOT / "Pulumi.dev.yaml", tmp_path / "out", None)
    assert result.summary.warnings == []
    assert json.loads((tmp_path / "out" / "inventory.json").read_text())["stack"] == "dev"
