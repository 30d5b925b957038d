"""The billing data FinOps reports read (ADR-0007): an AWS Data Export of FOCUS 1.0 cost and usage,
delivered daily as Parquet into an encrypted, versioned, access-logged bucket of the platform team
with a lifecycle. ``blueprint finops allocate`` reads the delivered files.

AWS Data Exports is a us-east-1 service (the export is created there, through a provider pinned to
the stack's account); the bucket lives in the platform's region. The export delivers the costs of the
account that creates it (a member account's own, or the whole organization's from the payer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import s3_bucket
from components.aws.buckets import kms_encryption, log_access, private_bucket
from components.context import StackContext
from policy_pack.policies.lifecycle import Retention

#: Cost data names accounts, resources and spend.
BILLING_DATA_CLASS = "confidential"
EXPORTS_REGION = "us-east-1"
EXPORT_PREFIX = "focus"
#: FOCUS 1.0 columns the export selects: the specification's, and every one `finops allocate` reads.
FOCUS_COLUMNS = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ConsumedQuantity",
    "ConsumedUnit",
    "EffectiveCost",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SubAccountId",
    "Tags",
]


def focus_query() -> str:
    return f"SELECT {', '.join(FOCUS_COLUMNS)} FROM FOCUS_1_0_AWS"


def billing_bucket_name(name_prefix: str, account_id: str) -> str:
    return f"{name_prefix}-billing-{account_id}"


def export_bucket_policy(*, bucket_arn: str, account_id: str) -> dict:
    """Data Exports (and the legacy CUR service) may deliver for this account's exports only."""
    return iam_documents.document(
        {
            "Sid": "DataExportsDelivery",
            "Effect": "Allow",
            "Principal": {"Service": ["bcm-data-exports.amazonaws.com", "billingreports.amazonaws.com"]},
            "Action": ["s3:GetBucketPolicy", "s3:PutObject"],
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {
                "StringLike": {
                    "aws:SourceAccount": account_id,
                    "aws:SourceArn": [
                        f"arn:aws:cur:{EXPORTS_REGION}:{account_id}:definition/*",
                        f"arn:aws:bcm-data-exports:{EXPORTS_REGION}:{account_id}:export/*",
                    ],
                }
            },
        },
        iam_documents.deny_insecure_transport("s3:*", bucket_arn, f"{bucket_arn}/*"),
    )


@dataclass(frozen=True)
class BillingExportArgs:
    """Attributes:
    kms_key_arn: Encrypts the delivered files (the platform data key, whose policy admits the service).
    access_log_bucket: Where the bucket's server access logs go (``AccessLogs``).
    retention: The lifecycle of the confidential class (``BILLING_DATA_CLASS``): how long delivered files are kept.
    exports_provider: An AWS provider in us-east-1 for the same account (Data Exports' only region).
    """

    kms_key_arn: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str]
    retention: Retention
    exports_provider: pulumi.ProviderResource


class BillingExport(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: BillingExportArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:BillingExport", name, None, opts)
        child = options.child(self, opts)
        account = pulumi.Output.from_input(ctx.account_id)
        bucket = private_bucket(
            name,
            bucket_name=account.apply(lambda a: billing_bucket_name(ctx.name_prefix, a)),
            retention=args.retention,
            encryption=kms_encryption(args.kms_key_arn),
            parent=self,
            protect=ctx.protect,
        )
        log_access(f"{name}-access-logging", bucket=bucket, target_bucket=args.access_log_bucket, parent=self)
        policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.bucket,
            policy=pulumi.Output.all(bucket_arn=s3_bucket(bucket.bucket), account_id=account).apply(
                lambda v: json.dumps(export_bucket_policy(**v))
            ),
            opts=child,
        )
        aws.bcmdata.Export(
            f"{name}-focus",
            export={
                "name": ctx.name("focus", max_length=128),
                "description": f"{ctx.name_prefix}: FOCUS 1.0 cost and usage, daily (blueprint finops allocate)",
                "data_queries": [{"query_statement": focus_query()}],
                "destination_configurations": [
                    {
                        "s3_destinations": [
                            {
                                "s3_bucket": bucket.bucket,
                                "s3_prefix": EXPORT_PREFIX,
                                "s3_region": ctx.region,
                                "s3_output_configurations": [
                                    {
                                        "compression": "PARQUET",
                                        "format": "PARQUET",
                                        "output_type": "CUSTOM",
                                        "overwrite": "OVERWRITE_REPORT",
                                    }
                                ],
                            }
                        ]
                    }
                ],
                "refresh_cadences": [{"frequency": "SYNCHRONOUS"}],
            },
            opts=options.child(self, opts, after=[policy], provider=args.exports_provider),
        )
        self.bucket_name = bucket.bucket
        self.register_outputs({"bucketName": self.bucket_name})
