"""EKS and the EC2 pieces around it: the Kubernetes control plane of the Platform layer (ADR-0001, ADR-0008)."""

from __future__ import annotations

from ._lib import CRITICAL, HIGH, MEDIUM, ResourceRule, StackRule, config_value, get, is_set, items, named, schema, strings

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SECURITY_GROUPS = [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
]
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
WORLD = {"0.0.0.0/0", "::/0"}


def _secrets_encryption(props, _args):
    configs = items(get(props, "encryptionConfig"))
    if not any("secrets" in strings(get(c, "resources")) and is_set(c, "provider.keyArn") for c in configs):
        yield "set encryptionConfig {resources: [secrets], provider: {keyArn: <KMS key>}}"


def _endpoint(props, args):
    if get(props, "vpcConfig.endpointPublicAccess", True) is not True:
        return
    cidrs = strings(get(props, "vpcConfig.publicAccessCidrs")) or ["0.0.0.0/0"]
    if not config_value(args, "allowPublicWithCidrs", True):
        yield "set vpcConfig.endpointPublicAccess to false: this stack requires a private API endpoint"
    elif WORLD & set(cidrs):
        yield "the public API endpoint is open to the internet: allow-list CIDRs in vpcConfig.publicAccessCidrs"


def _logging(props, _args):
    missing = sorted(set(LOG_TYPES) - set(strings(get(props, "enabledClusterLogTypes"))))
    if missing:
        yield f"enable control-plane log types {missing} in enabledClusterLogTypes"


def _access_entries(props, _args):
    mode = get(props, "accessConfig.authenticationMode", "CONFIG_MAP")
    if mode != "API":
        yield f"authenticationMode is {mode!r}: use API (access entries) instead of the aws-auth ConfigMap"


def _node_group_template(props, _args):
    if not (is_set(props, "launchTemplate.id") or is_set(props, "launchTemplate.name")):
        yield "use a launchTemplate so instances and volumes carry the cost tags (and IMDSv2 is enforced)"


def _imdsv2(props, _args):
    if get(props, "metadataOptions.httpTokens") != "required":
        yield "set metadataOptions.httpTokens to required (IMDSv2)"
    hop = get(props, "metadataOptions.httpPutResponseHopLimit")
    if hop is not None and float(hop) > 2:
        yield "keep metadataOptions.httpPutResponseHopLimit <= 2 so pods cannot reach node credentials"


def _ebs_encrypted(props, _args):
    for mapping in items(get(props, "blockDeviceMappings")):
        if str(get(mapping, "ebs.encrypted", "false")).lower() != "true":
            yield f"encrypt the EBS volume {get(mapping, 'deviceName', '?')} (ebs.encrypted: 'true', ebs.kmsKeyId)"


def _no_world_ingress(props, args):
    rules = items(get(props, "ingress")) if args.resource_type == SECURITY_GROUPS[0] else [props]
    for rule in rules:
        if args.resource_type == SECURITY_GROUPS[1] and get(rule, "type") != "ingress":
            continue
        sources = set(strings(get(rule, "cidrBlocks"))) | set(strings(get(rule, "ipv6CidrBlocks")))
        sources |= {get(rule, "cidrIpv4"), get(rule, "cidrIpv6")} - {None}
        if sources & WORLD:
            yield f"ingress from the whole internet on ports {get(rule, 'fromPort')}-{get(rule, 'toPort')}: restrict the source"


def _rules(props, resource_type):
    if resource_type in (SECURITY_GROUPS[0], DEFAULT_SECURITY_GROUP):
        return [("ingress", r) for r in items(get(props, "ingress"))] + [("egress", r) for r in items(get(props, "egress"))]
    return [(get(props, "type", "ingress" if "Ingress" in resource_type else "egress"), props)]


def _rule_descriptions(props, args):
    for direction, rule in _rules(props, args.resource_type):
        if not str(get(rule, "description", "")).strip():
            ports = f"{get(rule, 'fromPort')}-{get(rule, 'toPort')}"
            yield f"an {direction} rule (ports {ports}) has no description: say what it admits and why"


