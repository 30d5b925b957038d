"""Prometheus's own tool on the rules the program renders (#30 item 3): ``promtool check rules`` and
``promtool test rules`` on synthetic series. ``promtool`` is Debian's ``prometheus`` package (``make
servers`` installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: `make servers` installs Debian's prometheus package")
    return found


def write_rules(tmp_path: Path, rules: dict[str, Any]) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules))
    return path


def check_rules(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), "check", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False)


def run_rule_tests(tmp_path: Path, rules: dict[str, Any], cases: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    """``promtool test rules`` of ``cases`` against ``rules``, one sample a minute (promtool has no
    useful default interval)."""
    tests = tmp_path / "tests.yaml"
    cases = [{"interval": "1m", **case} for case in cases]
    tests.write_text(yaml.safe_dump({"rule_files": [str(write_rules(tmp_path, rules))], "evaluation_interval": "1m", "tests": cases}))
    return subprocess.run([promtool(), "test", "rules", str(tests)], capture_output=True, text=True, timeout=120, check=False)


def assert_rules_hold(tmp_path: Path, rules: dict[str, Any], cases: list[dict[str, Any]]) -> None:
    """The rules pass ``check rules`` and every case of ``cases`` holds."""
    checked = check_rules(write_rules(tmp_path, rules))
    assert checked.returncode == 0 and "SUCCESS" in checked.stdout, checked.stdout + checked.stderr
    done = run_rule_tests(tmp_path, rules, cases)
    assert done.returncode == 0, done.stdout + done.stderr
