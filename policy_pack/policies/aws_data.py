"""Databases and tables behind the DB Manager and the idempotency store, and their backups (ADR-0002, ADR-0005)."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatch

from . import contract, recovery
from ._lib import (
    CRITICAL,
    HIGH,
    MEDIUM,
    Finding,
    ResourceRule,
    StackRule,
    config_value,
    depends_on,
    get,
    is_set,
    items,
    named,
    number,
    schema,
    strings,
)

RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PROXY = "aws:rds/proxy:Proxy"
TABLE = "aws:dynamodb/table:Table"
TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"
BACKUP_VAULT = "aws:backup/vault:Vault"
BACKUP_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
BACKUP_SELECTION = "aws:backup/selection:Selection"
BACKUP_PLAN = "aws:backup/plan:Plan"


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


#: How an AWS Backup selection names a store it backs up, from the store's name.
CLUSTER_ARN = "arn:*:rds:*:*:cluster:{}"
BUCKET_ARN = "arn:*:s3:::{}"


def names_by_arn(arns: list[str], pattern: str, name: object) -> bool:
    """Whether one of ``arns`` is the store called ``name`` (``pattern``: CLUSTER_ARN or BUCKET_ARN)."""
    return bool(name) and any(fnmatch(arn, pattern.format(name)) for arn in arns)


def _selected(args) -> list[str]:
    return [arn for selection in named(args.resources, BACKUP_SELECTION) for arn in strings(get(selection.props, "resources"))]


def _backup_coverage(args) -> Iterator[tuple[str, str | None]]:
    selected = _selected(args)
    for cluster in named(args.resources, RDS_CLUSTER):
        identifier = get(cluster.props, "clusterIdentifier")
        if not names_by_arn(selected, CLUSTER_ARN, identifier):
            yield f"Aurora cluster {identifier or cluster.name!r} is in no AWS Backup selection", cluster.urn
    buckets = {get(b.props, "bucket"): b for b in named(args.resources, BUCKET)}
    for trail in named(args.resources, TRAIL):
        ledger = get(trail.props, "s3BucketName")
        if ledger and not names_by_arn(selected, BUCKET_ARN, ledger):
            where = buckets.get(ledger, trail)
            yield f"the audit ledger bucket {ledger!r} (the trail's) is in no AWS Backup selection", where.urn


def _recovery_gaps(plans, selection) -> list[tuple[int | None, str]]:
    """(longest gap in minutes, which rule) of every rule of the plans ``selection`` belongs to."""
    gaps = []
    for dependency in selection.property_dependencies.get("planId", []):
        plan = plans.get(dependency.urn)
        for rule in items(get(plan.props, "rules")) if plan is not None else []:
            schedule = str(get(rule, "schedule", ""))
            try:
                gap = recovery.longest_gap_minutes(schedule)
            except (ValueError, IndexError):
                continue
            gaps.append((gap, f"backup plan {plan.name!r} rule {get(rule, 'ruleName', '?')!r} ({schedule})"))
    return gaps


def _copy_regions(plans, selection) -> list[str]:
    """The regions of the vaults the rules of ``selection``'s plans copy recovery points to."""
    regions = []
    for dependency in selection.property_dependencies.get("planId", []):
        plan = plans.get(dependency.urn)
        for rule in items(get(plan.props, "rules")) if plan is not None else []:
            for copy in items(get(rule, "copyActions")):
                parts = str(get(copy, "destinationVaultArn", "")).split(":")
                regions.append(parts[3] if len(parts) > 3 else "")
    return regions


