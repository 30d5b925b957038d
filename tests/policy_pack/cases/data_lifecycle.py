"""Compliant and non-compliant cases of the data-lifecycle rules."""

from __future__ import annotations

from typing import Any

from components.aws.buckets import s3_lifecycle_rules
from policy_pack.policies import lifecycle

from ._common import KEY, NS, QUEUE, Case, Res, StackCase, camel, tenant_ns

WHOLE_BUCKET = {"status": "Enabled", "filter": {"prefix": ""}}


def platform_table(**rows: dict[str, Any]) -> Res:
    """The Platform component recording the lifecycle table: the defaults, with ``rows`` over them."""
    table = {name: {**row.as_config(), **rows.get(name, {})} for name, row in lifecycle.DEFAULTS.items()}
    return Res("fintech:platform:Platform", "platform", {"dataLifecycle": table})


def class_bucket(data_class: str, rules: list[dict[str, Any]] | None, name: str = "data") -> list[Res]:
    """A bucket of ``data_class`` and, unless ``rules`` is None, its lifecycle configuration."""
    bucket = classed("aws:s3/bucket:Bucket", name, data_class, bucket=f"{name}-1")
    return [bucket] + ([Res(LIFECYCLE_CONFIG, f"{name}-lifecycle", {"bucket": f"{name}-1", "rules": rules})] if rules is not None else [])


def erasure_tenant(
    tenant: str, data_class: str, *, queue: bool = True, dlq: bool = True, job: bool = True, identity: bool = True
) -> list[Res]:
    """A tenant component of ``data_class`` and whichever parts of the erasure path are asked for."""
    parts = [Res("fintech:platform:Tenant", tenant, {"dataClass": data_class})]
    if queue:
        # Found by what it is (a queue of the erasure component, no one's DLQ), not by its physical name,
        # which a long tenant name truncates and hashes (#28 item 6).
        parts.append(Res("fintech:tenant:Erasure", f"{tenant}-erasure", {}, parent=tenant))
        redrive = {"redrivePolicy": '{"deadLetterTargetArn": "arn:aws:sqs:::q-dlq", "maxReceiveCount": 5}'} if dlq else {}
        hashed = f"acme-with-a-long-organization-name-dev-{tenant}-a-long-tenant-name-er-3f9a1c"
        parts.append(Res(QUEUE, f"{tenant}-erasure-queue", {"name": hashed, **redrive}, parent=f"{tenant}-erasure"))
        if dlq:
            allow = {"redriveAllowPolicy": '{"redrivePermission": "byQueue"}', "name": f"{hashed}-dlq"}
            parts.append(Res(QUEUE, f"{tenant}-erasure-dlq", allow, parent=f"{tenant}-erasure"))
    if job:
        parts.append(Res("kubernetes:batch/v1:CronJob", f"{tenant}-erasure-job", {"metadata": {"name": "erasure", "namespace": tenant}}))
    if identity:
        parts.append(
            Res(
                "aws:eks/podIdentityAssociation:PodIdentityAssociation",
                f"{tenant}-erasure-identity",
                {"namespace": tenant, "serviceAccount": "erasure"},
            )
        )
    return parts


def backed_up(delete_after: int | None, data_class: str = "pci", copied_for: int | None = 35) -> list[Res]:
    """An Aurora cluster of ``data_class`` and the audit ledger, selected by ARN for a plan keeping recovery
    points ``delete_after`` days and their copies in another vault ``copied_for`` days (None: no lifecycle)."""
    lifecycle_: dict[str, Any] = {"lifecycle": {"deleteAfter": delete_after}} if delete_after is not None else {}
    copy_lifecycle = {"lifecycle": {"deleteAfter": copied_for}} if copied_for is not None else {}
    lifecycle_["copyActions"] = [{"destinationVaultArn": "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr", **copy_lifecycle}]
    return [
        classed("aws:rds/cluster:Cluster", "aurora", data_class, clusterIdentifier="acme-dev-aurora", backupRetentionPeriod=14),
        classed("aws:s3/bucket:Bucket", "ledger", "audit", bucket="acme-dev-audit-ledger-1"),
        Res(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "ledger-lifecycle",
            {"bucket": "acme-dev-audit-ledger-1", "rules": engine_rules("audit")},
        ),
        Res("aws:backup/plan:Plan", "backup-plan", {"rules": [{"ruleName": "daily", **lifecycle_}]}),
        Res(
            "aws:backup/selection:Selection",
            "selection",
            {
                "planId": "backup-plan-id",
                "resources": ["arn:aws:rds:eu-west-3:123456789012:cluster:acme-dev-aurora", "arn:aws:s3:::acme-dev-audit-ledger-1"],
            },
            property_dependencies={"planId": ["backup-plan"]},
        ),
    ]


LIFECYCLE_CONFIG = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def classed(type_: str, name: str, data_class: str | None, **props: Any) -> Res:
    return Res(type_, name, {**props, "tags": {"data-class": data_class} if data_class else {}})


def engine_rules(data_class: str, **row: Any) -> list[dict[str, Any]]:
    """The program's S3 rules for a class, camelCase as the engine hands them to the pack."""
    retention = lifecycle.Retention(data_class, lifecycle.DEFAULTS[data_class].with_changes(**row))
    return [camel(rule) for rule in s3_lifecycle_rules(retention)]


