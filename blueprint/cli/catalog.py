"""``blueprint catalog``: the service catalog of a stack."""

from __future__ import annotations

import json
from pathlib import Path

import click

from blueprint.cli.common import exit_codes, main, stack_file


@main.command("catalog")
@click.argument("stack")
@click.option("--config-file", type=click.Path(path_type=Path), help="Stack config to use instead of Pulumi.STACK.yaml.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON instead of Markdown.")
def catalog_command(stack: str, config_file: Path | None, as_json: bool) -> None:
    """The service catalog of STACK: per tenant its owners, tier, data classes, services (kind, SLO),
    repositories, namespace, image repositories, queues and budget (from the config and the plan)."""
    from blueprint import catalog

    with exit_codes():
        document = catalog.build(stack, stack_file(stack, config_file))
    click.echo(json.dumps(document, indent=2, sort_keys=True) if as_json else catalog.markdown(document))
