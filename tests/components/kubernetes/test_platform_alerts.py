"""Argo CD and admission alerts (#30 item 3), checked by promtool on series shaped as Argo CD and
Kyverno export them: each fires where it should, in the tenant's namespace (so the tenant's owner
gets it), and stays silent otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.kubernetes.platform_alerts import DENIALS_ALERT, HEALTH_ALERT, SYNC_ALERT, platform_rules_spec
from tests.promtool import assert_rules_hold

RULES = platform_rules_spec()
#: As the ServiceMonitor scrapes it: the target's namespace wins, the series' own becomes exported_namespace.
APP = (
    'job="argocd-metrics",namespace="argocd",exported_namespace="argocd",'
    'name="payments-payments-api",project="payments",dest_namespace="payments"'
)


def app_info(sync: str, health: str, values: str) -> dict[str, str]:
    return {"series": f'argocd_app_info{{{APP},sync_status="{sync}",health_status="{health}"}}', "values": values}


def denials(namespace: str, allowed: str, values: str) -> dict[str, str]:
    labels = f'namespace="kyverno",resource_namespace="{namespace}",resource_kind="Pod",request_allowed="{allowed}"'
    return {"series": f"kyverno_admission_requests_total{{{labels}}}", "values": values}


def alert(name: str, labels: dict[str, str], **values: str) -> list[dict[str, Any]]:
    (rule,) = [r for r in RULES["groups"][0]["rules"] if r["alert"] == name]
    rendered = {}
    for key, text in rule["annotations"].items():
        for label, value in {**labels, **values}.items():
            text = text.replace(f"{{{{ $labels.{label} }}}}", value)
        rendered[key] = text
    return [{"exp_labels": {**rule["labels"], **labels}, "exp_annotations": rendered}]


APP_LABELS = {"name": "payments-payments-api", "dest_namespace": "payments", "namespace": "payments"}


def test_an_application_out_of_sync_for_15_minutes_reaches_its_tenant_and_a_synced_one_is_silent(tmp_path: Path) -> None:
    labels = {**APP_LABELS, "sync_status": "OutOfSync"}
    assert_rules_hold(
        tmp_path,
        RULES,
        [
            {
                "input_series": [app_info("OutOfSync", "Healthy", "1x30")],
                "alert_rule_test": [
                    {"eval_time": "14m", "alertname": SYNC_ALERT, "exp_alerts": []},
                    {"eval_time": "16m", "alertname": SYNC_ALERT, "exp_alerts": alert(SYNC_ALERT, labels)},
                ],
            },
            {
                "input_series": [app_info("Synced", "Healthy", "1x30")],
                "alert_rule_test": [
                    {"eval_time": "30m", "alertname": SYNC_ALERT, "exp_alerts": []},
                    {"eval_time": "30m", "alertname": HEALTH_ALERT, "exp_alerts": []},
                ],
            },
        ],
    )


def test_a_degraded_application_pages_after_10_minutes_and_a_rollout_in_progress_is_silent(tmp_path: Path) -> None:
    labels = {**APP_LABELS, "health_status": "Degraded"}
    assert_rules_hold(
        tmp_path,
        RULES,
        [
            {
                "input_series": [app_info("Synced", "Degraded", "1x20")],
                "alert_rule_test": [
                    {"eval_time": "9m", "alertname": HEALTH_ALERT, "exp_alerts": []},
                    {"eval_time": "11m", "alertname": HEALTH_ALERT, "exp_alerts": alert(HEALTH_ALERT, labels)},
                ],
            },
            {
                "input_series": [app_info("Synced", "Progressing", "1x20")],
                "alert_rule_test": [{"eval_time": "20m", "alertname": HEALTH_ALERT, "exp_alerts": []}],
            },
        ],
    )


def test_a_burst_of_refusals_in_a_namespace_reaches_its_tenant_and_a_few_do_not(tmp_path: Path) -> None:
    labels = {"resource_namespace": "payments", "namespace": "payments"}
    assert_rules_hold(
        tmp_path,
        RULES,
        [
            {
                # One refusal a minute in payments (10 in ten minutes); allowed requests do not count.
                "input_series": [denials("payments", "false", "0+1x20"), denials("payments", "true", "0+50x20")],
                "alert_rule_test": [{"eval_time": "15m", "alertname": DENIALS_ALERT, "exp_alerts": alert(DENIALS_ALERT, labels)}],
            },
            {
                # Two refusals in the window: a person's typo, not a loop.
                "input_series": [denials("payments", "false", "0 0 0 1 2 2 2 2 2 2 2 2 2 2 2 2"), denials("fraud", "true", "0+50x15")],
                "alert_rule_test": [{"eval_time": "15m", "alertname": DENIALS_ALERT, "exp_alerts": []}],
            },
        ],
    )
