"""Gate 2's GitOps commit (#26 item 4): a service repository rendered from the golden template, in a
real git repository, promotes one digest into an environment's overlay with the template's own
``deploy/promote.py``; kustomize (what Argo CD runs on an Application's path) renders that overlay
with the image by digest; the next environment takes the same digest; and each environment's Argo
CD Application syncs its own overlay."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from blueprint import policies as pack
from blueprint.engine.analyzer import Resource
from blueprint.engine.mocks import Registration
from policy_pack.policies.contract import deploy_path
from stacks.loader import ROOT
from tests.components.github.test_github_layer import EXAMPLE, render_service
from tests.conftest import by_type

KUSTOMIZE = ROOT / ".tools" / "bin" / "kustomize"
DEV_IMAGE = "123456789012.dkr.ecr.eu-west-3.amazonaws.com/payments/payments-api"
STAGING_IMAGE = "345678901234.dkr.ecr.eu-west-3.amazonaws.com/payments/payments-api"
DIGEST = "sha256:" + "3f" * 32
COMMIT = "9fceb02d0ae598e95dc970b74767f19372d61af8"
SIGNATURE = "sha256:" + "51" * 32
SBOM = "sha256:" + "5b" * 32


def git(repo: Path, *args: str) -> str:
    who = {"NAME": "ci", "EMAIL": "ci@example.com"}
    env = {f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER") for key, value in who.items()}
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin", **env})
    return done.stdout


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A rendered service repository with one commit on main, as GitHub generates it."""
    repo = render_service(tmp_path / "payments-api", EXAMPLE)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "generated from golden-service")
    return repo


def promote(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "deploy/promote.py", *args], cwd=repo, capture_output=True, text=True, check=False)


def kustomize(repo: Path, environment: str) -> list[dict]:
    assert KUSTOMIZE.is_file(), "kustomize is built by `make engine` (engine/kustomize)"
    built = subprocess.run([str(KUSTOMIZE), "build", deploy_path(environment)], cwd=repo, capture_output=True, text=True, check=True)
    return [d for d in yaml.safe_load_all(built.stdout) if d]


