"""The AWS identities of the edge's two controllers in ``platform-gateway`` (#29 item 2, ADR-0028),
each through EKS Pod Identity:

- the AWS Load Balancer Controller, which turns each tenant's Ingress into an ALB with its listeners,
  target groups, security group rules, certificate, web ACL and Shield protection. Its permissions
  are the project's published policy (``docs/install/iam_policy.json`` at v3.5.0) with every write
  scoped: to this region and account, to application load balancers (the pack forbids Services of
  type LoadBalancer, so no NLB), and, where AWS supports it, to resources tagged with this cluster's
  name (``elbv2.k8s.aws/cluster`` on what it creates, ``kubernetes.io/cluster/<name>`` on the
  cluster's security group). WAF Classic is left out (the
  controller runs with ``enableWaf: false``), as are Cognito and IAM server certificates (ACM only).
- external-dns, which writes each public host's alias record: changes in the stack's hosted zone
  only, and only under its domain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi

from components.aws import iam_documents
from components.aws.arns import PARTITION, Location
from components.aws.scaler_identity import operator_role
from components.context import StackContext
from components.kubernetes import charts
from components.naming import physical_name

LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller"
EXTERNAL_DNS_SERVICE_ACCOUNT = "external-dns"
#: The tag the controller puts on everything it creates, valued with its ``clusterName``.
CLUSTER_TAG = "elbv2.k8s.aws/cluster"

#: Reads the controller makes to discover subnets, security groups, certificates and its own objects
#: (AWS authorizes Describe* of EC2 and Elastic Load Balancing on '*' only).
_DISCOVERY = [
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "ec2:GetSecurityGroupsForVpc",
    "ec2:DescribeRouteTables",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTrustStores",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeCapacityReservation",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "shield:GetSubscriptionState",
    "shield:DescribeProtection",
]


def load_balancer_controller_access(*, account: str, region: str, cluster_name: str) -> dict[str, Any]:
    """The controller's policy for the ALBs of cluster ``cluster_name``: known before the cluster and its
    VPC exist (names, not ids), so the pack judges it at a first preview."""
    base = f"arn:{PARTITION}:elasticloadbalancing:{region}:{account}"
    albs = [f"{base}:loadbalancer/app/*/*"]
    listeners = [f"{base}:listener/app/*/*/*", f"{base}:listener-rule/app/*/*/*"]
    target_groups = [f"{base}:targetgroup/*/*"]
    security_groups = f"arn:{PARTITION}:ec2:{region}:{account}:security-group/*"
    vpcs = f"arn:{PARTITION}:ec2:{region}:{account}:vpc/*"
    ours = {"StringEquals": {f"aws:ResourceTag/{CLUSTER_TAG}": cluster_name}}
    tagging_ours = {"StringEquals": {f"aws:RequestTag/{CLUSTER_TAG}": cluster_name}}
    return iam_documents.document(
        {
            "Sid": "ServiceLinkedRole",
            "Effect": "Allow",
            "Action": ["iam:CreateServiceLinkedRole"],
            "Resource": f"arn:{PARTITION}:iam::{account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/*",
            "Condition": {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}},
        },
        {"Sid": "Discover", "Effect": "Allow", "Action": _DISCOVERY, "Resource": "*"},
        {
            # Its own security groups, tagged with the cluster's name as it creates them.
            "Sid": "CreateOwnSecurityGroups",
            "Effect": "Allow",
            "Action": ["ec2:CreateSecurityGroup"],
            "Resource": [security_groups, vpcs],
            "Condition": tagging_ours,
        },
        {
            "Sid": "TagNewSecurityGroup",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags"],
            "Resource": security_groups,
            "Condition": {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup", f"aws:RequestTag/{CLUSTER_TAG}": cluster_name}},
        },
        {
            "Sid": "ManageOwnSecurityGroups",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateTags",
                "ec2:DeleteTags",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
            ],
            "Resource": security_groups,
            "Condition": ours,
        },
        {
            # Opens the cluster's security group (its nodes' and pods') to its ALBs: EKS tags it
            # kubernetes.io/cluster/<name> = owned.
            "Sid": "AllowAlbTrafficToTheCluster",
            "Effect": "Allow",
            "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            "Resource": security_groups,
            "Condition": {"StringEquals": {f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}": "owned"}},
        },
        {
            "Sid": "CreateTaggedAlbs",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags"],
            "Resource": [*albs, *target_groups],
            "Condition": tagging_ours,
        },
        {
            "Sid": "ManageOwnAlbs",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
            ],
            "Resource": [*albs, *target_groups],
            "Condition": ours,
        },
        {
            "Sid": "Listeners",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
            ],
            "Resource": [*albs, *listeners],
        },
        {
            "Sid": "Targets",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            "Resource": target_groups,
        },
        {
            # The web ACL and Shield protection its IngressClassParams name, on its ALBs.
            "Sid": "GuardAlbs",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:SetWebAcl",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            "Resource": [
                *albs,
                f"arn:{PARTITION}:wafv2:{region}:{account}:regional/webacl/*/*",
                f"arn:{PARTITION}:shield::{account}:protection/*",
            ],
        },
    )


def dns_records_access(*, hosted_zone_id: str) -> dict[str, Any]:
    """external-dns: record changes in one hosted zone (ListHostedZones authorizes on '*' only)."""
    return iam_documents.document(
        {
            "Sid": "ChangeRecordsOfTheZone",
            "Effect": "Allow",
            "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"],
            "Resource": f"arn:{PARTITION}:route53:::hostedzone/{hosted_zone_id}",
        },
        {"Sid": "FindTheZone", "Effect": "Allow", "Action": ["route53:ListHostedZones"], "Resource": "*"},
    )


@dataclass(frozen=True)
class EdgeIdentityArgs:
    """Attributes:
    cluster_name: The cluster whose controllers get the roles (the Pod Identity associations).
    hosted_zone_id: The zone external-dns writes in.
    """

    cluster_name: pulumi.Input[str]
    hosted_zone_id: str


class EdgeIdentity(pulumi.ComponentResource):
    def __init__(self, name: str, args: EdgeIdentityArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:EdgeIdentity", name, None, opts)
        location = Location.of(self)
        # The cluster's name as the chart's clusterName sets it (the tag on everything the controller creates).
        controller = pulumi.Output.all(location.account, location.region).apply(
            lambda v: json.dumps(load_balancer_controller_access(account=v[0], region=v[1], cluster_name=ctx.cluster_name))
        )
        operator_role(
            f"{name}-load-balancer-controller",
            parent=self,
            role_name=physical_name(ctx.name_prefix, "load-balancer-controller", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(charts.AWS_LOAD_BALANCER_CONTROLLER.namespace, LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT),
            policy=("albs", controller),
        )
        operator_role(
            f"{name}-external-dns",
            parent=self,
            role_name=physical_name(ctx.name_prefix, "external-dns", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(charts.EXTERNAL_DNS.namespace, EXTERNAL_DNS_SERVICE_ACCOUNT),
            policy=("records", json.dumps(dns_records_access(hosted_zone_id=args.hosted_zone_id))),
        )
        self.register_outputs({})
