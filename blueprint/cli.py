"""The ``blueprint`` command line.

Exit codes: 0 ok; 1 blocking (mandatory) policy findings; 2 bad input (unknown stack, unreadable or
invalid config, bad flags), reported as one message with no traceback and nothing written; 3 the
program itself failed under the offline engine (a bug to fix in components/ or stacks/).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from blueprint import __version__
from stacks import documents

EXIT_OK, EXIT_BLOCKING, EXIT_BAD_INPUT, EXIT_PROGRAM_ERROR = 0, 1, 2, 3
_STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    sys.exit(EXIT_BAD_INPUT)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blueprint")
def main() -> None:
    """Offline engine of fintech-blueprint: plan a stack and evaluate the policy pack, no cloud needed.

    This is an offline preview under Pulumi's mocks, not a deployment: with the Pulumi CLI and
    credentials, run `pulumi preview --policy-pack policy_pack` for the real one.
    """


def _known_stacks(root: Path) -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml"))


def _unknown_stack(stack: str, root: Path) -> str:
    known = _known_stacks(root)
    close = difflib.get_close_matches(stack, known, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown stack {stack!r}: no Pulumi.{stack}.yaml in {root}; {hint}(known stacks: {', '.join(known) or 'none'})"


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
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def plan_command(
    stack: str,
    config_file: Path | None,
    out_dir: Path | None,
    diff_dir: Path | None,
    policy_config: Path | None,
    offline_secrets: bool,
    as_json: bool,
) -> None:
    """Plan STACK offline: run the real program under mocks, evaluate the policy pack, write artifacts.

    Writes OUT/inventory.json (every resource with its inputs and options, secrets as "[secret]"),
    OUT/policy-report.json and OUT/manifests/ (every Kubernetes object as YAML).

    \b
    Exit codes: 0 ok; 1 a mandatory policy is violated; 2 bad input (unknown stack, invalid config or
    policy config, bad flags: nothing is written); 3 the program itself failed under the engine.
    """
    from blueprint import policies
    from blueprint.engine.analyzer import PolicyConfigError
    from blueprint.engine.identities import IdentityCollision
    from blueprint.engine.run import ProgramError
    from blueprint.plan import PLAN_STEPS, OutputDirError, plan
    from stacks.loader import ROOT, ConfigError

    if not _STACK_NAME.match(stack):
        fail(f"invalid stack name {stack!r}: use letters, digits, '-', '_' or '.'")
    if config_file is None:
        config_file = ROOT / f"Pulumi.{stack}.yaml"
        if not config_file.is_file():
            fail(f"{_unknown_stack(stack, ROOT)}; pass --config-file to plan another file")
    elif not config_file.is_file():
        fail(f"--config-file {config_file}: no such file")
    if policy_config is None:
        default = policies.default_policy_config_path(stack)
        policy_config = default if default.is_file() else None
    elif not policy_config.is_file():
        fail(f"--policy-config {policy_config}: no such file")
    out_dir = out_dir or Path("out") / stack

    try:
        with _progress(PLAN_STEPS) as step:
            result = plan(stack, config_file, out_dir, policy_config, step=step, secret_placeholders=offline_secrets, diff_dir=diff_dir)
    except (ConfigError, IdentityCollision, OutputDirError) as exc:
        fail(str(exc))
    except PolicyConfigError as exc:
        fail(f"invalid policy config: {exc}")
    except ProgramError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        sys.exit(EXIT_PROGRAM_ERROR)

    if as_json:
        click.echo(json.dumps(result.summary, indent=2, sort_keys=True))
    else:
        _print_plan(result)
    sys.exit(EXIT_BLOCKING if result.blocking else EXIT_OK)


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    """On a terminal, a progress bar over the plan's steps with the time spent (a 200-tenant plan takes
    ~40 s); otherwise one line per step, which logs read well."""
    if not err.is_terminal:
        yield lambda label: err.print(f"[dim]>[/] {label}...")
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("starting", total=total)
        started = False

        def step(label: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=label)

        yield step
        progress.update(task, completed=total)


def _print_plan(result: Any) -> None:
    s = result.summary
    out.print(
        f"[bold]Offline plan of stack {s['stack']}[/] — {s['resources']} resources, {s['components']} components, "
        f"{s['kubernetesObjects']} Kubernetes objects (under mocks: a preview, not a deployment)"
    )
    for title, key in (("component type", "byComponentType"), ("tenant", "byTenant")):
        table = Table(title=f"Resources by {title}", title_justify="left")
        table.add_column(title)
        table.add_column("resources", justify="right")
        for name, count in s[key].items():
            table.add_row(name, str(count))
        out.print(table)
    used = s["policy"]["config"] or "none (every policy at the pack's default level)"
    out.print(
        f"Policy pack: [bold]{s['policy']['mandatory']}[/] mandatory, {s['policy']['advisory']} advisory violations"
        f" (policy config: {escape(used)})"
    )
    for warning in s["warnings"]:
        out.print(f"[yellow]warning:[/] {escape(warning)}")
    if s["ignoredEnvironment"]:
        out.print(
            f"Ignored provider settings from the environment: {', '.join(s['ignoredEnvironment'])} "
            "(an offline plan does not depend on the shell; `pulumi preview` would read them)"
        )
    if s["policy"]["previewDeferred"]:
        out.print(
            f"First preview: {s['policy']['previewDeferred']} checks cannot run until resources exist "
            f"({s['policy']['previewDeferredMandatory']} of mandatory policies; policy-report.json previewDeferred)"
        )
    _print_violations([g for g in result.groups if g.enforcement_level == "mandatory"])
    _print_violations([g for g in result.groups if g.enforcement_level == "advisory"], mark="[yellow]advisory[/]")
    _print_costs(s["finops"])
    _print_lifecycle(s["dataLifecycle"])
    _print_diff(result)
    out.print(
        f"Wrote {result.out_dir}/inventory.json, {result.out_dir}/policy-report.json, {result.out_dir}/diff.json, "
        f"{result.out_dir}/manifests/, {result.out_dir}/finops.{{json,csv,md,html}}"
    )


def _print_lifecycle(tenants: dict[str, Any]) -> None:
    """A heading per tenant, then a line per store: what each keeps stays readable at 80 columns (CI logs)."""
    out.print("Data lifecycle per tenant (ADR-005; --json: dataLifecycle)")
    for tenant, entry in tenants.items():
        data_class = entry["dataClass"] or "per store"
        out.print(f"  [bold]{escape(tenant)}[/] ({escape(str(data_class))}; erasure: {'job + queue' if entry['erasure'] else 'none'})")
        for store in entry["stores"]:
            own_class = f" ({store['dataClass']})" if store["dataClass"] != entry["dataClass"] else ""
            out.print(f"    {escape(store['store'])} {escape(store['resource'])}{escape(own_class)}: {escape(store['retention'])}")


def _print_costs(costs: dict[str, Any]) -> None:
    from blueprint.finops import SHARED_KEY
    from policy_pack.policies.contract import SHARED_TENANT

    table = Table(title=f"Monthly cost estimate ({costs['currency']}, list prices; finops.md)", title_justify="left")
    for column in ("tenant", "direct", "with platform share", "budget"):
        table.add_column(column, justify="left" if column == "tenant" else "right")
    for tenant, total in costs["byTenantWithShared"].items():
        budget = costs["budgets"].get(tenant)
        shown = f"{budget['monthlyBudgetUsd']}{' [yellow]over[/]' if budget['over'] else ''}" if budget else "—"
        table.add_row(escape(tenant), costs["byTenant"][tenant], total, shown)
    table.add_row(SHARED_TENANT, costs[SHARED_KEY], "", "")
    table.add_row("[bold]total[/]", f"[bold]{costs['monthlyTotal']}[/]", "", "")
    out.print(table)
    if costs["unpriced"]:
        out.print(f"[yellow]{costs['unpriced']} resource(s) not priced[/] (finops.json unpriced)")


#: Resources named per grouped violation; policy-report.json lists them all.
SHOWN_RESOURCES = 5


def _print_violations(groups: list[Any], mark: str = "[red]✗[/]") -> None:
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


#: Changed input paths printed per resource; diff.json has them all.
SHOWN_PATHS = 5


def _print_diff(result: Any) -> None:
    from blueprint.engine.diff import by_tenant

    changes = result.diff
    if not result.previous.get("resources"):
        out.print(f"No previous plan to compare with: all {len(changes.added)} resources are new (diff.json lists them as added)")
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


@main.group("policy")
def policy_group() -> None:
    """Evaluate and list the CrossGuard policy pack offline."""


def _load_resources(path: Path) -> list[dict[str, Any]]:
    try:
        document = documents.load_json(path, documents.MAX_RESOURCE_LIST_BYTES)
    except documents.DocumentError as exc:
        fail(str(exc))
    if not isinstance(document, list):
        fail(f'{path}: expected a JSON list of {{"id", "type", "props"}} objects')
    seen: set[str] = set()
    for index, item in enumerate(document):
        where = f"{path}[{index}]"
        if not isinstance(item, dict) or set(item) - {"id", "type", "props"}:
            fail(f"{where}: expected an object with keys id, type, props")
        if not isinstance(item.get("id"), str) or not item["id"]:
            fail(f"{where}.id: expected a non-empty string")
        if item["id"] in seen:
            fail(f"{where}.id: duplicate id {item['id']!r}")
        seen.add(item["id"])
        if not isinstance(item.get("type"), str) or item["type"].count(":") != 2:
            fail(f"{where}.type: expected a Pulumi type token like aws:s3/bucket:Bucket")
        if not isinstance(item.get("props", {}), dict):
            fail(f"{where}.props: expected an object")
    return document


@policy_group.command("eval")
@click.argument("resources", type=click.Path(path_type=Path))
@click.option("--policy-config", type=click.Path(path_type=Path), help="Same format as pulumi preview --policy-pack-config.")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json", show_default=True, help="Output format.")
def policy_eval(resources: Path, policy_config: Path | None, output_format: str) -> None:
    """Evaluate the pack on RESOURCES (a JSON list of {"id", "type", "props"}, props camelCase).

    Prints a JSON list in input order of {"id", "violations": [{"policy", "enforcementLevel",
    "message"}]}; stack-rule findings come in a last entry with "id": null. ``--format text``: one
    line per violation. Exit 1 when a mandatory violation is reported, 0 otherwise, 2 on bad input.
    """
    from blueprint import policies
    from blueprint.engine.analyzer import PolicyConfigError, Resource

    items = _load_resources(resources)
    try:
        file_config = policies.read_policy_config(policy_config) if policy_config else None
        engine = policies.analyzer(file_config)
    except PolicyConfigError as exc:
        fail(f"invalid policy config: {exc}")
    batch = [
        Resource(urn=f"urn:pulumi:eval::eval::{i['type']}::{i['id']}", type=i["type"], name=i["id"], props=i.get("props", {}))
        for i in items
    ]

    def shape(violations: list[Any]) -> list[dict[str, str]]:
        return [{"policy": v.policy, "enforcementLevel": v.enforcement_level, "message": v.message} for v in violations]

    result: list[dict[str, Any]] = [{"id": r.name, "violations": shape(engine.analyze(r))} for r in batch]
    stack_violations = engine.analyze_stack(batch)
    if stack_violations:
        result.append({"id": None, "violations": shape(stack_violations)})
    if output_format == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        found = [(entry["id"] or "(stack)", v) for entry in result for v in entry["violations"]]
        for where, v in found:
            click.echo(f"{v['enforcementLevel']:<9} {v['policy']:<36} {where}: {v['message'].splitlines()[-1]}")
        blocking = sum(1 for _, v in found if v["enforcementLevel"] == "mandatory")
        click.echo(f"{len(items)} resources, {len(found)} violations ({blocking} mandatory)")
    mandatory = any(v["enforcementLevel"] == "mandatory" for entry in result for v in entry["violations"])
    sys.exit(EXIT_BLOCKING if mandatory else EXIT_OK)


@policy_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def policy_list(as_json: bool) -> None:
    """List every policy with its kind, severity, default enforcement and the ADR it enforces."""
    from policy_pack.policies.pack import POLICIES, describe

    rows = [describe(p) for p in POLICIES]
    columns = ("name", "kind", "severity", "enforcement", "adr", "description")
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not sys.stdout.isatty():
        # Piped or redirected: one tab-separated line per policy (a table would be cut to 80 columns).
        click.echo("\t".join(columns))
        for row in rows:
            click.echo("\t".join(str(row[c]) for c in columns))
        return
    table = Table(title=f"{len(rows)} policies")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    out.print(table)


@main.group("tenant")
def tenant_group() -> None:
    """Onboard or offboard a tenant: one entry in a stack file, validated and planned before it is written."""


def _tenant_target(stack: str | None, config_file: Path | None) -> tuple[Path, str]:
    from stacks.loader import ROOT, ConfigError, load_stack_file

    if (stack is None) == (config_file is None):
        fail("name exactly one of --stack STACK or --config-file FILE")
    if config_file is not None:
        if not config_file.is_file():
            fail(f"--config-file {config_file}: no such file")
        name = config_file.name
        if name.startswith("Pulumi.") and name.endswith(".yaml"):
            return config_file, name[len("Pulumi.") : -len(".yaml")]
        # Another file name: plan it as the stack of its environment.
        try:
            return config_file, load_stack_file(config_file)[1].environment
        except ConfigError as exc:
            fail(str(exc))
    assert stack is not None
    path = ROOT / f"Pulumi.{stack}.yaml"
    if not _STACK_NAME.match(stack) or not path.is_file():
        fail(f"--stack {stack}: {_unknown_stack(stack, ROOT)}")
    return path, stack


def _edit_tenants(stack: str | None, config_file: Path | None, change: Any, done: str, named: Any = lambda field, _text: field) -> None:
    """Apply ``change(text, path) -> text`` to the stack file once the model and a plan accept it.
    ``named(field, changed_text)`` names a config field as the command's user set it (e.g. its option)."""
    import tempfile

    from blueprint import policies
    from blueprint.engine.analyzer import PolicyConfigError
    from blueprint.engine.identities import IdentityCollision
    from blueprint.engine.run import ProgramError
    from blueprint.plan import OutputDirError, plan
    from blueprint.tenants import TenantEditError, replace_file
    from stacks.loader import ConfigError

    path, stack_name = _tenant_target(stack, config_file)
    try:
        original = documents.read_yaml_text(path)
        changed = change(original, path)
    except (documents.DocumentError, TenantEditError) as exc:
        fail(str(exc))
    default = policies.default_policy_config_path(stack_name)
    policy_config = default if default.is_file() else None

    @contextlib.contextmanager
    def refused_unchanged(state: str, field_name: Callable[[str], str] = lambda field: field) -> Iterator[None]:
        """A plan of the file in ``state`` that fails: exit 2 naming the user's file, which stays as it was."""
        try:
            yield
        except ConfigError as exc:
            problems = [(field_name(field), message) for field, message in exc.problems]
            fail(f"{ConfigError(f'{path} {state}', problems)}\n{path} is unchanged")
        except (IdentityCollision, OutputDirError) as exc:
            fail(f"{exc}\n{path} is unchanged")
        except PolicyConfigError as exc:
            fail(f"invalid policy config: {exc}")
        except ProgramError as exc:
            fail(f"the program fails on {path} {state}: {exc}\n{path} is unchanged")

    with tempfile.TemporaryDirectory(prefix="blueprint-tenant-") as scratch:
        root = Path(scratch)
        before, after = root / "before" / f"Pulumi.{stack_name}.yaml", root / "after" / f"Pulumi.{stack_name}.yaml"
        for file, text in ((before, original), (after, changed)):
            file.parent.mkdir()
            file.write_text(text, encoding="utf-8")
        with refused_unchanged("(as it is, before this change; fix it first)"):
            plan(stack_name, before, root / "plan-before", policy_config)
        with refused_unchanged("with this change", lambda field: named(field, changed)):
            result = plan(stack_name, after, root / "plan-after", policy_config, diff_dir=root / "plan-before")
    replace_file(path, changed)
    _print_diff(result)
    out.print(f"{done} in {path}")
    _print_violations([g for g in result.groups if g.enforcement_level == "mandatory"])
    sys.exit(EXIT_BLOCKING if result.blocking else EXIT_OK)


