"""KMS keys of the platform: one symmetric data key, one for EKS secrets, one asymmetric signing key.

The signing key (ECC_NIST_P256, SIGN_VERIFY) is cosign's key in KMS (``awskms:///<arn>``): CI signs
with it through OIDC, and its public key is exported for the admission policy (ADR-3, see
adrs/0011-cosign-kms-signing-key.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import iam_documents
from components.context import StackContext
from components.stateful import stateful


def data_key_alias(name_prefix: str) -> str:
    """The data key's alias: policies grant the key by it (its ARN is unknown until it exists)."""
    return f"alias/{name_prefix}-data"


def signing_key_alias(name_prefix: str) -> str:
    return f"alias/{name_prefix}-cosign"


@dataclass(frozen=True)
class PlatformKeysArgs:
    """Attributes:
    account_id / region: Where the keys live; the data key policy names them.
    create_autoscaling_service_role: Create the Auto Scaling service-linked role the data key's
      policy names (encrypted node volumes); KMS refuses a policy naming a role that does not exist.
    """

    create_autoscaling_service_role: bool


class PlatformKeys(pulumi.ComponentResource):
    data_key_arn: pulumi.Output[str]
    secrets_key_arn: pulumi.Output[str]
    signing_key_arn: pulumi.Output[str]
    signing_public_key_pem: pulumi.Output[str]

    def __init__(self, name: str, args: PlatformKeysArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:PlatformKeys", name, None, opts)
        keep = stateful(self, ctx.protect)
        named_roles: list[pulumi.Resource] = []
        if args.create_autoscaling_service_role:
            named_roles.append(aws.iam.ServiceLinkedRole(f"{name}-autoscaling", aws_service_name="autoscaling.amazonaws.com", opts=keep))
        data = aws.kms.Key(
            f"{name}-data",
            description=f"{ctx.name_prefix}: data at rest (logs, queues, tables, buckets, registries)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.from_input(ctx.account_id).apply(
                lambda account: json.dumps(iam_documents.data_key_policy(account, ctx.region))
            ),
            opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=named_roles)),
        )
        aws.kms.Alias(
            f"{name}-data-alias",
            name=data_key_alias(ctx.name_prefix),
            target_key_id=data.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        secrets = aws.kms.Key(
            f"{name}-eks-secrets",
            description=f"{ctx.name_prefix}: envelope encryption of Kubernetes secrets",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=keep,
        )
        signing = aws.kms.Key(
            f"{name}-signing",
            description=f"{ctx.name_prefix}: cosign image signing key (Gate 1)",
            customer_master_key_spec="ECC_NIST_P256",
            key_usage="SIGN_VERIFY",
            deletion_window_in_days=30,
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-signing-alias",
            name=signing_key_alias(ctx.name_prefix),
            target_key_id=signing.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        public_key = aws.kms.get_public_key_output(key_id=signing.arn, opts=pulumi.InvokeOutputOptions(parent=self))

        self.data_key_arn = data.arn
        self.secrets_key_arn = secrets.arn
        self.signing_key_arn = signing.arn
        self.signing_public_key_pem = public_key.public_key_pem
        self.register_outputs(
            {
                "dataKeyArn": self.data_key_arn,
                "secretsKeyArn": self.secrets_key_arn,
                "signingKeyArn": self.signing_key_arn,
                "signingPublicKeyPem": self.signing_public_key_pem,
            }
        )
