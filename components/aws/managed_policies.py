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

#: AWS Backup's service role: back up and restore (RDS among others), and S3 (its own policies).
BACKUP_SERVICE_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
]

ATTACHABLE = [EKS_CLUSTER_POLICY, *NODE_MANAGED_POLICIES, READ_ONLY_POLICY, RDS_MONITORING_POLICY, *BACKUP_SERVICE_POLICIES]
