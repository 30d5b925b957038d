"""The real Pulumi CLI, engine, state, secrets and analyzer on this program and pack (stand-in providers).

These are the referee for the offline engine: where the two disagree, the offline engine is wrong.
``make engine`` builds the CLI first; ``make test`` and CI run it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint import realengine
from blueprint.engine.diff import diff
from blueprint.engine.identities import cross_stack_collisions
from blueprint.engine.inventory import inventory_document
from blueprint.engine.mocks import Registration
from blueprint.engine.run import run_program
from blueprint.realengine import Workspace
from policy_pack.policies.ordering import CRD_CHARTS
from stacks.loader import ROOT, load_stack_file
from tests.conftest import NEW_TENANT, NEW_TENANT_RESOURCES, SHARED_CHANGES_ON_ONBOARDING, platform_resources_of

pytestmark = pytest.mark.engine


@pytest.fixture(scope="session")
def org_up(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The org stack up once, with the pack (ADR-0031): every environment reads its outputs, so each
    workspace starts from a copy of this backend, as the deploy workflow runs org first."""
    workspace = realengine.make_workspace(tmp_path_factory.mktemp("org"))
    assert workspace.init_stack("org").returncode == 0
    up = workspace.up("org")
    assert up.returncode == 0, up.output[-4000:]
    return workspace


def with_state_of(source: Workspace, root: Path, stacks: tuple[str, ...]) -> Workspace:
    """A workspace in ``root`` holding ``source``'s backend, its world, and the named stacks' files
    (``stack init`` wrote the passphrase's salt into them)."""
    copy = realengine.make_workspace(root)
    shutil.copytree(source.root / "state", copy.root / "state", dirs_exist_ok=True)
    if (source.root / "world").is_dir():  # the external systems the state describes (blueprint/standin/world.py)
        shutil.copytree(source.root / "world", copy.root / "world")
    for stack in stacks:
        shutil.copy2(source.stack_file(stack), copy.stack_file(stack))
    return copy


@pytest.fixture
def ws(tmp_path: Path, org_up: Workspace) -> Workspace:
    return with_state_of(org_up, tmp_path, ("org",))


@dataclass(frozen=True)
class Applied:
    """org, dev and prod applied once, with the pack, into one backend: the tests that need a deployed
    stack work on a copy of it (``copy_of``) instead of applying it again."""

    workspace: Workspace
    ups: dict[str, realengine.Result]
    records: dict[str, list[Registration]]


@pytest.fixture(scope="session")
def applied(tmp_path_factory: pytest.TempPathFactory, org_up: Workspace) -> Applied:
    workspace = with_state_of(org_up, tmp_path_factory.mktemp("applied"), ("org",))
    ups = {"org": realengine.Result([], 0, "", "")}
    for stack in ("dev", "prod"):
        assert workspace.init_stack(stack).returncode == 0
        ups[stack] = workspace.up(stack)
        assert ups[stack].returncode == 0, ups[stack].output[-4000:]
    return Applied(workspace, ups, {stack: realengine.registrations(workspace.export(stack)) for stack in ups})


def copy_of(applied: Applied, root: Path) -> Workspace:
    """A workspace in ``root`` holding what ``applied`` deployed."""
    return with_state_of(applied.workspace, root, tuple(applied.ups))


def mandatory_findings(output: str) -> list[str]:
    return re.findall(r"\[mandatory\][^\n]*", output)


def deferred(output: str) -> set[str]:
    return set(re.findall(r"can't run policy '([a-z0-9-]+)'", output))


def steps(ws: Workspace, stack: str) -> dict[str, set[str]]:
    """URN names per operation of a preview (``pulumi preview --json``), same-steps left out, and the read of
    the org stack's outputs, which every run makes (a StackReference is read, never changed)."""
    result = ws.preview(stack, "--json", policy=False)
    assert result.returncode == 0, result.output
    ops: dict[str, set[str]] = {}
    for step in json.loads(result.stdout).get("steps", []):
        if step["op"] not in ("same", "read"):
            ops.setdefault(step["op"], set()).add(step["urn"])
    return ops


