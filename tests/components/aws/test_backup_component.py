"""Backup alone (#30 item 6): with ``copy``, each recovery point is copied to a vault in a second region,
under a replica of a multi-region key whose policy lets AWS Backup and RDS use it there only."""

from __future__ import annotations

import json

import pulumi_aws as aws

from components.aws.backup import Backup, BackupArgs, BackupCopy
from tests.components.harness import PROD_CONTEXT, build, resource_violations

KEY = "arn:aws:kms:eu-west-3:111111111111:key/data"


def backup(copy: bool) -> None:
    provider = aws.Provider("aws-eu-west-1", region="eu-west-1") if copy else None
    Backup(
        "backup",
        BackupArgs(
            kms_key_arn=KEY,
            cluster_identifier="fintech-blueprint-prod-aurora",
            ledger_bucket="ledger",
            retention_days=35,
            schedule="cron(0 3 * * ? *)",
            lock_mode="compliance",
            copy=BackupCopy("eu-west-1", provider) if provider else None,
        ),
        PROD_CONTEXT,
    )


def test_copies_go_to_a_locked_vault_in_the_second_region_under_a_replica_key() -> None:
    built = build(lambda: backup(copy=True), stack="prod")
    replica = built.one("aws:kms/replicaKey:ReplicaKey")
    copies = built.named("backup-copy-vault")
    assert replica.provider and "aws-eu-west-1" in replica.provider and copies.provider == replica.provider
    assert replica.state["arn"].startswith("arn:aws:kms:eu-west-1:") and copies.inputs["kmsKeyArn"] == replica.state["arn"]
    primary = built.named("backup-copy-key")
    assert primary.inputs["multiRegion"] is True and primary.inputs["enableKeyRotation"] is True
    # Both locked in compliance mode, protected in prod.
    locks = built.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    assert len(locks) == 2 and all(lock.inputs["changeableForDays"] == 3 for lock in locks)
    assert copies.options["protect"] is True and replica.options["protect"] is True
    (rule,) = built.one("aws:backup/plan:Plan").inputs["rules"]
    (copy,) = rule["copyActions"]
    assert copy["destinationVaultArn"].startswith("arn:aws:backup:eu-west-1:") and copy["lifecycle"]["deleteAfter"] == 35
    # Used only through AWS Backup and RDS, in the two regions.
    use = next(s for s in json.loads(replica.inputs["policy"])["Statement"] if s["Sid"] == "UseThroughBackup")
    assert sorted(use["Condition"]["StringEquals"]["kms:ViaService"]) == [
        "backup.eu-west-1.amazonaws.com",
        "backup.eu-west-3.amazonaws.com",
        "rds.eu-west-1.amazonaws.com",
        "rds.eu-west-3.amazonaws.com",
    ]
    # The pack's key rules hold the replica too (explicit policy, description, deletion window).
    assert resource_violations(built) == []


def test_without_a_copy_region_the_plan_copies_nothing() -> None:
    built = build(lambda: backup(copy=False), stack="prod")
    (rule,) = built.one("aws:backup/plan:Plan").inputs["rules"]
    assert "copyActions" not in rule and not built.of_type("aws:kms/replicaKey:ReplicaKey")
