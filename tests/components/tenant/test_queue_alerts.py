"""The queue alerts the runbooks rely on (#30 item 3), checked by Prometheus's own tool: the rules pass
``promtool check rules``; ``promtool test rules`` evaluates them on synthetic series shaped as the
CloudWatch exporter exports them. Each alert has a firing and a silent case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.tenant.queue_alerts import (
    AGE_METRIC,
    DEAD_LETTERS_ALERT,
    DEPTH_METRIC,
    MESSAGE_AGE_ALERT,
    WatchedQueue,
    queue_rules_spec,
)
from tests.promtool import assert_rules_hold, check_rules, write_rules

OUTBOX = WatchedQueue("fb-dev-payments-outbox", "outbox", 300, "docs/runbooks/duplicate-payment.md")
ERASURE = WatchedQueue("fb-dev-payments-erasure", "erasure request", 8 * 86400, "docs/erasure.md", severity="ticket")
RULES = queue_rules_spec("payments", "payments-queues", [OUTBOX, ERASURE])


def series(metric: str, queue: str, values: str) -> dict[str, str]:
    # As YACE exports it, scraped in the exporter's namespace (the rule sets the tenant's).
    labels = f'dimension_QueueName="{queue}",name="arn:aws:sqs:eu-west-3:123456789012:{queue}",namespace="observability"'
    return {"series": f"{metric}{{{labels}}}", "values": values}


def alerts(name: str, queue: str, value: str) -> list[dict[str, Any]]:
    """The alert promtool should see, its annotations rendered with the series' ``value``."""
    found = [r for r in RULES["groups"][0]["rules"] if r["alert"] == name and r["labels"]["queue"] == queue]
    assert len(found) == 1
    annotations = {k: v.replace("{{ $value }}", value) for k, v in found[0]["annotations"].items()}
    return [{"exp_labels": found[0]["labels"], "exp_annotations": annotations}]


def test_the_rules_pass_promtool_check_and_route_to_the_tenant(tmp_path: Path) -> None:
    done = check_rules(write_rules(tmp_path, RULES))
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr
    # The tenant's AlertmanagerConfig only sees alerts of its namespace.
    assert {r["labels"]["namespace"] for r in RULES["groups"][0]["rules"]} == {"payments"}


def test_a_dead_letter_pages_at_once_and_an_empty_dlq_is_silent(tmp_path: Path) -> None:
    cases = [
        {
            "input_series": [series(DEPTH_METRIC, OUTBOX.dlq_name, "0 0 0 1 1"), series(DEPTH_METRIC, ERASURE.dlq_name, "0x4")],
            "alert_rule_test": [
                {"eval_time": "2m", "alertname": DEAD_LETTERS_ALERT, "exp_alerts": []},
                {"eval_time": "3m", "alertname": DEAD_LETTERS_ALERT, "exp_alerts": alerts(DEAD_LETTERS_ALERT, OUTBOX.dlq_name, "1")},
            ],
        },
        {
            # The source queue's depth is the workers' business, not an alert.
            "input_series": [series(DEPTH_METRIC, OUTBOX.name, "500x10"), series(DEPTH_METRIC, OUTBOX.dlq_name, "0x10")],
            "alert_rule_test": [{"eval_time": "10m", "alertname": DEAD_LETTERS_ALERT, "exp_alerts": []}],
        },
    ]
    assert_rules_hold(tmp_path, RULES, cases)


def test_an_old_message_alerts_after_five_minutes_above_its_limit_and_not_below(tmp_path: Path) -> None:
    stuck = "0 60 120 180 240 300 360 420 480 540 600 660 720 780"  # nobody consumes: the age grows a minute a minute
    cases = [
        {
            "input_series": [series(AGE_METRIC, OUTBOX.name, stuck)],
            "alert_rule_test": [
                # Above 300 s from minute 6: pending for five minutes, firing from minute 11.
                {"eval_time": "10m", "alertname": MESSAGE_AGE_ALERT, "exp_alerts": []},
                {"eval_time": "11m", "alertname": MESSAGE_AGE_ALERT, "exp_alerts": alerts(MESSAGE_AGE_ALERT, OUTBOX.name, "660")},
            ],
        },
        {
            # A consumer keeping up: messages never older than a few seconds; the erasure queue a day old.
            "input_series": [series(AGE_METRIC, OUTBOX.name, "5x20"), series(AGE_METRIC, ERASURE.name, "86400x20")],
            "alert_rule_test": [{"eval_time": "20m", "alertname": MESSAGE_AGE_ALERT, "exp_alerts": []}],
        },
        {
            "input_series": [series(AGE_METRIC, ERASURE.name, "700000x20")],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": MESSAGE_AGE_ALERT, "exp_alerts": alerts(MESSAGE_AGE_ALERT, ERASURE.name, "700000")}
            ],
        },
    ]
    assert_rules_hold(tmp_path, RULES, cases)
