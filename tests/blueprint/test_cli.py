"""The ``blueprint`` CLI contract: commands, flags, exit codes, files and JSON shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from click.testing import CliRunner, Result

from blueprint.cli import main
from policy_pack.policies.pack import POLICIES
from stacks import compose as compose_module
from stacks import org_program
from tests.conftest import as_document, project_values


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.plan
def test_plan_writes_the_inventory_manifests_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("plan", "dev", "--lifecycle")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "dev"
    assert (out / "plan.html").is_file()
    inventory = json.loads((out / "inventory.json").read_text())
    # 488 before the org stack (ADR-0031), + its StackReference, + dev's variables in 8 repositories' GitHub
    # environment (6 each) and Gate 1's (4 each), + their 3 components.
    assert inventory["stack"] == "dev" and len(inventory["resources"]) == 488 + 1 + 8 * (6 + 4) + 3
    first = inventory["resources"][0]
    assert set(first) >= {"urn", "type", "name", "parent", "inputs", "options"}
    assert {"protect", "retainOnDelete"} <= set(first["options"])
    assert any(r["type"] == "kubernetes:core/v1:Namespace" for r in inventory["resources"])
    assert len(list((out / "manifests").rglob("*.yaml"))) == 104
    report = json.loads((out / "policy-report.json").read_text())
    assert report["counts"].get("mandatory", 0) == 0
    assert "Resources by tenant" in result.output and "payments" in result.output
    assert "(policy config: policy_pack/config.dev.json)" in result.output
    # #16: each tenant's class and what each of its stores keeps, whole at the runner's 80 columns.
    lines = result.output.splitlines()
    assert "  payments (pci; erasure: job + queue)" in lines and "  fraud (confidential; erasure: none)" in lines
    summary = json.loads(run("plan", "dev", "--json").stdout)
    for entry in summary["dataLifecycle"].values():
        for store in entry["stores"]:
            shown = f"{store['store']} {store['resource']}"
            assert any(shown in line and line.endswith(f": {store['retention']}") for line in lines), store


@pytest.mark.plan
def test_secrets_never_reach_the_artifacts(tmp_path: Path) -> None:
    assert run("plan", "dev", "--out", str(tmp_path)).exit_code == 0
    text = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "offline-placeholder-not-a-secret" not in text
    inventory = json.loads((tmp_path / "inventory.json").read_text())
    provider = next(r for r in inventory["resources"] if r["type"] == "pulumi:providers:kubernetes")
    assert provider["inputs"]["kubeconfig"] == "[secret]"


@pytest.mark.plan
def test_two_plans_are_byte_identical(tmp_path: Path) -> None:
    assert run("plan", "prod", "--out", str(tmp_path / "a"), "--json").exit_code == 0
    assert run("plan", "prod", "--out", str(tmp_path / "b"), "--json").exit_code == 0
    assert (tmp_path / "a/inventory.json").read_bytes() == (tmp_path / "b/inventory.json").read_bytes()


@pytest.mark.plan
def test_json_summary(tmp_path: Path) -> None:
    result = run("plan", "dev", "--out", str(tmp_path), "--json")
    summary = json.loads(result.stdout)
    report = json.loads((tmp_path / "policy-report.json").read_text())
    deferred = report["previewDeferred"]
    assert summary["stack"] == "dev" and summary["policy"] == {
        "mandatory": 0,
        "advisory": 0,
        "previewDeferred": len(deferred),
        "previewDeferredMandatory": sum(1 for d in deferred if d["enforcementLevel"] == "mandatory"),
        "config": "policy_pack/config.dev.json",
    }
    assert set(summary["byTenant"]) == {"payments", "fraud", "shared"}
    assert sum(summary["byTenant"].values()) == summary["resources"]
    # The counts agree with each other and with the artifacts: every registration is in the inventory
    # and, on a first plan, in the diff as added.
    inventory = json.loads((tmp_path / "inventory.json").read_text())["resources"]
    assert summary["registrations"] == summary["resources"] + summary["components"] + summary["providers"] == len(inventory)
    assert summary["diff"]["added"] == len(inventory)
    text = run("plan", "dev", "--out", str(tmp_path / "again"))
    assert f"{len(inventory)} registrations: {summary['resources']} resources, {summary['components']} components" in text.output
    assert f"all {len(inventory)} registrations are new" in text.output
    # Without --lifecycle, one line per data class rather than one per store.
    assert "Data lifecycle: 3 tenants" in text.output and "  pci: 1 tenant(s), 10 stores, erasure for 1 (payments)" in text.output
    assert "  payments (pci; erasure: job + queue)" not in text.output.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "qa"], "unknown stack 'qa'"),
        (["plan", "prd"], "did you mean 'prod'?"),
        (["plan", "dev", "--config-file", "missing.yaml"], "--config-file missing.yaml: no such file"),
        (["plan", "../etc"], "invalid stack name"),
        (["plan", "dev", "--policy-config", "nope.json"], "--policy-config nope.json: no such file"),
        (["plan", "dev", "--frobnicate"], "No such option"),
        (["plan"], "Missing argument"),
    ],
)
def test_bad_input_exits_2_with_one_message_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.plan
def test_invalid_config_file_names_the_field_and_keeps_previous_output(tmp_path: Path, write_stack: Callable[..., Path]) -> None:
    out = tmp_path / "plan"
    assert run("plan", "dev", "--out", str(out)).exit_code == 0
    before = (out / "inventory.json").read_bytes()
    values = project_values()
    values["tenants"][1]["costCenter"] = "not a cost center"
    result = run("plan", "dev", "--config-file", str(write_stack(as_document(values))), "--out", str(out))
    assert result.exit_code == 2
    assert "tenants[1].costCenter" in result.output and "Traceback" not in result.output
    assert (out / "inventory.json").read_bytes() == before


def test_invalid_policy_config_is_bad_input(tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"eks-endpoint-access": {"allowPublicWithCidrs": "yes"}}))
    result = run("plan", "dev", "--policy-config", str(config), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "eks-endpoint-access.allowPublicWithCidrs" in result.output


BREAKERS: dict[str, tuple[str, str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "aws": ("aws:ecr/repository:Repository", "ecr-tag-immutability", lambda p: {**p, "imageTagMutability": "MUTABLE"}),
    "kubernetes": (
        "kubernetes:core/v1:ServiceAccount",
        "k8s-service-account-no-automount",
        lambda p: {**p, "automountServiceAccountToken": True},
    ),
    "github": ("github:index/repository:Repository", "github-repository-private", lambda p: {**p, "visibility": "public"}),
    "vault": (
        "vault:kubernetes/authBackendRole:AuthBackendRole",
        "vault-auth-role-bound",
        lambda p: {**p, "boundServiceAccountNamespaces": ["*"]},
    ),
}


@pytest.mark.plan
@pytest.mark.parametrize("domain", sorted(BREAKERS))
def test_one_broken_resource_per_domain_blocks_the_plan(domain: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    type_, policy, breaker = BREAKERS[domain]
    broken: list[str] = []
    # The org stack owns the GitHub organization's objects (ADR-0031); the environments have none to break.
    module, function = (org_program, "compose_org") if domain == "github" else (compose_module, "compose")
    original = getattr(module, function)

    def break_one(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != type_ or broken:
            return None
        broken.append(args.name)
        return pulumi.ResourceTransformResult(breaker(dict(args.props)), args.opts)

    def compose_with_breaker(*args: Any) -> None:
        pulumi.runtime.register_resource_transform(break_one)  # runs after the cost transforms
        original(*args)

    monkeypatch.setattr(module, function, compose_with_breaker)
    result = run("plan", "org" if domain == "github" else "dev", "--out", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert broken, f"no {type_} in the plan"
    assert f"{policy} on {broken[0]}" in result.output
    report = json.loads((tmp_path / "policy-report.json").read_text())
    blocking = [v for v in report["violations"] if v["enforcementLevel"] == "mandatory"]
    # That rule alone, on the resource broken here. The first-preview pass runs the program in its
    # own process, whose breaker takes the first resource of the type *it* registers: where unknown
    # values reorder registrations that may be another one, reported once more (1 or 2 rows).
    assert {v["policy"] for v in blocking} == {policy} and 1 <= len(blocking) <= 2, blocking
    assert any(v["urn"].endswith(f"::{broken[0]}") for v in blocking), blocking


@pytest.mark.plan
def test_a_tagging_bug_blocks_the_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Removing tags from props is undone by the cost transform itself; a bug in the tag map is not."""
    from components.tagging import CostTags

    original = CostTags.for_type

    def without_owner_on_queues(self: CostTags, resource_type: str) -> dict[str, str]:
        tags = original(self, resource_type)
        if resource_type == "aws:sqs/queue:Queue":
            tags.pop("owner")
        return tags

    monkeypatch.setattr(CostTags, "for_type", without_owner_on_queues)
    result = run("plan", "dev", "--out", str(tmp_path))
    assert result.exit_code == 1
    # One line for every resource the bug reaches (the same message), not one per resource.
    [line] = [line for line in result.output.splitlines() if "✗ required-cost-tags on " in line]
    # Five of the six queues (payments is pci: its erasure queue and DLQ too), then a count.
    assert "fraud-outbox-dlq, fraud-outbox-queue, payments-outbox-dlq, payments-outbox-queue, payments-" in line
    assert "-dlq and 1 more: missing tags ['owner']" in line
    report = json.loads((tmp_path / "policy-report.json").read_text())
    assert {v["policy"] for v in report["violations"] if v["enforcementLevel"] == "mandatory"} == {"required-cost-tags"}


