"""Hostile input files are refused quickly with exit 2 and where the problem is, never a traceback:
not UTF-8, alias bombs, absurd nesting, NaN; a file using a few anchors still loads."""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from blueprint.cli import main
from blueprint.engine.mocks import Registration
from stacks import documents
from stacks.loader import load_stack_file
from tests.conftest import stack_document


def alias_bomb(levels: int = 12) -> str:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    previous = "a"
    for level in range(1, levels):
        lines.append(f"b{level}: &b{level} [{', '.join([f'*{previous}'] * 9)}]")
        previous = f"b{level}"
    return "\n".join(lines) + "\n"


STACK_FILES = {
    "not UTF-8": (b'config:\n  fintech-blueprint:githubOrg: "\xff\xfe"\n', "line 2: byte 0xff is not UTF-8"),
    "alias bomb": (
        ("config:\n" + "".join(f"  {line}\n" for line in alias_bomb().splitlines()) + "  fintech-blueprint:tenants: *b11\n").encode(),
        "expands to more than 200000 values",
    ),
    "absurd nesting": (b"config:\n  fintech-blueprint:tenants: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested deeper than 64 levels"),
    "larger than 4 MiB": (b"config: {}\n" + b"#" * (4 * 1024 * 1024) + b"\n", "larger than 4 MiB"),
}


@pytest.mark.parametrize("label", sorted(STACK_FILES))
def test_a_hostile_stack_file_is_refused_quickly(tmp_path: Path, label: str) -> None:
    content, message = STACK_FILES[label]
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_bytes(content)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["plan", "dev", "--config-file", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists()


def test_tenant_add_refuses_a_hostile_file_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    content = STACK_FILES["alias bomb"][0]
    path.write_bytes(content)
    result = CliRunner().invoke(
        main,
        [
            *("tenant", "add", "lending", "--owner-team", "lending-team", "--owner-email", "l@example.com"),
            *("--cost-center", "CC-1003", "--tier", "small", "--service", "loan-api", "--config-file", str(path)),
        ],
    )
    assert result.exit_code == 2 and "expands to more than 200000 values" in result.output, result.output
    assert path.read_bytes() == content


def test_a_few_anchors_still_load(tmp_path: Path) -> None:
    document = stack_document("dev")
    text = yaml.safe_dump(document, sort_keys=False)
    # One email through an anchor and an alias: legitimate YAML, well within the bounds.
    email = document["config"]["fintech-blueprint:finops"]["alertEmail"]
    text = text.replace(f"alertEmail: {email}", f"alertEmail: &finops {email}", 1)
    owner = document["config"]["fintech-blueprint:tenants"][0]["ownerEmail"]
    text = text.replace(f"ownerEmail: {owner}", "ownerEmail: *finops", 1)
    assert "&finops" in text and "*finops" in text
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text)
    _, config = load_stack_file(path)
    assert config.tenants[0].owner_email == email


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"id": "a", "type": "aws:s3/bucket:Bucket", "props": {"x": NaN}}]', "NaN is not a JSON number"),
        (b'[{"id": "a", "type": "aws:s3/bucket:Bucket", "props": {"x": -Infinity}}]', "-Infinity is not a JSON number"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
        (b'[{"id": "\xff"}]', "byte 0xff is not UTF-8"),
        (b'[{"id": "a",}]', "not valid JSON"),
    ],
    ids=["nan", "infinity", "nesting", "utf-8", "syntax"],
)
def test_policy_eval_refuses_bad_json_with_exit_2(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "resources.json"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["policy", "eval", str(path)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep-string.json"
    path.write_text('{"text": "' + "[" * 1000 + '\\"' + "{" * 1000 + '"}')
    assert documents.load_json(path) == {"text": "[" * 1000 + '"' + "{" * 1000}


def test_policy_eval_time_grows_linearly_with_the_resources(tmp_path: Path, stack_plans: dict[str, list[Registration]]) -> None:
    """#14 item 6: twice the resources take about twice the time (no rule compares all pairs)."""
    from blueprint.engine.wire import unwrapped

    plan = [r for r in stack_plans["dev"] if r.custom and not r.type.startswith("pulumi:providers:")]

    def timed(count: int) -> float:
        items = [
            {"id": f"{plan[i % len(plan)].urn}-{i}", "type": plan[i % len(plan)].type, "props": unwrapped(plan[i % len(plan)].inputs)}
            for i in range(count)
        ]
        path = tmp_path / f"resources-{count}.json"
        path.write_text(json.dumps(items))
        best = float("inf")
        for _ in range(3):
            gc.collect()
            gc.disable()  # a collection landing in one run and not the other is not the evaluator's cost
            try:
                # This process's CPU time: the evaluator's cost, whatever else the machine runs meanwhile
                # (pytest-xdist's other worker, the real-engine tier's processes).
                started = time.process_time()
                result = CliRunner().invoke(main, ["policy", "eval", str(path), "--format", "text"])
                best = min(best, time.process_time() - started)
            finally:
                gc.enable()
            assert result.exit_code in (0, 1), result.output[-2000:]
        return best

    # Four to eight copies of the dev plan: enough for a quadratic rule to show, half the CI time of 3000/6000.
    small, large = timed(1500), timed(3000)
    assert large / small < 2.6, f"{small:.2f}s for 1500 resources, {large:.2f}s for 3000"
