"""The data lifecycle per retention class (ADR-0005), shared by the program and the pack.

``data/lifecycle.json`` holds the defaults (the program's ``dataLifecycle`` config starts from them)
and the floors no stack may configure away. Pure functions turn one class's lifecycle into what each
store type carries (S3 lifecycle rules, a CloudWatch retention, an SQS retention cap), and read it
back from a resource's inputs, so the program and the pack compute the same thing once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

_RAW: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "lifecycle.json").read_text())

#: Least to most sensitive data classes, then ``audit``: records kept as evidence (ledger, trail).
RETENTION_CLASSES: tuple[str, ...] = tuple(_RAW["defaults"])
AUDIT = "audit"
COLD_STORAGE_CLASSES = ("GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
WARM_STORAGE_CLASS = "STANDARD_IA"
#: S3: an object stays 30 days in Standard before Standard-IA, and 30 more there before a Glacier class.
MIN_DAYS_BEFORE_WARM = 30
MIN_DAYS_IN_WARM = 30
#: An erasable class keeps an overwritten or deleted object's old version this long, no longer: an
#: erasure completes within the month GDPR art. 12(3) allows.
ERASURE_NONCURRENT_DAYS = 30
ABORT_MULTIPART_DAYS = 7
#: CloudWatch Logs accepts only these retention values (days); 3653 (ten years) is the longest.
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
SQS_MAX_RETENTION_SECONDS = 1_209_600
DAY_SECONDS = 86_400


NEVER = "never"


def _days(value: Any) -> int | None:
    return None if value is None or value == NEVER else int(float(value))


@dataclass(frozen=True)
class Lifecycle:
    """One class's row. Days count from an object's creation; ``None`` means never."""

    warm_after_days: int | None
    cold_after_days: int | None
    cold_storage_class: str
    expire_after_days: int | None
    minimum_retention_days: int
    erasure: bool

    @classmethod
    def from_config(cls, row: Mapping[str, Any]) -> Lifecycle:
        """From camelCase values as written (``never``) or as the engine hands them (numbers as doubles)."""
        return cls(
            warm_after_days=_days(row.get("warmAfterDays")),
            cold_after_days=_days(row.get("coldAfterDays")),
            cold_storage_class=str(row.get("coldStorageClass", "GLACIER_IR")),
            expire_after_days=_days(row.get("expireAfterDays")),
            minimum_retention_days=_days(row.get("minimumRetentionDays")) or 1,
            erasure=row.get("erasure") is True,
        )

    def as_config(self) -> dict[str, Any]:
        """camelCase, as in the stack file and on the component the pack reads."""
        names = {
            "warm_after_days": "warmAfterDays",
            "cold_after_days": "coldAfterDays",
            "cold_storage_class": "coldStorageClass",
            "expire_after_days": "expireAfterDays",
            "minimum_retention_days": "minimumRetentionDays",
            "erasure": "erasure",
        }
        return {names[k]: v for k, v in asdict(self).items()}

    def with_changes(self, **changes: Any) -> Lifecycle:
        return replace(self, **changes)


DEFAULTS: dict[str, Lifecycle] = {name: Lifecycle.from_config(row) for name, row in _RAW["defaults"].items()}
#: class -> camelCase field -> (floor, why). A number is a minimum; a boolean the only value allowed;
#: null: the step must be never.
FLOORS: dict[str, dict[str, tuple[Any, str]]] = {
    name: {field: (value, why) for field, (value, why) in row.items()} for name, row in _RAW["floors"].items()
}


def problems(retention_class: str, lifecycle: Lifecycle) -> list[tuple[str, str]]:
    """(camelCase field, message) for every floor the row breaks and every S3 constraint it cannot meet."""
    found: list[tuple[str, str]] = []
    row = lifecycle.as_config()
    for field, (floor, why) in FLOORS.get(retention_class, {}).items():
        value = row[field]
        if floor is None:
            if value is not None:
                found.append((field, f"must be never for {retention_class}: {why}"))
        elif isinstance(floor, bool):
            if value is not floor:
                found.append((field, f"must be {str(floor).lower()} for {retention_class}: {why}"))
        elif value is not None and value < floor:
            found.append((field, f"is {value}; {retention_class} keeps at least {floor}: {why}"))
    warm, cold, expire = lifecycle.warm_after_days, lifecycle.cold_after_days, lifecycle.expire_after_days
    if warm is not None and warm < MIN_DAYS_BEFORE_WARM:
        found.append(("warmAfterDays", f"is {warm}; S3 moves objects to Standard-IA after {MIN_DAYS_BEFORE_WARM} days at the earliest"))
    if warm is not None and cold is not None and cold < warm + MIN_DAYS_IN_WARM:
        found.append(
            ("coldAfterDays", f"is {cold}; S3 keeps objects {MIN_DAYS_IN_WARM} days in Standard-IA: use at least {warm + MIN_DAYS_IN_WARM}")
        )
    if lifecycle.cold_storage_class not in COLD_STORAGE_CLASSES:
        found.append(("coldStorageClass", f"{lifecycle.cold_storage_class!r} is not one of {', '.join(COLD_STORAGE_CLASSES)}"))
    if expire is None and lifecycle.erasure and retention_class != AUDIT:  # (audit: never, and no erasure, above)
        found.append(
            (
                "expireAfterDays",
                f"is never, but {retention_class} has erasure: erasure promises deletion, so the class's stores must "
                "expire what a request cannot reach: give a number of days",
            )
        )
    if expire is not None:
        if expire < lifecycle.minimum_retention_days:
            found.append(
                (
                    "expireAfterDays",
                    f"is {expire}, before minimumRetentionDays ({lifecycle.minimum_retention_days}): raise it or write never",
                )
            )
        last = max((d for d in (warm, cold) if d is not None), default=0)
        if expire <= last:
            found.append(("expireAfterDays", f"is {expire}; it must come after the last transition (day {last})"))
    return found


def noncurrent_days(lifecycle: Lifecycle) -> int:
    """How long an overwritten or deleted version is kept: the erasure window, or the class minimum."""
    return ERASURE_NONCURRENT_DAYS if lifecycle.erasure else lifecycle.minimum_retention_days


@dataclass(frozen=True)
class BucketLifecycle:
    """What a BucketLifecycleConfiguration does to every object (its rules without a narrowing filter)."""

    warm_after_days: int | None = None
    cold_after_days: int | None = None
    cold_storage_class: str | None = None
    expire_after_days: int | None = None
    noncurrent_days: int | None = None
    abort_multipart_days: int | None = None

    @classmethod
    def expected(cls, lifecycle: Lifecycle, *, never_delete: bool = False) -> BucketLifecycle:
        return cls(
            warm_after_days=lifecycle.warm_after_days,
            cold_after_days=lifecycle.cold_after_days,
            cold_storage_class=lifecycle.cold_storage_class if lifecycle.cold_after_days is not None else None,
            expire_after_days=None if never_delete else lifecycle.expire_after_days,
            noncurrent_days=None if never_delete else noncurrent_days(lifecycle),
            abort_multipart_days=ABORT_MULTIPART_DAYS,
        )

    @classmethod
    def of_inputs(cls, inputs: Mapping[str, Any]) -> BucketLifecycle:
        """Read from a BucketLifecycleConfiguration's inputs (camelCase, as the engine passes them)."""
        found: dict[str, Any] = {}
        for rule in inputs.get("rules") or []:
            if rule.get("status") != "Enabled" or is_narrowed(rule):
                continue
            for transition in rule.get("transitions") or []:
                days, storage = transition.get("days"), transition.get("storageClass")
                if storage == WARM_STORAGE_CLASS:
                    found["warm_after_days"] = days
                elif storage in COLD_STORAGE_CLASSES:
                    found["cold_after_days"], found["cold_storage_class"] = days, storage
            if (rule.get("expiration") or {}).get("days") is not None:
                found["expire_after_days"] = rule["expiration"]["days"]
            if (rule.get("noncurrentVersionExpiration") or {}).get("noncurrentDays") is not None:
                found["noncurrent_days"] = rule["noncurrentVersionExpiration"]["noncurrentDays"]
            if (rule.get("abortIncompleteMultipartUpload") or {}).get("daysAfterInitiation") is not None:
                found["abort_multipart_days"] = rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"]
        return cls(**found)

    def deletes(self) -> bool:
        return self.expire_after_days is not None or self.noncurrent_days is not None

    def describe(self) -> str:
        steps = []
        if self.warm_after_days is not None:
            steps.append(f"IA {self.warm_after_days}d")
        if self.cold_after_days is not None:
            steps.append(f"{self.cold_storage_class} {self.cold_after_days}d")
        steps.append(f"expire {self.expire_after_days}d" if self.expire_after_days is not None else "never expires")
        if self.noncurrent_days is not None:
            steps.append(f"old versions {self.noncurrent_days}d")
        return ", ".join(steps)


