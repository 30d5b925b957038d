"""The cluster's namespace conventions, shared by the platform and every tenant namespace."""

from __future__ import annotations

POD_SECURITY_LEVEL = "restricted"
#: The edge's controllers (ADR-0028); no namespace opens connections into a tenant's but Prometheus's.
GATEWAY_NAMESPACE = "platform-gateway"
VAULT_NAMESPACE = "vault"
DNS_NAMESPACE = "kube-system"


def pod_security_labels(kubernetes_version: str) -> dict[str, str]:
    """Pod Security Admission at ``restricted`` in all three modes, pinned to the cluster's version."""
    labels: dict[str, str] = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = f"v{kubernetes_version}"
    return labels
