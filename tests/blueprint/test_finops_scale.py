"""#18: the estimate adds at most 10% to a plan. Measured on a generated 40-tenant stack (the
benchmark's generator): the estimate of the CLI plus the pack's tenant-estimate-within-budget against
the program's run under the offline engine. The benchmark (`make bench`) reports 200 tenants."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
import yaml

from blueprint import finops, policies
from blueprint.engine.run import run_program
from stacks.loader import ROOT, load_stack_file

spec = importlib.util.spec_from_file_location("plan_scaling", ROOT / "bench" / "plan_scaling.py")
assert spec and spec.loader
plan_scaling = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plan_scaling)


@pytest.mark.plan
def test_the_estimate_adds_at_most_a_tenth_to_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bench.yaml"
    path.write_text(yaml.safe_dump(plan_scaling.stack_with(40)))
    stack_file, config = load_stack_file(path)
    flat, secrets = stack_file.flattened()
    # CPU time of this process, not wall time: the other xdist worker's load must not skew the ratio
    # (both parts run here, single-threaded).
    started = time.process_time()
    registrations = run_program("bench", flat, secrets, config.region)
    program = time.process_time() - started

    started = time.process_time()
    document = finops.document("bench", finops.estimate_registrations(registrations, config.region))
    finops.html_page(document), finops.markdown(document), finops.csv_text(document)
    rule = next(p for p in policies.POLICIES if p.name == "tenant-estimate-within-budget")
    found = policies.analyzer(None, [rule]).analyze_stack(policies.as_policy_resources(registrations))
    estimate = time.process_time() - started
    assert len(document["byTenant"]) == 40 and document["unpriced"] == [] and found == []
    assert estimate <= 0.10 * program, f"estimate {estimate:.2f}s against the program's {program:.2f}s"
