"""The SLO alerts the runbooks rely on, checked by Prometheus's own tool (#30 item 3): the rules the
program renders pass ``promtool check rules``, and ``promtool test rules`` evaluates them on synthetic
series: each alert fires where the error budget burns or p95 latency exceeds its SLO, and stays silent
where it does not. ``promtool`` is Debian's ``prometheus`` package (``make servers`` installs it)."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from components.tenant.delivery import BURN_RATE_ALERTS, ServiceSpec, slo_rules_spec
from tests.promtool import check_rules, run_rule_tests, write_rules

SERVICE = ServiceSpec("payments-api", "git@github.com:acme/payments-payments-api.git", 300, Decimal("1.0"))
SELECTOR = 'namespace="payments",service="payments-api"'
MINUTES = 130  # samples, one a minute: more than the 1h and 5m windows the page alerts read


def rules_file(tmp_path: Path) -> Path:
    return write_rules(tmp_path, slo_rules_spec("payments", [SERVICE]))


def counters(errors_per_minute: int, total_per_minute: int = 100) -> list[dict[str, str]]:
    ok = total_per_minute - errors_per_minute
    name = "http_server_request_duration_seconds_count"
    return [
        {"series": f'{name}{{{SELECTOR},http_response_status_code="200"}}', "values": f"0+{ok}x{MINUTES}"},
        {"series": f'{name}{{{SELECTOR},http_response_status_code="500"}}', "values": f"0+{errors_per_minute}x{MINUTES}"},
    ]


def buckets(fast_share: int) -> list[dict[str, str]]:
    """100 requests a minute, ``fast_share`` of them under 100 ms, the rest over 500 ms."""
    name = "http_server_request_duration_seconds_bucket"
    per_le = {"0.1": fast_share, "0.25": fast_share, "0.5": fast_share, "+Inf": 100}
    return [{"series": f'{name}{{{SELECTOR},le="{le}"}}', "values": f"0+{n}x{MINUTES}"} for le, n in per_le.items()]


def expected(alert: str, rules: dict[str, Any], **match: str) -> list[dict[str, Any]]:
    found = [r for r in rules["groups"][0]["rules"] if r["alert"] == alert and all(r["labels"][k] == v for k, v in match.items())]
    return [{"exp_labels": r["labels"], "exp_annotations": r["annotations"]} for r in found]


def run_tests(tmp_path: Path, cases: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    return run_rule_tests(tmp_path, slo_rules_spec("payments", [SERVICE]), cases)


def test_the_rendered_rules_pass_promtool_check(tmp_path: Path) -> None:
    done = check_rules(rules_file(tmp_path))
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(rules_file(tmp_path).read_text().replace("sum(rate(", "sum(rate((", 1))
    assert check_rules(broken).returncode != 0


def test_each_burn_rate_alert_fires_when_its_threshold_is_crossed_and_not_below(tmp_path: Path) -> None:
    """Budget 1 %: 20 % errors cross every threshold (14.4x, 6x, 3x, 1x); 5 % crosses the two ticket
    thresholds (3x, 1x) and neither page; 0.5 % crosses none."""
    rules = slo_rules_spec("payments", [SERVICE])
    assert [rate for _, rate, _, _ in BURN_RATE_ALERTS] == [14.4, 6.0, 3.0, 1.0]
    at = f"{MINUTES - 5}m"
    cases = [
        {
            "input_series": counters(20),
            "alert_rule_test": [{"eval_time": at, "alertname": "SloErrorBudgetBurn", "exp_alerts": expected("SloErrorBudgetBurn", rules)}],
        },
        {
            "input_series": counters(5),
            "alert_rule_test": [
                {"eval_time": at, "alertname": "SloErrorBudgetBurn", "exp_alerts": expected("SloErrorBudgetBurn", rules, severity="ticket")}
            ],
        },
        # 0.5 % errors: half an error a minute.
        {
            "input_series": [counters(0)[0] | {"values": f"0+99.5x{MINUTES}"}, counters(0)[1] | {"values": f"0+0.5x{MINUTES}"}],
            "alert_rule_test": [{"eval_time": at, "alertname": "SloErrorBudgetBurn", "exp_alerts": []}],
        },
    ]
    done = run_tests(tmp_path, cases)
    assert done.returncode == 0, done.stdout + done.stderr
    # The same tests against a page rule that never fires fail: promtool compares what fires.
    wrong = [dict(cases[0]) | {"alert_rule_test": [{"eval_time": at, "alertname": "SloErrorBudgetBurn", "exp_alerts": []}]}]
    assert run_tests(tmp_path, wrong).returncode != 0


def test_the_latency_alert_fires_above_the_p95_slo_after_five_minutes_only(tmp_path: Path) -> None:
    """p95 above 300 ms (90 % of requests over 500 ms) for 5 minutes fires; 99 % under 100 ms does not."""
    rules = slo_rules_spec("payments", [SERVICE])
    slow = expected("SloLatencyP95", rules)
    cases = [
        {
            "input_series": buckets(10),
            "alert_rule_test": [{"eval_time": f"{MINUTES - 5}m", "alertname": "SloLatencyP95", "exp_alerts": slow}],
        },
        {
            "input_series": buckets(99),
            "alert_rule_test": [{"eval_time": f"{MINUTES - 5}m", "alertname": "SloLatencyP95", "exp_alerts": []}],
        },
        # Pending, not firing, before its `for: 5m` has passed (true from the second sample on).
        {"input_series": buckets(10), "alert_rule_test": [{"eval_time": "4m", "alertname": "SloLatencyP95", "exp_alerts": []}]},
    ]
    done = run_tests(tmp_path, cases)
    assert done.returncode == 0, done.stdout + done.stderr