_TARGET_OPTIONS = [
    click.option("--stack", help="Edit Pulumi.STACK.yaml of this project."),
    click.option("--config-file", type=click.Path(path_type=Path), help="Edit this stack file instead."),
]


def _target_options(command: Any) -> Any:
    for option in reversed(_TARGET_OPTIONS):
        command = option(command)
    return command


@tenant_group.command("add")
@click.argument("name")
@click.option("--owner-team", required=True, help="GitHub team slug that owns the tenant.")
@click.option("--owner-email", required=True, help="Budget alerts and ownership.")
@click.option("--cost-center", required=True, help="Cost center code, e.g. CC-1003.")
@click.option("--tier", required=True, type=click.Choice(["small", "medium", "large"]), help="Quota tier.")
@click.option("--data-class", "data_classes", multiple=True, help="Data class (repeatable): public, internal, confidential, pii, pci.")
@click.option("--budget", "budget_usd", type=float, help="Monthly budget in USD.  [default: the tier's]")
@click.option("--service", "services", multiple=True, help="NAME or NAME:worker (repeatable).  [default: one API named like the tenant]")
@click.option("--layer", "layers", multiple=True, type=click.Choice(["mlops"]), help="Optional layer (repeatable).")
@_target_options
def tenant_add(
    name: str,
    owner_team: str,
    owner_email: str,
    cost_center: str,
    tier: str,
    data_classes: tuple[str, ...],
    budget_usd: float | None,
    services: tuple[str, ...],
    layers: tuple[str, ...],
    stack: str | None,
    config_file: Path | None,
) -> None:
    """Add tenant NAME to a stack file (comments and layout kept), then show the plan diff."""
    from blueprint.tenants import TenantEditError, added, entry, option_of_field

    try:
        tenant = entry(name, owner_team, owner_email, cost_center, tier, list(data_classes), budget_usd, list(services), list(layers))
    except TenantEditError as exc:
        fail(str(exc))
    _edit_tenants(stack, config_file, lambda text, path: added(text, path, tenant), f"Added tenant {name}", option_of_field(name))


