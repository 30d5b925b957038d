"""Compliant and non-compliant cases of the aws-network rules."""

from __future__ import annotations

from ._common import Case, Res, StackCase

RESOURCE_CASES: dict[str, Case] = {
    "ec2-no-world-ingress": Case(
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [{"fromPort": 5432, "toPort": 5432, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/16"]}]},
        {"ingress": [{"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}]},
    ),
    "ec2-security-group-rule-description": Case(
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [{"fromPort": 5432, "toPort": 5432, "description": "PostgreSQL from the VPC"}], "egress": []},
        {"ingress": [{"fromPort": 5432, "toPort": 5432, "description": "ok"}], "egress": [{"fromPort": 0, "toPort": 0}]},
    ),
    "vpc-default-security-group-closed": Case(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        {"vpcId": "vpc-1"},
        {"vpcId": "vpc-1", "ingress": [{"fromPort": 0, "toPort": 0, "protocol": "-1", "self": True, "description": "AWS default"}]},
    ),
    "ec2-subnet-no-auto-public-ip": Case("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": False}, {"mapPublicIpOnLaunch": True}),
}


STACK_CASES: dict[str, StackCase] = {
    "vpc-default-security-group-managed": StackCase(
        [Res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}), Res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "sg", {})],
        [Res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})],
        "vpc",
    ),
}
