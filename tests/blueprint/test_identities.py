"""The offline engine fails where the real one fails: one URN registered twice, and two resources that
would claim one real object (from two tenants, or a tenant and the platform)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from blueprint.engine.identities import IdentityCollision, collisions
from blueprint.engine.run import ProgramError, run_program
from blueprint.plan import plan
from stacks.loader import ROOT, ConfigError
from tests.conftest import as_document, project_values


def test_a_second_registration_of_one_urn_fails_as_in_the_engine(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text(
        "import pulumi_aws as aws\naws.sqs.Queue('twice', name='a')\naws.sqs.Queue('twice', name='b')\n",
    )
    with pytest.raises(ProgramError, match=r"Duplicate resource URN 'urn:pulumi:dev::fintech-blueprint::aws:sqs/queue:Queue::twice'"):
        run_program("dev", {"aws:region": "eu-west-3"}, [], "eu-west-3", program=program)


def _with_tenant_named(name: str, owner_team: str | None = None) -> dict:
    values = project_values()
    extra = copy.deepcopy(values["tenants"][1])
    extra["name"], extra["costCenter"] = name, "CC-1099"
    extra["ownerTeam"] = owner_team or f"{name}-squad"
    values["tenants"].append(extra)
    return values


def test_a_tenant_named_like_a_platform_namespace_is_refused_by_the_config_model(tmp_path: Path, write_stack: Callable[..., Path]) -> None:
    path = write_stack(as_document(_with_tenant_named("argocd")))
    with pytest.raises(ConfigError) as raised:
        plan("dev", path, tmp_path / "out", None)
    assert dict(raised.value.problems)["tenants[2].name"].startswith("'argocd' is a namespace that Kubernetes or the platform owns")
    assert not (tmp_path / "out").exists()


def test_two_objects_with_one_kubernetes_name_collide_before_any_provider(tmp_path: Path) -> None:
    """Behind the model's reserved names: whatever two resources claim the same object is caught."""
    program = tmp_path / "__main__.py"
    program.write_text(
        "import pulumi_kubernetes as k8s\n"
        "k8s.core.v1.Namespace('platform-argocd', metadata={'name': 'argocd'})\n"
        "k8s.core.v1.Namespace('argocd-ns', metadata={'name': 'argocd'})\n"
    )
    registrations = run_program("dev", {"aws:region": "eu-west-3"}, [], "eu-west-3", program=program)
    assert [(t, ident, sorted(u.rsplit("::", 1)[-1] for u in urns)) for t, ident, urns in collisions(registrations)] == [
        ("kubernetes", ("v1", "Namespace", "", "argocd"), ["argocd-ns", "platform-argocd"])
    ]


@pytest.mark.plan
def test_two_tenants_with_one_owner_team_would_fight_over_the_github_team(tmp_path: Path, write_stack: Callable[..., Path]) -> None:
    """The org stack creates each tenant's team (ADR-0031): two tenants of one team collide in its plan."""
    import yaml

    dev = write_stack(as_document(_with_tenant_named("lending", owner_team="fraud-team")), name="Pulumi.dev.yaml")
    org = yaml.safe_load((ROOT / "org" / "Pulumi.org.yaml").read_text())
    org["config"]["fintech-blueprint-org:environments"] = [{"name": "dev", "stackFile": str(dev)}]
    org_file = write_stack(org, name="Pulumi.org.yaml")
    with pytest.raises(IdentityCollision) as raised:
        plan("org", org_file, tmp_path / "out", None)
    assert [(t, ident) for t, ident, _ in raised.value.clashes] == [("github:index/team:Team", ("fraud-team",))]


def test_the_real_stacks_claim_every_object_once(stack_plans: dict) -> None:
    for registrations in stack_plans.values():
        assert collisions(registrations) == []


def test_no_two_stacks_manage_the_same_object(stack_plans: dict) -> None:
    """Organization-level GitHub objects live in the org stack only (ADR-0031); each environment writes its
    own GitHub environment's variables and deploy keys, and has its own Vault and account (ADR-0018)."""
    from blueprint.engine.identities import cross_stack_collisions
    from blueprint.engine.run import run_program
    from stacks.org import load_org_stack_file

    org_file, _ = load_org_stack_file(ROOT / "org" / "Pulumi.org.yaml")
    flat, secrets = org_file.flattened()
    org = run_program("org", flat, secrets, "eu-west-3", project="fintech-blueprint-org")
    assert {r.type for r in org} >= {"github:index/repository:Repository", "github:index/team:Team"}
    assert cross_stack_collisions({**stack_plans, "org": org}) == []


@pytest.mark.plan
def test_two_stacks_on_one_organization_and_one_vault_collide(write_stack: Callable[..., Path]) -> None:
    from blueprint.engine.identities import cross_stack_collisions
    from tests.conftest import plan_registrations

    values = project_values()
    values["vault"] = {"address": "https://vault.prod.platform.internal:8200"}
    values["awsAccountId"] = "210987654321"
    dev_like = plan_registrations(write_stack(as_document(values)), "dev")
    prod = plan_registrations(Path("Pulumi.prod.yaml").resolve(), "prod")
    found = cross_stack_collisions({"dev": dev_like, "prod": prod})
    kinds = {t for _, t, _, _ in found}
    assert {
        "vault:index/mount:Mount",
        "vault:index/policy:Policy",
        "aws:ecr/repository:Repository",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    } <= kinds
    assert all(stacks == ["dev", "prod"] for *_, stacks in found)
