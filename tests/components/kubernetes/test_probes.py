"""Vault's availability, seal and certificate alerts (#30 item 3), checked by promtool on series shaped
as the blackbox exporter's ServiceMonitor scrapes them; and the probe's module and target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.kubernetes.probes import (
    CERTIFICATE_ALERT,
    SEALED_ALERT,
    UNAVAILABLE_ALERT,
    VAULT_MODULE,
    chart_values,
    endpoint_rules_spec,
)
from tests.promtool import assert_rules_hold

RULES = endpoint_rules_spec()
LABELS = 'job="prometheus-blackbox-exporter",namespace="observability",target="vault",instance="https://vault:8200/v1/sys/health"'
DAY = 86400


def probe(metric: str, values: str) -> dict[str, str]:
    return {"series": f"{metric}{{{LABELS}}}", "values": values}


def fired(name: str, **labels: str) -> list[dict[str, Any]]:
    rules = [r for r in RULES["groups"][0]["rules"] if r["alert"] == name and all(r["labels"][k] == v for k, v in labels.items())]
    # Each alert keeps the probe's target (absent() too: it takes the selector's equality matchers).
    return [{"exp_labels": {**r["labels"], "target": "vault"}, "exp_annotations": r["annotations"]} for r in rules]


def test_vault_down_or_unprobed_pages_after_two_minutes_and_a_standby_answer_is_silent(tmp_path: Path) -> None:
    assert_rules_hold(
        tmp_path,
        RULES,
        [
            {
                "input_series": [probe("probe_success", "1 1 1 0 0 0 0 0 0")],
                "alert_rule_test": [
                    {"eval_time": "4m", "alertname": UNAVAILABLE_ALERT, "exp_alerts": []},
                    {"eval_time": "6m", "alertname": UNAVAILABLE_ALERT, "exp_alerts": fired(UNAVAILABLE_ALERT)},
                ],
            },
            {
                # The prober is gone: no series at all.
                "input_series": [{"series": 'up{job="other"}', "values": "1x10"}],
                "alert_rule_test": [{"eval_time": "5m", "alertname": UNAVAILABLE_ALERT, "exp_alerts": fired(UNAVAILABLE_ALERT)}],
            },
            {
                # A standby answers 429: the module counts it as success.
                "input_series": [probe("probe_success", "1x10"), probe("probe_http_status_code", "429x10")],
                "alert_rule_test": [
                    {"eval_time": "10m", "alertname": UNAVAILABLE_ALERT, "exp_alerts": []},
                    {"eval_time": "10m", "alertname": SEALED_ALERT, "exp_alerts": []},
                ],
            },
        ],
    )


def test_a_sealed_vault_pages_as_sealed(tmp_path: Path) -> None:
    assert_rules_hold(
        tmp_path,
        RULES,
        [
            {
                "input_series": [probe("probe_success", "0x5"), probe("probe_http_status_code", "503x5")],
                "alert_rule_test": [{"eval_time": "3m", "alertname": SEALED_ALERT, "exp_alerts": fired(SEALED_ALERT)}],
            }
        ],
    )


def test_a_certificate_warns_three_weeks_ahead_pages_one_week_ahead_and_is_silent_before(tmp_path: Path) -> None:
    # promtool's clock starts at 0: an expiry at N days is N * 86400 seconds.
    assert_rules_hold(
        tmp_path,
        RULES,
        [
            {
                "input_series": [probe("probe_ssl_earliest_cert_expiry", f"{90 * DAY}x5")],
                "alert_rule_test": [{"eval_time": "5m", "alertname": CERTIFICATE_ALERT, "exp_alerts": []}],
            },
            {
                "input_series": [probe("probe_ssl_earliest_cert_expiry", f"{14 * DAY}x5")],
                "alert_rule_test": [
                    {"eval_time": "5m", "alertname": CERTIFICATE_ALERT, "exp_alerts": fired(CERTIFICATE_ALERT, severity="ticket")}
                ],
            },
            {
                "input_series": [probe("probe_ssl_earliest_cert_expiry", f"{3 * DAY}x5")],
                "alert_rule_test": [{"eval_time": "5m", "alertname": CERTIFICATE_ALERT, "exp_alerts": fired(CERTIFICATE_ALERT)}],
            },
        ],
    )


def test_the_probe_counts_active_and_standby_answers_over_https_only() -> None:
    values = chart_values("https://vault.dev.platform.internal:8200/")
    module = values["config"]["modules"][VAULT_MODULE]["http"]
    assert module["valid_status_codes"] == [200, 429, 473] and module["fail_if_not_ssl"] is True
    (target,) = values["serviceMonitor"]["targets"]
    assert target["url"] == "https://vault.dev.platform.internal:8200/v1/sys/health" and target["module"] == VAULT_MODULE
