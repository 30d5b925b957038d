"""Compliant and non-compliant cases of the kubernetes-workloads rules."""

from __future__ import annotations

import copy
from typing import Any

from ._common import CONTAINER, Case, StackCase
from .tagging import TAGS


def deployment(container_patch: dict[str, Any] | None = None, pod_patch: dict[str, Any] | None = None) -> dict[str, Any]:
    container = copy.deepcopy(CONTAINER)
    for key, value in (container_patch or {}).items():
        if isinstance(value, dict) and isinstance(container.get(key), dict):
            container[key] = {**container[key], **value}
        else:
            container[key] = value
    pod = {"containers": [container], **(pod_patch or {})}
    return {
        "metadata": {"name": "api", "namespace": "payments", "labels": TAGS},
        "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {"metadata": {"labels": {"app": "api"}}, "spec": pod}},
    }


DEPLOYMENT = "kubernetes:apps/v1:Deployment"


RESOURCE_CASES: dict[str, Case] = {
    "k8s-no-privileged": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"privileged": True}})),
    "k8s-run-as-non-root": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"runAsNonRoot": False}})),
    "k8s-no-privilege-escalation": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"allowPrivilegeEscalation": True}})),
    "k8s-resource-requests-limits": Case(DEPLOYMENT, deployment(), deployment({"resources": {"requests": {"cpu": "100m"}}})),
    "k8s-pinned-images": Case(DEPLOYMENT, deployment(), deployment({"image": "registry.local:5000/api:latest"})),
    "k8s-images-by-digest": Case(
        DEPLOYMENT,
        deployment(),
        deployment({"image": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/payments/api:1.2.3"}),
        more_bad=((DEPLOYMENT, deployment({"image": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/payments/api@sha256:short"})),),
    ),
    "k8s-no-host-namespaces": Case(DEPLOYMENT, deployment(), deployment(pod_patch={"hostNetwork": True})),
    "k8s-read-only-root-filesystem": Case(DEPLOYMENT, deployment(), deployment({"securityContext": {"readOnlyRootFilesystem": False}})),
    "k8s-drop-all-capabilities": Case(
        DEPLOYMENT,
        deployment(),
        deployment({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"], "drop": ["ALL"]}}}),
        more_bad=((DEPLOYMENT, deployment({"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}})),),
    ),
    "k8s-seccomp-runtime-default": Case(
        DEPLOYMENT, deployment(), deployment({"securityContext": {"seccompProfile": {"type": "Unconfined"}}})
    ),
    "k8s-no-host-path": Case(
        DEPLOYMENT, deployment(), deployment(pod_patch={"volumes": [{"name": "docker", "hostPath": {"path": "/var/run"}}]})
    ),
    "k8s-allowed-registries": Case(
        DEPLOYMENT,
        deployment(),
        deployment({"image": "docker.io/library/nginx:1.27"}),
        config={"k8s-allowed-registries": {"allowedRegistries": ["123456789012.dkr.ecr.eu-west-3.amazonaws.com/"]}},
    ),
}


STACK_CASES: dict[str, StackCase] = {}