@tenant_group.command("remove")
@click.argument("name")
@_target_options
def tenant_remove(name: str, stack: str | None, config_file: Path | None) -> None:
    """Remove tenant NAME from a stack file, then show the plan diff (what an `up` would delete)."""
    from blueprint.tenants import removed

    _edit_tenants(stack, config_file, lambda text, path: removed(text, path, name), f"Removed tenant {name}")


def _stack_file(stack: str, config_file: Path | None) -> Path:
    """``--config-file``, or ``Pulumi.STACK.yaml`` (exit 2 naming the known stacks when there is none)."""
    from stacks.loader import ROOT

    if config_file is None:
        config_file = ROOT / f"Pulumi.{stack}.yaml"
        if not _STACK_NAME.match(stack) or not config_file.is_file():
            fail(f"{_unknown_stack(stack, ROOT)}; pass --config-file for another file")
    elif not config_file.is_file():
        fail(f"--config-file {config_file}: no such file")
    return config_file


@contextlib.contextmanager
def _offline_run() -> Iterator[None]:
    """Exit codes of a command that runs the program offline: 2 for bad input, 3 for the program."""
    from blueprint.engine.identities import IdentityCollision
    from blueprint.engine.run import ProgramError
    from policy_pack.policies.pricing import CatalogError
    from stacks.loader import ConfigError

    try:
        yield
    except (ConfigError, IdentityCollision, CatalogError) as exc:
        fail(str(exc))
    except ProgramError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        sys.exit(EXIT_PROGRAM_ERROR)


