"""Data lifecycle per data class (ADR-0005, docs/data-lifecycle.md): every store keeps its data as long
as its class's row of the lifecycle table says, no shorter than the class's minimum, and a tenant of a
class with erasure has its erasure path.

The table is the one the Platform component records (``dataLifecycle``, the stack's config over the
defaults); its floors come from ``data/lifecycle.json``, which the program reads too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import aws_data, aws_storage, contract, lifecycle
from ._lib import (
    HIGH,
    MEDIUM,
    ResourceRule,
    StackRule,
    config_value,
    get,
    items,
    named,
    number,
    schema,
    strings,
    tenant_of,
    under,
)

LIFECYCLE = [
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
]
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
CRON_JOB = "kubernetes:batch/v1:CronJob"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP = [BACKUP_PLAN, aws_data.BACKUP_SELECTION]
#: SQS keeps a message 4 days unless told otherwise.
SQS_DEFAULT_RETENTION_SECONDS = 345_600

Finding = tuple[str, str | None]


# -- resource rules: each store type declares a lifecycle ------------------------------------------------


def _bucket_lifecycle(props, _args):
    whole = [r for r in items(get(props, "rules")) if get(r, "status") == "Enabled" and not lifecycle.is_narrowed(r)]
    if not whole:
        yield "add an enabled rule for the whole bucket (an empty prefix filter): no rule governs every object"
        return
    if not any(get(r, "abortIncompleteMultipartUpload.daysAfterInitiation") for r in whole):
        yield "set abortIncompleteMultipartUpload.daysAfterInitiation: parts of abandoned uploads are kept, and billed, forever"
    if not any(items(get(r, "transitions")) or get(r, "expiration.days") is not None for r in whole):
        yield "the whole-bucket rule neither tiers nor expires objects: add the transitions (and expiration) of the bucket's data class"


def _table_ttl(props, _args):
    if get(props, "ttl.enabled") is not True or not get(props, "ttl.attributeName"):
        yield "enable ttl with an attributeName: items of the table must expire within their data class's retention"


def _queue_retention(props, _args):
    if get(props, "messageRetentionSeconds") is None:
        yield f"set messageRetentionSeconds explicitly (SQS keeps messages {SQS_DEFAULT_RETENTION_SECONDS // 86400} days by default)"


# -- stack rules -------------------------------------------------------------------------------------------


def table_of(resources: Any) -> dict[str, lifecycle.Lifecycle]:
    """The lifecycle table the Platform recorded (the defaults when there is no Platform)."""
    platform = next(named(resources, contract.PLATFORM_COMPONENT), None)
    recorded = get(platform.props, "dataLifecycle") if platform is not None else None
    return lifecycle.table(recorded if isinstance(recorded, Mapping) else None)


def _data_class(resource: Any) -> str | None:
    value = get(resource.props, f"tags.{contract.DATA_CLASS_TAG}")
    return str(value) if value is not None else None


def _floors(args) -> Iterator[Finding]:
    platform = next(named(args.resources, contract.PLATFORM_COMPONENT), None)
    for name, row in table_of(args.resources).items():
        for field, message in lifecycle.problems(name, row):
            yield f"dataLifecycle.{name}.{field} {message}", platform.urn if platform is not None else None


def _store_class(resource: Any, table: dict[str, lifecycle.Lifecycle]) -> tuple[str | None, str | None]:
    """(class, problem): the store's class from its data-class tag, or why it has none usable."""
    data_class = _data_class(resource)
    if data_class is None:
        return None, f"{resource.name!r} has no {contract.DATA_CLASS_TAG} tag: its lifecycle cannot be checked against a class"
    if data_class not in table:
        return None, f"{resource.name!r} is tagged {contract.DATA_CLASS_TAG}={data_class}, not a class of the table ({', '.join(table)})"
    return data_class, None


def _differences(found: lifecycle.BucketLifecycle, wanted: lifecycle.BucketLifecycle) -> list[str]:
    labels = {
        "warm_after_days": "Standard-IA transition day",
        "cold_after_days": "cold transition day",
        "cold_storage_class": "cold storage class",
        "expire_after_days": "expiration day",
        "noncurrent_days": "noncurrent-version expiration",
        "abort_multipart_days": "abort of incomplete uploads",
    }
    out = []
    for field, label in labels.items():
        have, want = getattr(found, field), getattr(wanted, field)
        if have != want:
            out.append(f"{label} is {'none' if have is None else have}, its class says {'none' if want is None else want}")
    return out


