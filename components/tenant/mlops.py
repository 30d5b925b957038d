"""The activable MLOps layer of a tenant (seed: MLOps; ADR-0004 Model Registry & Validation).

A model registry bucket — versioned, Object Lock in COMPLIANCE mode so a released model version can
never be altered or deleted before its retention ends, private, KMS, TLS-only — and an image
repository for model-serving images (signed like every image). The tenant's services may read models;
only its CI may publish them (through the same OIDC publisher pattern, ADR-0003).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location, s3_bucket
from components.aws.image_repository import ImageRepository, ImageRepositoryArgs
from components.aws.locked_bucket import locked_bucket
from components.context import StackContext
from components.naming import physical_name
from policy_pack.policies.lifecycle import Retention

MODEL_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]


def model_registry_policy(bucket_arn: str) -> dict:
    return iam_documents.document(iam_documents.deny_insecure_transport("s3:*", bucket_arn, f"{bucket_arn}/*"))


def model_reader(*, bucket_arn: str, keys_arn: str, key_alias: str) -> dict:
    return iam_documents.document(
        {"Sid": "ReadModels", "Effect": "Allow", "Action": MODEL_READ_ACTIONS, "Resource": [bucket_arn, f"{bucket_arn}/*"]},
        iam_documents.key_grant("DecryptModels", "kms:Decrypt", keys_arn, key_alias),
    )


@dataclass(frozen=True)
class TenantKey:
    """The tenant's own key (``TenantAws``): encrypts models, granted to their readers by alias."""

    arn: pulumi.Input[str]
    alias: str


@dataclass(frozen=True)
class TenantMlopsArgs:
    """Attributes:
    tenant: Names (the bucket name is global: the stack context adds the account).
    image_key_arn: The platform data key, which encrypts the model image repository (as every image).
    access_log_bucket: Where the model bucket's server access logs go (``AccessLogs``).
    retention: The tenant's class lifecycle (tiering and expiry of model versions).
    retention_days: Object Lock retention of a model version (audit of decisions, ADR-0004). Default 365.
    """

    tenant: str
    image_key_arn: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str]
    retention: Retention
    retention_days: int = 365


class TenantMlops(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: TenantMlopsArgs,
        ctx: StackContext,
        key: TenantKey,
        readers: list[pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fintech:aws:TenantMlops", name, None, opts)
        child = options.child(self, opts)
        bucket_name = pulumi.Output.from_input(ctx.account_id).apply(
            lambda account: physical_name(ctx.name_prefix, args.tenant, "models", account)
        )
        bucket = locked_bucket(
            f"{name}-models",
            bucket_name=bucket_name,
            retention_days=args.retention_days,
            kms_key_arn=key.arn,
            parent=self,
            protect=ctx.protect,
            access_log_bucket=args.access_log_bucket,
            retention=args.retention,
        )
        aws.s3.BucketPolicy(
            f"{name}-models-policy",
            bucket=bucket.bucket,
            policy=s3_bucket(bucket.bucket).apply(lambda arn: json.dumps(model_registry_policy(arn))),
            opts=child,
        )
        ImageRepository(
            f"{name}-model-images",
            ImageRepositoryArgs(repository_name=f"{args.tenant}/models", kms_key_arn=args.image_key_arn),
            ctx,
            child,
        )
        for i, role in enumerate(readers):
            aws.iam.RolePolicy(
                f"{name}-model-reader-{i}",
                role=role,
                opts=child,
                policy=pulumi.Output.all(bucket_arn=s3_bucket(bucket.bucket), keys_arn=Location.of(self).kms_keys()).apply(
                    lambda v: json.dumps(model_reader(**v, key_alias=key.alias))
                ),
            )
        self.bucket_name = bucket.bucket
        self.register_outputs({"modelRegistryBucket": self.bucket_name})
