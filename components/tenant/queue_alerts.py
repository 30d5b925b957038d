"""The alerts the outbox and erasure runbooks rely on (#30 item 3): a dead-letter queue that holds a
message, and a queue whose oldest message is older than its consumer should ever let it get.

SQS's metrics live in CloudWatch; the platform's CloudWatch exporter (YACE,
``components/kubernetes/cloudwatch_metrics.py``) brings them into Prometheus as
``aws_sqs_<metric>_maximum`` with the queue in ``dimension_QueueName`` (yet-another-cloudwatch-exporter
``pkg/promutil/migrate.go``). Each tenant's rules live in its own namespace, beside its SLO alerts;
they set ``namespace`` to the tenant's, so that its AlertmanagerConfig (which the operator confines to
the namespace's alerts) routes them to the tenant's owner. The exporter's configuration names no
tenant: it discovers queues by their tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.aws.outbox import DLQ_SUFFIX
from policy_pack.policies.contract import QUEUE_AGE_METRIC, QUEUE_DEPTH_METRIC, QUEUE_LABEL

__all__ = ["AGE_METRIC", "DEPTH_METRIC", "QUEUE_LABEL", "WatchedQueue", "queue_alert_rule", "queue_rules_spec"]

#: Exported by YACE for ``AWS/SQS`` with the ``Maximum`` statistic (the pack reads the same names).
DEPTH_METRIC = QUEUE_DEPTH_METRIC
AGE_METRIC = QUEUE_AGE_METRIC
DEAD_LETTERS_ALERT = "DeadLetterQueueNotEmpty"
MESSAGE_AGE_ALERT = "QueueOldestMessageTooOld"


@dataclass(frozen=True)
class WatchedQueue:
    """Attributes:
    name: The queue's physical name (its DLQ adds ``-dlq``).
    purpose: What its messages are, for the alert's summary (e.g. ``outbox``).
    max_age_seconds: The oldest message may be this old before someone is told.
    runbook: What a person reads first (a path in this repository).
    severity: ``page`` (a person now) or ``ticket``.
    """

    name: str
    purpose: str
    max_age_seconds: int
    runbook: str
    severity: str = "page"

    @property
    def dlq_name(self) -> str:
        return f"{self.name}{DLQ_SUFFIX}"


def _series(metric: str, queue: str) -> str:
    return f'max({metric}{{{QUEUE_LABEL}="{queue}"}})'


def queue_rules_spec(tenant: str, group: str, queues: list[WatchedQueue]) -> dict[str, Any]:
    """One rule group: per queue, its DLQ holding any message (the message failed every delivery and
    waits for a person to replay or discard it), and its oldest message older than ``max_age_seconds``
    for five minutes (the consumer is stuck or gone)."""
    rules = []
    for q in queues:
        labels = {"tenant": tenant, "namespace": tenant, "queue": q.name}
        rules.append(
            {
                "alert": DEAD_LETTERS_ALERT,
                "expr": f"{_series(DEPTH_METRIC, q.dlq_name)} > 0",
                "labels": {**labels, "severity": "page", "queue": q.dlq_name},
                "annotations": {
                    "summary": f"{q.dlq_name} holds {{{{ $value }}}} dead-lettered {q.purpose} message(s): replay or discard them",
                    "runbook": q.runbook,
                },
            }
        )
        rules.append(
            {
                "alert": MESSAGE_AGE_ALERT,
                "for": "5m",
                "expr": f"{_series(AGE_METRIC, q.name)} > {q.max_age_seconds}",
                "labels": {**labels, "severity": q.severity},
                "annotations": {
                    "summary": f"the oldest {q.purpose} message in {q.name} is {{{{ $value }}}} s old (limit {q.max_age_seconds} s)",
                    "runbook": q.runbook,
                },
            }
        )
    return {"groups": [{"name": group, "rules": rules}]}


def queue_alert_rule(
    name: str, *, tenant: str, group: str, queues: list[WatchedQueue], opts: pulumi.ResourceOptions
) -> k8s.apiextensions.CustomResource:
    """The PrometheusRule holding ``queue_rules_spec`` in the tenant's namespace."""
    return k8s.apiextensions.CustomResource(
        name,
        api_version="monitoring.coreos.com/v1",
        kind="PrometheusRule",
        metadata={"name": group, "namespace": tenant},
        spec=queue_rules_spec(tenant, group, queues),
        opts=opts,
    )
