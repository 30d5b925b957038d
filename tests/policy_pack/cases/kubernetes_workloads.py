"""Compliant and non-compliant cases of the kubernetes-workloads rules."""

from __future__ import annotations

import copy
from typing import Any

from ._common import CONTAINER, Case, Res, StackCase
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


POOLER_LABELS = {"app.kubernetes.io/name": "pgbouncer"}


def pooler(
    replicas: int = 3,
    *,
    spread: bool = True,
    anti: bool = True,
    budget: bool = True,
    priority: str = "platform-critical",
    batch: str = "platform-batch",
) -> list[Res]:
    """The pooler as #27 item 5 wants it over three zones; each keyword breaks one property."""
    pod: dict[str, Any] = {"containers": [CONTAINER], "priorityClassName": priority}
    if spread:
        pod["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": POOLER_LABELS},
            }
        ]
    if anti:
        term = {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": POOLER_LABELS}}
        pod["affinity"] = {
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}
        }
    found = [
        Res("kubernetes:scheduling.k8s.io/v1:PriorityClass", "critical", {"metadata": {"name": "platform-critical"}, "value": 1000000}),
        Res("kubernetes:scheduling.k8s.io/v1:PriorityClass", "batch", {"metadata": {"name": "platform-batch"}, "value": -1000}),
        Res(
            "kubernetes:apps/v1:Deployment",
            "pgbouncer",
            {
                "metadata": {"name": "pgbouncer", "namespace": "db-manager"},
                "spec": {"replicas": replicas, "selector": {"matchLabels": POOLER_LABELS}, "template": {"spec": pod}},
            },
        ),
        Res(
            "kubernetes:batch/v1:Job",
            "db-migrate",
            {
                "metadata": {"name": "db-migrate", "namespace": "db-manager"},
                "spec": {"template": {"spec": {"containers": [CONTAINER], "priorityClassName": batch}}},
            },
        ),
        *(
            Res(
                "aws:ec2/subnet:Subnet",
                f"private-{z}",
                {"availabilityZone": f"eu-west-3{z}", "tags": {"kubernetes.io/role/internal-elb": "1"}},
            )
            for z in "abc"
        ),
    ]
    if budget:
        found.append(
            Res(
                "kubernetes:policy/v1:PodDisruptionBudget",
                "pgbouncer-pdb",
                {"metadata": {"namespace": "db-manager"}, "spec": {"maxUnavailable": 1, "selector": {"matchLabels": POOLER_LABELS}}},
            )
        )
    return found


STACK_CASES: dict[str, StackCase] = {
    "pooler-available": StackCase(
        pooler(),
        pooler(spread=False),
        "pgbouncer",
        more_bad=(
            (pooler(anti=False), "pgbouncer"),
            (pooler(budget=False), "pgbouncer"),
            (pooler(replicas=2), "pgbouncer"),
            (pooler(priority="none"), "pgbouncer"),
            (pooler(batch="platform-critical"), "db-migrate"),
        ),
    )
}
