"""`blueprint tenant add/remove` edit a stack file as a person would, or not at all (#14 item 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from blueprint.cli import main
from stacks.loader import ROOT, load_stack_file

ADD = ["tenant", "add", "lending", "--owner-team", "lending-team", "--owner-email", "lending@fintech-blueprint.example"]
ADD += [
    "--cost-center",
    "CC-1003",
    "--tier",
    "small",
    "--data-class",
    "pii",
    "--service",
    "loan-api:public",
    "--service",
    "ledger-sync:worker",
]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def stack_file(tmp_path: Path) -> Path:
    copy = tmp_path / "Pulumi.dev.yaml"
    shutil.copy2(ROOT / "Pulumi.dev.yaml", copy)
    return copy


@pytest.mark.plan
def test_add_then_remove_round_trips_byte_identically(stack_file: Path) -> None:
    original = stack_file.read_bytes()
    added = run(*ADD, "--config-file", str(stack_file))
    assert added.exit_code == 0, added.output
    assert "Added tenant lending" in added.output and "+  fintech:platform:Tenant::lending" in added.output
    _, config = load_stack_file(stack_file)
    lending = next(t for t in config.tenants if t.name == "lending")
    assert [(s.name, s.kind) for s in lending.services] == [("loan-api", "api"), ("ledger-sync", "worker")]
    # The public API gets its route, certificate, WAF and canary in the diff (#29); the worker none of the edge.
    for shown in (
        "kubernetes:networking.k8s.io/v1:Ingress::lending-ingress",
        "aws:acm/certificate:Certificate::lending-certificate",
        "aws:wafv2/webAcl:WebAcl::lending-web-acl",
        "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams::lending-class-params",
        "kubernetes:argoproj.io/v1alpha1:Rollout::lending-loan-api-rollout",
    ):
        assert f"+  {shown}" in added.output, shown
    assert "ledger-sync-ingress" not in added.output and lending.services[1].public is None
    assert lending.services[0].public is not None and lending.services[0].public.host is None
    assert lending.monthly_budget_usd == 500 and [d.value for d in lending.data_classes] == ["pii"]
    assert b"# The org stack owns the GitHub organization" in stack_file.read_bytes(), "comments are kept"
    assert "blueprint plan org" in added.output  # its repositories are the org stack's (ADR-0031)

    removed = run("tenant", "remove", "lending", "--config-file", str(stack_file))
    assert removed.exit_code == 0, removed.output
    assert stack_file.read_bytes() == original


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--owner-email", "not-an-email", "].ownerEmail (--owner-email): 'not-an-email' is not an e-mail address"),
        ("--cost-center", "lowercase", "].costCenter (--cost-center): 'lowercase' does not match"),
        ("--data-class", "secret", "].dataClasses[0] (--data-class): Input should be 'public'"),
        ("--service", "api:daemon", "write NAME, NAME:worker, NAME:public or NAME:public=HOST"),
        ("--service", "loan-api:public=loans.example.org", "].public.host (--service): 'loans.example.org' is outside the zone"),
    ],
)
@pytest.mark.plan
def test_an_invalid_tenant_leaves_the_file_byte_identical(stack_file: Path, flag: str, value: str, message: str) -> None:
    original = stack_file.read_bytes()
    options = [*ADD[: ADD.index(flag) + 1], value, *ADD[ADD.index(flag) + 2 :]]
    result = run(*options, "--config-file", str(stack_file))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    # The user's file is named, not the scratch copy the change was planned in.
    assert f"invalid configuration in {stack_file} with this change:" in result.output or flag == "--service"
    assert "blueprint-tenant-" not in result.output
    assert stack_file.read_bytes() == original


def test_a_stack_file_already_invalid_is_reported_as_it_is(stack_file: Path) -> None:
    text = stack_file.read_text().replace("costCenter: CC-1001", "costCenter: broken", 1)
    assert "broken" in text
    stack_file.write_text(text)
    result = run(*ADD, "--config-file", str(stack_file))
    assert result.exit_code == 2, result.output
    assert f"invalid configuration in {stack_file} (as it is, before this change; fix it first):" in result.output
    assert "(--cost-center)" not in result.output and stack_file.read_text() == text


def test_duplicates_unknowns_and_targets_are_refused(stack_file: Path) -> None:
    original = stack_file.read_bytes()
    duplicate = [*ADD[:2], "payments", *ADD[3:]]
    assert "already exists" in run(*duplicate, "--config-file", str(stack_file)).output
    missing = run("tenant", "remove", "nobody", "--config-file", str(stack_file))
    assert missing.exit_code == 2 and "no tenant 'nobody'" in missing.output and "payments" in missing.output
    both = run("tenant", "remove", "payments", "--config-file", str(stack_file), "--stack", "dev")
    assert both.exit_code == 2 and "exactly one of --stack" in both.output
    assert stack_file.read_bytes() == original


@pytest.mark.plan
def test_a_stack_file_of_any_name_is_planned_as_its_environment(tmp_path: Path) -> None:
    prod = tmp_path / "production-stack.yaml"
    shutil.copy2(ROOT / "Pulumi.prod.yaml", prod)
    # prod has no edge: its services are private.
    result = run(*[a.replace(":public", "") for a in ADD], "--config-file", str(prod))
    assert result.exit_code == 0, result.output
    assert "Added tenant lending" in result.output


@pytest.mark.plan
def test_a_tenant_named_no_with_cost_center_no_is_what_it_says(stack_file: Path) -> None:
    """#28 item 7: YAML 1.1 booleans are the reader's problem: the stack file is read as the CLI reads it
    (Go yaml.v3: only true and false are booleans), so `no` stays a name and `NO` a cost center."""
    added = run(
        "tenant", "add", "no", "--owner-team", "no", "--owner-email", "no@fintech-blueprint.example", "--cost-center", "NO",
        "--tier", "small", "--data-class", "internal", "--config-file", str(stack_file),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    _, config = load_stack_file(stack_file)
    tenant = next(t for t in config.tenants if t.name == "no")
    assert (tenant.owner_team, tenant.cost_center) == ("no", "NO")


@pytest.mark.plan
@pytest.mark.parametrize(
    ("name", "service", "message"),
    [
        ("order", "loan-api", "].name (NAME): 'order' is a PostgreSQL reserved key word"),
        ("lending", "default", "'default' is the ServiceAccount every namespace has"),
    ],
)
def test_names_postgresql_or_kubernetes_would_take_otherwise_are_refused(stack_file: Path, name: str, service: str, message: str) -> None:
    original = stack_file.read_bytes()
    result = run(*ADD[:2], name, *ADD[3:-4], "--service", service, "--config-file", str(stack_file))
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, result.output
    assert stack_file.read_bytes() == original
