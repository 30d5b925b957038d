"""``blueprint tenant``: onboard or offboard a tenant with one entry of a stack file, planned before it is written."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from blueprint.cli.common import exit_blocking_or_ok, fail, main, out, stack_file
from blueprint.cli.plan import print_diff, print_violations
from stacks import documents


@main.group("tenant")
def tenant_group() -> None:
    """Onboard or offboard a tenant: one entry in a stack file, validated and planned before it is written."""


def _tenant_target(stack: str | None, config_file: Path | None) -> tuple[Path, str]:
    from stacks.loader import ConfigError, load_stack_file

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
    return stack_file(stack, label=f"--stack {stack}: ", hint=""), stack


def _edit_tenants(stack: str | None, config_file: Path | None, change: Any, done: str, named: Any = lambda field, _text: field) -> None:
    """Apply ``change(text, path) -> text`` to the stack file once the model and a plan accept it.
    ``named(field, changed_text)`` names a config field as the command's user set it (e.g. its option)."""
    import tempfile

    from blueprint import policies
    from blueprint.engine.analyzer import PolicyConfigError
    from blueprint.engine.identities import IdentityCollision
    from blueprint.engine.inventory import dumps
    from blueprint.engine.run import ProgramError
    from blueprint.plan import OutputDirError, inventory_of, plan
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
        # The base of the diff: the file as it is must plan (only the program: the pack judges the change).
        with refused_unchanged("(as it is, before this change; fix it first)"):
            base = inventory_of(stack_name, before)
        (root / "plan-before").mkdir()
        (root / "plan-before" / "inventory.json").write_text(dumps(base), encoding="utf-8")
        with refused_unchanged("with this change", lambda field: named(field, changed)):
            result = plan(stack_name, after, root / "plan-after", policy_config, diff_dir=root / "plan-before")
    replace_file(path, changed)
    print_diff(result)
    out.print(f"{done} in {path}")
    out.print(
        "Its GitHub team and repositories are the org stack's (ADR-0031): `blueprint plan org` shows them; "
        f"the deploy workflow runs org before {stack_name}."
    )
    print_violations([g for g in result.groups if g.enforcement_level == "mandatory"])
    exit_blocking_or_ok(bool(result.blocking))


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
@click.option(
    "--service",
    "services",
    multiple=True,
    help="NAME, NAME:worker, or NAME:public[=HOST] for an API reached from the internet through the stack's edge "
    "(HOST default NAME.<edge.domain>) (repeatable).  [default: one API named like the tenant]",
)
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
