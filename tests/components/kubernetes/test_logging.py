"""Container logs (#30 item 2, #27 item 3): Fluent Bit routes each namespace's logs by its tenant label
to the tenant's group, everything else to the platform's, with an identity and a configuration that
name no tenant."""

from __future__ import annotations

import json

import pytest

from components.aws.scaler_identity import LogShipperIdentity, LogShipperIdentityArgs, log_shipping_access, telemetry_access
from components.kubernetes import charts
from components.kubernetes.logging import (
    SHIPPER_SERVICE_ACCOUNT,
    TENANT_LABEL,
    ShipperSettings,
    chart_values,
    parse_sections,
    resolve_group,
    shipper_config,
)
from components.kubernetes.platform import KubernetesPlatform
from components.kubernetes.telemetry import CollectorSettings, collector_config
from components.tenant.aws import log_group_name
from tests.components.aws import iam_simulator
from tests.components.harness import CONTEXT, build
from tests.components.kubernetes.test_platform_component import args as platform_args

SETTINGS = ShipperSettings(region="eu-west-3", name_prefix="fb-dev", platform_log_group="/fb-dev/platform")
ACCOUNT = "123456789012"  # the offline engine's caller identity


def output() -> dict[str, str]:
    (section,) = parse_sections(shipper_config(SETTINGS)["outputs"])
    assert section[0] == "OUTPUT"
    return section[1]


@pytest.mark.parametrize("tenant", ["payments", "lending", "a-very-long-tenant-name-0"])
def test_a_tenant_namespace_logs_to_its_tenant_group(tenant: str) -> None:
    labels = {"pod-security.kubernetes.io/enforce": "restricted", TENANT_LABEL: tenant}
    assert resolve_group(output(), labels) == log_group_name("fb-dev", tenant)


@pytest.mark.parametrize("labels", [{}, {"pod-security.kubernetes.io/enforce": "baseline"}, {"tenant": "payments"}])
def test_any_other_namespace_logs_to_the_platform_group(labels: dict[str, str]) -> None:
    assert resolve_group(output(), labels) == "/fb-dev/platform"


def test_the_output_writes_only_into_groups_the_program_created() -> None:
    out = output()
    assert out["name"] == "cloudwatch_logs" and out["region"] == "eu-west-3"
    assert out["auto_create_group"] == "Off"
    # Fluent Bit's record accessor ends a variable at '.', ',', ' ' or '"': the label accessor closes the template.
    assert out["log_group_template"].endswith(f"['{TENANT_LABEL}']")


def test_the_kubernetes_filter_adds_namespace_labels_and_the_tail_input_reads_cri_logs() -> None:
    config = shipper_config(SETTINGS)
    ((_, filt),) = parse_sections(config["filters"])
    ((_, tail),) = parse_sections(config["inputs"])
    assert filt["name"] == "kubernetes" and filt["namespace_labels"] == "On"
    assert tail["name"] == "tail" and tail["multiline.parser"] == "cri" and tail["path"] == "/var/log/containers/*.log"
    # The chart renders config through Helm's tpl: a literal '{{' would be evaluated.
    assert not any("{{" in text for text in config.values())


def test_the_shipper_runs_on_every_node_above_tenant_workloads_with_its_own_account() -> None:
    values = chart_values(SETTINGS, "platform-critical")
    assert values["kind"] == "DaemonSet" and values["tolerations"] == [{"operator": "Exists"}]
    assert values["priorityClassName"] == "platform-critical"
    assert values["serviceAccount"] == {"create": True, "name": SHIPPER_SERVICE_ACCOUNT}
    assert values["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert values["securityContext"]["readOnlyRootFilesystem"] is True


def test_fluent_bit_runs_in_a_privileged_namespace_with_its_reason_after_its_priority_class() -> None:
    built = build(lambda: KubernetesPlatform("kubernetes-platform", platform_args()))
    namespace = next(
        n for n in built.of_type("kubernetes:core/v1:Namespace") if n.inputs["metadata"]["name"] == charts.FLUENT_BIT.namespace
    )
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert "hostPath /var/log" in str(namespace.inputs["metadata"]["annotations"])
    release = next(r for r in built.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == charts.FLUENT_BIT.name)
    priority = next(
        p
        for p in built.of_type("kubernetes:scheduling.k8s.io/v1:PriorityClass")
        if p.inputs["metadata"]["name"] == release.inputs["values"]["priorityClassName"]
    )
    assert priority.urn in release.dependencies and priority.inputs["value"] > 0


def test_the_collector_takes_no_logs_and_names_no_tenant() -> None:
    config = collector_config(CollectorSettings(region="eu-west-3"))
    # None: Helm deletes the chart's default logs pipeline (OTLP logs to the collector's stdout).
    assert config["service"]["pipelines"]["logs"] is None
    assert "logs" not in json.dumps(config["exporters"])
    assert telemetry_access()["Statement"][0]["Action"] == ["xray:PutSpans", "xray:PutSpansForIndexing", "xray:PutTraceSegments"]


def _decide(document: dict, action: str, arn: str) -> str:
    return iam_simulator.decide([document], iam_simulator.request(action, arn, {}, new=False, tagging=False))


def test_the_shipper_identity_writes_every_tenant_group_and_the_platform_group_nothing_else() -> None:
    region = f"arn:aws:logs:eu-west-3:{ACCOUNT}"
    groups = [f"{region}:log-group:/fb-dev/platform", f"{region}:log-group:/fb-dev/tenants/*"]
    document = log_shipping_access(groups)
    for group in ("/fb-dev/platform", "/fb-dev/tenants/payments", "/fb-dev/tenants/onboarded-tomorrow"):
        stream = f"{region}:log-group:{group}:log-stream:node-payments-api-7d9.payments-api"
        assert _decide(document, "logs:CreateLogStream", stream) == "allow", group
        assert _decide(document, "logs:PutLogEvents", stream) == "allow", group
    for group in ("/fb-dev/audit", "/fb-prod/tenants/payments", "/aws/eks/fb-dev/cluster"):
        assert _decide(document, "logs:PutLogEvents", f"{region}:log-group:{group}:log-stream:x") == "implicit", group
    assert _decide(document, "logs:CreateLogGroup", f"{region}:log-group:/fb-dev/tenants/new") == "implicit"


def test_the_shipper_role_is_bound_to_fluent_bits_service_account() -> None:
    built = build(
        lambda: LogShipperIdentity(
            "log-shipper",
            LogShipperIdentityArgs(cluster_name="fb-dev", platform_log_group="/fb-dev/platform", tenant_log_groups="/fb-dev/tenants/*"),
            CONTEXT,
        )
    )
    association = built.one("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (charts.FLUENT_BIT.namespace, SHIPPER_SERVICE_ACCOUNT)
    policy = json.loads(built.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert policy["Statement"][0]["Resource"] == [
        f"arn:aws:logs:eu-west-3:{ACCOUNT}:log-group:/fb-dev/platform:*",
        f"arn:aws:logs:eu-west-3:{ACCOUNT}:log-group:/fb-dev/tenants/*:*",
    ]