@pytest.mark.engine
def test_a_promotion_commits_the_digest_and_the_overlay_renders_the_image_by_digest(service: Path) -> None:
    # Before its first promotion an environment runs nothing: only its feature flags are there (ADR-0029).
    assert [(m["kind"], m["metadata"]["name"]) for m in kustomize(service, "dev")] == [("ConfigMap", "payments-api-flags")]
    record_args = [
        "--repository",
        "payments-payments-api",
        "--signature",
        SIGNATURE,
        "--sbom",
        SBOM,
        "--approver",
        "bob",
        "--approver",
        "alice",
    ]
    done = promote(
        service, "dev", "--image", DEV_IMAGE, "--digest", DIGEST, "--commit", COMMIT, "--at", "2026-12-07T06:00:00Z", *record_args
    )
    assert done.returncode == 0, done.stderr
    git(service, "add", "--all")
    git(service, "commit", "--quiet", "--message", f"promote {DIGEST} to dev")
    # The GitOps commit touches that environment's overlay only.
    changed = git(service, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == ["deploy/overlays/dev/kustomization.yaml", "deploy/overlays/dev/promotion.json"]
    manifests = {m["kind"]: m for m in kustomize(service, "dev")}
    # The workload, its Service, Gate 2's smoke test (an Argo CD PostSync hook) in the same image, and
    # the environment's flags, which the promotion keeps: named without a hash, so that a flag change
    # updates them in place and never the pod template (the kill switch, ADR-0029).
    assert set(manifests) == {"Deployment", "Service", "Job", "ConfigMap"}
    flags = manifests["ConfigMap"]
    assert (flags["metadata"]["name"], flags["metadata"]["namespace"]) == ("payments-api-flags", "payments")
    assert json.loads(flags["data"]["flags.flagd.json"])["flags"]["new-greeting"]["defaultVariant"] == "on"
    volumes = manifests["Deployment"]["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "flags", "configMap": {"name": "payments-api-flags", "optional": True}}]
    assert manifests["Job"]["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PostSync"
    for kind, type_ in (("Deployment", "kubernetes:apps/v1:Deployment"), ("Job", "kubernetes:batch/v1:Job")):
        workload = manifests[kind]
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        assert container["image"] == f"{DEV_IMAGE}@{DIGEST}", kind
        assert workload["metadata"]["namespace"] == "payments"
        kubernetes_validate.validate(workload, "1.35", strict=True)
        found = pack.analyzer({"all": "mandatory"}).analyze(Resource(f"urn:x::{type_}::payments-api", type_, "payments-api", workload))
        assert [v.policy for v in found] == ["required-cost-tags"], kind  # labels come from the tenant's cost scope
    record = json.loads((service / "deploy/overlays/dev/promotion.json").read_text())
    # The deployment record (#26 item 6): who deployed what, from which commit, signed and attested how.
    assert record == {
        "environment": "dev",
        "repository": "payments-payments-api",
        "image": DEV_IMAGE,
        "digest": DIGEST,
        "commit": COMMIT,
        "from": "",
        "signature": SIGNATURE,
        "sbom": SBOM,
        "approvers": ["alice", "bob"],
        "promotedAt": "2026-12-07T06:00:00Z",
    }
    key = promote(service, "dev", "--ledger-key")
    assert key.returncode == 0 and key.stdout.strip() == f"deployments/payments-payments-api/dev/20261207T060000Z-{'3f' * 6}.json"
    # staging takes the digest dev runs (the same bytes, from staging's registry); prod still nothing.
    assert promote(service, "staging", "--from", "dev", "--image", STAGING_IMAGE, "--commit", COMMIT).returncode == 0
    (staged,) = [m for m in kustomize(service, "staging") if m["kind"] == "Deployment"]
    assert staged["spec"]["template"]["spec"]["containers"][0]["image"] == f"{STAGING_IMAGE}@{DIGEST}"
    assert json.loads((service / "deploy/overlays/staging/promotion.json").read_text())["from"] == "dev"
    assert [m["kind"] for m in kustomize(service, "prod")] == ["ConfigMap"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dev", "--image", DEV_IMAGE, "--digest", "v1.2.3", "--commit", COMMIT], "(a tag is not a digest)"),
        (["dev", "--image", f"{DEV_IMAGE}:1.0", "--digest", DIGEST, "--commit", COMMIT], "is not a repository without tag or digest"),
        (["qa", "--image", DEV_IMAGE, "--digest", DIGEST, "--commit", COMMIT], "environment 'qa' has no overlay"),
        (["staging", "--from", "dev", "--image", STAGING_IMAGE, "--commit", COMMIT], "nothing was promoted there yet"),
        (["dev", "--from", "dev", "--image", DEV_IMAGE, "--commit", COMMIT], "is not another environment"),
        (["dev", "--image", DEV_IMAGE, "--digest", DIGEST, "--from", "staging", "--commit", COMMIT], "give exactly one of --digest"),
        (["dev", "--image", DEV_IMAGE, "--digest", DIGEST, "--commit", "main"], "is not a git commit SHA"),
        (["dev", "--image", DEV_IMAGE, "--digest", DIGEST, "--commit", COMMIT, "--sbom", "latest"], "--sbom 'latest' is not sha256"),
        (["dev", "--digest", DIGEST, "--commit", COMMIT], "is not a repository without tag or digest"),
        (["dev", "--ledger-key"], "dev: no promotion record with a repository"),
    ],
)
def test_a_bad_promotion_exits_2_with_one_message_and_writes_nothing(service: Path, args: list[str], message: str) -> None:
    done = promote(service, *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert git(service, "status", "--porcelain") == ""


def test_each_environment_s_application_syncs_its_own_overlay(stack_plans: dict[str, list[Registration]]) -> None:
    for stack, plan in stack_plans.items():
        applications = by_type(plan, "kubernetes:argoproj.io/v1alpha1:Application")
        assert applications
        assert {a.inputs["spec"]["source"]["path"] for a in applications} == {f"deploy/overlays/{stack}"}, stack


def test_a_promotion_commit_does_not_start_another_promotion() -> None:
    """Gate 1 builds and publishes on every push to main, and the promotion follows Gate 1: a push
    that changes only overlays (a promotion's GitOps commit) must not run it, or promotions loop."""
    from components.github.organization import TEMPLATE_DIR

    gate1 = yaml.safe_load((TEMPLATE_DIR / ".github/workflows/ci.yml").read_text())
    promote = yaml.safe_load((TEMPLATE_DIR / ".github/workflows/promote.yml").read_text())
    on_gate1, on_promote = gate1[True], promote[True]  # PyYAML reads the key `on` as True
    assert on_gate1["push"]["paths-ignore"] == ["deploy/overlays/**"]
    assert "paths-ignore" not in on_gate1["pull_request"]  # the promotion pull request still passes Gate 1
    assert on_promote["workflow_run"]["workflows"] == [gate1["name"]]
    assert on_promote["push"]["paths"] == ["deploy/overlays/prod/promotion.json"]  # prod's record, after its merge
