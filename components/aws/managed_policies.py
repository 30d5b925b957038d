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

ATTACHABLE = [EKS_CLUSTER_POLICY, *NODE_MANAGED_POLICIES, READ_ONLY_POLICY]
