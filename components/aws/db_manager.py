"""The DB Manager's infrastructure (ADR-0002): one Aurora PostgreSQL cluster behind RDS Proxy.

Services never hold static database passwords: the Concierge issues short-lived users, and every
connection goes through the proxy (TLS required, IAM auth, pooling), where each tenant's share of
the pool follows its quota tier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location
from components.aws.ci_identity import ROLE_PATH
from components.aws.keys import data_key_alias
from components.aws.log_group import log_group
from components.aws.managed_policies import RDS_MONITORING_POLICY
from components.context import StackContext
from components.tagging import DATA_CLASS_TAG
from policy_pack.policies.lifecycle import Retention

POSTGRES_PORT = 5432


def postgresql_log_group(cluster_identifier: str) -> str:
    """Where RDS exports a cluster's PostgreSQL log (its fixed naming)."""
    return f"/aws/rds/cluster/{cluster_identifier}/postgresql"


#: RDS names the master-user secret it manages ``rds!cluster-<id>``; the id is RDS's choice.
RDS_MANAGED_SECRET_PREFIX = "rds!cluster-"


def proxy_secret_reader(*, secrets_arn: str, keys_arn: str, data_alias: str) -> dict:
    """The proxy reads the cluster's RDS-managed master secret. Its ARN is unknown until RDS creates
    it, so the grant names RDS-managed cluster secrets of this account and region (the proxy role is
    this platform's, one cluster per stack) and the data key by alias (ADR-0015)."""
    return iam_documents.document(
        {
            "Sid": "ReadMasterSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Resource": secrets_arn,
        },
        iam_documents.key_grant("DecryptMasterSecret", "kms:Decrypt", keys_arn, data_alias),
    )


