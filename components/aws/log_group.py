"""A CloudWatch log group with the platform's defaults: its data class's retention (ADR-0005), KMS
(ADR-0006), and kept where the stack protects what holds history."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.tagging import DATA_CLASS_TAG
from policy_pack.policies.lifecycle import Retention


def log_group(
    name: str,
    *,
    log_group_name: pulumi.Input[str],
    retention: Retention,
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogGroup:
    """``opts``: a child's options that keep it where the stack protects state (``options.child(...,
    keep=ctx.protect)``): a log group holds history."""
    return aws.cloudwatch.LogGroup(
        name,
        name=log_group_name,
        retention_in_days=retention.log_days,
        kms_key_id=kms_key_arn,
        tags={DATA_CLASS_TAG: retention.data_class},
        opts=opts,
    )
