"""GitHub: workflows pass a real linter, Gate 1's required checks are the template's job names,
every repository is private and protected, approvals follow the environment."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from blueprint.engine.mocks import Registration
from components.github.organization import TEMPLATE_DIR, TEMPLATE_REPOSITORY, template_files
from components.github.template import TemplateValues, placeholders_in, render
from policy_pack.policies.contract import TEMPLATE_PLACEHOLDERS
from stacks.catalog import PLATFORM_REPOSITORIES
from stacks.loader import ROOT
from tests.conftest import by_type

ACTIONLINT = Path(sys.executable).parent / "actionlint"
WORKFLOWS = sorted([*(ROOT / ".github/workflows").glob("*.yml"), *(TEMPLATE_DIR / ".github/workflows").glob("*.yml")])


@pytest.fixture
def plan(org_plan: list[Registration]) -> list[Registration]:
    """The stack that owns the organization-level objects: the org stack (ADR-0031)."""
    return org_plan


def test_only_the_org_stack_manages_the_organization(stack_plans: dict[str, list[Registration]], org_plan: list[Registration]) -> None:
    # An environment holds only its own objects on the org stack's repositories: Argo CD's deploy keys, its
    # variables in its GitHub environment, and (dev, where Gate 1 publishes) Gate 1's repository variables.
    own = {
        "github:index/repositoryDeployKey:RepositoryDeployKey",
        "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
    }
    for stack, registrations in stack_plans.items():
        found = {r.type for r in registrations if r.type.startswith("github:") and r.custom}
        assert found == (own | {"github:index/actionsVariable:ActionsVariable"} if stack == "dev" else own), stack
        environments = {
            r.inputs["environment"] for r in by_type(registrations, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
        }
        assert environments == {stack}
    assert by_type(org_plan, "github:index/repository:Repository") and by_type(org_plan, "github:index/team:Team")


def actionlint(path: Path) -> list[dict]:
    result = subprocess.run([str(ACTIONLINT), "-no-color", "-format", "{{json .}}", str(path)], capture_output=True, text=True, check=False)
    return json.loads(result.stdout or "[]")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[str(w.relative_to(ROOT)) for w in WORKFLOWS])
def test_workflow_passes_actionlint(workflow: Path) -> None:
    assert actionlint(workflow) == []


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_requst\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n"
    )
    assert {finding["kind"] for finding in actionlint(broken)} >= {"events"}


def template_job_names() -> list[str]:
    workflow = yaml.safe_load((TEMPLATE_DIR / ".github/workflows/ci.yml").read_text())
    return [job["name"] for job in workflow["jobs"].values()]


def test_required_checks_are_the_template_jobs(plan: list[Registration]) -> None:
    rulesets = by_type(plan, "github:index/repositoryRuleset:RepositoryRuleset")
    assert len(rulesets) == len(by_type(plan, "github:index/repository:Repository"))
    expected = template_job_names()
    assert expected == ["lint", "unit-tests", "contract-tests", "sast-sca", "sbom", "build-sign-image"]
    for ruleset in rulesets:
        checks = [c["context"] for c in ruleset.inputs["rules"]["requiredStatusChecks"]["requiredChecks"]]
        assert checks == expected


def test_rulesets_require_reviews_from_config(plan: list[Registration]) -> None:
    from stacks.org import ORG_DIR, load_org_stack_file

    approvals = load_org_stack_file(ORG_DIR / "Pulumi.org.yaml")[1].github.required_approvals
    assert approvals == 2
    for ruleset in by_type(plan, "github:index/repositoryRuleset:RepositoryRuleset"):
        rules = ruleset.inputs["rules"]
        assert rules["pullRequest"]["requiredApprovingReviewCount"] == approvals
        assert rules["pullRequest"]["requireCodeOwnerReview"] and rules["pullRequest"]["dismissStaleReviewsOnPush"]
        assert rules["nonFastForward"] is True and rules["deletion"] is True
        assert ruleset.inputs["enforcement"] == "active"
        assert ruleset.inputs["conditions"]["refName"]["includes"] == ["~DEFAULT_BRANCH"]


def test_repositories_are_private_and_created_from_the_template(plan: list[Registration]) -> None:
    repos = {r.inputs["name"]: r.inputs for r in by_type(plan, "github:index/repository:Repository")}
    expected = {
        "golden-service",
        *(r.name for r in PLATFORM_REPOSITORIES),
        "payments-payments-api",
        "payments-settlement-worker",
        "fraud-fraud-scoring",
    }
    assert set(repos) == expected
    for name, repo in repos.items():
        assert repo["visibility"] == "private" and repo["vulnerabilityAlerts"] is True
        assert repo["securityAndAnalysis"]["secretScanningPushProtection"]["status"] == "enabled"
        if name != "golden-service":
            assert repo["template"] == {"owner": "fintech-blueprint", "repository": "golden-service"}


def test_the_template_files_come_from_this_project(plan: list[Registration]) -> None:
    pushed = {
        f.inputs["file"]: f.inputs["content"]
        for f in by_type(plan, "github:index/repositoryFile:RepositoryFile")
        if f.inputs["repository"] == TEMPLATE_REPOSITORY
    }
    assert pushed == template_files()
    assert {".github/workflows/ci.yml", ".github/CODEOWNERS", ".github/pull_request_template.md", "README.md"} <= set(pushed)
    assert any(path.startswith("adrs/") for path in pushed)


def test_teams_and_tenant_access(plan: list[Registration]) -> None:
    teams = {t.inputs["name"] for t in by_type(plan, "github:index/team:Team")}
    assert teams == {"platform", "security", "payments-team", "fraud-team"}
    grants = [(g.name, g.inputs["permission"]) for g in by_type(plan, "github:index/teamRepository:TeamRepository")]
    assert ("payments-payments-payments-api-team", "push") in grants
    settings = by_type(plan, "github:index/organizationSettings:OrganizationSettings")[0].inputs
    assert settings["defaultRepositoryPermission"] == "read" and settings["membersCanCreatePublicRepositories"] is False


def test_ci_installs_exactly_what_the_cli_runs() -> None:
    """Pulumi.yaml asks the CLI for the pip toolchain in .venv, which installs requirements.txt: that file
    must install the project (and so its pinned dependencies), and the workflows must use the CLI's own
    install rather than a pip of their own into the runner's Python."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}
    requirements = [
        line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert requirements == ["-e ."]
    for workflow in (ROOT / ".github/workflows").glob("*.yml"):
        runs = [step.get("run", "") for job in yaml.safe_load(workflow.read_text())["jobs"].values() for step in job["steps"]]
        assert not any("pip install" in run for run in runs), workflow.name
        if any("pulumi preview" in run or "pulumi up" in run for run in runs):
            assert any("pulumi install" in run and "cd policy_pack && pulumi install" in run for run in runs), workflow.name


def test_the_golden_template_is_a_template_and_its_files_land_before_gate_1(plan: list[Registration]) -> None:
    repositories = {r.inputs["name"]: r for r in by_type(plan, "github:index/repository:Repository")}
    generated = [r for r in repositories.values() if "template" in r.inputs]
    assert repositories["golden-service"].inputs["isTemplate"] is True
    assert generated and all(r.inputs["template"]["repository"] == "golden-service" for r in generated)
    files = {r.urn for r in by_type(plan, "github:index/repositoryFile:RepositoryFile")} - {
        r.urn for r in by_type(plan, "github:index/repositoryFile:RepositoryFile") if r.inputs["repository"] != "golden-service"
    }
    (ruleset,) = [
        r for r in by_type(plan, "github:index/repositoryRuleset:RepositoryRuleset") if r.inputs["repository"] == "golden-service"
    ]
    assert files and files <= set(ruleset.dependencies)


def test_every_pulumi_job_previews_unconfigured_providers_with_their_inputs() -> None:
    """The offline first-preview pass models this engine setting; the workflows must set it (ADR-0015)."""
    for workflow in (ROOT / ".github/workflows").glob("*.yml"):
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            if any("pulumi preview" in s.get("run", "") or "pulumi up" in s.get("run", "") for s in job["steps"]):
                assert job["env"]["PULUMI_LEGACY_PROVIDER_PREVIEW"] == "true", workflow.name


@pytest.mark.plan
def test_the_repository_that_runs_the_program_is_trusted_never_created(write_stack) -> None:
    from tests.conftest import as_document, plan_registrations, project_values

    values = project_values()
    values["github"] = {**values.get("github", {}), "infraRepository": "platform-infra"}
    registrations = plan_registrations(write_stack(as_document(values)), "dev")
    names = {r.inputs["name"] for r in by_type(registrations, "github:index/repository:Repository")}
    assert "platform-infra" not in names and "infra" not in names
    deploy = next(r for r in by_type(registrations, "aws:iam/role:Role") if r.name == "ci-identity-deploy")
    subjects = json.loads(deploy.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
    assert subjects["token.actions.githubusercontent.com:sub"] == ["repo:fintech-blueprint/platform-infra:environment:dev"]
    vault_roles = by_type(registrations, "vault:jwt/authBackendRole:AuthBackendRole")
    assert {r.inputs["boundClaims"]["repository"] for r in vault_roles} == {"fintech-blueprint/platform-infra"}


def test_ci_logs_in_to_vault_with_its_oidc_identity_on_the_roles_the_program_creates(stack_plans: dict[str, list[Registration]]) -> None:
    """No Vault token is stored: each job exchanges its GitHub OIDC token on a JWT role of the program."""
    roles = {
        stack: {r.inputs["roleName"]: r.inputs for r in by_type(plan, "vault:jwt/authBackendRole:AuthBackendRole")}
        for stack, plan in stack_plans.items()
    }
    used = set()
    for workflow in (ROOT / ".github/workflows").glob("*.yml"):
        text = workflow.read_text()
        assert "VAULT_TOKEN" not in text, workflow.name
        for job in yaml.safe_load(text)["jobs"].values():
            logins = [s["with"] for s in job["steps"] if s.get("uses", "").startswith("hashicorp/vault-action@")]
            if any("--cwd org" in s.get("run", "") for s in job["steps"]):
                assert logins == [], workflow.name  # the org stack is GitHub only: no Vault (ADR-0031)
            elif any("pulumi " in s.get("run", "") for s in job["steps"]):
                assert len(logins) == 1 and logins[0]["method"] == "jwt" and logins[0]["exportToken"] is True, workflow.name
                used.add(logins[0]["role"])
    stacks = ("dev", "staging", "prod")
    expected = {f"infra-{s}" for s in stacks} | {"infra-preview-${{ matrix.stack }}", "infra-drift-${{ matrix.stack }}"}
    assert used == expected
    for stack in stacks:
        assert roles[stack][f"infra-{stack}"]["boundClaims"] == {"repository": "fintech-blueprint/infra", "environment": stack}
        assert roles[stack][f"infra-preview-{stack}"]["boundClaims"] == {
            "repository": "fintech-blueprint/infra",
            "event_name": "pull_request",
        }
        assert roles[stack][f"infra-drift-{stack}"]["boundClaims"] == {
            "repository": "fintech-blueprint/infra",
            "environment": f"drift-{stack}",
        }
        assert roles[stack][f"infra-{stack}"]["boundAudiences"] == ["https://github.com/fintech-blueprint"]


# -- #17 hop 1: the template ships a service that passes its own Gate 1, rendered per repository -------

HADOLINT = Path(sys.executable).parent / "hadolint"
BIN = str(Path(sys.executable).parent)


def make(service: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``make`` in a rendered service, with this virtualenv's Python, ruff and hadolint."""
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(service.parent)}
    return subprocess.run(["make", *args, f"PYTHON={sys.executable}"], cwd=service, env=env, capture_output=True, text=True, check=False)


def render_service(into: Path, values: TemplateValues) -> Path:
    for path, content in template_files().items():
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(content, values))
    return into


EXAMPLE = TemplateValues(
    org="acme",
    tenant="payments",
    service="payments-api",
    owner_team="payments-team",
    platform_team="platform",
    otlp_endpoint="http://collector:4318",
)


def test_a_rendered_service_passes_its_own_gate_1_targets(tmp_path: Path) -> None:
    """lint (ruff + hadolint), test and contract-test run and pass on a rendered copy; sca is defined
    (pip-audit needs the advisory database: GitHub's runners have the network, this machine not)."""
    service = render_service(tmp_path / "svc", EXAMPLE)
    for target in ("lint", "test", "contract-test"):
        done = make(service, target)
        if done.returncode != 0:
            pytest.fail(f"make {target} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    dry = make(service, "-n", "sca")
    assert dry.returncode == 0 and "pip_audit" in dry.stdout


def test_a_broken_service_fails_its_gate_1_targets(tmp_path: Path) -> None:
    service = render_service(tmp_path / "svc", EXAMPLE)
    (service / "src/service/app.py").write_text((service / "src/service/app.py").read_text().replace('"status": "ok"', '"status": "down"'))
    assert make(service, "contract-test").returncode != 0


def test_the_dockerfile_passes_hadolint_which_catches_a_bad_one(tmp_path: Path) -> None:
    good = subprocess.run([str(HADOLINT), "--no-color", str(TEMPLATE_DIR / "Dockerfile")], capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stdout
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nUSER root\nRUN apt-get install curl\n")
    found = subprocess.run([str(HADOLINT), "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert found.returncode != 0 and "DL3006" in found.stdout and "DL3008" in found.stdout


def test_every_template_placeholder_is_known_and_rendering_leaves_none(tmp_path: Path) -> None:
    used = {p for content in template_files().values() for p in placeholders_in(content)}
    assert used == set(TEMPLATE_PLACEHOLDERS)  # each placeholder is used; no unknown one could hide (same pattern)
    assert re.findall(r"@OWNER_TEAM|(?<![A-Z_])SERVICE_NAME", "".join(template_files().values())) == []
    service = render_service(tmp_path / "svc", EXAMPLE)
    assert [p for p in service.rglob("*") if p.is_file() and placeholders_in(p.read_text())] == []
    manifest = yaml.safe_load((service / "deploy/base/deployment.yaml").read_text())
    assert manifest["metadata"]["name"] == manifest["spec"]["template"]["spec"]["serviceAccountName"] == "payments-api"
    # A name only: each environment's overlay names its registry and the promoted digest (#26).
    assert manifest["spec"]["template"]["spec"]["containers"][0]["image"] == "payments-api"
    assert "@acme/payments-team" in (service / ".github/CODEOWNERS").read_text()


def test_each_generated_repository_gets_its_files_rendered_before_gate_1(plan: list[Registration]) -> None:
    """Every repository generated from the template (the platform's and each tenant service's) gets
    exactly the template's placeholder files committed, rendered for it, before its ruleset."""
    holders = {path for path, content in template_files().items() if placeholders_in(content)}
    files: dict[str, dict[str, str]] = {}
    for f in by_type(plan, "github:index/repositoryFile:RepositoryFile"):
        files.setdefault(f.inputs["repository"], {})[f.inputs["file"]] = f.inputs["content"]
    generated = [r for r in by_type(plan, "github:index/repository:Repository") if r.inputs.get("template")]
    assert {r.inputs["name"] for r in generated} >= {"payments-payments-api", "fraud-fraud-scoring", "db-manager"}
    for repo in generated:
        own = files[repo.inputs["name"]]
        assert set(own) == holders, repo.inputs["name"]
        assert all(placeholders_in(content) == [] for content in own.values())
    api = yaml.safe_load(files["payments-payments-api"]["deploy/base/deployment.yaml"])
    assert (api["metadata"]["namespace"], api["spec"]["template"]["spec"]["serviceAccountName"]) == ("payments", "payments-api")