@dataclass(frozen=True)
class DbManagerArgs:
    """Attributes:
    vpc_id / vpc_cidr / subnet_ids: Private placement; only the VPC may connect.
    kms_key_arn: Storage and master-secret encryption.
    engine_version / instance_class / instances: Aurora PostgreSQL sizing.
    backup_retention_days: Automated backups kept.
    retention: The class of the data the cluster holds (its tenants' highest) and its lifecycle: the
        cluster's tag, and the retention of the PostgreSQL log group RDS exports to.
    max_connections_percent: Share of the database's connections the proxy may open.
    monitoring: Performance Insights and enhanced monitoring on every instance.
    """

    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: list[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    engine_version: str
    instance_class: str
    instances: int
    backup_retention_days: int
    retention: Retention
    max_connections_percent: int
    monitoring: bool


#: Enhanced monitoring granularity, seconds (1, 5, 10, 15, 30 or 60).
MONITORING_INTERVAL = 60


#: Statements slower than this are logged (milliseconds; ``log_min_duration_statement``).
SLOW_STATEMENT_MS = 1000


def cluster_parameters(slow_statement_ms: int = SLOW_STATEMENT_MS) -> list[dict[str, str]]:
    """Aurora PostgreSQL settings an auditor asks for: TLS forced on every connection, connections and
    disconnections logged, pgaudit loaded and logging DDL and role changes, and the reads and writes of
    every object granted to ``rds_pgaudit`` (the pci and pii tenant schemas: the migration grants them),
    slow statements logged (ADR-0002, ADR-0008, #27 item 6). Never a statement's parameters: card data
    must not reach the logs (``pgaudit.log_parameter`` off; ``log_parameter_max_length`` 0 trims bind
    values out of the slow-statement and error lines). Libraries and ``pgaudit.role`` load at boot
    (``pending-reboot``); the rest applies at once."""
    return [
        {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
        {"name": "log_connections", "value": "1", "apply_method": "immediate"},
        {"name": "log_disconnections", "value": "1", "apply_method": "immediate"},
        {"name": "shared_preload_libraries", "value": "pg_stat_statements,pgaudit", "apply_method": "pending-reboot"},
        {"name": "pgaudit.log", "value": "ddl,role", "apply_method": "immediate"},
        {"name": "pgaudit.role", "value": "rds_pgaudit", "apply_method": "pending-reboot"},
        {"name": "pgaudit.log_parameter", "value": "0", "apply_method": "immediate"},
        {"name": "log_min_duration_statement", "value": str(slow_statement_ms), "apply_method": "immediate"},
        {"name": "log_parameter_max_length", "value": "0", "apply_method": "immediate"},
        {"name": "log_parameter_max_length_on_error", "value": "0", "apply_method": "immediate"},
    ]


def major_version(engine_version: str) -> str:
    return engine_version.split(".", 1)[0]


def engine_family(engine_version: str) -> str:
    """``16.4`` -> ``aurora-postgresql16``: parameter groups are per major version."""
    return f"aurora-postgresql{major_version(engine_version)}"


def _postgres_within(cidr: str, description: str) -> dict[str, Any]:
    """A security group rule for PostgreSQL inside ``cidr``, saying why it exists."""
    return {"description": description, "protocol": "tcp", "from_port": POSTGRES_PORT, "to_port": POSTGRES_PORT, "cidr_blocks": [cidr]}


class DbManager(pulumi.ComponentResource):
    proxy_endpoint: pulumi.Output[str]
    writer_endpoint: pulumi.Output[str]
    cluster_identifier: pulumi.Output[str]

    def __init__(self, name: str, args: DbManagerArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:DbManager", name, None, opts)
        child = options.child(self, opts)
        keep = options.child(self, opts, keep=ctx.protect)
        subnets = aws.rds.SubnetGroup(f"{name}-subnets", name=f"{ctx.name_prefix}-db", subnet_ids=args.subnet_ids, opts=child)
        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="PostgreSQL from inside the VPC only",
            ingress=[_postgres_within(args.vpc_cidr, "PostgreSQL from workloads in the VPC (through the RDS Proxy)")],
            egress=[_postgres_within(args.vpc_cidr, "The proxy to the Aurora instances, inside the VPC")],
            opts=child,
        )
        parameters = aws.rds.ClusterParameterGroup(
            f"{name}-parameters",
            name=f"{ctx.name_prefix}-aurora-pg{major_version(args.engine_version)}",
            family=engine_family(args.engine_version),
            description="Forced TLS, connection logging, pgaudit",
            parameters=cluster_parameters(),
            opts=child,
        )
        cluster_identifier = f"{ctx.name_prefix}-aurora"
        # Created here, before the cluster: RDS would otherwise create it on first export, never expiring.
        logs = log_group(
            f"{name}-postgresql-logs",
            log_group_name=postgresql_log_group(cluster_identifier),
            retention=args.retention,
            kms_key_arn=args.kms_key_arn,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        cluster = aws.rds.Cluster(
            f"{name}-aurora",
            cluster_identifier=cluster_identifier,
            engine="aurora-postgresql",
            engine_version=args.engine_version,
            db_subnet_group_name=subnets.name,
            db_cluster_parameter_group_name=parameters.name,
            vpc_security_group_ids=[security_group.id],
            master_username="platform_admin",
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            backup_retention_period=args.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=ctx.protect,
            skip_final_snapshot=not ctx.protect,
            final_snapshot_identifier=f"{ctx.name_prefix}-aurora-final" if ctx.protect else None,
            enabled_cloudwatch_logs_exports=["postgresql"],
            tags={DATA_CLASS_TAG: args.retention.data_class},
            opts=options.child(self, opts, after=[logs], keep=ctx.protect),
        )
        monitored: dict[str, Any] = {}
        instance_opts = keep
        if args.monitoring:
            monitoring_role = aws.iam.Role(
                f"{name}-monitoring",
                path=ROLE_PATH,
                assume_role_policy=json.dumps(iam_documents.service_trust("monitoring.rds.amazonaws.com")),
                opts=child,
            )
            attached = aws.iam.RolePolicyAttachment(
                f"{name}-monitoring", role=monitoring_role.name, policy_arn=RDS_MONITORING_POLICY, opts=child
            )
            monitored = {
                "performance_insights_enabled": True,
                "performance_insights_kms_key_id": args.kms_key_arn,
                "performance_insights_retention_period": 7,
                "monitoring_interval": MONITORING_INTERVAL,
                "monitoring_role_arn": monitoring_role.arn,
            }
            instance_opts = options.child(self, opts, after=[attached], keep=ctx.protect)
        for i in range(args.instances):
            aws.rds.ClusterInstance(
                f"{name}-aurora-{i}",
                identifier=f"{ctx.name_prefix}-aurora-{i}",
                cluster_identifier=cluster.id,
                engine="aurora-postgresql",
                instance_class=args.instance_class,
                publicly_accessible=False,
                db_subnet_group_name=subnets.name,
                **monitored,
                tags={DATA_CLASS_TAG: args.retention.data_class},
                opts=instance_opts,
            )

        secret_arn = cluster.master_user_secrets.apply(
            lambda secrets: (secrets[0]["secret_arn"] if isinstance(secrets[0], dict) else secrets[0].secret_arn) if secrets else ""
        )
        location = Location.of(self)
        role = aws.iam.Role(
            f"{name}-proxy",
            path=ROLE_PATH,
            assume_role_policy=json.dumps(iam_documents.service_trust("rds.amazonaws.com")),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-proxy",
            role=role.id,
            opts=child,
            policy=pulumi.Output.all(secrets_arn=location.secrets(RDS_MANAGED_SECRET_PREFIX), keys_arn=location.kms_keys()).apply(
                lambda v: json.dumps(proxy_secret_reader(**v, data_alias=data_key_alias(ctx.name_prefix)))
            ),
        )
        proxy = aws.rds.Proxy(
            f"{name}-proxy",
            name=f"{ctx.name_prefix}-db",
            engine_family="POSTGRESQL",
            require_tls=True,
            role_arn=role.arn,
            vpc_subnet_ids=args.subnet_ids,
            vpc_security_group_ids=[security_group.id],
            idle_client_timeout=1800,
            auths=[{"auth_scheme": "SECRETS", "iam_auth": "REQUIRED", "secret_arn": secret_arn, "description": "platform admin"}],
            opts=child,
        )
        target_group = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-pool",
            db_proxy_name=proxy.name,
            connection_pool_config={
                "max_connections_percent": args.max_connections_percent,
                "max_idle_connections_percent": max(10, args.max_connections_percent // 2),
                "connection_borrow_timeout": 120,
            },
            opts=child,
        )
        aws.rds.ProxyTarget(
            f"{name}-target",
            db_proxy_name=proxy.name,
            target_group_name=target_group.name,
            db_cluster_identifier=cluster.cluster_identifier,
            opts=child,
        )
        self.proxy_endpoint = proxy.endpoint
        self.writer_endpoint = cluster.endpoint
        self.cluster_identifier = cluster.cluster_identifier
        self.register_outputs(
            {"proxyEndpoint": self.proxy_endpoint, "writerEndpoint": self.writer_endpoint, "clusterIdentifier": self.cluster_identifier}
        )