def _default_group_closed(props, args):
    if _rules(props, args.resource_type):
        yield "the VPC's default security group must have no rules: anything launched without a group would get them"


def _default_group_managed(args):
    vpcs = sorted(named(args.resources, VPC), key=lambda r: r.urn)
    managed = list(named(args.resources, DEFAULT_SECURITY_GROUP))
    for vpc in vpcs[len(managed) :]:
        yield "the VPC's default security group is not managed: manage it (aws.ec2.DefaultSecurityGroup) with no rules", vpc.urn


def _no_auto_public_ip(props, _args):
    if get(props, "mapPublicIpOnLaunch") is True:
        yield "set mapPublicIpOnLaunch to false: nodes run in private subnets behind NAT"


POLICIES = [
    ResourceRule(
        name="eks-secrets-encryption",
        description="EKS encrypts Kubernetes secrets with a KMS key.",
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-eks",
        types=[CLUSTER],
        check=_secrets_encryption,
    ),
    ResourceRule(
        name="eks-endpoint-access",
        description="The EKS API endpoint is private, or public to allow-listed CIDRs only.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="aws-eks",
        types=[CLUSTER],
        check=_endpoint,
        config_schema=schema(allowPublicWithCidrs={"type": "boolean", "default": True}),
    ),
    ResourceRule(
        name="eks-control-plane-logging",
        description="EKS sends all five control-plane log types.",
        severity=MEDIUM,
        adr="ADR-0006",
        domain="aws-eks",
        types=[CLUSTER],
        check=_logging,
    ),
    ResourceRule(
        name="eks-access-entries",
        description="EKS grants access through access entries, not aws-auth.",
        severity=MEDIUM,
        adr="ADR-0001",
        domain="aws-eks",
        types=[CLUSTER],
        check=_access_entries,
    ),
    ResourceRule(
        name="eks-node-group-launch-template",
        description="EKS node groups launch from a launch template.",
        severity=MEDIUM,
        adr="ADR-0007",
        domain="aws-eks",
        types=[NODE_GROUP],
        check=_node_group_template,
    ),
    ResourceRule(
        name="ec2-imdsv2",
        description="Launch templates require IMDSv2 with a low hop limit.",
        severity=HIGH,
        adr="ADR-0001",
        domain="aws-eks",
        types=[LAUNCH_TEMPLATE],
        check=_imdsv2,
    ),
    ResourceRule(
        name="ec2-ebs-encryption",
        description="Launch template volumes are encrypted.",
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-eks",
        types=[LAUNCH_TEMPLATE],
        check=_ebs_encrypted,
    ),
    ResourceRule(
        name="ec2-no-world-ingress",
        description="Security groups admit no ingress from the whole internet.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="aws-network",
        types=SECURITY_GROUPS,
        check=_no_world_ingress,
    ),
    ResourceRule(
        name="ec2-subnet-no-auto-public-ip",
        description="Subnets do not give instances public IPs.",
        severity=MEDIUM,
        adr="ADR-0001",
        domain="aws-network",
        types=[SUBNET],
        check=_no_auto_public_ip,
    ),
    ResourceRule(
        name="ec2-security-group-rule-description",
        description="Every security group rule says what it admits (a description).",
        severity=MEDIUM,
        adr="ADR-0001",
        domain="aws-network",
        types=[*SECURITY_GROUPS, DEFAULT_SECURITY_GROUP],
        check=_rule_descriptions,
    ),
    ResourceRule(
        name="vpc-default-security-group-closed",
        description="The VPC's default security group has no rules (CIS AWS 5.4).",
        severity=HIGH,
        adr="ADR-0001",
        domain="aws-network",
        types=[DEFAULT_SECURITY_GROUP],
        check=_default_group_closed,
    ),
    StackRule(
        name="vpc-default-security-group-managed",
        description="Every VPC's default security group is managed by the program (so it can be closed).",
        severity=HIGH,
        adr="ADR-0001",
        domain="aws-network",
        check=_default_group_managed,
        reads=[VPC, DEFAULT_SECURITY_GROUP],
        reads_state=False,
    ),
]
