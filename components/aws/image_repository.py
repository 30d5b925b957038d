"""A signed-image repository: immutable tags, scan on push, KMS, a lifecycle policy (ADR-0003)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import options
from components.aws.arns import Location
from components.context import StackContext


def lifecycle_policy(keep_tagged: int = 50, untagged_days: int = 7) -> dict[str, Any]:
    """Expire untagged layers quickly; keep the last ``keep_tagged`` signed releases."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": "expire untagged images",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": untagged_days,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"keep the last {keep_tagged} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_tagged},
                "action": {"type": "expire"},
            },
        ]
    }


@dataclass(frozen=True)
class ImageRepositoryArgs:
    """Attributes:
    repository_name: ECR name, e.g. ``payments/payments-api``.
    kms_key_arn: Customer managed key for the images.
    keep_tagged: Images kept by the lifecycle policy. Default 50.
    """

    repository_name: str
    kms_key_arn: pulumi.Input[str]
    keep_tagged: int = 50


class ImageRepository(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: ImageRepositoryArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:ImageRepository", name, None, opts)
        repo = aws.ecr.Repository(
            f"{name}-repo",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": args.kms_key_arn}],
            force_delete=False,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=repo.name,
            policy=json.dumps(lifecycle_policy(args.keep_tagged)),
            opts=options.child(self, opts),
        )
        # From its name (known at a first preview), not the arn output: publisher policies name it.
        self.arn = Location.of(self).ecr_repository(repo.name)
        self.url = repo.repository_url
        self.register_outputs({"arn": self.arn, "url": self.url})
