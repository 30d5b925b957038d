"""Compliant and non-compliant cases of the aws-observability rules."""

from __future__ import annotations

from policy_pack.policies.contract import CIS_CONTROLS, CIS_METRIC_NAMESPACE

from ._common import TRAIL_LOGS, VPC, WATCHED_TRAIL, Case, Res, StackCase


def cis_watch(skip: str = "", silent: str = "") -> list[Res]:
    """The trail, its log group and one filter and alarm per CIS control (none for ``skip``; the alarm
    of ``silent`` notifies no one)."""
    found = [TRAIL_LOGS, WATCHED_TRAIL]
    for cis in CIS_CONTROLS:
        if cis.metric == skip:
            continue
        transformation = {"name": cis.metric, "namespace": CIS_METRIC_NAMESPACE, "value": "1"}
        found.append(
            Res(
                "aws:cloudwatch/logMetricFilter:LogMetricFilter",
                f"filter-{cis.metric}",
                {"pattern": cis.pattern, "metricTransformation": transformation},
                property_dependencies={"logGroupName": ["trail-logs"]},
            )
        )
        actions = [] if cis.metric == silent else ["arn:aws:sns:eu-west-3:1:security"]
        found.append(
            Res(
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                f"alarm-{cis.metric}",
                {"metricName": cis.metric, "namespace": CIS_METRIC_NAMESPACE, "alarmActions": actions},
            )
        )
    return found


RESOURCE_CASES: dict[str, Case] = {
    "cloudwatch-log-retention": Case(
        "aws:cloudwatch/logGroup:LogGroup",
        {"retentionInDays": 365},
        {},
        more_bad=(("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 7}),),
    ),
    "cloudwatch-log-kms": Case("aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": "arn:aws:kms:k"}, {}),
    "cloudtrail-hardened": Case(
        "aws:cloudtrail/trail:Trail",
        {"enableLogFileValidation": True, "isMultiRegionTrail": True, "kmsKeyId": "k"},
        {"enableLogFileValidation": True},
        more_bad=(("aws:cloudtrail/trail:Trail", {"isMultiRegionTrail": True, "kmsKeyId": "k"}),),
    ),
    "vpc-flow-log-all-traffic": Case("aws:ec2/flowLog:FlowLog", {"trafficType": "ALL"}, {"trafficType": "REJECT"}),
}


STACK_CASES: dict[str, StackCase] = {
    "cis-trail-alarms": StackCase(
        cis_watch(),
        cis_watch(skip="RootAccountUsage"),
        "trail",
        more_bad=(
            (cis_watch(silent="KmsKeyDisabledOrScheduledForDeletion"), "filter-KmsKeyDisabledOrScheduledForDeletion"),
            ([Res("aws:cloudtrail/trail:Trail", "trail", {"isMultiRegionTrail": True})], "trail"),
        ),
    ),
    "vpc-flow-logs": StackCase(
        [VPC, Res("aws:ec2/flowLog:FlowLog", "fl", {"trafficType": "ALL"}, property_dependencies={"vpcId": ["vpc"]})],
        [VPC, Res("aws:ec2/flowLog:FlowLog", "fl", {"trafficType": "ALL"})],
        "vpc",
    ),
}
