"""The one composition: every environment is this function applied to its config.

Providers are created by the platform and passed to components explicitly; components never read
config. The platform's layers are steps of ``stacks/platform.py``; each tenant's Args come from
``stacks/tenants.py``; what both derive from the config is in ``stacks/settings.py``.
"""

from __future__ import annotations

import pulumi

from components.tagging import cost_scope_transform
from components.tenant.tenant import Tenant, TenantProviders
from stacks.config import PlatformConfig
from stacks.platform import Platform
from stacks.settings import shared_cost_tags
from stacks.tenants import tenant_settings, tenant_spec


def compose(config: PlatformConfig) -> None:
    # Safety net: anything outside a tenant scope is tagged as platform-shared.
    pulumi.runtime.register_resource_transform(cost_scope_transform(shared_cost_tags(config)))
    platform = Platform(config)
    providers = TenantProviders(
        aws=platform.aws_provider,
        kubernetes=platform.kubernetes_provider,
        vault=platform.vault_provider,
        github=platform.github_provider,
    )
    settings, handles = tenant_settings(config), platform.handles()
    tenants = {t.name: Tenant(t.name, tenant_spec(config, t), settings, handles, platform.ctx, providers) for t in config.tenants}

    pulumi.export("environment", config.environment)
    pulumi.export("clusterName", platform.cluster.name)
    pulumi.export("signingKeyArn", platform.keys.signing_key_arn)
    pulumi.export("signingPublicKeyPem", platform.keys.signing_public_key_pem)
    pulumi.export("auditLedgerBucket", platform.ledger.bucket_name)
    pulumi.export("ciDeployRoleArn", platform.ci.deploy_role_arn)
    pulumi.export("ciPreviewRoleArn", platform.ci.preview_role_arn)
    # The drift environment's variables (.github/workflows/drift.yml): AWS_DRIFT_ROLE_ARN, ALERT_TOPIC_ARN.
    pulumi.export("ciDriftRoleArn", platform.ci.drift_role_arn)
    pulumi.export("alertTopicArn", platform.alert_topic_arn)
    pulumi.export("databaseProxyEndpoint", platform.db.proxy_endpoint)
    pulumi.export("tenantNamespaces", {name: t.namespace for name, t in tenants.items()})
