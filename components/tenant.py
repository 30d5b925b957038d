"""The Tenant: one config entry fans out across every layer of the platform.

A Tenant is a *cost scope*: it carries a resource transform that tags/labels itself and every
descendant with the tenant's cost identity (components/tagging.py), so no child repeats the tags.
Each layer the tenant touches is its own child component, in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.quotas import QuotaTier
from components.tagging import CostTags, cost_scope_transform
from components.tenant_namespace import TenantNamespace, TenantNamespaceArgs


@dataclass(frozen=True)
class TenantProviders:
    """Providers the tenant's layers use; the composition owns them."""

    kubernetes: pulumi.ProviderResource


@dataclass(frozen=True)
class TenantArgs:
    """Inputs of one tenant.

    Attributes:
        name: Tenant name, a DNS-1123 label; also its namespace.
        cost_tags: The tenant's cost identity (environment, tenant, owner, cost-center, data-class).
        tier: Quota tier.
        kubernetes_version: Cluster minor version, pins the Pod Security labels.
        services: Service names of the tenant.
    """

    name: str
    cost_tags: CostTags
    tier: QuotaTier
    kubernetes_version: str
    services: list[str] = field(default_factory=list)


class Tenant(pulumi.ComponentResource):
    namespace: pulumi.Output[str]

    def __init__(
        self, name: str, args: TenantArgs, providers: TenantProviders, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        scope = pulumi.ResourceOptions(transforms=[cost_scope_transform(args.cost_tags)])
        super().__init__("fintech:platform:Tenant", name, None, pulumi.ResourceOptions.merge(opts, scope))

        self.kubernetes = TenantNamespace(
            name,
            TenantNamespaceArgs(
                namespace=args.name,
                tier=args.tier,
                kubernetes_version=args.kubernetes_version,
                services=args.services,
            ),
            pulumi.ResourceOptions(parent=self, providers=[providers.kubernetes]),
        )
        self.namespace = self.kubernetes.namespace
        self.register_outputs({"namespace": self.namespace})
