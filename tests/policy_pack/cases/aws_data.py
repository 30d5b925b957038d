"""Compliant and non-compliant cases of the aws-data rules."""

from __future__ import annotations

from typing import Any

from policy_pack.policies.contract import PLATFORM_COMPONENT

from ._common import Case, Res, StackCase

RDS = "aws:rds/cluster:Cluster"


AURORA = Res(
    "aws:rds/cluster:Cluster",
    "aurora",
    {"engine": "aurora-postgresql", "dbClusterParameterGroupName": "acme-aurora-pg16", "enabledCloudwatchLogsExports": ["postgresql"]},
    property_dependencies={"dbClusterParameterGroupName": ["aurora-parameters"]},
)


def aurora_parameters(**changes: str) -> Res:
    values = {
        "rds.force_ssl": "1",
        "log_connections": "1",
        "log_disconnections": "1",
        "shared_preload_libraries": "pg_stat_statements,pgaudit",
        "pgaudit.role": "rds_pgaudit",
        "pgaudit.log_parameter": "0",
        "log_parameter_max_length": "0",
        "log_parameter_max_length_on_error": "0",
        "log_min_duration_statement": "1000",
        **changes,
    }
    params = [{"name": k, "value": v} for k, v in values.items()]
    return Res(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup", "aurora-parameters", {"name": "acme-aurora-pg16", "parameters": params}
    )


AURORA_CLUSTER = Res("aws:rds/cluster:Cluster", "aurora", {"clusterIdentifier": "acme-dev-aurora"})


LEDGER_TRAIL = Res("aws:cloudtrail/trail:Trail", "trail", {"s3BucketName": "acme-dev-audit-ledger-1"})


LEDGER = Res("aws:s3/bucket:Bucket", "ledger", {"bucket": "acme-dev-audit-ledger-1"})


def backup_selection(*resources: str) -> Res:
    return Res("aws:backup/selection:Selection", "selection", {"resources": list(resources)})


def backup_vault(**lock: Any) -> list[Res]:
    vault = Res("aws:backup/vault:Vault", "vault", {"name": "acme-backup-vault"})
    return [
        vault,
        Res("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "lock", {"backupVaultName": "acme-backup-vault", **lock}),
    ]


def recovered(
    schedule: str = "cron(0 3 * * ? *)",
    retention: int = 14,
    select: bool = True,
    copies: tuple[str | None, str | None] = ("eu-west-1", "eu-west-1"),
) -> list[Res]:
    """A pci Aurora cluster (point-in-time restore while ``retention`` >= 1) and the audit ledger of a stack
    in eu-west-3, each selected (the ledger only if ``select``) by a backup plan of its own running on
    ``schedule`` that copies each recovery point to a vault in ``copies`` (cluster's, ledger's; None: no copy)."""
    stores = [
        Res(PLATFORM_COMPONENT, "platform", {"finops": {"region": "eu-west-3"}}),
        Res(RDS, "aurora", {"clusterIdentifier": "acme-dev-aurora", "backupRetentionPeriod": retention, "tags": {"data-class": "pci"}}),
        LEDGER_TRAIL,
        Res("aws:s3/bucket:Bucket", "ledger", {"bucket": "acme-dev-audit-ledger-1", "tags": {"data-class": "audit"}}),
    ]
    selected = [("aurora", "arn:aws:rds:eu-west-3:123456789012:cluster:acme-dev-aurora", copies[0])]
    if select:
        selected.append(("ledger", "arn:aws:s3:::acme-dev-audit-ledger-1", copies[1]))
    for store, arn, region in selected:
        rule: dict[str, Any] = {"ruleName": "daily", "schedule": schedule}
        if region:
            rule["copyActions"] = [{"destinationVaultArn": f"arn:aws:backup:{region}:123456789012:backup-vault:acme-dev-backup-copies"}]
        stores.append(Res("aws:backup/plan:Plan", f"{store}-plan", {"rules": [rule]}))
        stores.append(
            Res(
                "aws:backup/selection:Selection",
                f"{store}-selection",
                {"planId": "p", "resources": [arn]},
                property_dependencies={"planId": [f"{store}-plan"]},
            )
        )
    return stores


RESOURCE_CASES: dict[str, Case] = {
    "rds-encryption": Case(RDS, {"storageEncrypted": True, "kmsKeyId": "k"}, {"storageEncrypted": False}),
    "rds-iam-auth": Case(RDS, {"iamDatabaseAuthenticationEnabled": True}, {}),
    "rds-backups": Case(
        RDS,
        {"backupRetentionPeriod": 14, "deletionProtection": True},
        {"backupRetentionPeriod": 14},
        config={"rds-backups": {"requireDeletionProtection": True}},
    ),
    "rds-monitoring": Case(
        "aws:rds/clusterInstance:ClusterInstance",
        {"performanceInsightsEnabled": True, "monitoringInterval": 60},
        {"performanceInsightsEnabled": True},
        config={"rds-monitoring": {"requireMonitoring": True}},
        more_bad=(("aws:rds/clusterInstance:ClusterInstance", {"monitoringInterval": 60}),),
    ),
    "rds-not-public": Case("aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": False}, {"publiclyAccessible": True}),
    "rds-proxy-tls-iam": Case(
        "aws:rds/proxy:Proxy",
        {"requireTls": True, "auths": [{"iamAuth": "REQUIRED"}]},
        {"requireTls": True, "auths": [{"iamAuth": "DISABLED"}]},
        more_bad=(("aws:rds/proxy:Proxy", {"requireTls": False, "auths": [{"iamAuth": "REQUIRED"}]}),),
    ),
    "dynamodb-recovery-encryption": Case(
        "aws:dynamodb/table:Table",
        {"pointInTimeRecovery": {"enabled": True}, "serverSideEncryption": {"enabled": True, "kmsKeyArn": "k"}},
        {"pointInTimeRecovery": {"enabled": False}},
    ),
}


