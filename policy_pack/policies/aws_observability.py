"""Logs and audit trails: retention and encryption everywhere (ADR-0006 observability, ADR-0008 compliance)."""

from __future__ import annotations

from ._lib import HIGH, MEDIUM, ResourceRule, config_value, get, is_set, number, schema

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
]
