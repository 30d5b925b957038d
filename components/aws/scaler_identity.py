"""The AWS identity of KEDA's operator, which reads queue depths to scale tenant workers (ADR-5).

A ScaledObject's ``aws`` trigger authenticates as KEDA's operator (``identityOwner: keda``), through
EKS Pod Identity: the operator may read the attributes of tenant outbox queues, nothing else — not
their messages, not other queues.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import iam_documents
from components.aws.arns import Location
from components.aws.ci_identity import ROLE_PATH
from components.context import StackContext
from components.kubernetes import charts
from components.naming import physical_name

KEDA_OPERATOR_SERVICE_ACCOUNT = "keda-operator"
QUEUE_DEPTH_ACTIONS = ["sqs:GetQueueAttributes"]


def outbox_queue_pattern(name_prefix: str) -> str:
    """Every tenant outbox queue of this stack (``<prefix>-<tenant>-outbox``), not their DLQs."""
    return f"{name_prefix}-*-outbox"


@dataclass(frozen=True)
class ScalerIdentityArgs:
    """Attributes:
    cluster_name: The cluster whose KEDA operator gets the role (Pod Identity association).
    """

    cluster_name: pulumi.Input[str]


class ScalerIdentity(pulumi.ComponentResource):
    def __init__(self, name: str, args: ScalerIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:ScalerIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        location = Location.of(self)
        namespace = charts.KEDA.namespace
        trust = pulumi.Output.all(location.account, location.eks_cluster(args.cluster_name)).apply(
            lambda a: json.dumps(iam_documents.pod_identity_trust(a[0], a[1], namespace, KEDA_OPERATOR_SERVICE_ACCOUNT))
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=physical_name(ctx.name_prefix, "keda-operator", max_length=64),
            path=ROLE_PATH,
            assume_role_policy=trust,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-queue-depth",
            role=role.id,
            policy=location.sqs_queue(outbox_queue_pattern(ctx.name_prefix)).apply(
                lambda arn: json.dumps(
                    iam_documents.document({"Sid": "ReadOutboxDepth", "Effect": "Allow", "Action": QUEUE_DEPTH_ACTIONS, "Resource": arn})
                )
            ),
            opts=child,
        )
        aws.eks.PodIdentityAssociation(
            f"{name}-identity",
            cluster_name=args.cluster_name,
            namespace=namespace,
            service_account=KEDA_OPERATOR_SERVICE_ACCOUNT,
            role_arn=role.arn,
            opts=child,
        )
        self.register_outputs({})
