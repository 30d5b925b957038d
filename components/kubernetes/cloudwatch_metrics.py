"""CloudWatch metrics the alerts need, in Prometheus (#30 item 3): YACE, the Prometheus community's
CloudWatch exporter, reads the SQS metrics of this environment's queues and Prometheus scrapes it.

It discovers queues by their tags (the cost tags every resource of the program carries): this
environment's, managed by the program. Its configuration names no tenant, so onboarding one changes
nothing here; the tenant's own PrometheusRules name its queues (``components/tenant/queue_alerts.py``).

Behaviour relied on (prometheus-community/yet-another-cloudwatch-exporter v0.67.0): ``pkg/config``
(a discovery job's ``type`` is the CloudWatch namespace, ``AWS/SQS``; aliases are refused),
``pkg/promutil/migrate.go`` (``aws_sqs_<metric>_<statistic>`` with ``dimension_QueueName``), and the
README's IAM list (``tag:GetResources``, ``cloudwatch:GetMetricData``, ``cloudwatch:GetMetricStatistics``,
``cloudwatch:ListMetrics``). It uses the AWS SDK for Go v2 only, whose default chain reads EKS Pod
Identity credentials (AWS's minimum SDK versions for Pod Identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from components.kubernetes import charts
from components.tagging import ENVIRONMENT_TAG, MANAGED_BY, MANAGED_BY_TAG

EXPORTER = charts.CLOUDWATCH_EXPORTER
EXPORTER_SERVICE_ACCOUNT = "cloudwatch-exporter"
#: What YACE calls in AWS; none of them takes a resource narrower than "*" (Service Authorization Reference).
READ_ACTIONS = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics", "tag:GetResources"]
#: SQS metrics (CloudWatch namespace AWS/SQS) the queue alerts read, as their maxima.
SQS_METRICS = ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage")


@dataclass(frozen=True)
class ExporterSettings:
    """Attributes:
    region: Where the queues are.
    environment: Whose queues (their ``environment`` tag).
    """

    region: str
    environment: str


def exporter_config(settings: ExporterSettings) -> dict[str, Any]:
    """YACE's configuration: one discovery job over this environment's queues."""
    return {
        "apiVersion": "v1alpha1",
        "sts-region": settings.region,
        "discovery": {
            "exportedTagsOnMetrics": {"AWS/SQS": ["tenant"]},
            "jobs": [
                {
                    "type": "AWS/SQS",
                    "regions": [settings.region],
                    "searchTags": [
                        {"key": ENVIRONMENT_TAG, "value": f"^{settings.environment}$"},
                        {"key": MANAGED_BY_TAG, "value": f"^{MANAGED_BY}$"},
                    ],
                    "metrics": [{"name": name, "statistics": ["Maximum"], "period": 60, "length": 300} for name in SQS_METRICS],
                }
            ],
        },
    }


def chart_values(settings: ExporterSettings) -> dict[str, Any]:
    return {
        "serviceAccount": {"create": True, "name": EXPORTER_SERVICE_ACCOUNT},
        "serviceMonitor": {"enabled": True},
        "config": yaml.safe_dump(exporter_config(settings), sort_keys=False),
    }