STACK_CASES: dict[str, StackCase] = {
    "backup-coverage": StackCase(
        [
            AURORA_CLUSTER,
            LEDGER_TRAIL,
            LEDGER,
            backup_selection("arn:aws:rds:eu-west-3:123456789012:cluster:acme-dev-aurora", "arn:aws:s3:::acme-dev-audit-ledger-1"),
        ],
        [AURORA_CLUSTER, backup_selection("arn:aws:s3:::acme-dev-audit-ledger-1")],
        "aurora",
        more_bad=(([LEDGER_TRAIL, LEDGER, backup_selection("arn:aws:rds:eu-west-3:123456789012:cluster:acme-dev-aurora")], "ledger"),),
    ),
    "backups-meet-rpo": StackCase(
        recovered(),
        # Weekly: the ledger's recovery points are a week apart, its class allows a day.
        recovered("cron(0 3 ? * SUN *)"),
        "ledger",
        more_bad=(
            # pci's RPO is 15 minutes: without point-in-time restore, a daily backup loses up to a day.
            (recovered(retention=0), "aurora"),
            # Nothing takes recovery points of the ledger at all.
            (recovered(select=False), "ledger"),
            # pci data whose every recovery point stays in the stack's region.
            (recovered(copies=(None, "eu-west-1")), "aurora"),
            # A "copy" to a vault of the same region survives nothing more.
            (recovered(copies=("eu-west-1", "eu-west-3")), "ledger"),
        ),
    ),
    "backup-vault-locked": StackCase(
        backup_vault(minRetentionDays=35, maxRetentionDays=36500, changeableForDays=3),
        backup_vault(minRetentionDays=35),
        "lock",
        config={"backup-vault-locked": {"requireComplianceMode": True}},
        more_bad=(
            ([backup_vault()[0]], "vault"),
            (backup_vault(maxRetentionDays=36500), "lock"),
        ),
    ),
    "rds-cluster-parameters": StackCase(
        [AURORA, aurora_parameters()],
        [AURORA, aurora_parameters(**{"rds.force_ssl": "0"})],
        "aurora-parameters",
        more_bad=(
            ([AURORA, aurora_parameters(shared_preload_libraries="pg_stat_statements")], "aurora-parameters"),
            # Card data in the logs: statement parameters logged (#27 item 6).
            ([AURORA, aurora_parameters(**{"pgaudit.log_parameter": "1"})], "aurora-parameters"),
            ([AURORA, aurora_parameters(log_min_duration_statement="-1")], "aurora-parameters"),
            (
                [
                    Res(
                        "aws:rds/cluster:Cluster",
                        "aurora",
                        {"engine": "aurora-postgresql", "dbClusterParameterGroupName": "acme-aurora-pg16"},
                        property_dependencies={"dbClusterParameterGroupName": ["aurora-parameters"]},
                    ),
                    aurora_parameters(),
                ],
                "aurora",
            ),
            ([Res("aws:rds/cluster:Cluster", "aurora", {"engine": "aurora-postgresql"})], "aurora"),
        ),
    ),
}
