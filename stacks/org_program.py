"""The org stack's composition (ADR-0031): the organization, its teams, the golden template, every
repository (platform and tenant) with Gate 1, its rendered files and its GitHub environments."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_github as github

from components.context import StackContext
from components.github.organization import GithubOrganization, GithubOrganizationArgs, TeamSpec
from components.tenant.github import TenantGithub, TenantGithubArgs
from stacks.catalog import PLATFORM_REPOSITORIES
from stacks.org import SECURITY_TEAM, OrgConfig, contract_outputs, environment_configs, raw_tenants, tenant_directory
from stacks.settings import repository_files


def org_context(config: OrgConfig) -> StackContext:
    """The context the GitHub components read (the organization, protection); no AWS account or region."""
    return StackContext(
        environment="org",
        github_org=config.github_org,
        name_prefix=config.github_org.lower(),
        region="",
        account_id="",
        protect=config.protect,
        infra_repository="",
    )


def compose_org(config: OrgConfig, base: Path) -> None:
    """``base``: the org project's directory, where ``environments[].stackFile`` are relative to."""
    environments = environment_configs(config, base)
    tenants = tenant_directory([(env.name, raw_tenants(loaded)) for env, loaded in environments])
    ctx = org_context(config)
    provider = github.Provider("github", owner=config.github_org)
    organization = GithubOrganization(
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
                r.name: repository_files(config.github_org, config.platform_owner, "platform", r.name, config.platform_owner)
                for r in PLATFORM_REPOSITORIES
            },
            environments={e.name: list(e.reviewers) for e in config.environments},
        ),
        ctx,
        pulumi.ResourceOptions(providers=[provider]),
    )
    for tenant in tenants:
        TenantGithub(
            tenant.name,
            TenantGithubArgs(
                team_slug=tenant.owner_team,
                maintainers=list(tenant.maintainers),
                repositories=[(r.name, r.description) for r in tenant.repositories],
                required_approvals=config.github.required_approvals,
                repository_files={
                    r.name: repository_files(config.github_org, config.platform_owner, tenant.name, r.service, tenant.owner_team)
                    for r in tenant.repositories
                },
                environments=organization.environments,
            ),
            ctx,
            pulumi.ResourceOptions(providers=[provider], depends_on=[organization]),
        )
    for name, value in contract_outputs(config, tenants).items():
        pulumi.export(name, value)
    pulumi.export("templateRepository", organization.template_repository)