@main.command("catalog")
@click.argument("stack")
@click.option("--config-file", type=click.Path(path_type=Path), help="Stack config to use instead of Pulumi.STACK.yaml.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON instead of Markdown.")
def catalog_command(stack: str, config_file: Path | None, as_json: bool) -> None:
    """The service catalog of STACK: per tenant its owners, tier, data classes, services (kind, SLO),
    repositories, namespace, image repositories, queues and budget (from the config and the plan)."""
    from blueprint import catalog

    with _offline_run():
        document = catalog.build(stack, _stack_file(stack, config_file))
    click.echo(json.dumps(document, indent=2, sort_keys=True) if as_json else catalog.markdown(document))


@main.group("finops")
def finops_group() -> None:
    """Cost reports (ADR-007): the estimate of a plan, and the allocation of a billing export."""


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

    with _offline_run():
        document, _ = finops.estimate_stack(stack, _stack_file(stack, config_file))
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
    from stacks.loader import ROOT, ConfigError, load_stack_file

    if not tag_key.strip():
        fail("--tag-key: give a tag key, e.g. tenant")
    budgets = None
    if budgets_stack is not None:
        path = ROOT / f"Pulumi.{budgets_stack}.yaml"
        if not _STACK_NAME.match(budgets_stack) or not path.is_file():
            fail(f"--budgets: {_unknown_stack(budgets_stack, ROOT)}")
        try:
            _, config = load_stack_file(path)
        except ConfigError as exc:
            fail(str(exc))
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
