"""The EKS cluster: encrypted secrets, full control-plane logging, access entries, managed nodes
launched from a template (IMDSv2, encrypted volumes, cost tags on instances and volumes), and the
EKS Pod Identity agent for workload identity."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location
from components.aws.ci_identity import ROLE_PATH
from components.aws.key_policies import ENVELOPE_ACTIONS
from components.aws.keys import secrets_key_alias
from components.aws.log_group import log_group
from components.aws.managed_policies import EKS_CLUSTER_POLICY, NODE_MANAGED_POLICIES
from components.context import StackContext
from policy_pack.policies.lifecycle import Retention
from policy_pack.policies.pricing import AUTOSCALED_TAG

CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
CLUSTER_VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"


def control_plane_role_name_pattern(component_name: str) -> str:
    """The control-plane role's name as the engine auto-names it (logical name, '-', 7 characters):
    the secrets key's policy admits it by this pattern, since the key exists before the role. (An
    explicit name would replace the role, and with it the cluster, on stacks already up.)"""
    return f"{component_name}-control-plane-" + "?" * 7


@dataclass(frozen=True)
class ClusterAccess:
    """An IAM principal admitted to the cluster through an access entry (authentication mode API: the
    creator gets no bootstrap admin, so whoever applies Kubernetes objects needs one)."""

    label: str
    principal_arn: pulumi.Input[str]
    policy_arn: str


def kubeconfig(*, cluster_name: str, endpoint: str, ca_data: str, region: str) -> str:
    """A kubeconfig that authenticates with ``aws eks get-token`` (no static credentials)."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": cluster_name,
            "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "users": [{"name": cluster_name, "user": user}],
        },
        sort_keys=True,
    )