def preview_dev_with(ws: Workspace, extra_program: str) -> Any:
    """A first preview of dev whose program is ours plus ``extra_program`` (the workspace links the
    project's files: the copy replaces the link)."""
    main = ws.project / "__main__.py"
    main.unlink()
    main.write_text((ROOT / "__main__.py").read_text() + extra_program)
    assert ws.init_stack("dev").returncode == 0
    return ws.preview("dev")


def edit_tenants(path: Path, change: Any) -> None:
    document = yaml.safe_load(path.read_text())
    change(document["config"]["fintech-blueprint:tenants"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_first_preview_passes_the_pack(ws: Workspace, stack: str) -> None:
    assert ws.init_stack(stack).returncode == 0
    result = ws.preview(stack)
    assert result.returncode == 0, result.output[-4000:]
    assert mandatory_findings(result.output) == []
    # What a first preview cannot evaluate (the analyzer reports it advisory): the offline plan's
    # previewDeferred predicts exactly these policies, and the list may only shrink (ADR-0015).
    offline = ws.root / "offline"
    assert realengine.offline_plan(stack, ws.stack_file(stack), offline).returncode == 0
    predicted = {d["policy"] for d in json.loads((offline / "policy-report.json").read_text())["previewDeferred"]}
    assert deferred(result.output) == predicted
    assert predicted <= realengine.KNOWN_PREVIEW_DEFERRED, "update KNOWN_PREVIEW_DEFERRED and ADR-0015"


def test_without_legacy_provider_preview_kubernetes_stack_rules_defer_rather_than_pass(ws: Workspace) -> None:
    """Without the engine setting CI uses, Kubernetes objects of a cluster not created yet have empty
    state in a first preview: the rules over them say so instead of passing vacuously."""
    del ws.env["PULUMI_LEGACY_PROVIDER_PREVIEW"]
    assert ws.init_stack("dev").returncode == 0
    result = ws.preview("dev")
    assert result.returncode == 0, result.output[-3000:]
    assert deferred(result.output) == {
        "creation-order",
        "ecr-signature-admission",
        "image-admission-complete",  # the admission ClusterPolicy and the platform's workloads (#26)
        "pooler-available",  # the pooler's Deployment, budget and priority classes (#27 item 5)
        "tenant-erasure-wired",  # the erasure CronJob (ADR-0005)
        "tenant-images-own-repositories",  # the admission ClusterPolicy
        "tenant-namespace-bundle",
        "tenant-registry-scope-enforced",
        # #17's journey over Kubernetes objects (Applications, network policies, the pooler's
        # ConfigMap and Job, ScaledObjects, monitors)
        "tenant-gitops-wired",
        "tenant-vault-reachable",
        "tenant-database-path-wired",
        "tenant-worker-scaling-wired",
        "tenant-telemetry-wired",
        "dead-letter-queues-alerted",  # the tenants' queue alert rules (#30 item 3)
        "tenant-canary-guarded",  # the tenants' Rollouts and AnalysisTemplates (#29)
        "alerts-reach-a-person",  # Alertmanager's release values and the tenants' AlertmanagerConfigs (#30 item 1)
        "edge-waf-rate-limited",  # the tenants' IngressClassParams (#29 items 2-3)
    }


STAR_ACTION = (
    "\nimport json\nimport pulumi_aws as aws\n"
    "role = aws.iam.Role('broken-role', name='broken-role', assume_role_policy=json.dumps({'Version': '2012-10-17', "
    "'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': {'Service': 'ec2.amazonaws.com'}}]}))\n"
    "aws.iam.RolePolicy('broken-policy', role=role.id, policy=json.dumps({'Version': '2012-10-17', "
    "'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))\n"
)
#: kms-tenant-key-isolation finds a tenant by the component above a role policy: the engine hands the
#: analyzer the parents, so a grant of another key under a tenant is caught in a first preview.
TENANT_GRANTED_PLATFORM_KEY = (
    "\nimport json\nimport pulumi\nimport pulumi_aws as aws\n"
    "intruder = pulumi.ComponentResource('fintech:platform:Tenant', 'intruder')\n"
    "aws.iam.RolePolicy('intruder-policy', role='fintech-blueprint-dev-payments-payments-api', "
    "policy=json.dumps({'Version': '2012-10-17', 'Statement': [{'Sid': 'UseKey', 'Effect': 'Allow', "
    "'Action': 'kms:Decrypt', 'Resource': 'arn:aws:kms:eu-west-3:123456789012:key/*', 'Condition': "
    "{'ForAnyValue:StringEquals': {'kms:ResourceAliases': 'alias/fintech-blueprint-dev-data'}}}]}), "
    "opts=pulumi.ResourceOptions(parent=intruder))\n"
)


def test_broken_resources_fail_the_first_preview(ws: Workspace) -> None:
    """A `*` action on a new role, and a tenant's role granted the platform's data key: each blocks the
    first preview with its rule (one preview of the program with both, to keep the tier fast)."""
    result = preview_dev_with(ws, STAR_ACTION + TENANT_GRANTED_PLATFORM_KEY)
    assert result.returncode != 0
    findings = mandatory_findings(result.output)
    assert any("iam-no-star-action" in f and "broken-policy" in f for f in findings), result.output[-3000:]
    assert any("kms-tenant-key-isolation" in f for f in findings), result.output[-3000:]
    assert "tenant 'intruder': statement UseKey grants alias/fintech-blueprint-dev-data" in result.output


def test_up_is_idempotent_and_matches_the_offline_inventory(applied: Applied, tmp_path: Path) -> None:
    """The pack passed the real ``up`` of dev (``applied``); a second preview finds nothing to change."""
    assert applied.ups["dev"].returncode == 0
    ws = copy_of(applied, tmp_path)
    again = ws.preview("dev", "--expect-no-changes")
    assert again.returncode == 0, again.output[-3000:]
    offline = tmp_path / "offline"
    plan = realengine.offline_plan("dev", ws.stack_file("dev"), offline)
    assert plan.returncode == 0, plan.output
    inventory = json.loads((offline / "inventory.json").read_text())
    assert realengine.differences(ws.export("dev"), inventory) == []


def _tenant_urns(urns: set[str], tenant: str) -> set[str]:
    return {u for u in urns if "fintech:platform:Tenant" in u and u.rsplit("::", 1)[-1].startswith(tenant)}


def test_onboarding_and_offboarding_touch_only_that_tenant(applied: Applied, tmp_path: Path) -> None:
    ws = copy_of(applied, tmp_path)
    original = ws.stack_file("dev").read_text()

    edit_tenants(ws.stack_file("dev"), lambda tenants: tenants.append(NEW_TENANT))
    # The new tenant's repositories are the org stack's, deployed first (the workflow's order, ADR-0031):
    # dev before it stops, naming the order, and writes nothing.
    early = ws.preview("dev", policy=False)
    assert early.returncode != 0 and "is not among the org stack's repositories: run `pulumi up` of the org stack first" in early.output
    assert ws.up("org", policy=False).returncode == 0
    added = steps(ws, "dev")
    platform_created = {u for u in added["create"] if u.rsplit("::", 1)[-1] in platform_resources_of("lending")}
    tenant_created = added["create"] - platform_created
    assert tenant_created == _tenant_urns(tenant_created, "lending") and len(tenant_created) == NEW_TENANT_RESOURCES, len(tenant_created)
    assert {u.rsplit("::", 1)[-1] for u in platform_created} == platform_resources_of("lending")
    shared = {u.rsplit("::", 1)[-1] for op, urns in added.items() if op != "create" for u in urns}
    # Nothing shared changes: no pooler, no migration Job, not Vault's connection, not the log route (#27 item 3).
    assert shared <= SHARED_CHANGES_ON_ONBOARDING, added

    assert ws.up("dev", policy=False).returncode == 0
    ws.stack_file("dev").write_text(original)
    removed = steps(ws, "dev")
    assert removed["delete"] == added["create"]
    assert {u.rsplit("::", 1)[-1] for op, urns in removed.items() if op != "delete" for u in urns} == shared


def test_prod_refuses_to_destroy_protected_resources(applied: Applied, tmp_path: Path) -> None:
    """The engine refuses to delete what prod's state marks protected: a tenant's log group (a leaf:
    nothing depends on it, so the refusal is protection's, not a dependent's), targeted so that the
    engine stops at it rather than deleting the rest of prod first."""
    ws = copy_of(applied, tmp_path)
    resources = ws.export("prod")["deployment"]["resources"]
    protected = [r for r in resources if r.get("protect") and r["type"] == "aws:cloudwatch/logGroup:LogGroup" and "payments" in r["urn"]]
    assert protected, "prod's tenant log groups are protected in its state"
    urn = protected[0]["urn"]
    destroy = ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "prod", "--target", urn)
    assert destroy.returncode != 0
    assert "protected" in destroy.output, destroy.output[-2000:]
    assert any(r["urn"] == urn for r in ws.export("prod")["deployment"]["resources"]), "the protected resource is still in the state"


def test_a_declared_key_without_default_must_be_set(ws: Workspace) -> None:
    assert ws.init_stack("dev").returncode == 0
    document = yaml.safe_load(ws.stack_file("dev").read_text())
    del document["config"]["fintech-blueprint:protectStateful"]
    ws.stack_file("dev").write_text(yaml.safe_dump(document, sort_keys=False))
    result = ws.preview("dev", policy=False)
    assert result.returncode != 0
    assert "protectStateful" in result.output and "missing" in result.output.lower(), result.output[-2000:]


def test_an_undecryptable_secure_value_fails(ws: Workspace) -> None:
    assert ws.init_stack("dev").returncode == 0
    document = yaml.safe_load(ws.stack_file("dev").read_text())
    document["config"]["fintech-blueprint:apiToken"] = {"secure": "v1:set-with-pulumi-config-set-secret"}
    ws.stack_file("dev").write_text(yaml.safe_dump(document, sort_keys=False))
    result = ws.preview("dev", policy=False)
    assert result.returncode != 0
    assert "validating stack config: bad value" in result.output, result.output[-2000:]


@pytest.fixture
def deployed(applied: Applied) -> dict[str, list[Registration]]:
    """dev and prod as the real engine stored them (one backend), as records of their states."""
    return applied.records


def test_the_real_states_of_dev_and_prod_claim_no_common_object(deployed: dict[str, list[Registration]], tmp_path: Path) -> None:
    """#12 item 7, on what the engine stored: no repository, team, Vault path, IAM or ECR name twice.
    The GitHub objects the engine stored for prod are those the offline plan predicts (so the
    comparison below is not made on an empty set)."""
    plan = realengine.offline_plan("prod", ROOT / "Pulumi.prod.yaml", tmp_path)
    assert plan.returncode == 0, plan.output
    predicted = [r for r in json.loads((tmp_path / "inventory.json").read_text())["resources"] if r["type"].startswith("github:")]
    stored = [r for r in deployed["prod"] if r.type.startswith("github:")]
    assert len(stored) == len(predicted) > 0
    assert cross_stack_collisions(deployed) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_infra_repository_is_never_created(deployed: dict[str, list[Registration]], stack: str) -> None:
    """#12 item 6: the repository that runs the program is an input."""
    infra = load_stack_file(ROOT / f"Pulumi.{stack}.yaml")[1].github.infra_repository
    repositories = {r.inputs.get("name") for r in deployed[stack] if r.type == "github:index/repository:Repository"}
    assert infra not in repositories
    deploy_trust = next(r for r in deployed[stack] if r.type == "aws:iam/role:Role" and r.inputs.get("name", "").endswith("-deploy"))
    assert f"repo:fintech-blueprint/{infra}:environment:{stack}" in deploy_trust.inputs["assumeRolePolicy"]


def _named_by(resource: Registration, key: str, records: list[Registration], type_prefix: str) -> Registration | None:
    return next((r for r in records if r.type.startswith(type_prefix) and r.state.get("path") == resource.inputs.get(key)), None)


def test_the_real_state_orders_vault_objects_after_their_mounts(deployed: dict[str, list[Registration]]) -> None:
    """#12 item 10, on the dependencies the engine recorded: every Vault object that lives under a
    mount or auth backend depends on it; rulesets come after the files they would block; custom
    resources after the release that installs their CRD (the pack's creation-order rule, on real state)."""
    records = deployed["dev"]
    checked = 0
    for r in records:
        for key in ("mount", "backend"):
            if r.type.startswith("vault:") and r.inputs.get(key):
                parent = _named_by(r, key, records, "vault:")
                assert parent is not None, f"{r.urn}: no mount at {r.inputs[key]}"
                assert parent.urn in r.dependencies, f"{r.urn} does not wait for {parent.urn}"
                checked += 1
    assert checked >= 10
    for ruleset in (r for r in records if r.type == "github:index/repositoryRuleset:RepositoryRuleset"):
        files = [
            f.urn
            for f in records
            if f.type == "github:index/repositoryFile:RepositoryFile" and f.inputs.get("repository") == ruleset.inputs.get("repository")
        ]
        assert set(files) <= set(ruleset.dependencies), ruleset.urn
    custom = [r for r in records if r.type.startswith("kubernetes:") and r.type.split(":")[1].split("/")[0] in CRD_CHARTS]
    releases = {r.urn for r in records if r.type == "kubernetes:helm.sh/v3:Release"}
    assert custom and all(set(r.dependencies) & releases for r in custom), [r.urn for r in custom if not set(r.dependencies) & releases]


CHILD_PROGRAM = """
import pulumi
import pulumi_random as random

from components import options


class Holder(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Holder", name, None, opts)
        random.RandomString(f"{name}-inner", length=8, special=False, opts=options.child(self, opts))
        random.RandomString(f"{name}-kept", length=8, special=False, opts=options.child(self, opts, keep=True))
        self.register_outputs({})


first = random.RandomString("first", length=8, special=False)
Holder("holder", pulumi.ResourceOptions(depends_on=[first]))
"""


def test_a_component_s_depends_on_reaches_its_children_in_the_real_state(ws: Workspace) -> None:
    """``options.child`` hands a child what its component waits for: the engine records the dependency
    on the child itself (a component's own ``depends_on`` is recorded on the component only)."""
    main = ws.project / "__main__.py"
    main.unlink()
    main.write_text(CHILD_PROGRAM)
    assert ws.init_stack("dev").returncode == 0
    up = ws.up("dev", policy=False)
    assert up.returncode == 0, up.output[-3000:]
    resources = {r["urn"].rsplit("::", 1)[-1]: r for r in ws.export("dev")["deployment"]["resources"]}
    first = resources["first"]["urn"]
    for name in ("holder-inner", "holder-kept"):
        assert first in resources[name].get("dependencies", []), resources[name]
    assert resources["holder-kept"].get("protect") is True and resources["holder-kept"].get("retainOnDelete") is True
    assert not resources["holder-inner"].get("protect")


def _log_group_program(name: str, days: int) -> str:
    return f"import pulumi_aws as aws\n\naws.cloudwatch.LogGroup('logs', name='{name}', retention_in_days={days})\n"


def _offline_inventory(program: str, tmp: Path) -> dict[str, Any]:
    path = tmp / "__main__.py"
    path.write_text(program)
    return inventory_document("dev", run_program("dev", {"aws:region": "eu-west-3"}, [], "eu-west-3", program=path))


def test_the_real_engine_replaces_what_the_offline_diff_marks_replaced(ws: Workspace, tmp_path: Path) -> None:
    """The replacement table decides the offline diff's ``+-``; the stand-in providers answer ``Diff`` from
    the same table, and the real engine's preview shows the same step: a log group's name forces a new
    resource (terraform-provider-aws: ForceNew), its retention is an update."""
    main = ws.project / "__main__.py"
    main.unlink()
    main.write_text(_log_group_program("/platform/a", 30))
    assert ws.init_stack("dev").returncode == 0
    assert ws.up("dev", policy=False).returncode == 0
    before = _offline_inventory(_log_group_program("/platform/a", 30), tmp_path)
    urn = next(r["urn"] for r in before["resources"] if r["type"] == "aws:cloudwatch/logGroup:LogGroup")
    for program, offline_kind, real_ops in (
        (_log_group_program("/platform/b", 30), "replaced", {"replace", "create-replacement", "delete-replaced"}),
        (_log_group_program("/platform/a", 90), "changed", {"update"}),
    ):
        after = _offline_inventory(program, tmp_path)
        offline = diff(before, after)
        assert [urn] == (offline.replaced if offline_kind == "replaced" else [u for u, _ in offline.changed]), offline
        main.write_text(program)
        preview = ws.preview("dev", "--json", policy=False)
        assert preview.returncode == 0, preview.output[-2000:]
        ops = {step["op"] for step in json.loads(preview.stdout)["steps"] if step["urn"] == urn}
        assert ops and ops <= real_ops, ops


# -- the day-one path (#26 items 3 and 9, ADR-0031): the stacks in the deploy workflow's order ----------
# ``applied`` is day one in that order: org, then dev and prod, from an empty backend and an empty world
# (blueprint/standin/world.py), where the GitHub stand-in refuses what GitHub refuses.

GITHUB_PROGRAM = """
import pulumi
import pulumi_github as github

owner = github.Provider("github", owner="fintech-blueprint")
opts = pulumi.ResourceOptions(provider=owner)
repo = github.Repository("repo", name="payments-payments-api", visibility="private", opts=opts)
env = github.RepositoryEnvironment("env", repository=repo.name, environment="dev", opts=opts)
# After the environment (its output), as an environment stack writes after the org stack's up.
github.ActionsEnvironmentVariable(
    "ok", repository=repo.name, environment=env.environment, variable_name="AWS_REGION", value="eu-west-3", opts=opts
)
"""


def _run_program(ws: Workspace, program: str) -> realengine.Result:
    main = ws.project / "__main__.py"
    main.unlink()
    main.write_text(program)
    return ws.up("dev", policy=False)


def test_the_github_stand_in_refuses_what_github_refuses(tmp_path: Path) -> None:
    """A deploy key or a variable on a repository that does not exist (404), a variable in an environment
    the repository lacks (404), a write to an archived repository (403): refused at ``up``, with GitHub's
    status and endpoint."""
    ws = realengine.make_workspace(tmp_path)
    assert ws.init_stack("dev").returncode == 0
    assert _run_program(ws, GITHUB_PROGRAM).returncode == 0
    refusals = {
        "github.RepositoryDeployKey('key', repository='payments-other', title='argocd-dev', key='ssh-ed25519 AAAA', "
        "read_only=True, opts=opts)": "404 Not Found: POST /repos/fintech-blueprint/payments-other/keys",
        "github.ActionsEnvironmentVariable('staging', repository=repo.name, environment='staging', variable_name='X', "
        "value='1', opts=opts)": "has no environment 'staging'",
    }
    for line, message in refusals.items():
        up = _run_program(ws, GITHUB_PROGRAM + line + "\n")
        assert up.returncode != 0 and message in up.output, up.output[-3000:]
    # Destroyed, the repository is archived (archive_on_destroy): nothing more is written to it.
    assert _run_program(ws, "import pulumi\n").returncode == 0
    up = _run_program(ws, GITHUB_PROGRAM)
    assert up.returncode != 0 and "403 Forbidden" in up.output and "archived" in up.output, up.output[-3000:]


def test_an_environment_deployed_before_the_org_stack_stops_at_its_reference(tmp_path: Path) -> None:
    """The reversed order of day one: dev before the org stack exists stops before any change."""
    ws = realengine.make_workspace(tmp_path)
    assert ws.init_stack("dev").returncode == 0
    up = ws.up("dev", policy=False)
    assert up.returncode != 0
    assert "organization/fintech-blueprint-org/org" in up.output, up.output[-3000:]
    assert not (ws.root / "world" / "github").exists(), "nothing was written to GitHub"


# The GitHub half of prod before ADR-0031 (6e42ab4): the organization under the Platform component and each
# tenant's team and repositories under its Tenant, through a `github` provider at the root; no environments.
LEGACY_PROD_GITHUB = """
import pulumi
import pulumi_github as github

from components.github.organization import GithubOrganization, GithubOrganizationArgs, TeamSpec
from components.tenant.github import TenantGithub, TenantGithubArgs
from stacks.catalog import PLATFORM_REPOSITORIES
from stacks.org import ORG_DIR, SECURITY_TEAM, environment_configs, load_org_stack_file, raw_tenants, tenant_directory
from stacks.org_program import org_context
from stacks.settings import repository_files

_, config = load_org_stack_file(ORG_DIR / "Pulumi.org.yaml")
tenants = tenant_directory([(env.name, raw_tenants(c)) for env, c in environment_configs(config, ORG_DIR) if env.name == "prod"])
ctx, org = org_context(config), config.github_org
provider = github.Provider("github", owner=org)
platform = pulumi.ComponentResource("fintech:platform:Platform", "platform")
GithubOrganization(
    "github-org",
    GithubOrganizationArgs(
        billing_email=config.github.billing_email,
        teams=[
            TeamSpec(config.platform_owner, "Platform team: owns the platform repositories", list(config.github.platform_maintainers)),
            TeamSpec(SECURITY_TEAM, "Security & QA: reviews Gate 1 and policy changes", list(config.github.security_maintainers)),
        ],
        platform_repositories=[(r.name, r.description) for r in PLATFORM_REPOSITORIES],
        required_approvals=config.github.required_approvals,
        repository_files={
            r.name: repository_files(org, config.platform_owner, "platform", r.name, config.platform_owner) for r in PLATFORM_REPOSITORIES
        },
    ),
    ctx,
    pulumi.ResourceOptions(parent=platform, providers=[provider]),
)
for tenant in tenants:
    holder = pulumi.ComponentResource("fintech:platform:Tenant", tenant.name)
    TenantGithub(
        tenant.name,
        TenantGithubArgs(
            team_slug=tenant.owner_team,
            maintainers=list(tenant.maintainers),
            repositories=[(r.name, r.description) for r in tenant.repositories],
            required_approvals=config.github.required_approvals,
            repository_files={
                r.name: repository_files(org, config.platform_owner, tenant.name, r.service, tenant.owner_team)
                for r in tenant.repositories
            },
        ),
        ctx,
        pulumi.ResourceOptions(parent=holder, providers=[provider]),
    )
"""


def test_prod_s_github_objects_move_to_the_org_stack_without_replacement(tmp_path: Path) -> None:
    """#26 item 1: the migration ADR-0031 documents, on the real engine: prod's GitHub components are moved
    (`pulumi state move`) into the org stack, whose preview then replaces and deletes nothing, and whose
    protected repositories stay protected."""
    ws = realengine.make_workspace(tmp_path)
    assert ws.init_stack("prod").returncode == 0
    legacy = _run_program_as(ws, "prod", LEGACY_PROD_GITHUB)
    assert legacy.returncode == 0, legacy.output[-3000:]
    before = ws.export("prod")["deployment"]["resources"]
    moved = [r["urn"] for r in before if r["type"] in ("fintech:github:GithubOrganization", "fintech:github:TenantGithub")]
    assert len(moved) == 3, moved  # the organization, payments and fraud
    assert ws.init_stack("org").returncode == 0
    move = ws.pulumi("state", "move", "--source", "prod", "--dest", "organization/fintech-blueprint-org/org", "--yes", *moved)
    assert move.returncode == 0, move.output[-3000:]
    preview = ws.preview("org", "--json", policy=False)
    assert preview.returncode == 0, preview.output[-3000:]
    operations: dict[str, list[str]] = {}
    for step in json.loads(preview.stdout).get("steps", []):
        operations.setdefault(step["op"], []).append(step["urn"])
    assert not {op for op in operations if op not in ("same", "create", "update")}, {k: v[:5] for k, v in operations.items() if k != "same"}
    created_types = {urn.split("::")[-2].split("$")[-1] for urn in operations.get("create", [])}
    # What the org stack adds: each repository's GitHub environments (ADR-0031); nothing that existed is recreated.
    assert created_types <= {
        "github:index/repositoryEnvironment:RepositoryEnvironment",
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    }, created_types
    after = {r["urn"].rsplit("::", 1)[-1]: r for r in ws.export("org")["deployment"]["resources"]}
    protected = [r["urn"].rsplit("::", 1)[-1] for r in before if r.get("protect")]
    assert protected and all(after[name].get("protect") for name in protected)


def _run_program_as(ws: Workspace, stack: str, program: str) -> realengine.Result:
    main = ws.project / "__main__.py"
    main.unlink()
    main.write_text(program)
    return ws.up(stack, policy=False)