RESOURCE_CASES: dict[str, Case] = {
    "s3-lifecycle-complete": Case(
        LIFECYCLE_CONFIG,
        {"rules": [{**WHOLE_BUCKET, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}, "expiration": {"days": 30}}]},
        {"rules": [{"status": "Enabled", "filter": {"prefix": "logs/"}, "expiration": {"days": 30}}]},
        more_bad=(
            (LIFECYCLE_CONFIG, {"rules": [{**WHOLE_BUCKET, "expiration": {"days": 30}}]}),
            (LIFECYCLE_CONFIG, {"rules": [{**WHOLE_BUCKET, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]}),
        ),
    ),
    "dynamodb-ttl-enabled": Case(
        "aws:dynamodb/table:Table", {"ttl": {"enabled": True, "attributeName": "expiresAt"}}, {"ttl": {"enabled": False}}
    ),
    "sqs-retention-explicit": Case(QUEUE, {"messageRetentionSeconds": 345600}, {}),
}


STACK_CASES: dict[str, StackCase] = {
    "data-lifecycle-floors": StackCase(
        [platform_table(confidential={"minimumRetentionDays": 90, "expireAfterDays": 180, "coldAfterDays": 90})],
        [platform_table(pci={"minimumRetentionDays": 30})],
        "platform",
    ),
    "data-store-lifecycle-matches-class": StackCase(
        [
            platform_table(),
            *class_bucket("pci", engine_rules("pci")),
            classed("aws:cloudwatch/logGroup:LogGroup", "logs", "pci", retentionInDays=1827),
            classed("aws:dynamodb/table:Table", "table", "pci", ttl={"enabled": True, "attributeName": "expiresAt"}),
            classed(QUEUE, "queue", "public", messageRetentionSeconds=345600),
            *backed_up(35),  # the pci cluster (backups 14 days) and the audit ledger, copied 35 days
        ],
        [platform_table(), *class_bucket("pci", engine_rules("pii"))],
        "data-lifecycle",
        more_bad=(
            (class_bucket("pci", None), "data"),
            (class_bucket("secret", engine_rules("pci")), "data"),
            ([classed("aws:cloudwatch/logGroup:LogGroup", "logs", "pci", retentionInDays=30)], "logs"),
            ([classed("aws:cloudwatch/logGroup:LogGroup", "logs", None, retentionInDays=1827)], "logs"),
            ([classed("aws:dynamodb/table:Table", "table", "pci")], "table"),
            ([platform_table(public={"expireAfterDays": 1}), classed(QUEUE, "queue", "public", messageRetentionSeconds=345600)], "queue"),
            (
                [
                    platform_table(pci={"expireAfterDays": 30, "coldAfterDays": "never"}),
                    classed("aws:rds/cluster:Cluster", "aurora", "pci", backupRetentionPeriod=35),
                ],
                "aurora",
            ),
            # AWS Backup copies of the pci cluster kept past pci's expiry (1825 days), or forever.
            ([platform_table(), *backed_up(3650)], "backup-plan"),
            ([platform_table(), *backed_up(None)], "backup-plan"),
            # The shortest expiry among the selected stores decides: a public cluster's copies go after 365 days.
            ([platform_table(), *backed_up(400, data_class="public")], "backup-plan"),
            # A copy sent to another vault without a lifecycle keeps the data forever there.
            ([platform_table(), *backed_up(35, copied_for=None)], "backup-plan"),
        ),
    ),
    "ledger-lifecycle-never-deletes": StackCase(
        class_bucket("audit", engine_rules("audit"), name="ledger"),
        class_bucket("audit", engine_rules("confidential"), name="ledger"),
        "ledger-lifecycle",
    ),
    "tenant-erasure-wired": StackCase(
        [
            platform_table(),
            *erasure_tenant("payments", "pci"),
            *erasure_tenant("fraud", "confidential", queue=False, job=False, identity=False),
        ],
        [platform_table(), *erasure_tenant("payments", "pci", job=False)],
        "payments",
        more_bad=(
            (erasure_tenant("payments", "pii", dlq=False), "payments-erasure-queue"),
            (erasure_tenant("fraud", "internal", queue=False, identity=False), "fraud"),
            (erasure_tenant("payments", "secret"), "payments"),
        ),
    ),
    "stateful-resources-protected": StackCase(
        [
            Res(KEY, "data-key", {}, protect=True),
            Res("aws:cloudwatch/logGroup:LogGroup", "logs", {}, protect=True),
            Res(NS, "payments-ns", {"metadata": {"name": "payments", "labels": {"tenant": "payments"}}}, protect=True),
            Res(NS, "argocd", {"metadata": {"name": "argocd", "labels": {"tenant": "shared"}}}, protect=True),
        ],
        [Res(KEY, "data-key", {})],
        "data-key",
        config={"stateful-resources-protected": {"requireProtect": True}},
        more_bad=(
            ([Res("aws:cloudtrail/trail:Trail", "trail", {})], "trail"),
            ([Res("vault:index/mount:Mount", "kv", {"path": "kv"})], "kv"),
            ([tenant_ns()], "payments-ns"),
            # #28 item 9: the platform's namespaces hold history too (metrics, Argo CD's and Kyverno's state).
            ([Res(NS, "observability", {"metadata": {"name": "observability", "labels": {"tenant": "shared"}}})], "observability"),
        ),
    ),
}
