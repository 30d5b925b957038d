"""``blueprint policy``: evaluate and list the CrossGuard policy pack offline."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from blueprint.cli.common import exit_blocking_or_ok, exit_codes, fail, main, out
from stacks import documents


@main.group("policy")
def policy_group() -> None:
    """Evaluate and list the CrossGuard policy pack offline."""


def _value_problem(value: Any, where: str) -> str | None:
    """What the engine could not carry of a JSON value: a number past a double's range (JSON reads it as
    infinity, which protobuf's Struct refuses) or text that is not Unicode (a lone surrogate escape)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where}: a number out of range (the engine carries IEEE 754 doubles): write it as a string or a smaller number"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{where}: not valid Unicode (a lone surrogate escape such as \\ud800): fix the text"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _value_problem(key, f"{where} (a key)") or _value_problem(item, f"{where}.{key}")
            if problem:
                return problem
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = _value_problem(item, f"{where}[{index}]")
            if problem:
                return problem
    return None


#: Props every rule reads as a map of strings, where the engine (the provider's schema) has one: tags on
#: AWS resources, labels on Kubernetes objects.
_STRING_MAPS = {"aws:": ("tags",), "kubernetes:": ("metadata.labels", "metadata.annotations")}


def _string_map_problem(item: dict[str, Any], where: str) -> str | None:
    for prefix, paths in _STRING_MAPS.items():
        if not item["type"].startswith(prefix):
            continue
        for dotted in paths:
            value: Any = item.get("props", {})
            for key in dotted.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None and not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
                return (
                    f"{where}.props.{dotted}: expected an object of strings, as the provider's schema has it (got {type(value).__name__})"
                )
    return None


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
        problem = _value_problem(item["id"], f"{where}.id") or _value_problem(item.get("props", {}), f"{where}.props")
        problem = problem or _string_map_problem(item, where)
        if problem:
            fail(problem)
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
    from blueprint.engine.analyzer import Resource

    items = _load_resources(resources)
    with exit_codes():
        file_config = policies.read_policy_config(policy_config) if policy_config else None
        engine = policies.analyzer(file_config)
    batch = [
        Resource(urn=f"urn:pulumi:eval::eval::{i['type']}::{i['id']}", type=i["type"], name=i["id"], props=i.get("props", {}))
        for i in items
    ]

    def shape(violations: list[Any]) -> list[dict[str, str]]:
        return [{"policy": v.policy, "enforcementLevel": v.enforcement_level, "message": v.message} for v in violations]

    with exit_codes():  # a rule raising is exit 3, naming it
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
    exit_blocking_or_ok(mandatory)


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
