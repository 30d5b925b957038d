"""``blueprint finops``: cost reports (ADR-0007), the estimate of a plan and the allocation of a billing export."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from blueprint.cli.common import exit_codes, fail, main, out, stack_file


@main.group("finops")
def finops_group() -> None:
    """Cost reports (ADR-0007): the estimate of a plan, and the allocation of a billing export."""


@finops_group.command("estimate")
@click.argument("stack")
@click.option("--config-file", type=click.Path(path_type=Path), help="Stack config to use instead of Pulumi.STACK.yaml.")
@click.option("--json", "as_json", is_flag=True, help="Print finops.json (lines, unpriced, tag coverage) instead of Markdown.")
def finops_estimate(stack: str, config_file: Path | None, as_json: bool) -> None:
    """The monthly cost of STACK at list prices, per tenant: direct, and with its share of the
    platform (finops.sharedCostSplit), against its budget, with the usage assumptions used.

    Prices: policy_pack/policies/data/prices/<region>.json (source, date, verified). `blueprint plan`
    writes the same report as finops.json, .csv, .md and .html."""
    from blueprint import finops

    with exit_codes():
        document, _ = finops.estimate_stack(stack, stack_file(stack, config_file))
    click.echo(json.dumps(document, indent=2, sort_keys=True) if as_json else finops.markdown(document))


@finops_group.command("allocate")
@click.argument("export", type=click.Path(path_type=Path))
@click.option("--tag-key", default="tenant", show_default=True, help="The tag whose value a usage row is allocated to.")
@click.option("--budgets", "budgets_stack", help="Compare each tenant's allocation with its monthlyBudgetUsd in this stack's config.")
@click.option("--currency", help="With an export in several billing currencies, the one to allocate (the others are totalled apart).")
@click.option("--json", "as_json", is_flag=True, help="Print the allocation as JSON.")
def finops_allocate(export: Path, tag_key: str, budgets_stack: str | None, currency: str | None, as_json: bool) -> None:
    """Allocate the actual costs of a FOCUS 1.0-1.2 export (CSV or Parquet) by a tag.

    Usage rows are allocated by the tag (its key matched ignoring case and spaces; NULL or empty is
    unallocated; EKS split cost allocation data's aws:eks:namespace attributes shared node cost to a
    namespace); credits, purchases, taxes and adjustments are totalled by ChargeCategory. Exact:
    total = sum(allocated) + unallocated + sum(nonUsage). Exit 2 when the file is not FOCUS."""
    from blueprint import focus
    from stacks.loader import load_stack_file

    if not tag_key.strip():
        fail("--tag-key: give a tag key, e.g. tenant")
    budgets = None
    if budgets_stack is not None:
        path = stack_file(budgets_stack, label="--budgets: ", hint="")
        with exit_codes():
            _, config = load_stack_file(path)
        budgets = {t.name: t.monthly_budget_usd for t in config.tenants}
    try:
        result = focus.allocate(export, tag_key, currency)
    except focus.FocusError as exc:
        fail(str(exc))
    document = result.document(budgets)
    if as_json:
        click.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    table = Table(title=f"Allocated by tag {tag_key!r} ({document['currency']}, {document['rows']} rows)", title_justify="left")
    for column in ("allocated to", "amount", "budget"):
        table.add_column(column, justify="left" if column == "allocated to" else "right")
    for value, amount in document["allocated"].items():
        budget = (document.get("budgets") or {}).get(value)
        shown = f"{budget['monthlyBudgetUsd']}{' [yellow]over[/]' if budget['over'] else ''}" if budget else ""
        table.add_row(escape(value), amount, shown)
    table.add_row("(unallocated)", document["unallocated"], "")
    for category, amount in document["nonUsage"].items():
        table.add_row(f"({escape(category)})", amount, "")
    table.add_row("[bold]total[/]", f"[bold]{document['total']}[/]", "")
    out.print(table)
    for other, amount in (document.get("otherCurrencies") or {}).items():
        out.print(f"Not allocated: {amount} {other} (another billing currency; --currency {other})")
