"""AWS-managed policies the program attaches to its roles: named once, read by the components that
attach them and by the deploy role's policy, which may attach these and no others."""

from __future__ import annotations

EKS_CLUSTER_POLICY = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
NODE_MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
]
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
#: RDS enhanced monitoring: the agent on each instance publishes OS metrics to CloudWatch Logs.
RDS_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"

ATTACHABLE = [EKS_CLUSTER_POLICY, *NODE_MANAGED_POLICIES, READ_ONLY_POLICY, RDS_MONITORING_POLICY]
