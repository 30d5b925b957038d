"""CIS AWS Foundations monitoring (ADR-0008): the trail's log group is watched for what an auditor asks
to be alerted on, and every alarm goes to the security alert address.

One metric filter and one alarm per CIS control (CIS AWS Foundations Benchmark v3.0.0, section 4
"Monitoring", controls 4.1-4.15; AWS Security Hub CloudWatch.1-14 check the same patterns). The
patterns are the benchmark's, written once here; ``cis-trail-alarms`` in the pack checks that each is
present, on a log group a multi-region trail delivers to, with an alarm that notifies someone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.context import StackContext
from policy_pack.policies import contract


@dataclass(frozen=True)
class TrailAlarmsArgs:
    """Attributes:
    log_group_name: The log group the trail delivers to.
    alert_email: Who is paged (an SNS email subscription: confirmed once by its owner).
    kms_key_arn: Encrypts the topic (the key's policy lets CloudWatch publish to it).
    """

    log_group_name: pulumi.Input[str]
    alert_email: str
    kms_key_arn: pulumi.Input[str]


class TrailAlarms(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TrailAlarmsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:TrailAlarms", name, None, opts)
        child = options.child(self, opts)
        topic = aws.sns.Topic(f"{name}-topic", name=ctx.name("security-alerts"), kms_master_key_id=args.kms_key_arn, opts=child)
        aws.sns.TopicSubscription(f"{name}-email", topic=topic.arn, protocol="email", endpoint=args.alert_email, opts=child)
        for cis in contract.CIS_CONTROLS:
            metric = aws.cloudwatch.LogMetricFilter(
                f"{name}-{cis.metric}",
                name=ctx.name("cis", cis.metric),
                log_group_name=args.log_group_name,
                pattern=cis.pattern,
                metric_transformation={"name": cis.metric, "namespace": contract.CIS_METRIC_NAMESPACE, "value": "1"},
                opts=child,
            )
            aws.cloudwatch.MetricAlarm(
                f"{name}-{cis.metric}",
                name=ctx.name("cis", cis.metric),
                alarm_description=f"CIS {cis.control}: {cis.description}",
                namespace=contract.CIS_METRIC_NAMESPACE,
                metric_name=cis.metric,
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[topic.arn],
                opts=options.child(self, opts, after=[metric]),
            )
        self.topic_arn = topic.arn
        self.register_outputs({"topicArn": self.topic_arn})
