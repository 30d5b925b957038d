"""A CloudWatch log group with the platform's defaults: bounded retention, KMS (ADR-6), and kept
where the stack protects what holds history (ADR-5)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def log_group(
    name: str,
    log_group_name: pulumi.Input[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    protect: bool,
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogGroup:
    kept = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=protect, retain_on_delete=protect))
    return aws.cloudwatch.LogGroup(name, name=log_group_name, retention_in_days=retention_days, kms_key_id=kms_key_arn, opts=kept)