def _backups_meet_rpo(args) -> Iterator[tuple[str, str | None]]:
    """Each Aurora cluster and audit ledger whose class has a recovery point objective has recovery points
    at most that far apart: Aurora's point-in-time restore (backupRetentionPeriod ≥ 1), or a backup plan
    rule selecting it whose schedule's longest gap is within (data/lifecycle.json ``recovery``); where
    the class says ``regionCopy``, a rule selecting it also copies them to a vault in another region
    than the stack's (the Platform's ``finops.region``)."""
    plans = {plan.urn: plan for plan in named(args.resources, BACKUP_PLAN)}
    selections = [(s, strings(get(s.props, "resources"))) for s in named(args.resources, BACKUP_SELECTION)]
    platform = next(named(args.resources, contract.PLATFORM_COMPONENT), None)
    home = str(get(platform.props, "finops.region") or "") if platform is not None else ""
    buckets = {get(b.props, "bucket"): b for b in named(args.resources, BUCKET)}
    stores = [(c, CLUSTER_ARN, get(c.props, "clusterIdentifier")) for c in named(args.resources, RDS_CLUSTER)]
    stores += [
        (buckets[ledger], BUCKET_ARN, ledger)
        for trail in named(args.resources, TRAIL)
        if (ledger := get(trail.props, "s3BucketName")) in buckets
    ]
    for store, pattern, name in stores:
        data_class = get(store.props, f"tags.{contract.DATA_CLASS_TAG}")
        objectives = recovery.OBJECTIVES.get(str(data_class))
        if objectives is None:
            continue
        gaps = [gap for selection, arns in selections if names_by_arn(arns, pattern, name) for gap in _recovery_gaps(plans, selection)]
        if store.resource_type == RDS_CLUSTER and (number(get(store.props, "backupRetentionPeriod", 1)) or 0) >= 1:
            gaps.append((recovery.POINT_IN_TIME_MINUTES, "point-in-time restore"))
        if not gaps:
            yield (
                f"{name or store.name!r} holds {data_class} data (RPO {objectives.rpo_minutes} minutes) and nothing takes "
                "recovery points of it: select it in an AWS Backup plan",
                store.urn,
            )
            continue
        best, by = min(gaps, key=lambda found: float("inf") if found[0] is None else found[0])
        problem = recovery.rpo_problem(str(data_class), best)
        if problem:
            yield f"{name or store.name!r}: {problem} ({by}): schedule its backups at least that often", store.urn
        if objectives.region_copy:
            copies = [
                region
                for selection, arns in selections
                if names_by_arn(arns, pattern, name)
                for region in _copy_regions(plans, selection)
                if region and region != home
            ]
            if not copies:
                yield (
                    f"{name or store.name!r} holds {data_class} data, whose recovery points must survive the loss of "
                    f"{home or 'the stack region'}, and no backup rule selecting it copies them to another region: "
                    "set backup.copyRegion",
                    store.urn,
                )


def _backup_vault_locked(args) -> Iterator[tuple[str, str | None]]:
    locks = {get(lock.props, "backupVaultName"): lock for lock in named(args.resources, BACKUP_LOCK)}
    compliance = config_value(args, "requireComplianceMode", False)
    for vault in named(args.resources, BACKUP_VAULT):
        name = get(vault.props, "name")
        lock = locks.get(name)
        if lock is None:
            yield f"backup vault {name!r} has no vault lock: a recovery point could be deleted before its retention", vault.urn
            continue
        if number(get(lock.props, "minRetentionDays")) is None:
            yield f"the lock of backup vault {name!r} sets no minRetentionDays", lock.urn
        if compliance and number(get(lock.props, "changeableForDays")) is None:
            yield (
                f"the lock of backup vault {name!r} is in governance mode; set changeableForDays (compliance mode, required here)",
                lock.urn,
            )


#: Aurora PostgreSQL cluster parameters an auditor asks for: forced TLS, connection logging, pgaudit's
#: object audit (the pci and pii schemas are granted to rds_pgaudit) without statement parameters, and
#: no bind values in the slow-statement or error lines (card data must not reach the logs; #27 item 6).
REQUIRED_DB_PARAMETERS = {
    "rds.force_ssl": "1",
    "log_connections": "1",
    "log_disconnections": "1",
    "pgaudit.role": "rds_pgaudit",
    "pgaudit.log_parameter": "0",
    "log_parameter_max_length": "0",
    "log_parameter_max_length_on_error": "0",
}


def _db_parameters(args) -> Iterator[Finding]:
    groups = {g.urn: g for g in named(args.resources, "aws:rds/clusterParameterGroup:ClusterParameterGroup")}
    for cluster in named(args.resources, "aws:rds/cluster:Cluster"):
        if not str(get(cluster.props, "engine", "")).startswith("aurora-postgresql"):
            continue
        group = next((groups[u] for u in depends_on(cluster, "dbClusterParameterGroupName") if u in groups), None)
        if group is None:
            yield f"cluster {cluster.name!r} uses the default parameter group: TLS is not forced and nothing is audited", cluster.urn
            continue
        values = {get(p, "name"): str(get(p, "value", "")) for p in items(get(group.props, "parameters"))}
        for name, wanted in REQUIRED_DB_PARAMETERS.items():
            if values.get(name) != wanted:
                yield f"parameter group {group.name!r}: set {name} = {wanted}", group.urn
        if "pgaudit" not in values.get("shared_preload_libraries", "").split(","):
            yield f"parameter group {group.name!r}: load pgaudit (shared_preload_libraries) and set pgaudit.log", group.urn
        slow = number(values.get("log_min_duration_statement"))
        if slow is None or slow < 0:
            yield f"parameter group {group.name!r}: set log_min_duration_statement (ms) so slow statements are logged", group.urn
        if "postgresql" not in strings(get(cluster.props, "enabledCloudwatchLogsExports")):
            yield f"cluster {cluster.name!r} does not export its postgresql log: the audit lines stay on the instances", cluster.urn