def is_narrowed(rule: Mapping[str, Any]) -> bool:
    """A rule that applies to part of the bucket only (a prefix, tags, sizes) does not set its lifecycle."""
    narrowing = rule.get("filter") or {}
    return bool(narrowing.get("prefix") or narrowing.get("tag") or narrowing.get("and") or rule.get("prefix")) or any(
        narrowing.get(k) for k in ("objectSizeGreaterThan", "objectSizeLessThan")
    )


def log_retention_days(lifecycle: Lifecycle) -> int:
    """A log group keeps its class's data as long as its expiry (CloudWatch's next value up; never: the longest)."""
    wanted = lifecycle.expire_after_days if lifecycle.expire_after_days is not None else CLOUDWATCH_RETENTION_DAYS[-1]
    return next((d for d in CLOUDWATCH_RETENTION_DAYS if d >= wanted), CLOUDWATCH_RETENTION_DAYS[-1])


def longest_transit_seconds(lifecycle: Lifecycle) -> int:
    """The longest a queue may hold a message of the class: SQS's maximum, within the class's expiry."""
    if lifecycle.expire_after_days is None:
        return SQS_MAX_RETENTION_SECONDS
    return min(SQS_MAX_RETENTION_SECONDS, lifecycle.expire_after_days * DAY_SECONDS)


def table(config: Mapping[str, Any] | None) -> dict[str, Lifecycle]:
    """The effective table from its camelCase form (the component's props), over the defaults."""
    rows = dict(DEFAULTS)
    for name, row in (config or {}).items():
        if name in rows and isinstance(row, Mapping):
            rows[name] = Lifecycle.from_config({**rows[name].as_config(), **row})
    return rows


@dataclass(frozen=True)
class Retention:
    """A store's retention: its class and that class's row. What components take, so that the tag a
    store carries and the lifecycle it gets come from one value."""

    data_class: str
    lifecycle: Lifecycle

    @property
    def never_delete(self) -> bool:
        """Audit records: tiered, never deleted by a lifecycle."""
        return self.data_class == AUDIT

    def bucket(self) -> BucketLifecycle:
        return BucketLifecycle.expected(self.lifecycle, never_delete=self.never_delete)

    @property
    def log_days(self) -> int:
        return log_retention_days(self.lifecycle)

    @property
    def transit_seconds(self) -> int:
        return longest_transit_seconds(self.lifecycle)


def default_retention(data_class: str) -> Retention:
    """A store of ``data_class`` with the table's default row (a component's default argument)."""
    return Retention(data_class, DEFAULTS[data_class])
