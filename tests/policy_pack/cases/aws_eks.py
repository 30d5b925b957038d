"""Compliant and non-compliant cases of the aws-eks rules."""

from __future__ import annotations

from ._common import Case, StackCase, with_

LT = "aws:ec2/launchTemplate:LaunchTemplate"


EKS_OK = {
    "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:x"}},
    "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    "accessConfig": {"authenticationMode": "API"},
}


EKS = "aws:eks/cluster:Cluster"


RESOURCE_CASES: dict[str, Case] = {
    "eks-secrets-encryption": Case(EKS, EKS_OK, with_(EKS_OK, encryptionConfig={"resources": ["configmaps"]})),
    "eks-endpoint-access": Case(
        EKS,
        with_(EKS_OK, vpcConfig={"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}),
        with_(EKS_OK, vpcConfig={"endpointPublicAccess": True}),
        more_bad=(
            (
                EKS,
                with_(EKS_OK, vpcConfig={"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}),
                {"eks-endpoint-access": {"allowPublicWithCidrs": False}},
            ),
        ),
    ),
    "eks-control-plane-logging": Case(EKS, EKS_OK, with_(EKS_OK, enabledClusterLogTypes=["api", "audit"])),
    "eks-access-entries": Case(EKS, EKS_OK, with_(EKS_OK, accessConfig={"authenticationMode": "CONFIG_MAP"})),
    "eks-node-group-launch-template": Case("aws:eks/nodeGroup:NodeGroup", {"launchTemplate": {"id": "lt-1", "version": "1"}}, {}),
    "ec2-imdsv2": Case(
        LT,
        {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
        {"metadataOptions": {"httpTokens": "optional"}},
        more_bad=((LT, {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 3}}),),
    ),
    "ec2-ebs-encryption": Case(
        LT,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]},
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
    ),
}


STACK_CASES: dict[str, StackCase] = {}
