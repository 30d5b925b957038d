"""Logs and audit trails: retention and encryption everywhere (ADR-0006 observability, ADR-0008 compliance)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import contract
from ._lib import HIGH, MEDIUM, Finding, ResourceRule, StackRule, config_value, depends_on, get, is_set, named, number, schema, strings

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TRAIL = "aws:cloudtrail/trail:Trail"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"


def _retention(props, args):
    minimum = config_value(args, "minRetentionDays", 30)
    days = number(get(props, "retentionInDays"))
    if not days:
        yield "set retentionInDays: logs kept forever cost money and hold personal data past its purpose"
    elif days < minimum:
        yield f"retentionInDays is {days:g}; this stack requires at least {minimum}"


def _log_kms(props, _args):
    if not is_set(props, "kmsKeyId"):
        yield "set kmsKeyId to a customer managed key"


def _trail(props, _args):
    if get(props, "enableLogFileValidation") is not True:
        yield "set enableLogFileValidation to true (tamper evidence)"
    if get(props, "isMultiRegionTrail") is not True:
        yield "set isMultiRegionTrail to true"
    if not is_set(props, "kmsKeyId"):
        yield "set kmsKeyId to encrypt the trail"


def _flow_log(props, _args):
    if get(props, "trafficType") != "ALL":
        yield "set trafficType to ALL so rejected and accepted flows are both recorded"


def _vpc_flow_logs(args) -> Iterator[Finding]:
    logged = {d.urn for log in named(args.resources, "aws:ec2/flowLog:FlowLog") for d in log.property_dependencies.get("vpcId", [])}
    for vpc in named(args.resources, "aws:ec2/vpc:Vpc"):
        if vpc.urn not in logged:
            yield f"VPC {vpc.name!r} has no flow log", vpc.urn


def _pattern(value: Any) -> str:
    return " ".join(str(value or "").split())


def _notifies(alarm: Any) -> bool:
    """An alarm with an action: wired to a resource of the stack (a topic whose ARN a first preview
    does not know yet), or naming one."""
    return bool(depends_on(alarm, "alarmActions")) or bool(strings(get(alarm.props, "alarmActions")))


def _cis_trail_alarms(args) -> Iterator[Finding]:
    trails = [t for t in named(args.resources, "aws:cloudtrail/trail:Trail") if get(t.props, "isMultiRegionTrail") is True]
    if not trails:
        return
    watched = [t for t in trails if depends_on(t, "cloudWatchLogsGroupArn")]
    if not watched:
        yield "no multi-region trail delivers to a CloudWatch log group: set cloudWatchLogsGroupArn and its role", trails[0].urn
        return
    groups = set().union(*(depends_on(t, "cloudWatchLogsGroupArn") for t in watched))
    filters = [f for f in named(args.resources, "aws:cloudwatch/logMetricFilter:LogMetricFilter") if depends_on(f, "logGroupName") & groups]
    alarms = list(named(args.resources, "aws:cloudwatch/metricAlarm:MetricAlarm"))
    for cis in contract.CIS_CONTROLS:
        found = [f for f in filters if _pattern(get(f.props, "pattern")) == _pattern(cis.pattern)]
        if not found:
            yield f"no metric filter for CIS {cis.control} ({cis.description}) on the trail's log group", watched[0].urn
            continue
        metrics = {(get(f.props, "metricTransformation.name"), get(f.props, "metricTransformation.namespace")) for f in found}
        if not any((get(a.props, "metricName"), get(a.props, "namespace")) in metrics and _notifies(a) for a in alarms):
            yield f"the CIS {cis.control} metric ({cis.description}) has no alarm that notifies anyone", found[0].urn


POLICIES = [
    ResourceRule(
        name="cloudwatch-log-retention",
        description="Log groups have a bounded retention.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="aws-observability",
        types=[LOG_GROUP],
        check=_retention,
        config_schema=schema(minRetentionDays={"type": "integer", "minimum": 1, "default": 30}),
    ),
    ResourceRule(
        name="cloudwatch-log-kms",
        description="Log groups are encrypted with a customer managed key.",
        severity=MEDIUM,
        adr="ADR-0008",
        domain="aws-observability",
        types=[LOG_GROUP],
        check=_log_kms,
    ),
    ResourceRule(
        name="cloudtrail-hardened",
        description="CloudTrail is multi-region, validated and encrypted.",
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-observability",
        types=[TRAIL],
        check=_trail,
    ),
    ResourceRule(
        name="vpc-flow-log-all-traffic",
        description="VPC flow logs record all traffic.",
        severity=MEDIUM,
        adr="ADR-0006",
        domain="aws-observability",
        types=[FLOW_LOG],
        check=_flow_log,
    ),
    StackRule(
        name="vpc-flow-logs",
        description="Every VPC has a flow log.",
        severity=MEDIUM,
        adr="ADR-0006",
        domain="aws-observability",
        check=_vpc_flow_logs,
        reads=["aws:ec2/vpc:Vpc", "aws:ec2/flowLog:FlowLog"],
    ),
    StackRule(
        name="cis-trail-alarms",
        description="The multi-region trail delivers to CloudWatch Logs, watched by the CIS 4.1-4.15 metric filters and alarms.",
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-observability",
        check=_cis_trail_alarms,
        reads=[
            "aws:cloudtrail/trail:Trail",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:cloudwatch/logMetricFilter:LogMetricFilter",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:sns/topic:Topic",
        ],
    ),
]