def test_policy_eval_contract(tmp_path: Path) -> None:
    resources = [
        {
            "id": "good-repo",
            "type": "aws:ecr/repository:Repository",
            "props": {
                "imageTagMutability": "IMMUTABLE",
                "imageScanningConfiguration": {"scanOnPush": True},
                "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "k"}],
                "name": "a/b",
                "tags": {
                    "environment": "dev",
                    "tenant": "a",
                    "owner": "t",
                    "cost-center": "CC-1",
                    "managed-by": "pulumi",
                    "data-class": "pci",
                },
            },
        },
        {"id": "open-bucket", "type": "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "props": {"blockPublicAcls": False}},
    ]
    path = tmp_path / "resources.json"
    path.write_text(json.dumps(resources))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"all": "mandatory"}))
    result = run("policy", "eval", str(path), "--policy-config", str(config))
    assert result.exit_code == 1, result.output  # a mandatory violation is reported
    output = json.loads(result.output)
    assert [entry["id"] for entry in output] == ["good-repo", "open-bucket", None]
    assert output[0]["violations"] == []
    assert {v["policy"] for v in output[1]["violations"]} == {"s3-public-access-block"}
    text = run("policy", "eval", str(path), "--policy-config", str(config), "--format", "text")
    assert text.exit_code == 1 and "mandatory s3-public-access-block" in " ".join(text.output.split()) and "open-bucket" in text.output
    good = tmp_path / "good.json"
    good.write_text("[]")
    assert run("policy", "eval", str(good), "--policy-config", str(config)).exit_code == 0
    assert set(output[1]["violations"][0]) == {"policy", "enforcementLevel", "message"}
    assert output[1]["violations"][0]["enforcementLevel"] == "mandatory"
    # Stack rules: the repository is not covered by admission nor has a lifecycle, and its tenant 'a'
    # (known from the cost tag) has no budget and no key of its own.
    assert {v["policy"] for v in output[2]["violations"]} == {
        "ecr-signature-admission",
        "ecr-lifecycle-policy",
        "tenant-budget",
        "kms-tenant-key-isolation",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"id": "x"}', "expected a JSON list"),
        ('[{"id": "x", "type": "nope", "props": {}}]', "[0].type: expected a Pulumi type token"),
        ('[{"id": "x", "type": "a:b:C"}, {"id": "x", "type": "a:b:C"}]', "[1].id: duplicate id 'x'"),
        ('[{"id": "x", "type": "a:b:C", "props": [], "extra": 1}]', "expected an object with keys id, type, props"),
        # #28 item 7: what the engine could not carry is bad input (exit 2 naming it), never a crash.
        ('[{"id": "q", "type": "aws:sqs/queue:Queue", "props": {"tags": "env=dev"}}]', "[0].props.tags: expected an object of strings"),
        ('[{"id": "q", "type": "aws:sqs/queue:Queue", "props": {"tags": {"a": 1}}}]', "[0].props.tags: expected an object of strings"),
        (
            '[{"id": "d", "type": "kubernetes:apps/v1:Deployment", "props": {"metadata": {"labels": ["x"]}}}]',
            "[0].props.metadata.labels: expected an object of strings",
        ),
        ('[{"id": "q", "type": "aws:sqs/queue:Queue", "props": {"delaySeconds": 1e999}}]', "[0].props.delaySeconds: a number out of range"),
        ('[{"id": "q\\ud800", "type": "aws:sqs/queue:Queue", "props": {}}]', "[0].id: not valid Unicode"),
        ('[{"id": "q", "type": "aws:sqs/queue:Queue", "props": {"policy": "\\udc80"}}]', "[0].props.policy: not valid Unicode"),
    ],
)
def test_policy_eval_bad_input(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "resources.json"
    path.write_text(content)
    result = run("policy", "eval", str(path))
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_policy_list_names_every_policy_and_its_adr() -> None:
    result = run("policy", "list", "--json")
    rows = json.loads(result.output)
    assert result.exit_code == 0 and len(rows) == len(POLICIES) == 138
    assert {"required-cost-tags", "tenant-namespace-bundle"} <= {r["name"] for r in rows}


def test_policy_list_piped_is_one_full_line_per_policy() -> None:
    result = run("policy", "list")  # CliRunner's stdout is not a terminal, as in `| grep`
    header, *lines = result.output.splitlines()
    assert header.split("\t") == ["name", "kind", "severity", "enforcement", "adr", "description"]
    assert len(lines) == len(POLICIES)
    rows = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert rows["tenant-registry-scope-enforced"][1:5] == ["stack", "critical", "mandatory", "ADR-0003"]
    assert rows["required-cost-tags"][5].endswith("(labels on Kubernetes objects).")


def test_help_matches_the_contract() -> None:
    text = run("plan", "--help").output
    for flag in ("--config-file", "--out", "--json", "--policy-config"):
        assert flag in text
    assert "eval" in run("policy", "--help").output


@pytest.mark.plan
def test_a_failing_program_exits_3_with_one_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_compose(config: Any) -> None:
        raise ValueError("a component bug")

    monkeypatch.setattr(compose_module, "compose", broken_compose)
    result = run("plan", "dev", "--out", str(tmp_path / "o"))
    assert result.exit_code == 3
    assert "the program failed" in result.output and "a component bug" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()


def test_error_messages_are_printed_verbatim(tmp_path: Path, write_stack: Callable[..., Path]) -> None:
    values = project_values()
    values["tenants"][0]["costCenter"] = "[/]"  # rich markup if it were not escaped
    result = run("plan", "dev", "--config-file", str(write_stack(as_document(values))), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "'[/]' does not match" in result.output


def test_a_stack_named_after_an_environment_must_be_it(tmp_path: Path) -> None:
    values = project_values("prod")
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(json.dumps(as_document(values)))
    result = run("plan", "dev", "--config-file", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "environment: is 'prod' but the stack is 'dev'" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "log"])
def test_plan_progress_is_a_bar_on_a_terminal_and_lines_in_a_log(monkeypatch: pytest.MonkeyPatch, terminal: bool) -> None:
    import io

    from rich.console import Console

    from blueprint.cli import common
    from blueprint.cli.plan import progress

    buffer = io.StringIO()
    monkeypatch.setattr(common, "err", Console(file=buffer, force_terminal=terminal, width=120))
    with progress(2) as step:
        step("running the program")
        step("evaluating the policy pack")
    text = buffer.getvalue()
    assert "evaluating the policy pack" in text
    if terminal:
        assert "━" in text and "2/2" in text
    else:
        assert text.splitlines() == ["> running the program...", "> evaluating the policy pack..."]


@pytest.mark.plan
def test_staging_plans_clean_under_prods_enforcement(tmp_path: Path) -> None:
    """#26 item 2: `make plan STACK=staging` exits 0 with no violation, the policy config prod's."""
    result = run("plan", "staging", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["stack"] == "staging" and summary["policy"]["config"] == "policy_pack/config.staging.json"
    assert summary["policy"]["mandatory"] == summary["policy"]["advisory"] == 0
