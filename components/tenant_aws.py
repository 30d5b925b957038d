"""A tenant's AWS footprint: its signed image repositories, its CI publisher roles and its budget."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pulumi

from components.ci_identity import ImagePublisher, publisher_role
from components.finops import monthly_budget
from components.image_repository import ImageRepository, ImageRepositoryArgs
from components.naming import physical_name


def image_repository_name(tenant: str, service: str) -> str:
    return f"{tenant}/{service}"


def service_repository_name(tenant: str, service: str) -> str:
    """The GitHub repository of a tenant service (also the OIDC subject of its CI)."""
    return f"{tenant}-{service}"


@dataclass(frozen=True)
class TenantAwsArgs:
    """Attributes:
        tenant / services: Who and what.
        name_prefix: e.g. ``fintech-dev``.
        monthly_budget_usd / owner_email: The tenant's AWS Budget and who hears about it.
        data_key_arn: Encrypts the tenant's image repositories.
        github_org / github_oidc_provider_arn / signing_key_arn: CI publishing through OIDC.
        protect: Protect and retain stateful resources. Default False.
    """

    tenant: str
    services: list[str]
    name_prefix: str
    monthly_budget_usd: Decimal
    owner_email: str
    data_key_arn: pulumi.Input[str]
    github_org: str
    github_oidc_provider_arn: pulumi.Input[str]
    signing_key_arn: pulumi.Input[str]
    protect: bool = False


class TenantAws(pulumi.ComponentResource):
    image_repository_urls: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: TenantAwsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:TenantAws", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.image_repository_urls = {}
        for service in args.services:
            repo = ImageRepository(f"{name}-{service}", ImageRepositoryArgs(
                repository_name=image_repository_name(args.tenant, service), kms_key_arn=args.data_key_arn,
                protect=args.protect), child)
            self.image_repository_urls[service] = repo.url
            publisher_role(f"{name}-{service}-ci", args.github_oidc_provider_arn, args.github_org,
                           ImagePublisher(service_repository_name(args.tenant, service), [repo.arn]),
                           args.signing_key_arn, args.name_prefix, child)
        monthly_budget(f"{name}-budget", physical_name(args.name_prefix, "tenant", args.tenant), args.tenant,
                       args.monthly_budget_usd, args.owner_email, child)
        self.register_outputs({"imageRepositoryUrls": self.image_repository_urls})
