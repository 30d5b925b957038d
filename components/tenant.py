"""The Tenant: one config entry fans out across every layer of the platform.

A Tenant is a *cost scope*: it carries a resource transform that tags/labels itself and every
descendant with the tenant's cost identity (components/tagging.py), so no child repeats the tags.
Each layer the tenant touches is its own child component, in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.tagging import CostTags, cost_scope_transform
from components.tenant_aws import TenantAws, TenantAwsArgs
from components.tenant_namespace import TenantNamespace, TenantNamespaceArgs


@dataclass(frozen=True)
class TenantProviders:
    """Providers the tenant's layers use; the composition owns them."""

    aws: pulumi.ProviderResource
    kubernetes: pulumi.ProviderResource


@dataclass(frozen=True)
class TenantArgs:
    """Inputs of one tenant: its cost identity and one args object per layer it touches."""

    name: str
    cost_tags: CostTags
    kubernetes: TenantNamespaceArgs
    aws: TenantAwsArgs


class Tenant(pulumi.ComponentResource):
    namespace: pulumi.Output[str]

    def __init__(
        self, name: str, args: TenantArgs, providers: TenantProviders, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        scope = pulumi.ResourceOptions(transforms=[cost_scope_transform(args.cost_tags)])
        super().__init__("fintech:platform:Tenant", name, None, pulumi.ResourceOptions.merge(opts, scope))

        self.aws = TenantAws(name, args.aws, pulumi.ResourceOptions(parent=self, providers=[providers.aws]))
        self.kubernetes = TenantNamespace(name, args.kubernetes, pulumi.ResourceOptions(parent=self, providers=[providers.kubernetes]))
        self.namespace = self.kubernetes.namespace
        self.register_outputs({"namespace": self.namespace, "imageRepositoryUrls": self.aws.image_repository_urls})