def _bucket(bucket: Any, data_class: str, row: lifecycle.Lifecycle, configurations: list[Any]) -> Finding | None:
    own = [c for c in configurations if aws_storage.references_bucket(c, bucket)]
    if not own:
        return f"bucket {bucket.name!r} ({data_class}) has no lifecycle configuration: add its class's tiering and expiry", bucket.urn
    wanted = lifecycle.Retention(data_class, row).bucket()
    differences = _differences(lifecycle.BucketLifecycle.of_inputs(own[0].props), wanted)
    return (f"bucket {bucket.name!r} ({data_class}): {'; '.join(differences)}", own[0].urn) if differences else None


def _log_group(group: Any, data_class: str, row: lifecycle.Lifecycle, _configurations: list[Any]) -> Finding | None:
    wanted = lifecycle.log_retention_days(row)
    days = number(get(group.props, "retentionInDays"))
    if days == wanted:
        return None
    shown = "never expires" if days in (None, 0) else f"keeps {days:g} days"
    return f"log group {group.name!r} ({data_class}) {shown}; its class keeps {wanted} (retentionInDays)", group.urn


def _table(resource: Any, data_class: str, row: lifecycle.Lifecycle, _configurations: list[Any]) -> Finding | None:
    if row.expire_after_days is None or get(resource.props, "ttl.enabled") is True:
        return None
    return (
        f"table {resource.name!r} ({data_class}) has no TTL: its items outlive the class's expiry ({row.expire_after_days} days)",
        resource.urn,
    )


def _queue(queue: Any, data_class: str, row: lifecycle.Lifecycle, _configurations: list[Any]) -> Finding | None:
    longest = lifecycle.longest_transit_seconds(row)
    seconds = number(get(queue.props, "messageRetentionSeconds")) or SQS_DEFAULT_RETENTION_SECONDS
    if seconds <= longest:
        return None
    return f"queue {queue.name!r} ({data_class}) keeps messages {seconds:g} s; its class allows {longest}", queue.urn


def _database(cluster: Any, data_class: str, row: lifecycle.Lifecycle, _configurations: list[Any]) -> Finding | None:
    days = number(get(cluster.props, "backupRetentionPeriod")) or 1
    if row.expire_after_days is None or days <= row.expire_after_days:
        return None
    return (
        f"database {cluster.name!r} ({data_class}) keeps backups {days:g} days, past its class's expiry ({row.expire_after_days})",
        cluster.urn,
    )


#: Store type -> what its class's row asks of it.
STORE_CHECKS = {
    **{bucket_type: _bucket for bucket_type in aws_storage.BUCKETS},
    LOG_GROUP: _log_group,
    TABLE: _table,
    QUEUE: _queue,
    RDS_CLUSTER: _database,
}


def _matches_class(args) -> Iterator[Finding]:
    table = table_of(args.resources)
    configurations = list(named(args.resources, *LIFECYCLE))
    for store in args.resources:
        check = STORE_CHECKS.get(store.resource_type)
        if check is None:
            continue
        data_class, problem = _store_class(store, table)
        finding = (problem, store.urn) if problem else check(store, str(data_class), table[str(data_class)], configurations)
        if finding:
            yield finding
    yield from _backups_within_class(args)


def _selected_stores(selection: Any, stores: list[Any]) -> list[Any]:
    """The stores an AWS Backup selection names: by dependency of its ``resources``, or by ARN."""
    by_dependency = {d.urn for d in selection.property_dependencies.get("resources", [])}
    arns = strings(get(selection.props, "resources"))

    def named_by(store: Any) -> bool:
        if store.resource_type == RDS_CLUSTER:
            return aws_data.names_by_arn(arns, aws_data.CLUSTER_ARN, get(store.props, "clusterIdentifier"))
        return aws_data.names_by_arn(arns, aws_data.BUCKET_ARN, get(store.props, "bucket"))

    return [store for store in stores if store.urn in by_dependency or named_by(store)]