POLICIES = [
    ResourceRule(
        name="rds-encryption",
        description="Aurora clusters are encrypted with a customer managed key.",
        severity=HIGH,
        adr="ADR-0002",
        domain="aws-data",
        types=[RDS_CLUSTER],
        check=_rds_encrypted,
    ),
    ResourceRule(
        name="rds-iam-auth",
        description="Aurora clusters accept IAM authentication.",
        severity=MEDIUM,
        adr="ADR-0001",
        domain="aws-data",
        types=[RDS_CLUSTER],
        check=_rds_iam_auth,
    ),
    ResourceRule(
        name="rds-backups",
        description="Aurora clusters keep backups (and deletion protection where required).",
        severity=HIGH,
        adr="ADR-0005",
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
        adr="ADR-0006",
        domain="aws-data",
        types=[RDS_INSTANCE],
        check=_rds_monitoring,
        config_schema=schema(requireMonitoring={"type": "boolean", "default": False}),
    ),
    ResourceRule(
        name="rds-not-public",
        description="Database instances are not publicly accessible.",
        severity=CRITICAL,
        adr="ADR-0002",
        domain="aws-data",
        types=[RDS_INSTANCE],
        check=_rds_private,
    ),
    ResourceRule(
        name="rds-proxy-tls-iam",
        description="RDS Proxy requires TLS and IAM authentication.",
        severity=HIGH,
        adr="ADR-0002",
        domain="aws-data",
        types=[RDS_PROXY],
        check=_proxy,
    ),
    ResourceRule(
        name="dynamodb-recovery-encryption",
        description="DynamoDB tables have PITR and CMK encryption.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="aws-data",
        types=[TABLE],
        check=_table,
    ),
    StackRule(
        name="backup-coverage",
        description=(
            "Every Aurora cluster and the audit ledger (the bucket a trail delivers to) are selected for AWS Backup "
            "by ARN: a copy outside the store survives its deletion or a bad migration."
        ),
        severity=HIGH,
        adr="ADR-0005",
        domain="aws-data",
        check=_backup_coverage,
        reads=[RDS_CLUSTER, TRAIL, BUCKET, BACKUP_SELECTION],
    ),
    StackRule(
        name="backups-meet-rpo",
        description=(
            "Every Aurora cluster and the audit ledger have recovery points at most their data class's RPO apart "
            "(point-in-time restore, or a backup plan's schedule), copied to a second region where the class asks "
            "(pii, pci, audit): a restore loses no more than the class allows, even after losing the region."
        ),
        severity=HIGH,
        adr="ADR-0005",
        domain="aws-data",
        check=_backups_meet_rpo,
        reads=[RDS_CLUSTER, TRAIL, BUCKET, BACKUP_SELECTION, BACKUP_PLAN, contract.PLATFORM_COMPONENT],
    ),
    StackRule(
        name="backup-vault-locked",
        description=(
            "Every backup vault has a vault lock whose minimum retention is set; where the stack requires it "
            "(requireComplianceMode), in compliance mode (changeableForDays), which nobody can lift once its grace ends."
        ),
        severity=HIGH,
        adr="ADR-0008",
        domain="aws-data",
        check=_backup_vault_locked,
        reads=[BACKUP_VAULT, BACKUP_LOCK],
        config_schema=schema(requireComplianceMode={"type": "boolean", "default": False}),
    ),
    StackRule(
        name="rds-cluster-parameters",
        description="Aurora PostgreSQL clusters force TLS, log connections, slow statements and pgaudit's object audit "
        "without statement parameters, and export that log.",
        severity=HIGH,
        adr="ADR-0002",
        domain="aws-data",
        check=_db_parameters,
        reads=["aws:rds/cluster:Cluster", "aws:rds/clusterParameterGroup:ClusterParameterGroup"],
    ),
]
