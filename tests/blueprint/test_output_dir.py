"""``--out`` never destroys user data (#14 items 0 and 5): a plan replaces only its own output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from blueprint.cli import main
from blueprint.plan import MARKER
from stacks.loader import ROOT


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def precious(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    keep = directory / "thesis.txt"
    keep.write_text("five years of work\n")
    return keep


@pytest.mark.parametrize("where", ["cwd", "ancestor", "unrelated", "file"])
def test_a_place_no_plan_wrote_is_refused_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    work = tmp_path / "work" / "here"
    keep = precious(work)
    monkeypatch.chdir(work)
    out = {"cwd": ".", "ancestor": str(tmp_path / "work"), "unrelated": str(tmp_path / "photos"), "file": str(keep)}[where]
    if where == "unrelated":
        keep = precious(tmp_path / "photos")
    result = run("plan", "dev", "--out", out)
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "Traceback" not in result.output
    assert keep.read_text() == "five years of work\n"


def test_the_project_directory_is_refused() -> None:
    result = run("plan", "dev", "--out", str(ROOT))
    assert result.exit_code == 2 and "project directory" in result.output
    assert (ROOT / "Pulumi.yaml").is_file()


@pytest.mark.plan
def test_a_previous_output_is_replaced_with_normal_permissions(tmp_path: Path) -> None:
    out = tmp_path / "plans" / "dev"
    assert run("plan", "dev", "--out", str(out)).exit_code == 0
    assert (out / MARKER).is_file() and (out / "inventory.json").is_file()
    stale = out / "manifests" / "stale.yaml"
    stale.write_text("kind: Left\n")
    assert run("plan", "dev", "--out", str(out)).exit_code == 0
    assert not stale.exists() and (out / "inventory.json").is_file()
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask


@pytest.mark.plan
def test_an_empty_directory_is_accepted(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert run("plan", "dev", "--out", str(out)).exit_code == 0
    assert (out / "inventory.json").is_file()