def _backups_within_class(args) -> Iterator[Finding]:
    """A recovery point is a copy of the stores its selection names: AWS Backup keeps it no longer than the
    shortest expiry among their classes (an erased or expired record must not live on in a backup)."""
    table = table_of(args.resources)
    plans = {plan.urn: plan for plan in named(args.resources, BACKUP_PLAN)}
    stores = list(named(args.resources, RDS_CLUSTER, *aws_storage.BUCKETS))
    for selection in named(args.resources, aws_data.BACKUP_SELECTION):
        classes = [(store, _store_class(store, table)[0]) for store in _selected_stores(selection, stores)]
        expiring = [(end, store, c) for store, c in classes if c is not None and (end := table[c].expire_after_days) is not None]
        if not expiring:
            continue
        expiry, store, data_class = min(expiring, key=lambda found: found[0])
        for plan_urn in sorted(d.urn for d in selection.property_dependencies.get("planId", []) if d.urn in plans):
            plan = plans[plan_urn]
            for rule in items(get(plan.props, "rules")):
                # The rule's own recovery points, and the copies it sends to other vaults (each with its lifecycle).
                kept_by = [("", rule)] + [
                    (f" (its copy to {get(c, 'destinationVaultArn', 'another vault')})", c) for c in items(get(rule, "copyActions"))
                ]
                for where, holder in kept_by:
                    days = number(get(holder, "lifecycle.deleteAfter"))
                    if days is None or days > expiry:
                        kept = "forever (no lifecycle.deleteAfter)" if days is None else f"{days:g} days"
                        yield (
                            f"backup plan {plan.name!r} rule {get(rule, 'ruleName', '?')!r}{where} keeps recovery points of "
                            f"{store.name!r} ({data_class}) {kept}; its class expires after {expiry} days: "
                            f"set lifecycle.deleteAfter to at most {expiry}",
                            plan.urn,
                        )


def _ledger_never_deletes(args) -> Iterator[Finding]:
    configurations = list(named(args.resources, *LIFECYCLE))
    for bucket in named(args.resources, *aws_storage.BUCKETS):
        if _data_class(bucket) != lifecycle.AUDIT:
            continue
        for configuration in (c for c in configurations if aws_storage.references_bucket(c, bucket)):
            for rule in items(get(configuration.props, "rules")):
                if get(rule, "status") != "Enabled":
                    continue
                deleting = [k for k in ("expiration", "noncurrentVersionExpiration") if get(rule, k)]
                if deleting:
                    yield (
                        f"bucket {bucket.name!r} holds audit records; rule {get(rule, 'id', '?')!r} deletes them ({', '.join(deleting)}): "
                        "tier them, never expire them",
                        configuration.urn,
                    )


def _tenant_classes(resources: Any) -> dict[str, tuple[str, str]]:
    """Tenant name -> (data class, URN of its component)."""
    return {
        str(t.name): (str(get(t.props, "dataClass")), t.urn)
        for t in named(resources, contract.TENANT_COMPONENT)
        if get(t.props, "dataClass") is not None
    }


def _erasure_wired(args) -> Iterator[Finding]:
    table = table_of(args.resources)
    name = contract.ERASURE_NAME
    queues: dict[str, list[Any]] = {}
    for queue in named(args.resources, QUEUE):
        # The erasure queue is what it is: a queue of the tenant's erasure component that is no queue's
        # dead-letter queue (a DLQ says whose with its redriveAllowPolicy), whatever its physical name.
        if under(queue, contract.ERASURE_COMPONENT) and not get(queue.props, "redriveAllowPolicy"):
            queues.setdefault(tenant_of(queue) or "", []).append(queue)
    jobs = {str(get(j.props, "metadata.namespace")) for j in named(args.resources, CRON_JOB) if get(j.props, "metadata.name") == name}
    identities = {str(get(p.props, "namespace")) for p in named(args.resources, POD_IDENTITY) if get(p.props, "serviceAccount") == name}
    for tenant, (data_class, urn) in sorted(_tenant_classes(args.resources).items()):
        row = table.get(data_class)
        if row is None:
            yield f"tenant {tenant!r} is of class {data_class!r}, which the lifecycle table does not have", urn
            continue
        present = {
            "an erasure queue": bool(queues.get(tenant)),
            "the erasure CronJob": tenant in jobs,
            "its Pod Identity": tenant in identities,
        }
        if row.erasure:
            missing = [what for what, there in present.items() if not there]
            if missing:
                yield f"tenant {tenant!r} ({data_class}: erasure applies) lacks {', '.join(missing)}", urn
            for queue in queues.get(tenant, []):
                if not get(queue.props, "redrivePolicy"):
                    yield f"tenant {tenant!r}: erasure queue {queue.name!r} has no dead-letter queue (redrivePolicy)", queue.urn
        else:
            extra = [what for what, there in present.items() if there]
            if extra:
                yield f"tenant {tenant!r} ({data_class}: no erasure) has {', '.join(extra)}: remove them", urn


