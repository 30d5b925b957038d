"""ARNs composed from what is known before anything exists: the account and region (invokes answer
in a preview) and the names this program chooses.

A resource's ``arn`` output is unknown on a first preview (the resource does not exist yet), and so
is every policy document built from it: the pack could not judge those documents in the CI preview
that exists to block them (ADR-0015). Documents name resources through these ARNs instead. Built
from a resource's own name output (an input, known in a preview), an ARN still depends on that
resource, so a policy naming a principal or a queue is created after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PARTITION = "aws"


@dataclass(frozen=True)
class Location:
    """Account and region of the resources a component creates (through its provider)."""

    account: pulumi.Output[str]
    region: pulumi.Output[str]

    @staticmethod
    def of(parent: pulumi.Resource) -> Location:
        invoke = pulumi.InvokeOutputOptions(parent=parent)
        return Location(aws.get_caller_identity_output(opts=invoke).account_id, aws.get_region_output(opts=invoke).region)

    def arn(self, service: str, resource: pulumi.Input[str], regional: bool = True) -> pulumi.Output[str]:
        region: pulumi.Input[str] = self.region if regional else ""
        return pulumi.Output.concat(f"arn:{PARTITION}:{service}:", region, ":", self.account, ":", resource)

    def role(self, name: pulumi.Input[str], path: str = "/") -> pulumi.Output[str]:
        return self.arn("iam", pulumi.Output.concat(f"role{path}", name), regional=False)

    def managed_policy(self, name: pulumi.Input[str], path: str = "/") -> pulumi.Output[str]:
        return self.arn("iam", pulumi.Output.concat(f"policy{path}", name), regional=False)

    def github_oidc_provider(self, host: str) -> pulumi.Output[str]:
        return self.arn("iam", f"oidc-provider/{host}", regional=False)

    def ecr_repository(self, name: pulumi.Input[str]) -> pulumi.Output[str]:
        return self.arn("ecr", pulumi.Output.concat("repository/", name))

    def sqs_queue(self, name: pulumi.Input[str]) -> pulumi.Output[str]:
        return self.arn("sqs", name)

    def dynamodb_table(self, name: pulumi.Input[str]) -> pulumi.Output[str]:
        return self.arn("dynamodb", pulumi.Output.concat("table/", name))

    def log_group(self, name: pulumi.Input[str]) -> pulumi.Output[str]:
        return self.arn("logs", pulumi.Output.concat("log-group:", name))

    def eks_cluster(self, name: pulumi.Input[str]) -> pulumi.Output[str]:
        return self.arn("eks", pulumi.Output.concat("cluster/", name))

    def kms_keys(self) -> pulumi.Output[str]:
        """Every key of the account and region: grants narrow it by alias (a key's id is random)."""
        return self.arn("kms", "key/*")

    def secrets(self, prefix: str) -> pulumi.Output[str]:
        return self.arn("secretsmanager", f"secret:{prefix}*")


def s3_bucket(bucket: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat(f"arn:{PARTITION}:s3:::", bucket)
