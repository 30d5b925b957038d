"""The VPC: public and private subnets per AZ, NAT (one, or one per AZ), interface endpoints to the AWS
APIs the workloads call (ADR-0025), flow logs (ADR-0006)."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location
from components.aws.log_group import log_group
from components.context import StackContext
from policy_pack.policies.lifecycle import Retention, default_retention


@dataclass(frozen=True)
class SubnetPlan:
    az_index: int
    public_cidr: str
    private_cidr: str


def subnet_plan(cidr: str, az_count: int) -> list[SubnetPlan]:
    """Carve the VPC into /20-equivalent blocks (1/16th each): private ones first, public ones from the
    middle, so adding an AZ never renumbers an existing subnet."""
    network = ipaddress.ip_network(cidr)
    blocks = list(network.subnets(new_prefix=network.prefixlen + 4))
    return [SubnetPlan(i, str(blocks[8 + i]), str(blocks[i])) for i in range(az_count)]


#: AWS APIs the workloads reach through interface endpoints in the private subnets (AWS PrivateLink),
#: never through the NAT: tenant pods may not open connections to the internet (ADR-0025), and these
#: are what the tenants' services and the platform call (queues, objects, tables, keys, tokens, logs).
INTERFACE_ENDPOINTS = ("sqs", "s3", "dynamodb", "kms", "sts", "logs")


def endpoint_service_name(region: str, service: str) -> str:
    """The endpoint service of an AWS API in ``region`` (``aws ec2 describe-vpc-endpoint-services``)."""
    return f"com.amazonaws.{region}.{service}"


def nat_gateway_count(mode: Literal["single", "perAz"], az_count: int) -> int:
    return 1 if mode == "single" else az_count


@dataclass(frozen=True)
class NetworkArgs:
    """Attributes:
    cidr: VPC CIDR. Default ``10.0.0.0/16``.
    availability_zones: AZ names, one subnet pair each.
    nat_gateways: ``single`` (dev: one NAT, cheaper) or ``perAz`` (prod: no cross-AZ dependency). Default ``perAz``.
    flow_log_retention: The flow logs' class and lifecycle. Default: internal, the table's default row.
    kms_key_arn: Encrypts the flow-log group.
    interface_endpoints: AWS APIs reached through interface endpoints with private DNS (names as in
        ``com.amazonaws.<region>.<name>``). Default ``INTERFACE_ENDPOINTS``.
    """

    availability_zones: list[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    cidr: str = "10.0.0.0/16"
    nat_gateways: Literal["single", "perAz"] = "perAz"
    flow_log_retention: Retention = field(default_factory=lambda: default_retention("internal"))
    interface_endpoints: list[str] = field(default_factory=lambda: list(INTERFACE_ENDPOINTS))


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:Network", name, None, opts)
        child = options.child(self, opts)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": ctx.name_prefix},
            opts=child,
        )
        # Managed with no rules: anything launched without a security group gets no access (CIS AWS 5.4).
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, tags={"Name": f"{ctx.name_prefix}-default-closed"}, opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, opts=child)
        public_rt = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id, opts=child)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )

        cluster_tag = {f"kubernetes.io/cluster/{ctx.cluster_name}": "shared"}
        public, private, nats = [], [], []
        plan = subnet_plan(args.cidr, len(args.availability_zones))
        for p, az in zip(plan, args.availability_zones, strict=True):
            public_subnet = aws.ec2.Subnet(
                f"{name}-public-{p.az_index}",
                vpc_id=vpc.id,
                cidr_block=p.public_cidr,
                availability_zone=az,
                map_public_ip_on_launch=False,
                tags={**cluster_tag, "kubernetes.io/role/elb": "1"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{p.az_index}", subnet_id=public_subnet.id, route_table_id=public_rt.id, opts=child
            )
            public.append(public_subnet)
            private.append(
                aws.ec2.Subnet(
                    f"{name}-private-{p.az_index}",
                    vpc_id=vpc.id,
                    cidr_block=p.private_cidr,
                    availability_zone=az,
                    map_public_ip_on_launch=False,
                    tags={**cluster_tag, "kubernetes.io/role/internal-elb": "1"},
                    opts=child,
                )
            )

        for i in range(nat_gateway_count(args.nat_gateways, len(public))):
            eip = aws.ec2.Eip(f"{name}-nat-{i}", domain="vpc", opts=child)
            nats.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=eip.id,
                    subnet_id=public[i].id,
                    opts=options.child(self, opts, after=[igw]),
                )
            )
        for i, subnet in enumerate(private):
            rt = aws.ec2.RouteTable(f"{name}-private-{i}", vpc_id=vpc.id, opts=child)
            aws.ec2.Route(
                f"{name}-private-{i}-default",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[min(i, len(nats) - 1)].id,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(f"{name}-private-{i}", subnet_id=subnet.id, route_table_id=rt.id, opts=child)

        if args.interface_endpoints:
            # HTTPS from the VPC only; an endpoint's network interface opens no connection itself.
            endpoints_sg = aws.ec2.SecurityGroup(
                f"{name}-endpoints",
                vpc_id=vpc.id,
                description="AWS API interface endpoints: HTTPS from the VPC",
                ingress=[
                    {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [args.cidr], "description": "HTTPS from the VPC"}
                ],
                tags={"Name": f"{ctx.name_prefix}-endpoints"},
                opts=child,
            )
            for service in args.interface_endpoints:
                aws.ec2.VpcEndpoint(
                    f"{name}-endpoint-{service}",
                    vpc_id=vpc.id,
                    service_name=endpoint_service_name(ctx.region, service),
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=[s.id for s in private],
                    security_group_ids=[endpoints_sg.id],
                    tags={"Name": f"{ctx.name_prefix}-{service}"},
                    opts=child,
                )

        flow_logs = log_group(
            f"{name}-flow-logs",
            log_group_name=f"/aws/vpc/{ctx.name_prefix}/flow-logs",
            retention=args.flow_log_retention,
            kms_key_arn=args.kms_key_arn,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=json.dumps(iam_documents.service_trust("vpc-flow-logs.amazonaws.com")),
            path="/fintech-blueprint/",
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=Location.of(self).log_group(flow_logs.name).apply(lambda arn: json.dumps(iam_documents.log_stream_writer(arn))),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_logs.arn,
            iam_role_arn=role.arn,
            opts=child,
        )

        self.vpc_id = vpc.id
        self.private_subnet_ids = [s.id for s in private]
        self.public_subnet_ids = [s.id for s in public]
        self.register_outputs({"vpcId": self.vpc_id, "privateSubnetIds": self.private_subnet_ids})
