"""Signed-image admission (Gate 0/3, ADR-0003): the Kyverno policy, as a pure function.

In every tenant namespace, an image from the platform registry must carry a cosign signature made
with the platform KMS key (the key the AWS layer creates and CI signs with); an image from any other
registry is rejected unless the stack allow-lists that registry. Within the platform registry, a tenant
namespace runs only its own repositories (``<tenant>/*``) and the platform's (``platform/*``), never
another tenant's (``own_repositories``). A tenant with its own allow-list gets
a namespaced Policy instead (``tenant_registry_policy``): its namespace carries ``REGISTRY_SCOPE_LABEL``,
which only the platform can set, and the cluster-wide registry rule leaves it to that Policy. Kyverno is chosen
over sigstore policy-controller in adrs/0012-kyverno-admission.md.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.tagging import SHARED_TENANT
from policy_pack.policies.contract import REGISTRY_SCOPE_LABEL, REGISTRY_SCOPE_OWN, TENANT_REGISTRY_POLICY

POLICY_NAME = "verify-platform-image-signatures"
#: Platform namespaces whose workloads run the platform's own images: under the same signature check
#: as tenants (#26). The pooler, the migration and the erasure image (db-manager).
PLATFORM_IMAGE_NAMESPACES = ("db-manager",)
_PLATFORM_IMAGE_NAMESPACES = {
    "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(PLATFORM_IMAGE_NAMESPACES)}]
}
TENANT_NAMESPACES = {
    "matchExpressions": [
        {"key": "tenant", "operator": "Exists"},
        {"key": "tenant", "operator": "NotIn", "values": [SHARED_TENANT]},
    ]
}
_OWN_ALLOW_LIST = {"matchLabels": {REGISTRY_SCOPE_LABEL: REGISTRY_SCOPE_OWN}}
_ALL_CONTAINERS = "request.object.spec.[ephemeralContainers, initContainers, containers][]"


def registry_host(account_id: str, region: str) -> str:
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


def registry_prefixes(host: str, cluster_allowed: list[str]) -> list[str]:
    """Image patterns admitted in every tenant namespace: the platform registry and the stack's list."""
    return [f"{host}/*", *_patterns(cluster_allowed)]


def _patterns(registries: list[str]) -> list[str]:
    return [f"{r.rstrip('/')}/*" for r in registries]


def _pods_in(namespace_selector: dict[str, Any] | None = None, exclude_selector: dict[str, Any] | None = None) -> dict[str, Any]:
    resources: dict[str, Any] = {"kinds": ["Pod"]}
    if namespace_selector:
        resources["namespaceSelector"] = namespace_selector
    match: dict[str, Any] = {"match": {"any": [{"resources": resources}]}}
    if exclude_selector:
        match["exclude"] = {"any": [{"resources": {"namespaceSelector": exclude_selector}}]}
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


#: The platform's own images (its repositories are ``platform/<name>``); a tenant's are ``<tenant>/<name>``.
PLATFORM_REPOSITORY_PREFIX = "platform"
OWN_REPOSITORIES_RULE = "own-repositories"


def own_repositories(host: str) -> list[str]:
    """The platform-registry patterns a tenant namespace may run: its own repositories (named after the
    namespace, Kyverno substitutes it) and the platform's. Never another tenant's."""
    return [f"{host}/{{{{ request.namespace }}}}/*", f"{host}/{PLATFORM_REPOSITORY_PREFIX}/*"]


def _own_repositories_rule(host: str) -> dict[str, Any]:
    own = own_repositories(host)
    return {
        "name": OWN_REPOSITORIES_RULE,
        **_pods_in(TENANT_NAMESPACES),
        "validate": {
            "message": f"an image of the platform registry must be one of this tenant's repositories or the platform's ({', '.join(own)})",
            "foreach": [
                {
                    "list": _ALL_CONTAINERS,
                    "deny": {
                        "conditions": {
                            "all": [
                                {"key": "{{ element.image }}", "operator": "AnyIn", "value": [f"{host}/*"]},
                                {"key": "{{ element.image }}", "operator": "AnyNotIn", "value": own},
                            ]
                        }
                    },
                }
            ],
        },
    }


#: The predicate type ``cosign attest --type spdxjson`` writes (cosign's attestation types).
SBOM_PREDICATE_TYPE = "https://spdx.dev/Document"


def _signed_by(public_key_pem: pulumi.Input[str]) -> list[dict[str, Any]]:
    keys = {"publicKeys": public_key_pem, "signatureAlgorithm": "sha256", "rekor": {"ignoreTlog": True}, "ctlog": {"ignoreSCT": True}}
    return [{"count": 1, "entries": [{"keys": keys}]}]


def signature_policy(host: str, public_key_pem: pulumi.Input[str], cluster_allowed: list[str]) -> dict[str, Any]:
    """The ClusterPolicy ``spec``. ``cluster_allowed`` are registry prefixes (e.g. ``ghcr.io/acme``)."""
    allowed = registry_prefixes(host, cluster_allowed)
    platform = allowed[0]
    rules: list[dict[str, Any]] = [
        {
            "name": "verify-signature",
            "match": {
                "any": [
                    {"resources": {"kinds": ["Pod"], "namespaceSelector": TENANT_NAMESPACES}},
                    {"resources": {"kinds": ["Pod"], "namespaceSelector": _PLATFORM_IMAGE_NAMESPACES}},
                ]
            },
            "verifyImages": [
                {
                    "imageReferences": [platform],
                    # Kyverno's own Pod Identity (components/aws/scaler_identity.py AdmissionIdentity).
                    "imageRegistryCredentials": {"providers": ["amazon"]},
                    "mutateDigest": True,
                    "verifyDigest": True,
                    "required": True,
                    "attestors": _signed_by(public_key_pem),
                    # Gate 1 attaches the SBOM as a signed attestation (cosign attest --type spdxjson): an
                    # image without it, or with one the key did not sign, is refused (#26).
                    "attestations": [{"type": SBOM_PREDICATE_TYPE, "attestors": _signed_by(public_key_pem)}],
                }
            ],
        },
        _registry_rule(
            "restrict-registries", allowed, _pods_in(TENANT_NAMESPACES, {"matchLabels": {REGISTRY_SCOPE_LABEL: REGISTRY_SCOPE_OWN}})
        ),
        _own_repositories_rule(host),
    ]
    return _enforced(rules)


def tenant_registry_policy(admitted: list[str], tenant_allowed: list[str]) -> dict[str, Any]:
    """The namespaced Policy ``spec`` of a tenant with its own allow-list: the platform's patterns
    (``registry_prefixes``) plus the tenant's registry prefixes."""
    return _enforced([_registry_rule(TENANT_REGISTRY_POLICY, admitted + _patterns(tenant_allowed), _pods_in())])


def _enforced(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"validationFailureAction": "Enforce", "background": False, "webhookTimeoutSeconds": 30, "rules": rules}
