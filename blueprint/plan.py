"""``blueprint plan``: validate, run the program offline, evaluate the pack, write artifacts atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprint import policies
from blueprint.engine.analyzer import Violation
from blueprint.engine.identities import raise_on_collisions
from blueprint.engine.inventory import dumps, inventory_document, summary, write_manifests
from blueprint.engine.run import run_program
from stacks.loader import ROOT, load_stack_file

Step = Callable[[str], None]


@dataclass
class PlanResult:
    summary: dict[str, Any]
    violations: list[Violation]
    out_dir: Path

    @property
    def blocking(self) -> list[Violation]:
        return [v for v in self.violations if v.mandatory]


def _shown(path: Path) -> str:
    """Paths inside the project are reported relative to it, so reports do not depend on the checkout."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def policy_report(stack: str, violations: list[Violation], config_file: Path | None) -> dict[str, Any]:
    return {
        "stack": stack,
        "policyConfig": _shown(config_file) if config_file else None,
        "counts": dict(sorted(Counter(v.enforcement_level for v in violations).items())),
        "violations": [
            {
                "policy": v.policy,
                "enforcementLevel": v.enforcement_level,
                "severity": v.severity,
                "urn": v.urn,
                "message": v.message,
            }
            for v in sorted(violations, key=lambda v: (v.enforcement_level != "mandatory", v.policy, v.urn or ""))
        ],
    }


def _replace_dir(staging: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)


def plan(
    stack: str,
    config_file: Path,
    out_dir: Path,
    policy_config_file: Path | None,
    step: Step = lambda _: None,
    secret_placeholders: bool = False,
) -> PlanResult:
    """Raises ConfigError / PolicyConfigError on bad input, and IdentityCollision when two resources
    would claim one real object, before anything is written."""
    step("validating configuration")
    stack_file, config = load_stack_file(config_file, secret_placeholders)
    file_policy_config = policies.read_policy_config(policy_config_file) if policy_config_file else None
    policies.analyzer(file_policy_config)  # reject a bad policy config before the slow steps

    step("running the program under mocks")
    flat, secret_keys = stack_file.flattened()
    registrations = run_program(stack, flat, secret_keys, config.region)
    raise_on_collisions(registrations)

    step("evaluating the policy pack")
    violations = policies.evaluate(policies.as_policy_resources(registrations), file_policy_config)

    step("writing artifacts")
    document = summary(stack, registrations)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        (staging / "inventory.json").write_text(dumps(inventory_document(stack, registrations)), encoding="utf-8")
        (staging / "policy-report.json").write_text(dumps(policy_report(stack, violations, policy_config_file)), encoding="utf-8")
        write_manifests(staging / "manifests", registrations)
        _replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    document["policy"] = {
        "mandatory": sum(1 for v in violations if v.mandatory),
        "advisory": sum(1 for v in violations if v.enforcement_level == "advisory"),
    }
    return PlanResult(summary=document, violations=violations, out_dir=out_dir)
