"""Databases and tables behind the DB Manager and the idempotency store (ADR-2, ADR-5)."""

from __future__ import annotations

from ._lib import CRITICAL, HIGH, MEDIUM, ResourceRule, config_value, get, is_set, items, number, schema

RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PROXY = "aws:rds/proxy:Proxy"
TABLE = "aws:dynamodb/table:Table"


def _rds_encrypted(props, _args):
    if get(props, "storageEncrypted") is not True or not is_set(props, "kmsKeyId"):
        yield "set storageEncrypted: true with a customer managed kmsKeyId"


def _rds_iam_auth(props, _args):
    if get(props, "iamDatabaseAuthenticationEnabled") is not True:
        yield "set iamDatabaseAuthenticationEnabled: true (no static database passwords in services)"


def _rds_backups(props, args):
    minimum = config_value(args, "minBackupRetentionDays", 7)
    days = number(get(props, "backupRetentionPeriod", 1)) or 0
    if days < minimum:
        yield f"backupRetentionPeriod is {days:g}; keep at least {minimum} days"
    if config_value(args, "requireDeletionProtection", False) and get(props, "deletionProtection") is not True:
        yield "set deletionProtection: true (required in this stack)"


def _rds_monitoring(props, args):
    if not config_value(args, "requireMonitoring", False):
        return
    if get(props, "performanceInsightsEnabled") is not True:
        yield "set performanceInsightsEnabled: true (with performanceInsightsKmsKeyId)"
    if not number(get(props, "monitoringInterval")):
        yield "set monitoringInterval (enhanced monitoring, e.g. 60) and its monitoringRoleArn"


def _rds_private(props, _args):
    if get(props, "publiclyAccessible") is True:
        yield "set publiclyAccessible to false: the database is reached through RDS Proxy only"


def _proxy(props, _args):
    if get(props, "requireTls") is not True:
        yield "set requireTls: true"
    if not items(get(props, "auths")) or any(get(a, "iamAuth") != "REQUIRED" for a in items(get(props, "auths"))):
        yield "set iamAuth: REQUIRED on every auth entry"


def _table(props, _args):
    if get(props, "pointInTimeRecovery.enabled") is not True:
        yield "enable pointInTimeRecovery"
    if get(props, "serverSideEncryption.enabled") is not True or not is_set(props, "serverSideEncryption.kmsKeyArn"):
        yield "enable serverSideEncryption with a customer managed kmsKeyArn"


POLICIES = [
    ResourceRule(
        name="rds-encryption",
        description="Aurora clusters are encrypted with a customer managed key.",
        severity=HIGH,
        adr="ADR-002",
        domain="aws-data",
        types=[RDS_CLUSTER],
        check=_rds_encrypted,
    ),
    ResourceRule(
        name="rds-iam-auth",
        description="Aurora clusters accept IAM authentication.",
        severity=MEDIUM,
        adr="ADR-001",
        domain="aws-data",
        types=[RDS_CLUSTER],
        check=_rds_iam_auth,
    ),
    ResourceRule(
        name="rds-backups",
        description="Aurora clusters keep backups (and deletion protection where required).",
        severity=HIGH,
        adr="ADR-005",
        domain="aws-data",
        types=[RDS_CLUSTER],
        check=_rds_backups,
        config_schema=schema(
            minBackupRetentionDays={"type": "integer", "minimum": 1, "maximum": 35, "default": 7},
            requireDeletionProtection={"type": "boolean", "default": False},
        ),
    ),
    ResourceRule(
        name="rds-monitoring",
        description="Database instances have Performance Insights and enhanced monitoring where the stack requires it.",
        severity=MEDIUM,
        adr="ADR-006",
        domain="aws-data",
        types=[RDS_INSTANCE],
        check=_rds_monitoring,
        config_schema=schema(requireMonitoring={"type": "boolean", "default": False}),
    ),
    ResourceRule(
        name="rds-not-public",
        description="Database instances are not publicly accessible.",
        severity=CRITICAL,
        adr="ADR-002",
        domain="aws-data",
        types=[RDS_INSTANCE],
        check=_rds_private,
    ),
    ResourceRule(
        name="rds-proxy-tls-iam",
        description="RDS Proxy requires TLS and IAM authentication.",
        severity=HIGH,
        adr="ADR-002",
        domain="aws-data",
        types=[RDS_PROXY],
        check=_proxy,
    ),
    ResourceRule(
        name="dynamodb-recovery-encryption",
        description="DynamoDB tables have PITR and CMK encryption.",
        severity=MEDIUM,
        adr="ADR-005",
        domain="aws-data",
        types=[TABLE],
        check=_table,
    ),
]
