"""KubernetesPlatform alone: pinned charts in their namespaces, signed-image admission after Kyverno."""

from __future__ import annotations

from dataclasses import replace

from components.kubernetes import charts
from components.kubernetes.cloudwatch_metrics import ExporterSettings
from components.kubernetes.gateway import EdgeEntry, EdgeSettings
from components.kubernetes.logging import ShipperSettings
from components.kubernetes.platform import KubernetesPlatform, KubernetesPlatformArgs
from components.kubernetes.telemetry import CollectorSettings
from components.tenant.edge import DEFAULT_TLS_POLICY
from tests.components.harness import build


def args(*, chaos: bool = False, ha: bool = False, protect: bool = False) -> KubernetesPlatformArgs:
    return KubernetesPlatformArgs(
        kubernetes_version="1.33",
        registry_host="111111111111.dkr.ecr.eu-west-3.amazonaws.com",
        signing_public_key_pem="-----BEGIN PUBLIC KEY-----\nMFk\n-----END PUBLIC KEY-----\n",
        ha=ha,
        chaos_enabled=chaos,
        allowed_registries=[],
        metrics_retention="15d",
        collector=CollectorSettings(region="eu-west-3"),
        shipper=ShipperSettings(region="eu-west-3", name_prefix="fb-dev", platform_log_group="/fb-dev/platform"),
        exporter=ExporterSettings(region="eu-west-3", environment="dev"),
        vault_address="https://vault.dev.platform.internal:8200",
        alert_topic_arn="arn:aws:sns:eu-west-3:111111111111:fb-dev-alerts",
        region="eu-west-3",
        protect=protect,
    )


def releases(chaos: bool) -> dict[str, dict[str, object]]:
    built = build(lambda: KubernetesPlatform("kubernetes-platform", args(chaos=chaos)))
    return {r.inputs["name"]: r.inputs for r in built.of_type("kubernetes:helm.sh/v3:Release")}


def test_every_chart_is_pinned_atomic_and_in_its_namespace() -> None:
    found = releases(chaos=False)
    expected = {c.name: c for c in charts.ALL if c not in charts.OPTIONAL}
    assert sorted(found) == sorted(expected)
    for name, release in found.items():
        assert release["version"] == expected[name].version and release["namespace"] == expected[name].namespace
        assert release["atomic"] is True and release["createNamespace"] is False


def test_chaos_mesh_only_when_enabled_in_a_privileged_namespace_with_its_reason() -> None:
    assert charts.CHAOS_MESH.name not in releases(chaos=False)
    built = build(lambda: KubernetesPlatform("kubernetes-platform", args(chaos=True)))
    namespace = next(
        n for n in built.of_type("kubernetes:core/v1:Namespace") if n.inputs["metadata"]["name"] == charts.CHAOS_MESH.namespace
    )
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert "adrs/0006" in str(namespace.inputs["metadata"]["annotations"])


def test_the_edge_controllers_only_where_the_stack_has_an_edge() -> None:
    assert not set(releases(chaos=False)) & {c.name for c in charts.EDGE}
    edge = EdgeSettings(EdgeEntry("dev.example.com", "Z0EXAMPLE", DEFAULT_TLS_POLICY, False), "fb-dev", "vpc-1", "eu-west-3", "fb-dev")
    built = build(lambda: KubernetesPlatform("kubernetes-platform", replace(args(), edge=edge)))
    found = {r.inputs["name"]: r.inputs for r in built.of_type("kubernetes:helm.sh/v3:Release")}
    for chart in charts.EDGE:
        assert found[chart.name]["namespace"] == "platform-gateway" and found[chart.name]["version"] == chart.version
    assert found[charts.AWS_LOAD_BALANCER_CONTROLLER.name]["values"]["clusterName"] == "fb-dev"


def test_signed_image_admission_waits_for_kyverno_and_names_the_registry() -> None:
    built = build(lambda: KubernetesPlatform("kubernetes-platform", args()))
    policy = built.one("kubernetes:kyverno.io/v1:ClusterPolicy")
    kyverno = next(r for r in built.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == charts.KYVERNO.name)
    assert kyverno.urn in policy.dependencies
    assert "111111111111.dkr.ecr.eu-west-3.amazonaws.com" in str(policy.inputs["spec"])


def test_the_platform_namespaces_are_kept_where_the_stack_protects_state() -> None:
    """#28 item 9: deleting observability deletes the metrics history, argocd Argo's state."""
    for protect in (False, True):
        built = build(lambda protect=protect: KubernetesPlatform("kubernetes-platform", args(protect=protect)))  # type: ignore[misc]
        namespaces = built.of_type("kubernetes:core/v1:Namespace")
        assert {(n.options["protect"], n.options["retainOnDelete"]) for n in namespaces} == {(protect, protect)}
        assert {"observability", "argocd", "kyverno", "keda", "platform-gateway"} <= {n.inputs["metadata"]["name"] for n in namespaces}


def test_the_delivery_alerts_read_metrics_the_charts_are_told_to_export() -> None:
    """#30 item 3: argocd_app_info and kyverno_admission_requests_total exist only with these values."""
    built = build(lambda: KubernetesPlatform("kubernetes-platform", args()))
    found = {r.inputs["name"]: r for r in built.of_type("kubernetes:helm.sh/v3:Release")}
    controller = found[charts.ARGO_CD.name].inputs["values"]["controller"]
    assert controller["metrics"] == {"enabled": True, "serviceMonitor": {"enabled": True}}
    assert found[charts.KYVERNO.name].inputs["values"]["admissionController"]["serviceMonitor"] == {"enabled": True}
    rule = next(
        r for r in built.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule") if r.name.endswith("-platform-delivery-alerts")
    )
    assert rule.inputs["metadata"]["namespace"] == charts.KUBE_PROMETHEUS_STACK.namespace
    assert found[charts.KUBE_PROMETHEUS_STACK.name].urn in rule.dependencies
    exprs = " ".join(r["expr"] for g in rule.inputs["spec"]["groups"] for r in g["rules"])
    assert "argocd_app_info" in exprs and "kyverno_admission_requests_total" in exprs