_INSTANCE_TYPE = re.compile(r"^(?P<series>[a-z]+?)(?P<generation>\d+)(?P<options>[a-z-]*)\.(?P<size>[a-z0-9-]+)$")
#: EKS's Amazon Linux 2023 AMI types per architecture (EKS API reference, Nodegroup amiType).
AMI_TYPES = {"x86_64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}


def architecture(instance_type: str) -> str:
    """arm64 for AWS Graviton types, x86_64 otherwise, from the type's name: the EC2 naming convention
    marks Graviton with a ``g`` among the options after the generation (m7g, c6gn, r6gd, im4gn), and
    a1 is the first Graviton (EC2 User Guide, "Amazon EC2 instance type naming conventions")."""
    match = _INSTANCE_TYPE.match(instance_type)
    if match is None:
        return "x86_64"
    series, generation, options = match.group("series"), match.group("generation"), match.group("options")
    return "arm64" if (series == "a" and generation == "1") or "g" in options else "x86_64"


def series(instance_type: str) -> str | None:
    """The type's series (``m`` of m6i.large, ``inf`` of inf2.xlarge, ``mac`` of mac2.metal), or None."""
    match = _INSTANCE_TYPE.match(instance_type)
    return None if match is None else match.group("series")


def ami_type_for(instance_types: list[str]) -> str:
    """The node group's AMI type: one architecture for all its instance types (a node group runs one AMI)."""
    found = {architecture(t) for t in instance_types}
    if len(found) != 1:
        raise ValueError(f"instance types {instance_types} mix architectures {sorted(found)}: a node group runs one AMI")
    return AMI_TYPES[found.pop()]


#: The cluster's defaults, read by ClusterArgs and by the config model (``cluster.*``) alike.
#: In EKS standard support until 2027-03-27 (stacks/data/eks_versions.json).
KUBERNETES_VERSION = "1.35"
NODE_INSTANCE_TYPES = ("m6i.large",)
NODE_MIN, NODE_DESIRED, NODE_MAX = 2, 3, 6


@dataclass(frozen=True)
class ClusterArgs:
    """Attributes:
    subnet_ids: Private subnets for the control plane ENIs and the nodes.
    secrets_key_arn / data_key_arn: KMS keys for Kubernetes secrets and for logs and node volumes.
    log_retention: The control-plane logs' class and lifecycle.
    kubernetes_version: Default ``KUBERNETES_VERSION``.
    endpoint_public_access / public_access_cidrs: A public endpoint, and its allow-list. Default: private only.
    instance_types / node_min / node_desired / node_max: The managed node group. Default: the module's
        ``NODE_*`` constants, which the config model's defaults read too.
    access: Principals admitted through access entries (the deploy role, the preview role, admins). Default: none.
    autoscaled: The Cluster Autoscaler owns the node group's desired size (``node_desired`` is its size at
        creation only: a later ``up`` must not reset what the autoscaler decided). Default False.
    """

    subnet_ids: list[pulumi.Input[str]]
    secrets_key_arn: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    log_retention: Retention
    kubernetes_version: str = KUBERNETES_VERSION
    endpoint_public_access: bool = False
    public_access_cidrs: list[str] = field(default_factory=list)
    instance_types: list[str] = field(default_factory=lambda: list(NODE_INSTANCE_TYPES))
    node_min: int = NODE_MIN
    node_desired: int = NODE_DESIRED
    node_max: int = NODE_MAX
    access: list[ClusterAccess] = field(default_factory=list)
    autoscaled: bool = False


class Cluster(pulumi.ComponentResource):
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    pod_identity_cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    certificate_authority_pem: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:Cluster", name, None, opts)
        child = options.child(self, opts)
        role = aws.iam.Role(
            f"{name}-control-plane",
            assume_role_policy=json.dumps(iam_documents.service_trust("eks.amazonaws.com")),
            path=ROLE_PATH,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(f"{name}-control-plane", role=role.name, policy_arn=EKS_CLUSTER_POLICY, opts=child)
        # Its half of the secrets key's separation of duties (the key policy admits only this role).
        aws.iam.RolePolicy(
            f"{name}-control-plane-secrets-key",
            role=role.id,
            policy=Location.of(self)
            .kms_keys()
            .apply(
                lambda keys: json.dumps(
                    iam_documents.document(
                        iam_documents.key_grant("EnvelopeEncryption", ENVELOPE_ACTIONS, keys, secrets_key_alias(ctx.name_prefix))
                    )
                )
            ),
            opts=child,
        )
        logs = log_group(
            f"{name}-control-plane-logs",
            log_group_name=f"/aws/eks/{ctx.cluster_name}/cluster",
            retention=args.log_retention,
            kms_key_arn=args.data_key_arn,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        vpc_config: dict[str, Any] = {
            "subnet_ids": args.subnet_ids,
            "endpoint_private_access": True,
            "endpoint_public_access": args.endpoint_public_access,
        }
        if args.endpoint_public_access:
            vpc_config["public_access_cidrs"] = args.public_access_cidrs
        cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=ctx.cluster_name,
            version=args.kubernetes_version,
            role_arn=role.arn,
            vpc_config=vpc_config,
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": args.secrets_key_arn}},
            enabled_cluster_log_types=CONTROL_PLANE_LOG_TYPES,
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
            opts=options.child(self, opts, after=[logs], keep=ctx.protect),
        )

        # Workloads get AWS credentials through EKS Pod Identity: their trust policies are known before
        # the cluster exists (IRSA trusts name the cluster's OIDC issuer, a random id; ADR-0015).
        pod_identity = aws.eks.Addon(f"{name}-pod-identity", cluster_name=cluster.name, addon_name="eks-pod-identity-agent", opts=child)

        node_role = aws.iam.Role(
            f"{name}-nodes",
            assume_role_policy=json.dumps(iam_documents.service_trust("ec2.amazonaws.com")),
            path=ROLE_PATH,
            opts=child,
        )
        for policy_arn in NODE_MANAGED_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-nodes-{policy_arn.rsplit('/', 1)[-1]}", role=node_role.name, policy_arn=policy_arn, opts=child
            )
        template = aws.ec2.LaunchTemplate(
            f"{name}-nodes",
            description=f"{ctx.cluster_name} managed nodes",
            update_default_version=True,
            metadata_options={"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1},
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {"volume_size": 50, "volume_type": "gp3", "encrypted": "true", "kms_key_id": args.data_key_arn},
                }
            ],
            opts=child,
        )
        aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=args.subnet_ids,
            instance_types=args.instance_types,
            ami_type=ami_type_for(args.instance_types),
            scaling_config={"min_size": args.node_min, "desired_size": args.node_desired, "max_size": args.node_max},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            tags={AUTOSCALED_TAG: "true"} if args.autoscaled else None,
            # terraform-aws-eks ignores desired_size for the same reason (a node group resized by the
            # autoscaler would be reset by every apply). Raising nodeMin above the current size then
            # needs the size raised first (EKS refuses min > desired).
            opts=options.child(self, opts, ignore_changes=["scalingConfig.desiredSize"]) if args.autoscaled else child,
        )
        for access in args.access:
            entry = aws.eks.AccessEntry(
                f"{name}-{access.label}", cluster_name=cluster.name, principal_arn=access.principal_arn, type="STANDARD", opts=child
            )
            aws.eks.AccessPolicyAssociation(
                f"{name}-{access.label}",
                cluster_name=cluster.name,
                principal_arn=access.principal_arn,
                policy_arn=access.policy_arn,
                access_scope={"type": "cluster"},
                opts=options.child(self, opts, after=[entry]),
            )

        self.name = cluster.name
        self.endpoint = cluster.endpoint
        self.pod_identity_cluster_name = pod_identity.cluster_name
        self.certificate_authority_pem = cluster.certificate_authority.apply(
            lambda ca: base64.b64decode(ca["data"] if isinstance(ca, dict) else ca.data).decode()
        )
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(name=cluster.name, endpoint=cluster.endpoint, authority=cluster.certificate_authority).apply(
                lambda v: kubeconfig(
                    cluster_name=v["name"],
                    endpoint=v["endpoint"],
                    ca_data=v["authority"]["data"] if isinstance(v["authority"], dict) else v["authority"].data,
                    region=ctx.region,
                )
            )
        )
        self.register_outputs({"name": self.name, "endpoint": self.endpoint})
