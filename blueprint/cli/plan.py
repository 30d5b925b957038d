"""``blueprint plan``: plan a stack offline and say what it found, readable at any number of tenants."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from blueprint.cli import common
from blueprint.cli.common import exit_blocking_or_ok, exit_codes, fail, main, out

#: Rows of a per-tenant table printed before "… and N more" (the JSON summary and plan.html list all).
SHOWN_TENANTS = 20
#: Resources named per grouped violation; policy-report.json lists them all.
SHOWN_RESOURCES = 5
#: Changed input paths printed per resource; diff.json has them all.
SHOWN_PATHS = 5


@main.command("plan")
@click.argument("stack")
@click.option("--config-file", type=click.Path(path_type=Path), help="Stack config to use instead of Pulumi.STACK.yaml (same format).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output directory, replaced whole: new, empty, or a previous plan's (marked .blueprint-plan).  [default: out/STACK]",
)
@click.option(
    "--diff",
    "diff_dir",
    type=click.Path(path_type=Path),
    help="Compare with the plan in this directory instead of the previous plan in --out (diff.json).",
)
@click.option(
    "--policy-config",
    type=click.Path(path_type=Path),
    help="Policy pack config (the --policy-pack-config of pulumi preview).  [default: policy_pack/config.STACK.json when it exists]",
)
@click.option(
    "--offline-secrets",
    is_flag=True,
    help="Plan with a placeholder for each well-formed `secure:` value (offline only: the real CLI decrypts them). "
    "Without it such a value is refused, since the offline engine cannot decrypt it.",
)
@click.option(
    "--lifecycle", "show_lifecycle", is_flag=True, help="Also print what each store of each tenant keeps (always in --json and plan.html)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def plan_command(
    stack: str,
    config_file: Path | None,
    out_dir: Path | None,
    diff_dir: Path | None,
    policy_config: Path | None,
    offline_secrets: bool,
    show_lifecycle: bool,
    as_json: bool,
) -> None:
    """Plan STACK offline: run the real program under mocks, evaluate the policy pack, write artifacts.

    Writes OUT/inventory.json (every resource with its inputs and options, secrets as "[secret]"),
    OUT/policy-report.json, OUT/diff.json, OUT/manifests/ (every Kubernetes object as YAML), the cost
    estimate (OUT/finops.*) and OUT/plan.html (the platform and each tenant as a tree of components,
    the diff and each finding beside its resource).

    \b
    Exit codes: 0 ok; 1 a mandatory policy is violated; 2 bad input (unknown stack, invalid config or
    policy config, bad flags: nothing is written); 3 the program itself failed under the engine.
    """
    from blueprint import policies
    from blueprint.plan import PLAN_STEPS, plan

    config_file = common.stack_file(stack, config_file, hint="pass --config-file to plan another file")
    if policy_config is None:
        default = policies.default_policy_config_path(stack)
        policy_config = default if default.is_file() else None
    elif not policy_config.is_file():
        fail(f"--policy-config {policy_config}: no such file")
    out_dir = out_dir or Path("out") / stack

    with exit_codes(), progress(PLAN_STEPS) as step:
        result = plan(stack, config_file, out_dir, policy_config, step=step, secret_placeholders=offline_secrets, diff_dir=diff_dir)

    if as_json:
        click.echo(json.dumps(result.summary.document(), indent=2, sort_keys=True))
    else:
        print_plan(result, show_lifecycle=show_lifecycle)
    exit_blocking_or_ok(bool(result.blocking))


@contextlib.contextmanager
def progress(total: int) -> Iterator[Callable[[str], None]]:
    """On a terminal, a progress bar over the plan's steps with the time spent (a 200-tenant plan takes
    minutes); otherwise one line per step, which logs read well."""
    err = common.err
    if not err.is_terminal:
        yield lambda label: err.print(f"[dim]>[/] {label}...")
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("starting", total=total)
        started = False

        def step(label: str) -> None:
            nonlocal started
            if started:
                bar.advance(task)
            started = True
            bar.update(task, description=label)

        yield step
        bar.update(task, completed=total)


def _table(title: str, column: str, rows: dict[str, int], limit: int | None = None) -> Table:
    """A count per name; past ``limit`` rows, the largest first and one line for the rest."""
    table = Table(title=title, title_justify="left")
    table.add_column(column)
    table.add_column("resources", justify="right")
    cut = limit is not None and len(rows) > limit
    ordered = sorted(rows.items(), key=lambda kv: (-kv[1], kv[0])) if cut else list(rows.items())
    shown = ordered[:limit] if cut else ordered
    for name, count in shown:
        table.add_row(escape(name), str(count))
    if cut:
        rest = ordered[len(shown) :]
        table.add_row(f"… and {len(rest)} more (--json, plan.html)", str(sum(c for _, c in rest)))
    return table


def print_plan(result: Any, *, show_lifecycle: bool = False) -> None:
    s = result.summary
    out.print(
        f"[bold]Offline plan of stack {s.stack}[/] — {s.registrations} registrations: {s.resources} resources, "
        f"{s.components} components, {s.providers} providers; {s.kubernetes_objects} Kubernetes objects "
        "(under mocks: a preview, not a deployment)"
    )
    out.print(_table("Resources by component type", "component type", s.by_component_type))
    out.print(_table(f"Resources by tenant ({len(s.by_tenant)})", "tenant", s.by_tenant, limit=SHOWN_TENANTS))
    used = s.policy.config or "none (every policy at the pack's default level)"
    out.print(
        f"Policy pack: [bold]{s.policy.mandatory}[/] mandatory, {s.policy.advisory} advisory violations (policy config: {escape(used)})"
    )
    for warning in s.warnings:
        out.print(f"[yellow]warning:[/] {escape(warning)}")
    if s.ignored_environment:
        out.print(
            f"Ignored provider settings from the environment: {', '.join(s.ignored_environment)} "
            "(an offline plan does not depend on the shell; `pulumi preview` would read them)"
        )
    if s.policy.preview_deferred:
        out.print(
            f"First preview: {s.policy.preview_deferred} checks cannot run until resources exist "
            f"({s.policy.preview_deferred_mandatory} of mandatory policies; policy-report.json previewDeferred)"
        )
    print_violations([g for g in result.groups if g.enforcement_level == "mandatory"])
    print_violations([g for g in result.groups if g.enforcement_level == "advisory"], mark="[yellow]advisory[/]")
    _print_costs(s.finops)
    if show_lifecycle:
        _print_lifecycle(s.data_lifecycle)
    else:
        _print_lifecycle_summary(s.data_lifecycle)
    print_diff(result)
    out.print(
        f"Wrote {result.out_dir}/inventory.json, {result.out_dir}/policy-report.json, {result.out_dir}/diff.json, "
        f"{result.out_dir}/manifests/, {result.out_dir}/finops.{{json,csv,md,html}}, {result.out_dir}/plan.html"
    )


def _print_lifecycle_summary(tenants: dict[str, Any]) -> None:
    """One line per data class: how many tenants, with erasure or not (--lifecycle: every store)."""
    by_class: dict[str, list[str]] = {}
    for tenant, entry in tenants.items():
        by_class.setdefault(str(entry["dataClass"] or "per store"), []).append(tenant)
    out.print(f"Data lifecycle: {len(tenants)} tenants (--lifecycle or --json dataLifecycle: what each store keeps)")
    for data_class, names in sorted(by_class.items()):
        erasure = sum(1 for n in names if tenants[n]["erasure"])
        stores = sum(len(tenants[n]["stores"]) for n in names)
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        out.print(f"  {escape(data_class)}: {len(names)} tenant(s), {stores} stores, erasure for {erasure} ({escape(shown)})")


def _print_lifecycle(tenants: dict[str, Any]) -> None:
    """A heading per tenant, then a line per store: what each keeps stays readable at 80 columns (CI logs)."""
    out.print("Data lifecycle per tenant (ADR-0005; --json: dataLifecycle)")
    for tenant, entry in tenants.items():
        data_class = entry["dataClass"] or "per store"
        out.print(f"  [bold]{escape(tenant)}[/] ({escape(str(data_class))}; erasure: {'job + queue' if entry['erasure'] else 'none'})")
        for store in entry["stores"]:
            own_class = f" ({store['dataClass']})" if store["dataClass"] != entry["dataClass"] else ""
            out.print(f"    {escape(store['store'])} {escape(store['resource'])}{escape(own_class)}: {escape(store['retention'])}")


def _print_costs(costs: dict[str, Any]) -> None:
    from blueprint.finops import SHARED_KEY
    from policy_pack.policies.contract import SHARED_TENANT

    tenants = list(costs["byTenantWithShared"].items())
    table = Table(title=f"Monthly cost estimate ({costs['currency']}, list prices; finops.md)", title_justify="left")
    for column in ("tenant", "direct", "with platform share", "budget"):
        table.add_column(column, justify="left" if column == "tenant" else "right")
    over = [t for t, _ in tenants if (costs["budgets"].get(t) or {}).get("over")]
    if len(tenants) > SHOWN_TENANTS:
        # The tenants over budget first, then the most expensive: what a reader acts on.
        from decimal import Decimal

        tenants.sort(key=lambda kv: (kv[0] not in over, -Decimal(kv[1]), kv[0]))
    for tenant, total in tenants[:SHOWN_TENANTS]:
        budget = costs["budgets"].get(tenant)
        shown = f"{budget['monthlyBudgetUsd']}{' [yellow]over[/]' if budget['over'] else ''}" if budget else "—"
        table.add_row(escape(tenant), costs["byTenant"][tenant], total, shown)
    if len(tenants) > SHOWN_TENANTS:
        table.add_row(f"… and {len(tenants) - SHOWN_TENANTS} more (finops.md)", "", "", "")
    table.add_row(SHARED_TENANT, costs[SHARED_KEY], "", "")
    table.add_row("[bold]total[/]", f"[bold]{costs['monthlyTotal']}[/]", "", "")
    out.print(table)
    if over:
        out.print(f"[yellow]{len(over)} tenant(s) over budget[/]")
    if costs["catalogVersion"] == "none":
        out.print(
            "[yellow]No price catalog for this stack's region[/]: what it creates is reported unpriced, not estimated "
            "(finops.json unpriced gives the reason; policy_pack/policies/data/prices/ holds the catalogs)"
        )
    if costs["unpriced"]:
        out.print(f"[yellow]{costs['unpriced']} resource(s) not priced[/] (finops.json unpriced)")


def print_violations(groups: list[Any], mark: str = "[red]✗[/]") -> None:
    from blueprint.engine.causes import number_as_written

    for g in groups:
        names = [(urn or "(stack)").rsplit("::", 1)[-1] for urn in g.urns]
        shown = ", ".join(names[:SHOWN_RESOURCES]) + (f" and {len(names) - SHOWN_RESOURCES} more" if len(names) > SHOWN_RESOURCES else "")
        if g.key:
            key, value = g.key
            line = f"{g.policy}: stack config {key} = {number_as_written(value)} fails it on {len(names)} resource(s) ({shown}): {g.detail}"
        else:
            line = f"{g.policy} on {shown}: {g.detail}"
        out.print(f"  {mark} {escape(line)}", markup=True)


def print_diff(result: Any) -> None:
    from blueprint.engine.diff import by_tenant

    changes = result.diff
    if not result.previous.get("resources"):
        out.print(
            f"No previous plan to compare with: all {len(changes.added)} registrations are new "
            "(resources, components and providers; diff.json lists them as added)"
        )
        return
    if changes.empty:
        out.print("No changes since the previous plan")
        return
    out.print(
        f"Changes since the previous plan: [green]+{len(changes.added)}[/] to add, [yellow]~{len(changes.changed)}[/] to change, "
        f"[red]-{len(changes.removed)}[/] to delete, [magenta]+-{len(changes.replaced)}[/] to replace"
    )
    colours = {"+": "green", "~": "yellow", "-": "red", "+-": "magenta"}
    dangerous = set(changes.dangerous)
    for tenant, rows in by_tenant(changes, result.previous, result.inventory).items():
        out.print(f"  [bold]{escape(tenant)}[/]")
        for sign, urn, paths in rows:
            label = escape(urn.split("::", 2)[-1].rsplit("$", 1)[-1])
            shown = f" ({', '.join(paths[:SHOWN_PATHS])}{', …' if len(paths) > SHOWN_PATHS else ''})" if paths else ""
            loud = " [bold red]!! holds data or history, or is protected[/]" if urn in dangerous else ""
            out.print(f"    [{colours[sign]}]{sign:<2}[/] {label}{escape(shown)}{loud}")
    if dangerous:
        out.print(f"[bold red]!! {len(dangerous)} deletion(s) or replacement(s) of stateful, protected or repository resources[/]")
