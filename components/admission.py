"""Signed-image admission (Gate 0/3, ADR-3): the Kyverno policy, as a pure function.

In every tenant namespace, an image from the platform registry must carry a cosign signature made
with the platform KMS key (the key the AWS layer creates and CI signs with); an image from any other
registry is rejected unless the stack (or the tenant) allow-lists that registry. Kyverno is chosen
over sigstore policy-controller in adrs/0012-kyverno-admission.md.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.tagging import SHARED_TENANT

POLICY_NAME = "verify-platform-image-signatures"
TENANT_NAMESPACES = {
    "matchExpressions": [
        {"key": "tenant", "operator": "Exists"},
        {"key": "tenant", "operator": "NotIn", "values": [SHARED_TENANT]},
    ]
}
_ALL_CONTAINERS = "request.object.spec.[ephemeralContainers, initContainers, containers][]"


def registry_host(account_id: str, region: str) -> str:
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


def _pods_in(
    namespace_selector: dict[str, Any] | None = None, names: list[str] | None = None, exclude: list[str] | None = None
) -> dict[str, Any]:
    resources: dict[str, Any] = {"kinds": ["Pod"]}
    if namespace_selector:
        resources["namespaceSelector"] = namespace_selector
    if names:
        resources["namespaces"] = names
    match: dict[str, Any] = {"match": {"any": [{"resources": resources}]}}
    if exclude:
        match["exclude"] = {"any": [{"resources": {"namespaces": exclude}}]}
    return match


def _registry_rule(name: str, allowed: list[str], scope: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        **scope,
        "validate": {
            "message": f"images must come from the platform registry or an allow-listed registry ({', '.join(allowed)})",
            "foreach": [
                {
                    "list": _ALL_CONTAINERS,
                    "deny": {"conditions": {"all": [{"key": "{{ element.image }}", "operator": "AnyNotIn", "value": allowed}]}},
                }
            ],
        },
    }


def signature_policy(
    host: str, public_key_pem: pulumi.Input[str], cluster_allowed: list[str], tenant_allowed: dict[str, list[str]]
) -> dict[str, Any]:
    """The ClusterPolicy ``spec``. ``*_allowed`` are registry prefixes (e.g. ``ghcr.io/acme``)."""
    platform = f"{host}/*"
    allowed = [platform] + [f"{r.rstrip('/')}/*" for r in cluster_allowed]
    extra = {t: regs for t, regs in sorted(tenant_allowed.items()) if regs}
    rules: list[dict[str, Any]] = [
        {
            "name": "verify-signature",
            **_pods_in(TENANT_NAMESPACES),
            "verifyImages": [
                {
                    "imageReferences": [platform],
                    "mutateDigest": True,
                    "verifyDigest": True,
                    "required": True,
                    "attestors": [
                        {
                            "count": 1,
                            "entries": [
                                {
                                    "keys": {
                                        "publicKeys": public_key_pem,
                                        "signatureAlgorithm": "sha256",
                                        "rekor": {"ignoreTlog": True},
                                        "ctlog": {"ignoreSCT": True},
                                    }
                                }
                            ],
                        }
                    ],
                }
            ],
        },
        _registry_rule("restrict-registries", allowed, _pods_in(TENANT_NAMESPACES, exclude=sorted(extra))),
    ]
    for tenant, registries in extra.items():
        rules.append(
            _registry_rule(f"restrict-registries-{tenant}", allowed + [f"{r.rstrip('/')}/*" for r in registries], _pods_in(names=[tenant]))
        )
    return {"validationFailureAction": "Enforce", "background": False, "webhookTimeoutSeconds": 30, "rules": rules}