#: What holds data or history (ADR-0005): protected and retained where the stack requires it.
STATEFUL_TYPES = [
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    # A replica key decrypts the recovery points copied to its region: deleting it loses them there.
    "aws:kms/replicaKey:ReplicaKey",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:dynamodb/table:Table",
    "aws:ecr/repository:Repository",
    "aws:sqs/queue:Queue",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudtrail/trail:Trail",
    "aws:eks/cluster:Cluster",
    "aws:backup/vault:Vault",
    "vault:index/mount:Mount",
    "vault:kv/secretV2:SecretV2",
    "github:index/repository:Repository",
    # Deleting a namespace deletes everything in it: a tenant's, and the platform's (metrics history,
    # the pooler's secrets, Argo CD's and Kyverno's state).
    "kubernetes:core/v1:Namespace",
]


def _stateful_protected(args) -> Iterator[Finding]:
    if not config_value(args, "requireProtect", False):
        return
    stateful = named(args.resources, *config_value(args, "statefulTypes", STATEFUL_TYPES))
    for resource in stateful:
        if not resource.opts.protect:
            yield (
                f"{resource.resource_type.rsplit(':', 1)[-1]} {resource.name!r} holds state: set protect (and retainOnDelete)",
                resource.urn,
            )


POLICIES = [
    ResourceRule(
        name="s3-lifecycle-complete",
        description="A bucket lifecycle has an enabled whole-bucket rule that tiers or expires objects and aborts incomplete uploads.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="data-lifecycle",
        types=LIFECYCLE,
        check=_bucket_lifecycle,
    ),
    ResourceRule(
        name="dynamodb-ttl-enabled",
        description="DynamoDB tables expire items through a TTL attribute.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="data-lifecycle",
        types=[TABLE],
        check=_table_ttl,
    ),
    ResourceRule(
        name="sqs-retention-explicit",
        description="SQS queues state how long they keep a message.",
        severity=MEDIUM,
        adr="ADR-0005",
        domain="data-lifecycle",
        types=[QUEUE],
        check=_queue_retention,
    ),
    StackRule(
        name="data-lifecycle-floors",
        description="The lifecycle table keeps every class's floors: minimum retentions, pci's three hot months, erasure where "
        "personal data is, audit records never expired.",
        severity=HIGH,
        adr="ADR-0005",
        domain="data-lifecycle",
        check=_floors,
        reads=[contract.PLATFORM_COMPONENT],
    ),
    StackRule(
        name="data-store-lifecycle-matches-class",
        description="Every bucket, log group, table, queue and database keeps data as its data-class tag's row of the lifecycle "
        "table says: no store without a lifecycle, none expiring before its class's minimum or keeping data past its expiry, "
        "and no AWS Backup plan keeping a copy of a store past its class's expiry.",
        severity=HIGH,
        adr="ADR-0005",
        domain="data-lifecycle",
        check=_matches_class,
        reads=[contract.PLATFORM_COMPONENT, *aws_storage.BUCKETS, *LIFECYCLE, LOG_GROUP, TABLE, QUEUE, RDS_CLUSTER, *BACKUP],
    ),
    StackRule(
        name="ledger-lifecycle-never-deletes",
        description="No lifecycle rule expires an object or an old version in a bucket of audit records (the ledger).",
        severity=HIGH,
        adr="ADR-0008",
        domain="data-lifecycle",
        check=_ledger_never_deletes,
        reads=[*aws_storage.BUCKETS, *LIFECYCLE],
    ),
    StackRule(
        name="tenant-erasure-wired",
        description="A tenant whose class has erasure has its erasure queue (with a DLQ), its CronJob and the job's Pod Identity; "
        "a tenant whose class has none has none of them.",
        severity=HIGH,
        adr="ADR-0005",
        domain="data-lifecycle",
        check=_erasure_wired,
        reads=["fintech:", QUEUE, CRON_JOB, POD_IDENTITY],  # the components: who is whose tenant
    ),
    StackRule(
        name="stateful-resources-protected",
        description="Resources holding data or history (every namespace, tenant and platform) are protected where the stack requires it.",
        severity=HIGH,
        adr="ADR-0005",
        domain="data-lifecycle",
        check=_stateful_protected,
        reads_state=False,
        config_schema=schema(
            requireProtect={"type": "boolean", "default": False},
            statefulTypes={"type": "array", "items": {"type": "string"}, "default": STATEFUL_TYPES},
        ),
    ),
]
