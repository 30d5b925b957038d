"""The AWS identities of platform operators running in the cluster: KEDA's, which reads queue depths
to scale tenant workers (ADR-0005), the OpenTelemetry collector's, which sends spans, Fluent Bit's,
which writes container logs, and Kyverno's, which reads images and their signatures from the registry to verify them (#26).

A ScaledObject's ``aws`` trigger authenticates as KEDA's operator (``identityOwner: keda``), through
EKS Pod Identity: the operator may read the attributes of tenant outbox queues, nothing else — not
their messages, not other queues.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location
from components.aws.ci_identity import ROLE_PATH
from components.context import StackContext
from components.kubernetes import charts, cloudwatch_metrics, logging, node_autoscaler, telemetry
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


def operator_role(
    name: str,
    *,
    parent: pulumi.Resource,
    role_name: str,
    cluster_name: pulumi.Input[str],
    service_account: tuple[str, str],
    policy: tuple[str, pulumi.Input[str]],
) -> None:
    """A role the (namespace, service account) of a platform operator assumes through EKS Pod Identity,
    with one inline policy (its name suffix, its document) and nothing else."""
    child = options.child(parent)
    location = Location.of(parent)
    namespace, account = service_account
    trust = pulumi.Output.all(account_id=location.account, cluster_arn=location.eks_cluster(cluster_name)).apply(
        lambda v: json.dumps(iam_documents.pod_identity_trust(**v, namespace=namespace, service_account=account))
    )
    role = aws.iam.Role(f"{name}-role", name=role_name, path=ROLE_PATH, assume_role_policy=trust, opts=child)
    suffix, document = policy
    aws.iam.RolePolicy(f"{name}-{suffix}", role=role.id, policy=document, opts=child)
    aws.eks.PodIdentityAssociation(
        f"{name}-identity", cluster_name=cluster_name, namespace=namespace, service_account=account, role_arn=role.arn, opts=child
    )


class ScalerIdentity(pulumi.ComponentResource):
    def __init__(self, name: str, args: ScalerIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:ScalerIdentity", name, None, opts)
        location = Location.of(self)
        policy = location.sqs_queue(outbox_queue_pattern(ctx.name_prefix)).apply(
            lambda arn: json.dumps(
                iam_documents.document({"Sid": "ReadOutboxDepth", "Effect": "Allow", "Action": QUEUE_DEPTH_ACTIONS, "Resource": arn})
            )
        )
        operator_role(
            name,
            parent=self,
            role_name=physical_name(ctx.name_prefix, "keda-operator", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(charts.KEDA.namespace, KEDA_OPERATOR_SERVICE_ACCOUNT),
            policy=("queue-depth", policy),
        )
        self.register_outputs({})


#: What the collector does in AWS: send spans to X-Ray (which authorizes these on "*" only).
TRACE_WRITE_ACTIONS = ["xray:PutSpans", "xray:PutSpansForIndexing", "xray:PutTraceSegments"]


def telemetry_access() -> dict:
    return iam_documents.document({"Sid": "SendSpans", "Effect": "Allow", "Action": TRACE_WRITE_ACTIONS, "Resource": "*"})


@dataclass(frozen=True)
class TelemetryIdentityArgs:
    """Attributes:
    cluster_name: The cluster whose collector gets the role.
    """

    cluster_name: pulumi.Input[str]


class TelemetryIdentity(pulumi.ComponentResource):
    """The AWS identity of the OpenTelemetry collector (#17 hop 9): it sends spans to X-Ray."""

    def __init__(self, name: str, args: TelemetryIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:TelemetryIdentity", name, None, opts)
        operator_role(
            name,
            parent=self,
            role_name=physical_name(ctx.name_prefix, "otel-collector", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(telemetry.COLLECTOR.namespace, telemetry.COLLECTOR_SERVICE_ACCOUNT),
            policy=("spans", json.dumps(telemetry_access())),
        )
        self.register_outputs({})


def log_shipping_access(log_group_arns: list[str]) -> dict:
    """Write events (and create streams) in ``log_group_arns`` (patterns allowed); never create a group."""
    return iam_documents.document(
        {
            "Sid": "WriteLogEvents",
            "Effect": "Allow",
            "Action": logging.SHIPPER_LOG_ACTIONS,
            # ``<group arn>:*`` covers the group (CreateLogStream) and its streams (PutLogEvents).
            "Resource": [f"{arn}:*" for arn in log_group_arns],
        },
    )


@dataclass(frozen=True)
class LogShipperIdentityArgs:
    """Attributes:
    cluster_name: The cluster whose Fluent Bit gets the role.
    platform_log_group: The platform's group.
    tenant_log_groups: The pattern of every tenant's group (``/<prefix>/tenants/*``): the role names
        no tenant, so onboarding one leaves it unchanged.
    """

    cluster_name: pulumi.Input[str]
    platform_log_group: str
    tenant_log_groups: str


class LogShipperIdentity(pulumi.ComponentResource):
    """The AWS identity of Fluent Bit (#30 item 2): it writes into the platform's and the tenants' log
    groups (which the program created, with their keys and retention), nothing else."""

    def __init__(self, name: str, args: LogShipperIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:LogShipperIdentity", name, None, opts)
        location = Location.of(self)
        arns = pulumi.Output.all(location.log_group(args.platform_log_group), location.log_group(args.tenant_log_groups))
        operator_role(
            name,
            parent=self,
            role_name=physical_name(ctx.name_prefix, "log-shipper", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(logging.SHIPPER.namespace, logging.SHIPPER_SERVICE_ACCOUNT),
            policy=("write", arns.apply(lambda found: json.dumps(log_shipping_access(list(found))))),
        )
        self.register_outputs({})


@dataclass(frozen=True)
class MetricsReaderIdentityArgs:
    """Attributes:
    cluster_name: The cluster whose CloudWatch exporter gets the role.
    """

    cluster_name: pulumi.Input[str]


def metrics_read_access() -> dict:
    # CloudWatch's metric reads and the tagging API's GetResources authorize on "*" only (Service
    # Authorization Reference): reading a metric is all this role can do.
    return iam_documents.document({"Sid": "ReadMetrics", "Effect": "Allow", "Action": cloudwatch_metrics.READ_ACTIONS, "Resource": "*"})


class MetricsReaderIdentity(pulumi.ComponentResource):
    """The AWS identity of the CloudWatch exporter (#30 item 3): it reads metrics and finds resources
    by tag, nothing else (no data, no messages)."""

    def __init__(self, name: str, args: MetricsReaderIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:MetricsReaderIdentity", name, None, opts)
        operator_role(
            name,
            parent=self,
            role_name=physical_name(ctx.name_prefix, "cloudwatch-exporter", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(cloudwatch_metrics.EXPORTER.namespace, cloudwatch_metrics.EXPORTER_SERVICE_ACCOUNT),
            policy=("read", json.dumps(metrics_read_access())),
        )
        self.register_outputs({})


#: What Kyverno's admission controller does in ECR to verify a signature: fetch the image's manifest
#: and the signature beside it (cosign stores it as an artifact of the same repository), never push.
REGISTRY_READ_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:DescribeImages"]
KYVERNO_ADMISSION_SERVICE_ACCOUNT = "kyverno-admission-controller"


def registry_read(repositories_arn: str) -> dict:
    return iam_documents.document(
        # GetAuthorizationToken authorizes on "*" only (Service Authorization Reference): it returns a
        # token for the registry; what the token may read is the statement below.
        {"Sid": "RegistryToken", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {"Sid": "ReadImagesAndSignatures", "Effect": "Allow", "Action": REGISTRY_READ_ACTIONS, "Resource": repositories_arn},
    )


@dataclass(frozen=True)
class AdmissionIdentityArgs:
    """Attributes:
    cluster_name: The cluster whose Kyverno admission controller gets the role.
    """

    cluster_name: pulumi.Input[str]


class AdmissionIdentity(pulumi.ComponentResource):
    """Kyverno's own AWS identity (#26): its admission controller reads manifests and signatures from
    this account's registry to verify images (the node role is out of its reach: IMDS hop limit 1).
    Read-only, this registry only; the key it verifies with is in the policy."""

    def __init__(self, name: str, args: AdmissionIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:AdmissionIdentity", name, None, opts)
        repositories = Location.of(self).ecr_repository("*")
        operator_role(
            name,
            parent=self,
            role_name=physical_name(ctx.name_prefix, "kyverno-admission", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(charts.KYVERNO.namespace, KYVERNO_ADMISSION_SERVICE_ACCOUNT),
            policy=("registry-read", repositories.apply(lambda arn: json.dumps(registry_read(arn)))),
        )
        self.register_outputs({})


@dataclass(frozen=True)
class NodeAutoscalerIdentityArgs:
    """Attributes:
    cluster_name: The cluster whose Cluster Autoscaler gets the role; its groups are the ones it may scale.
    """

    cluster_name: pulumi.Input[str]


class NodeAutoscalerIdentity(pulumi.ComponentResource):
    """The AWS identity of the Cluster Autoscaler (#30 item 7): it reads Auto Scaling groups and instance
    types, and changes the capacity of this cluster's EKS groups only."""

    def __init__(self, name: str, args: NodeAutoscalerIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:NodeAutoscalerIdentity", name, None, opts)
        location = Location.of(self)
        policy = pulumi.Output.all(location.region, location.account, args.cluster_name).apply(
            lambda v: json.dumps(node_autoscaler.access(region=v[0], account=v[1], cluster_name=v[2]))
        )
        operator_role(
            name,
            parent=self,
            role_name=physical_name(ctx.name_prefix, "cluster-autoscaler", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(charts.CLUSTER_AUTOSCALER.namespace, node_autoscaler.SERVICE_ACCOUNT),
            policy=("scale", policy),
        )
        self.register_outputs({})
