"""The pack's data modules are a leaf: what the program imports from the pack loads no rule."""

from __future__ import annotations

import json
import subprocess
import sys

from stacks.loader import ROOT

#: The pack's data modules, which the program may import.
DATA_MODULES = {"__init__", "contract", "lifecycle", "pricing", "recovery"}
RULE_MODULES = [p.stem for p in (ROOT / "policy_pack" / "policies").glob("*.py") if p.stem not in DATA_MODULES]


def modules_after(*imports: str) -> set[str]:
    """``sys.modules`` of a fresh interpreter after ``imports`` (this process has the pack loaded)."""
    code = "import json, sys\n" + "".join(f"import {m}\n" for m in imports) + "print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return set(json.loads(out))


def test_the_contract_lifecycle_pricing_and_recovery_load_no_rule_and_not_the_policy_sdk() -> None:
    loaded = modules_after(
        "policy_pack.policies.contract", "policy_pack.policies.lifecycle", "policy_pack.policies.pricing", "policy_pack.policies.recovery"
    )
    assert "pulumi_policy" not in loaded
    assert not {f"policy_pack.policies.{m}" for m in RULE_MODULES} & loaded


def test_the_program_loads_no_rule() -> None:
    """What ``pulumi up`` imports (the composition and every component) leaves the rules alone."""
    loaded = modules_after("stacks.compose")
    assert "pulumi_policy" not in loaded
    assert not {f"policy_pack.policies.{m}" for m in RULE_MODULES} & loaded


def test_the_check_can_fail() -> None:
    assert "pulumi_policy" in modules_after("policy_pack.policies.pack")
