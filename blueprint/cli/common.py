"""What every command shares: the consoles, the one exit-code mapping, the one stack resolver.

Exit codes: 0 ok; 1 blocking (mandatory) policy findings; 2 bad input (unknown stack, unreadable or
invalid config, bad flags), reported as one message with no traceback and nothing written; 3 the
program itself failed under the offline engine (a bug to fix in components/ or stacks/).
"""

from __future__ import annotations

import contextlib
import difflib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape

from blueprint import __version__

EXIT_OK, EXIT_BLOCKING, EXIT_BAD_INPUT, EXIT_PROGRAM_ERROR = 0, 1, 2, 3
STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """Bad input: one message, exit 2."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    sys.exit(EXIT_BAD_INPUT)


def program_failed(message: str) -> NoReturn:
    """The program failed under the offline engine: exit 3."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    sys.exit(EXIT_PROGRAM_ERROR)


def exit_blocking_or_ok(blocking: bool) -> NoReturn:
    sys.exit(EXIT_BLOCKING if blocking else EXIT_OK)


@contextlib.contextmanager
def exit_codes() -> Iterator[None]:
    """The one mapping of the engine's and the loaders' errors to exit codes: bad input (a config, a
    policy config, a stack file, an output directory, two resources claiming one object, a region
    without prices) exits 2 with its message; the program failing under the engine, or a rule of the
    pack raising instead of answering, exits 3 naming it: exit 1 only ever means a reported mandatory
    violation."""
    from blueprint.engine.analyzer import PolicyConfigError, PolicyCrash
    from blueprint.engine.identities import IdentityCollision
    from blueprint.engine.run import ProgramError
    from blueprint.plan import OutputDirError
    from policy_pack.policies.pricing import CatalogError
    from stacks import documents
    from stacks.loader import ConfigError

    try:
        yield
    except (ConfigError, IdentityCollision, OutputDirError, CatalogError, documents.DocumentError) as exc:
        fail(str(exc))
    except PolicyConfigError as exc:
        fail(f"invalid policy config: {exc}")
    except (ProgramError, PolicyCrash) as exc:
        program_failed(str(exc))


def known_stacks(root: Path) -> list[str]:
    """The environment stacks of the project and the org stacks of ``org/`` (ADR-0031)."""
    files = [*root.glob("Pulumi.*.yaml"), *(root / "org").glob("Pulumi.*.yaml")]
    return sorted({p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in files})


def unknown_stack(stack: str, root: Path) -> str:
    known = known_stacks(root)
    close = difflib.get_close_matches(stack, known, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown stack {stack!r}: no Pulumi.{stack}.yaml in {root}; {hint}(known stacks: {', '.join(known) or 'none'})"


def stack_file(stack: str, config_file: Path | None = None, *, label: str = "", hint: str = "pass --config-file for another file") -> Path:
    """The one stack resolver: ``config_file`` when given (it must exist), else ``Pulumi.STACK.yaml`` of
    the project (exit 2 naming the known stacks, with a did-you-mean, when there is none). ``label``
    prefixes the messages with the option that named the stack (``--budgets: ``)."""
    from stacks.loader import ROOT

    if not STACK_NAME.match(stack):
        fail(f"{label}invalid stack name {stack!r}: use letters, digits, '-', '_' or '.'")
    if config_file is not None:
        if not config_file.is_file():
            fail(f"--config-file {config_file}: no such file")
        return config_file
    path = ROOT / f"Pulumi.{stack}.yaml"
    if not path.is_file() and (ROOT / "org" / path.name).is_file():
        path = ROOT / "org" / path.name  # the org stack (ADR-0031)
    if not path.is_file():
        fail(f"{label}{unknown_stack(stack, ROOT)}" + (f"; {hint}" if hint else ""))
    return path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blueprint")
def main() -> None:
    """Offline engine of fintech-blueprint: plan a stack and evaluate the policy pack, no cloud needed.

    This is an offline preview under Pulumi's mocks, not a deployment: with the Pulumi CLI and
    credentials, run `pulumi preview --policy-pack policy_pack` for the real one.
    """
