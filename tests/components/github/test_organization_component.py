"""GithubOrganization alone: settings, teams, the golden template and Gate 1 on every repository."""

from __future__ import annotations

from components.github.organization import TEMPLATE_REPOSITORY, GithubOrganization, GithubOrganizationArgs, TeamSpec, gate1_checks
from tests.components.harness import CONTEXT, PROD_CONTEXT, build, resource_violations

ARGS = GithubOrganizationArgs(
    billing_email="platform@fintech-blueprint.example",
    teams=[TeamSpec("platform", "Platform team", ["alice"]), TeamSpec("security", "Security team", ["bob"])],
    platform_repositories=[("db-manager", "DB Manager"), ("concierge", "Concierge")],
    required_approvals=2,
    repository_files={"db-manager": {"README.md": "# db-manager\n"}},
)


def test_every_repository_is_private_from_the_template_and_under_gate_1() -> None:
    built = build(lambda: GithubOrganization("github", ARGS, CONTEXT))
    repositories = {r.inputs["name"]: r.inputs for r in built.of_type("github:index/repository:Repository")}
    assert sorted(repositories) == sorted(["concierge", "db-manager", TEMPLATE_REPOSITORY])
    assert {r["visibility"] for r in repositories.values()} == {"private"}
    assert repositories[TEMPLATE_REPOSITORY]["isTemplate"] is True
    assert repositories["db-manager"]["template"]["repository"] == TEMPLATE_REPOSITORY
    rulesets = built.of_type("github:index/repositoryRuleset:RepositoryRuleset")
    assert len(rulesets) == 3 and {r.inputs["enforcement"] for r in rulesets} == {"active"}
    for ruleset in rulesets:
        checks = ruleset.inputs["rules"]["requiredStatusChecks"]["requiredChecks"]
        assert sorted(c["context"] for c in checks) == sorted(gate1_checks())
        assert ruleset.inputs["rules"]["pullRequest"]["requiredApprovingReviewCount"] == 2


def test_files_are_committed_before_gate_1_is_enforced() -> None:
    built = build(lambda: GithubOrganization("github", ARGS, CONTEXT))
    readme = built.named("github-repo-db-manager-README.md")
    ruleset = built.named("github-repo-db-manager-gate-1")
    assert readme.urn in ruleset.dependencies


def test_the_platform_team_maintains_every_platform_repository() -> None:
    built = build(lambda: GithubOrganization("github", ARGS, CONTEXT))
    grants = built.of_type("github:index/teamRepository:TeamRepository")
    assert {g.inputs["permission"] for g in grants} == {"maintain"} and len(grants) == 2


def test_repositories_are_protected_in_prod() -> None:
    built = build(lambda: GithubOrganization("github", ARGS, PROD_CONTEXT), stack="prod")
    assert {r.options["protect"] for r in built.of_type("github:index/repository:Repository")} == {True}


def test_the_component_alone_passes_the_pack_s_resource_rules() -> None:
    assert resource_violations(build(lambda: GithubOrganization("github", ARGS, PROD_CONTEXT), stack="prod")) == []
