"""Pod security for every workload kind: Pod Security Standards *restricted* plus best practices
(ADR-0001 least privilege, ADR-0003 signed and pinned images). Covers containers, initContainers and
ephemeralContainers of Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and
ReplicationControllers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from . import contract
from ._lib import CRITICAL, HIGH, LOW, MEDIUM, Finding, ResourceRule, StackRule, config_value, get, items, named, schema, strings

POD_TEMPLATE_PATH = {
    "kubernetes:core/v1:Pod": "spec",
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:core/v1:ReplicationController": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
}
WORKLOADS = list(POD_TEMPLATE_PATH)
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def pod_spec(props: Mapping[str, Any], resource_type: str) -> Mapping[str, Any]:
    return get(props, POD_TEMPLATE_PATH[resource_type], {})


def containers(spec: Mapping[str, Any], lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for kind in lists:
        for container in items(get(spec, kind)):
            yield f"{kind}[{get(container, 'name', '?')}]", container


def _privileged(props, args):
    for where, c in containers(pod_spec(props, args.resource_type)):
        if get(c, "securityContext.privileged") is True:
            yield f"{where}: securityContext.privileged must be unset or false"


def _non_root(props, args):
    spec = pod_spec(props, args.resource_type)
    pod_level = get(spec, "securityContext.runAsNonRoot")
    for where, c in containers(spec):
        own = get(c, "securityContext.runAsNonRoot")
        if own is False or (own is None and pod_level is not True):
            yield f"{where}: set runAsNonRoot: true (pod or container securityContext)"


def _no_escalation(props, args):
    for where, c in containers(pod_spec(props, args.resource_type)):
        if get(c, "securityContext.allowPrivilegeEscalation") is not False:
            yield f"{where}: set securityContext.allowPrivilegeEscalation: false"


def _resources(props, args):
    for where, c in containers(pod_spec(props, args.resource_type), ("containers", "initContainers")):
        missing = [p for p in ("requests.cpu", "requests.memory", "limits.memory") if not get(c, f"resources.{p}")]
        if missing:
            yield f"{where}: set resources {', '.join(missing)} so quotas and scheduling hold"


def image_tag_problem(image: str) -> str | None:
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag"
    if last.rsplit(":", 1)[1] == "latest":
        return "uses the mutable tag 'latest'"
    return None


def _pinned_images(props, args):
    for where, c in containers(pod_spec(props, args.resource_type)):
        problem = image_tag_problem(str(get(c, "image", "")))
        if problem:
            yield f"{where}: image {get(c, 'image')!r} {problem}; pin a version tag or a digest"


DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def _images_by_digest(props, args):
    for where, c in containers(pod_spec(props, args.resource_type)):
        image = str(get(c, "image", ""))
        if not DIGEST.search(image):
            yield f"{where}: image {image!r} is not pinned by digest: name it repository[:tag]@sha256:<digest> (a tag can be pushed again)"


def _host_namespaces(props, args):
    spec = pod_spec(props, args.resource_type)
    shared = [k for k in ("hostNetwork", "hostPID", "hostIPC") if get(spec, k) is True]
    if shared:
        yield f"{', '.join(shared)} must be unset or false"


def _read_only_root(props, args):
    for where, c in containers(pod_spec(props, args.resource_type), ("containers", "initContainers")):
        if get(c, "securityContext.readOnlyRootFilesystem") is not True:
            yield f"{where}: set securityContext.readOnlyRootFilesystem: true (write to an emptyDir instead)"


def _drop_all(props, args):
    for where, c in containers(pod_spec(props, args.resource_type)):
        if "ALL" not in strings(get(c, "securityContext.capabilities.drop")):
            yield f"{where}: drop ALL capabilities"
        added = set(strings(get(c, "securityContext.capabilities.add"))) - {"NET_BIND_SERVICE"}
        if added:
            yield f"{where}: capabilities {sorted(added)} may not be added"


def _seccomp(props, args):
    spec = pod_spec(props, args.resource_type)
    pod_profile = get(spec, "securityContext.seccompProfile.type")
    for where, c in containers(spec):
        profile = get(c, "securityContext.seccompProfile.type", pod_profile)
        if profile not in ("RuntimeDefault", "Localhost"):
            yield f"{where}: set seccompProfile.type RuntimeDefault (pod or container)"


def _no_host_path(props, args):
    for volume in items(get(pod_spec(props, args.resource_type), "volumes")):
        if get(volume, "hostPath"):
            yield f"volume {get(volume, 'name', '?')!r} mounts a hostPath: use a PersistentVolumeClaim or emptyDir"


def _allowed_registries(props, args):
    allowed = config_value(args, "allowedRegistries", [])
    if not allowed:
        return
    for where, c in containers(pod_spec(props, args.resource_type)):
        image = str(get(c, "image", ""))
        if not any(image.startswith(prefix) for prefix in allowed):
            yield f"{where}: image {image!r} is not from an allowed registry ({', '.join(allowed)})"


def _pooler_available(args) -> Iterator[Finding]:
    """The database pooler survives a node, a zone and a drain, and the scheduler keeps it (#27 item 5)."""
    resources = list(args.resources)
    poolers = [
        d
        for d in named(resources, "kubernetes:apps/v1:Deployment")
        # The pooler, or each tenant's own (pgbouncer-<tenant>, #27 item 3).
        if str(get(d.props, "metadata.name")).split("-")[0] == contract.POOLER_DEPLOYMENT
        and get(d.props, "metadata.namespace") == contract.POOLER_NAMESPACE
    ]
    classes = {
        str(get(c.props, "metadata.name")): get(c.props, "value") for c in named(resources, "kubernetes:scheduling.k8s.io/v1:PriorityClass")
    }
    for pooler in poolers:
        spec = get(pooler.props, "spec.template.spec", {})
        labels = get(pooler.props, "spec.selector.matchLabels", {}) or {}
        spread = [c for c in items(get(spec, "topologySpreadConstraints")) if get(c, "topologyKey") == "topology.kubernetes.io/zone"]
        if not any(get(c, "maxSkew") == 1 and get(c, "whenUnsatisfiable") == "DoNotSchedule" for c in spread):
            why = "topologySpreadConstraints on topology.kubernetes.io/zone, maxSkew 1, DoNotSchedule"
            yield f"the pooler is not spread over zones ({why})", pooler.urn
        anti = get(spec, "affinity.podAntiAffinity", {}) or {}
        terms = [*items(get(anti, "requiredDuringSchedulingIgnoredDuringExecution"))]
        terms += [get(t, "podAffinityTerm") for t in items(get(anti, "preferredDuringSchedulingIgnoredDuringExecution"))]
        if not any(get(t, "topologyKey") == "kubernetes.io/hostname" for t in terms):
            yield "the pooler's replicas may share a node: add pod anti-affinity on kubernetes.io/hostname", pooler.urn
        budgets = [
            b
            for b in named(resources, "kubernetes:policy/v1:PodDisruptionBudget")
            if get(b.props, "metadata.namespace") == contract.POOLER_NAMESPACE
            and (get(b.props, "spec.selector.matchLabels", {}) or {}) == labels
        ]
        if not any(get(b.props, "spec.maxUnavailable") == 1 for b in budgets):
            yield "no PodDisruptionBudget (maxUnavailable 1) selects the pooler: a drain may take every replica at once", pooler.urn
        zones = {
            str(get(s.props, "availabilityZone"))
            for s in named(resources, "aws:ec2/subnet:Subnet")
            if (get(s.props, "tags", {}) or {}).get("kubernetes.io/role/internal-elb") == "1"
        }
        replicas = get(pooler.props, "spec.replicas", 1)
        if isinstance(replicas, (int, float)) and len(zones) > replicas:
            yield (
                f"the pooler runs {replicas:g} replicas over {len(zones)} zones: a zone's loss takes the database path of some",
                pooler.urn,
            )
        priority = classes.get(str(get(spec, "priorityClassName")))
        if not isinstance(priority, (int, float)) or priority <= 0:
            yield "the pooler has no priority class above tenant workloads (value > 0): preemption could evict it first", pooler.urn
    for job in named(resources, "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"):
        value = classes.get(str(get(pod_spec(job.props, job.resource_type), "priorityClassName")))
        if not isinstance(value, (int, float)) or value >= 0:
            name = get(job.props, "metadata.name", job.name)
            yield f"{name}: a platform batch job runs at or above tenant serving workloads: give it a priority class below 0", job.urn


def _workload_rule(name: str, description: str, severity: Any, check: Any, **extra: Any) -> ResourceRule:
    return ResourceRule(
        name=name,
        description=description,
        severity=severity,
        adr=extra.pop("adr", "ADR-0001"),
        domain="kubernetes-workloads",
        types=WORKLOADS,
        check=check,
        **extra,
    )


POLICIES = [
    _workload_rule("k8s-no-privileged", "Containers are not privileged.", CRITICAL, _privileged),
    _workload_rule("k8s-run-as-non-root", "Containers run as a non-root user.", HIGH, _non_root),
    _workload_rule("k8s-no-privilege-escalation", "Containers cannot escalate privileges.", HIGH, _no_escalation),
    _workload_rule(
        "k8s-resource-requests-limits",
        "Containers declare CPU/memory requests and a memory limit.",
        MEDIUM,
        _resources,
        adr="ADR-0007",
    ),
    _workload_rule(
        "k8s-pinned-images", "Images are pinned to a version tag or digest, never 'latest'.", HIGH, _pinned_images, adr="ADR-0003"
    ),
    _workload_rule(
        "k8s-images-by-digest",
        "Workloads the program deploys run their images by digest: the bytes Gate 1 signed, whatever a tag says later.",
        HIGH,
        _images_by_digest,
        adr="ADR-0026",
    ),
    _workload_rule("k8s-no-host-namespaces", "Pods do not share the host network, PID or IPC namespaces.", CRITICAL, _host_namespaces),
    _workload_rule("k8s-read-only-root-filesystem", "Containers have a read-only root filesystem.", LOW, _read_only_root),
    _workload_rule("k8s-drop-all-capabilities", "Containers drop ALL capabilities (NET_BIND_SERVICE may be added).", HIGH, _drop_all),
    _workload_rule("k8s-seccomp-runtime-default", "Pods use the RuntimeDefault seccomp profile.", MEDIUM, _seccomp),
    _workload_rule("k8s-no-host-path", "Pods do not mount hostPath volumes.", HIGH, _no_host_path),
    _workload_rule(
        "k8s-allowed-registries",
        "Images come from allowed registries only.",
        HIGH,
        _allowed_registries,
        adr="ADR-0003",
        config_schema=schema(allowedRegistries={"type": "array", "items": {"type": "string"}, "default": []}),
    ),
    StackRule(
        name="pooler-available",
        description="The database pooler is spread over zones and nodes, one replica per zone at least, drained one at a time, "
        "and above tenant workloads for the scheduler; platform batch jobs below them.",
        severity=HIGH,
        adr="ADR-0002",
        domain="kubernetes-workloads",
        check=_pooler_available,
        reads=["kubernetes:", "aws:ec2/subnet:Subnet"],
    ),
]
