"""The lifecycle table's pure side (policy_pack/policies/lifecycle.py): defaults, floors, and what each
store type gets from a class's row."""

from __future__ import annotations

from typing import Any

import pytest

from components.aws.buckets import s3_lifecycle_rules
from policy_pack.policies import lifecycle
from policy_pack.policies.lifecycle import DEFAULTS, BucketLifecycle, Lifecycle, Retention
from tests.policy_pack.cases import camel


def test_the_defaults_are_what_an_auditor_accepts() -> None:
    assert all(lifecycle.problems(name, row) == [] for name, row in DEFAULTS.items())
    audit, pci, pii = DEFAULTS["audit"], DEFAULTS["pci"], DEFAULTS["pii"]
    # Ledger and audit records: seven years, tiered to Deep Archive, never expired, never erased.
    assert (audit.minimum_retention_days, audit.expire_after_days, audit.cold_storage_class, audit.erasure) == (
        2555,
        None,
        "DEEP_ARCHIVE",
        False,
    )
    # pci: a year at least, the last three months hot (PCI DSS 10.5.1); personal data is erasable.
    assert pci.minimum_retention_days >= 365 and pci.warm_after_days == 90 and pci.erasure and pii.erasure
    # Analytics-grade data lives shorter than regulated data.
    assert DEFAULTS["public"].expire_after_days < DEFAULTS["internal"].expire_after_days < pci.expire_after_days  # type: ignore[operator]
    assert [name for name, row in DEFAULTS.items() if row.erasure] == ["pii", "pci"]


@pytest.mark.parametrize(
    ("data_class", "changes", "field"),
    [
        ("pci", {"minimum_retention_days": 364}, "minimumRetentionDays"),
        ("pci", {"warm_after_days": 60}, "warmAfterDays"),
        ("pci", {"erasure": False}, "erasure"),
        ("pii", {"minimum_retention_days": 30}, "minimumRetentionDays"),
        ("audit", {"minimum_retention_days": 2554}, "minimumRetentionDays"),
        ("audit", {"expire_after_days": 4000}, "expireAfterDays"),
        ("audit", {"erasure": True}, "erasure"),
        ("confidential", {"minimum_retention_days": 89}, "minimumRetentionDays"),
        ("internal", {"minimum_retention_days": 29}, "minimumRetentionDays"),
    ],
)
def test_a_floor_cannot_be_configured_away(data_class: str, changes: dict[str, object], field: str) -> None:
    row = DEFAULTS[data_class].with_changes(**changes)
    assert [f for f, _ in lifecycle.problems(data_class, row)] == [field]


def test_floors_allow_a_shorter_dev_above_them() -> None:
    dev = DEFAULTS["confidential"].with_changes(cold_after_days=90, expire_after_days=180, minimum_retention_days=90)
    assert lifecycle.problems("confidential", dev) == []
    # pci keeps its year even where the warm tier is skipped.
    assert lifecycle.problems("pci", DEFAULTS["pci"].with_changes(warm_after_days=None)) == []


@pytest.mark.parametrize("data_class", list(DEFAULTS))
def test_the_program_s_rules_read_back_as_the_class_s_row(data_class: str) -> None:
    retention = Retention(data_class, DEFAULTS[data_class])
    read_back = BucketLifecycle.of_inputs({"rules": camel(s3_lifecycle_rules(retention))})
    assert read_back == retention.bucket()
    assert read_back.deletes() is (data_class != "audit")


def test_an_erasable_class_drops_old_versions_within_the_month() -> None:
    assert Retention("pii", DEFAULTS["pii"]).bucket().noncurrent_days == 30
    assert Retention("confidential", DEFAULTS["confidential"]).bucket().noncurrent_days == DEFAULTS["confidential"].minimum_retention_days


def test_a_narrowed_rule_does_not_set_the_bucket_s_lifecycle() -> None:
    rules = [{"status": "Enabled", "filter": {"prefix": "tmp/"}, "expiration": {"days": 1}}]
    assert BucketLifecycle.of_inputs({"rules": rules}) == BucketLifecycle()


@pytest.mark.parametrize(("expire", "days"), [(365, 365), (1825, 1827), (30, 30), (100, 120), (None, 3653), (5000, 3653)])
def test_log_retention_is_the_expiry_rounded_up_to_what_cloudwatch_accepts(expire: int | None, days: int) -> None:
    assert lifecycle.log_retention_days(DEFAULTS["public"].with_changes(expire_after_days=expire)) == days


def test_a_queue_never_keeps_a_message_past_its_class_s_expiry() -> None:
    assert lifecycle.longest_transit_seconds(DEFAULTS["pci"]) == lifecycle.SQS_MAX_RETENTION_SECONDS
    assert lifecycle.longest_transit_seconds(DEFAULTS["public"].with_changes(expire_after_days=2)) == 2 * 86400


def test_the_engine_s_numbers_and_the_stack_file_s_never_read_the_same() -> None:
    row = Lifecycle.from_config({**DEFAULTS["pci"].as_config(), "coldAfterDays": "never", "expireAfterDays": 1825.0})
    assert (row.cold_after_days, row.expire_after_days) == (None, 1825)
    assert lifecycle.table({"pci": {"minimumRetentionDays": 400.0}})["pci"].minimum_retention_days == 400


@pytest.mark.plan
def test_the_real_plan_s_backups_are_held_to_the_database_s_class() -> None:
    """The prod plan's selection reaches its plan and the Aurora cluster (pci): copies kept past pci's
    expiry fail data-store-lifecycle-matches-class on the backup plan, the program's 35 days pass."""
    from blueprint import policies
    from tests.policy_pack.journey_cases import changed, prod_resources

    def failing(resources: list[Any]) -> list[str]:
        found = policies.analyzer(None).analyze_stack(resources)
        return [v.message for v in found if v.policy == "data-store-lifecycle-matches-class"]

    assert failing(prod_resources()) == []
    kept_ten_years = changed("aws:backup/plan:Plan", "backup-plan", lambda props: props["rules"][0]["lifecycle"].update(deleteAfter=3650))
    [message] = failing(kept_ten_years(prod_resources()))
    assert "keeps recovery points of 'db-manager-aurora' (pci) 3650 days; its class expires after 1825 days" in message
