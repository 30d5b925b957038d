"""What `blueprint plan` prints stays readable whatever the number of tenants (the JSON summary,
finops.md and plan.html hold every row)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from blueprint.cli import common
from blueprint.cli.plan import SHOWN_TENANTS, print_plan
from blueprint.engine.diff import Diff
from blueprint.finops import SHARED_KEY
from blueprint.plan import DiffSummary, PlanResult, PlanSummary, PolicySummary


def result_of(tenants: int) -> PlanResult:
    names = [f"tenant-{i:03d}" for i in range(tenants)]
    store = {"store": "queue", "resource": "outbox", "dataClass": "pii", "retention": "14d"}
    summary = PlanSummary(
        stack="dev",
        resources=60 * tenants + 200,
        components=8 * tenants + 20,
        providers=5,
        by_component_type={"fintech:aws:TenantAws": 30 * tenants, "fintech:platform:Platform": 200},
        by_tenant={**{n: 60 for n in names}, "shared": 200},
        kubernetes_objects=20 * tenants,
        ignored_environment=[],
        warnings=[],
        policy=PolicySummary(mandatory=0, advisory=0, preview_deferred=0, preview_deferred_mandatory=0, config=None),
        finops={
            "currency": "USD",
            "monthlyTotal": "1000.00",
            SHARED_KEY: "500.00",
            "byTenant": {n: f"{i}.00" for i, n in enumerate(names)},
            "byTenantWithShared": {n: f"{i + 2}.00" for i, n in enumerate(names)},
            "budgets": {n: {"monthlyBudgetUsd": "100.00", "over": i == 7} for i, n in enumerate(names)},
            "catalogVersion": "test",
            "unpriced": 0,
        },
        data_lifecycle={n: {"dataClass": "pii", "erasure": True, "stores": [store] * 9} for n in names},
        diff=DiffSummary(added=0, changed=0, removed=0, replaced=0, dangerous=[]),
    )
    return PlanResult(summary=summary, violations=[], out_dir=Path("out/dev"), diff=Diff(), previous={"resources": [{}]}, inventory={})


@pytest.mark.parametrize("tenants", [3, 200])
def test_the_output_is_bounded_by_what_a_person_reads_not_by_the_tenants(monkeypatch: pytest.MonkeyPatch, tenants: int) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(common, "out", Console(file=buffer, width=80, highlight=False, soft_wrap=True))
    monkeypatch.setattr("blueprint.cli.plan.out", common.out)
    print_plan(result_of(tenants))
    lines = buffer.getvalue().splitlines()
    assert len(lines) < 100, len(lines)
    text = buffer.getvalue()
    if tenants > SHOWN_TENANTS:
        assert f"… and {tenants + 1 - SHOWN_TENANTS} more" in text  # the tenants, "shared" included
        assert f"… and {tenants - SHOWN_TENANTS} more (finops.md)" in text
        # Over budget first: a reader acts on it.
        assert "tenant-007" in text and "1 tenant(s) over budget" in text
    assert f"pii: {tenants} tenant(s), {9 * tenants} stores, erasure for {tenants}" in text


def test_every_store_is_printed_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr("blueprint.cli.plan.out", Console(file=buffer, width=80, highlight=False, soft_wrap=True))
    print_plan(result_of(3), show_lifecycle=True)
    assert buffer.getvalue().count("    queue outbox: 14d") == 27
