"""Deploy order = ownership order (#26 item 3, ADR-0031): the order the stacks need is derived from what
each one's program reads from the others (its StackReferences, as the offline engine records them), and
the deploy workflow's ``needs:`` graph must run every stack after each stack it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.plan import inventory_of
from stacks.loader import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
#: Every stack of the repository: the org stack (org/) and the environments.
STACK_FILES = {"org": ROOT / "org" / "Pulumi.org.yaml", **{s: ROOT / f"Pulumi.{s}.yaml" for s in ("dev", "staging", "prod")}}
STACK_REFERENCE = "pulumi:pulumi:StackReference"


def reads(stack: str, path: Path) -> set[str]:
    """The stacks ``stack``'s program reads (a reference's last part is the stack's name)."""
    inventory = inventory_of(stack, path)
    return {str(r["inputs"]["name"]).rsplit("/", 1)[-1] for r in inventory["resources"] if r["type"] == STACK_REFERENCE}


def workflow_stacks(workflow: dict[str, Any]) -> dict[str, set[str]]:
    """Stack -> the stacks whose `up` runs before it (``needs:``, transitively), from the jobs that run
    ``pulumi up --stack S``."""
    jobs = workflow["jobs"]
    stack_of = {}
    for job_id, job in jobs.items():
        for step in job.get("steps", []):
            words = str(step.get("run", "")).split()
            if words[:2] == ["pulumi", "up"] and "--stack" in words:
                stack_of[job_id] = words[words.index("--stack") + 1]

    def before(job_id: str) -> set[str]:
        needs = jobs[job_id].get("needs", [])
        direct = [needs] if isinstance(needs, str) else list(needs)
        found: set[str] = set()
        for need in direct:
            found |= {need, *(before(need) if need in jobs else ())}
        return found

    return {stack: {stack_of[j] for j in before(job) if j in stack_of} for job, stack in stack_of.items()}


def order_problems(needed: dict[str, set[str]], deployed_after: dict[str, set[str]]) -> list[str]:
    problems = [f"stack {s!r} has no `pulumi up` job in the deploy workflow" for s in sorted(needed) if s not in deployed_after]
    for stack, sources in sorted(needed.items()):
        for source in sorted(sources - deployed_after.get(stack, set())):
            problems.append(f"stack {stack!r} reads {source!r}, but the workflow does not run {source!r} before it (needs:)")
    return problems


@pytest.mark.plan
def test_the_deploy_workflow_runs_each_stack_after_the_stacks_it_reads() -> None:
    needed = {stack: reads(stack, path) for stack, path in STACK_FILES.items()}
    # What the programs read today: every environment reads the org stack, which reads none.
    assert needed == {"org": set(), "dev": {"org"}, "staging": {"org"}, "prod": {"org"}}
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert order_problems(needed, workflow_stacks(workflow)) == []


def test_a_workflow_that_runs_an_environment_before_the_org_stack_is_refused() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # Today's order before the org stack existed: dev first, the organization's owner after it.
    workflow["jobs"]["up-dev"].pop("needs")
    workflow["jobs"]["up-org"]["needs"] = "up-prod"
    needed = {"org": set(), "dev": {"org"}, "staging": {"org"}, "prod": {"org"}}
    assert order_problems(needed, workflow_stacks(workflow)) == [
        "stack 'dev' reads 'org', but the workflow does not run 'org' before it (needs:)",
        "stack 'prod' reads 'org', but the workflow does not run 'org' before it (needs:)",
        "stack 'staging' reads 'org', but the workflow does not run 'org' before it (needs:)",
    ]
    del workflow["jobs"]["up-staging"]
    assert "stack 'staging' has no `pulumi up` job in the deploy workflow" in order_problems(needed, workflow_stacks(workflow))
