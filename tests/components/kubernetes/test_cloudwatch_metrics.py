"""The CloudWatch exporter (#30 item 3): it finds every queue of its environment by tag, exports the
metrics the queue alerts read under the names they read, and can read metrics, nothing else."""

from __future__ import annotations

import re

import yaml

from blueprint.engine.mocks import Registration
from components.aws.scaler_identity import metrics_read_access
from components.kubernetes.cloudwatch_metrics import SQS_METRICS, ExporterSettings, chart_values, exporter_config
from components.tenant.queue_alerts import AGE_METRIC, DEPTH_METRIC, QUEUE_LABEL
from tests.components.aws import iam_simulator
from tests.conftest import by_type


def yace_metric_name(namespace: str, metric: str, statistic: str) -> str:
    """YACE's ``BuildMetricName`` (pkg/promutil/migrate.go): ``aws_`` + the namespace after ``AWS/``,
    the metric and the statistic, each lower snake case."""

    def snake(text: str) -> str:
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower()

    return "_".join(["aws", snake(namespace.removeprefix("AWS/")), snake(metric), snake(statistic)])


def test_the_alerts_read_what_the_exporter_exports() -> None:
    config = exporter_config(ExporterSettings(region="eu-west-3", environment="dev"))
    (job,) = config["discovery"]["jobs"]
    assert job["type"] == "AWS/SQS" and job["regions"] == ["eu-west-3"]
    exported = {yace_metric_name(job["type"], m["name"], s) for m in job["metrics"] for s in m["statistics"]}
    assert {DEPTH_METRIC, AGE_METRIC} <= exported
    assert {m["name"] for m in job["metrics"]} == set(SQS_METRICS)
    assert QUEUE_LABEL == "dimension_QueueName"  # YACE's label for a metric's QueueName dimension


def test_every_queue_of_the_environment_and_no_other_is_discovered(stack_plans: dict[str, list[Registration]]) -> None:
    for stack, plan in stack_plans.items():
        (job,) = exporter_config(ExporterSettings(region="eu-west-3", environment=stack))["discovery"]["jobs"]
        queues = by_type(plan, "aws:sqs/queue:Queue")
        assert queues
        for queue in queues:
            tags = queue.inputs["tags"]
            assert all(re.search(t["value"], tags.get(t["key"], "")) for t in job["searchTags"]), (stack, queue.name)
        (other,) = exporter_config(ExporterSettings(region="eu-west-3", environment="elsewhere"))["discovery"]["jobs"]
        assert not any(re.search(t["value"], q.inputs["tags"].get(t["key"], "")) for q in queues for t in other["searchTags"][:1])


def test_the_chart_gets_the_config_as_yaml_and_a_service_monitor() -> None:
    values = chart_values(ExporterSettings(region="eu-west-3", environment="dev"))
    assert yaml.safe_load(values["config"]) == exporter_config(ExporterSettings(region="eu-west-3", environment="dev"))
    assert values["serviceMonitor"] == {"enabled": True}


def test_the_exporter_reads_metrics_and_no_message() -> None:
    document = metrics_read_access()

    def decide(action: str, arn: str = "*") -> str:
        return iam_simulator.decide([document], iam_simulator.request(action, arn, {}, new=False, tagging=False))

    assert decide("cloudwatch:GetMetricData") == "allow" and decide("tag:GetResources") == "allow"
    queue = "arn:aws:sqs:eu-west-3:123456789012:fb-dev-payments-outbox"
    assert decide("sqs:ReceiveMessage", queue) == "implicit" and decide("sqs:GetQueueAttributes", queue) == "implicit"
