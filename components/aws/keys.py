"""KMS keys of the platform: one symmetric data key, one for EKS secrets, one asymmetric signing key.
(Each tenant has a key of its own: ``components/tenant/aws.py``.)

The signing key (ECC_NIST_P256, SIGN_VERIFY) is cosign's key in KMS (``awskms:///<arn>``): CI signs
with it through OIDC, and its public key is exported for the admission policy (ADR-0003, see
adrs/0011-cosign-kms-signing-key.md). Every key has an explicit policy that separates administering
it from using it (``key_policies.py``, ADR-0022).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import key_policies
from components.context import StackContext


def data_key_alias(name_prefix: str) -> str:
    """The data key's alias: policies grant the key by it (its ARN is unknown until it exists)."""
    return f"alias/{name_prefix}-data"


def signing_key_alias(name_prefix: str) -> str:
    return f"alias/{name_prefix}-cosign"


def secrets_key_alias(name_prefix: str) -> str:
    return f"alias/{name_prefix}-eks-secrets"


def tenant_key_alias(name_prefix: str, tenant: str) -> str:
    """A tenant's own key; its roles are granted this alias and no other data key."""
    return f"alias/{name_prefix}-tenant-{tenant}"


@dataclass(frozen=True)
class PlatformKeysArgs:
    """Attributes:
    create_autoscaling_service_role: Create the Auto Scaling service-linked role the data key's
      policy names (encrypted node volumes); KMS refuses a policy naming a role that does not exist.
    role_path: The IAM path of the platform's roles.
    signer_role_names: Name pattern (IAM ``ArnLike``) of the roles that may sign images: the image
      publisher roles (``ci_identity.publisher_role_name_pattern``).
    cluster_role_names: Name pattern of the EKS control-plane role, the only user of the secrets key
      (``cluster.control_plane_role_name_pattern``).
    """

    create_autoscaling_service_role: bool
    role_path: str
    signer_role_names: str
    cluster_role_names: str


class PlatformKeys(pulumi.ComponentResource):
    data_key_arn: pulumi.Output[str]
    secrets_key_arn: pulumi.Output[str]
    signing_key_arn: pulumi.Output[str]
    signing_public_key_pem: pulumi.Output[str]

    def __init__(self, name: str, args: PlatformKeysArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:PlatformKeys", name, None, opts)
        keep = options.child(self, opts, keep=ctx.protect)
        account = pulumi.Output.from_input(ctx.account_id)
        named_roles: list[pulumi.Resource] = []
        if args.create_autoscaling_service_role:
            named_roles.append(aws.iam.ServiceLinkedRole(f"{name}-autoscaling", aws_service_name="autoscaling.amazonaws.com", opts=keep))
        data = aws.kms.Key(
            f"{name}-data",
            description=f"{ctx.name_prefix}: data at rest (logs, queues, tables, buckets, registries)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=account.apply(lambda a: json.dumps(key_policies.data_key_policy(a, ctx.region))),
            opts=options.child(self, opts, after=named_roles, keep=ctx.protect),
        )
        aws.kms.Alias(
            f"{name}-data-alias",
            name=data_key_alias(ctx.name_prefix),
            target_key_id=data.key_id,
            opts=options.child(self, opts),
        )
        secrets = aws.kms.Key(
            f"{name}-eks-secrets",
            description=f"{ctx.name_prefix}: envelope encryption of Kubernetes secrets",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=account.apply(
                lambda a: json.dumps(
                    key_policies.secrets_key_policy(
                        a, ctx.region, key_policies.role_arn_pattern(a, args.role_path, args.cluster_role_names)
                    )
                )
            ),
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-eks-secrets-alias",
            name=secrets_key_alias(ctx.name_prefix),
            target_key_id=secrets.key_id,
            opts=options.child(self, opts),
        )
        signing = aws.kms.Key(
            f"{name}-signing",
            description=f"{ctx.name_prefix}: cosign image signing key (Gate 1)",
            customer_master_key_spec="ECC_NIST_P256",
            key_usage="SIGN_VERIFY",
            deletion_window_in_days=30,
            policy=account.apply(
                lambda a: json.dumps(
                    key_policies.signing_key_policy(a, key_policies.role_arn_pattern(a, args.role_path, args.signer_role_names))
                )
            ),
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-signing-alias",
            name=signing_key_alias(ctx.name_prefix),
            target_key_id=signing.key_id,
            opts=options.child(self, opts),
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
