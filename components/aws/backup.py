"""AWS Backup of what holds the platform's history (ADR-0005, ADR-0008): the Aurora cluster and the audit
ledger, daily, into a KMS-encrypted vault under a vault lock.

The lock sets the shortest and longest retention a recovery point in the vault may have. In
``compliance`` mode (prod) it becomes immutable after a grace period: nobody, not root, can delete a
recovery point before its retention ends or remove the lock; ``governance`` mode (the default, dev)
can be removed by whoever may call ``backup:DeleteBackupVaultLockConfiguration``, so a dev stack can
still be destroyed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents, key_policies
from components.aws.arns import Location, s3_bucket
from components.aws.ci_identity import ROLE_PATH
from components.aws.managed_policies import BACKUP_SERVICE_POLICIES
from components.context import StackContext

#: AWS Backup's longest retention: the lock's ceiling.
MAX_RETENTION_DAYS = 36500
#: The shortest grace period AWS allows before a compliance lock becomes immutable.
COMPLIANCE_GRACE_DAYS = 3


@dataclass(frozen=True)
class VaultLock:
    """The vault lock of a retention: no recovery point shorter than the plan's, and in compliance
    mode immutable after the grace period (``changeable_for_days``)."""

    min_retention_days: int
    max_retention_days: int
    changeable_for_days: int | None


def vault_lock(retention_days: int, mode: str) -> VaultLock:
    return VaultLock(retention_days, MAX_RETENTION_DAYS, COMPLIANCE_GRACE_DAYS if mode == "compliance" else None)


@dataclass(frozen=True)
class BackupArgs:
    """Attributes:
    kms_key_arn: Encrypts the vault's recovery points (the platform data key).
    cluster_identifier: The Aurora cluster to back up.
    ledger_bucket: The audit ledger bucket to back up (versioned, as AWS Backup requires of S3).
    retention_days: How long each daily recovery point is kept; also the lock's minimum.
    schedule: When the daily backup starts (AWS Backup cron, UTC).
    lock_mode: ``governance`` or ``compliance`` (see the module).
    copy: Where each recovery point is also copied (a second region's vault), or None. Default None.
    """

    kms_key_arn: pulumi.Input[str]
    cluster_identifier: pulumi.Input[str]
    ledger_bucket: pulumi.Input[str]
    retention_days: int
    schedule: str
    lock_mode: str
    copy: BackupCopy | None = None


@dataclass(frozen=True)
class BackupCopy:
    """Attributes:
    region: The second region.
    provider: An AWS provider in that region, for the same account.
    """

    region: str
    provider: pulumi.ProviderResource


def copy_vault_arn(account: str, region: str, vault_name: str) -> str:
    """The copy vault's ARN from its name (known at a first preview: the pack checks the copy then)."""
    return f"arn:aws:backup:{region}:{account}:backup-vault:{vault_name}"


class Backup(pulumi.ComponentResource):
    vault_name: pulumi.Output[str]

    def __init__(self, name: str, args: BackupArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:Backup", name, None, opts)
        child = options.child(self, opts)
        location = Location.of(self)
        vault = aws.backup.Vault(
            f"{name}-vault",
            name=ctx.name("backup-vault", max_length=50),
            kms_key_arn=args.kms_key_arn,
            force_destroy=False,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        lock = vault_lock(args.retention_days, args.lock_mode)
        aws.backup.VaultLockConfiguration(
            f"{name}-vault-lock",
            backup_vault_name=vault.name,
            min_retention_days=lock.min_retention_days,
            max_retention_days=lock.max_retention_days,
            changeable_for_days=lock.changeable_for_days,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        rule: dict[str, object] = {
            "rule_name": "daily",
            "target_vault_name": vault.name,
            "schedule": args.schedule,
            "start_window": 60,
            "completion_window": 24 * 60,
            "lifecycle": {"delete_after": args.retention_days},
        }
        copy_vault: list[pulumi.Resource] = []
        if args.copy:
            rule["copy_actions"], copy_vault = self._copies(name, args, ctx, location, opts)
        plan = aws.backup.Plan(
            f"{name}-plan", name=ctx.name("daily", max_length=50), rules=[rule], opts=options.child(self, opts, after=copy_vault)
        )
        role = aws.iam.Role(
            f"{name}-service",
            name=ctx.name("backup", max_length=64),
            path=ROLE_PATH,
            assume_role_policy=json.dumps(iam_documents.service_trust("backup.amazonaws.com")),
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-{arn.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn, opts=child)
            for arn in BACKUP_SERVICE_POLICIES
        ]
        aws.backup.Selection(
            f"{name}-selection",
            name=ctx.name("history", max_length=50),
            plan_id=plan.id,
            iam_role_arn=location.role(role.name, ROLE_PATH),
            # ARNs from names (known at a first preview): the pack checks coverage before anything exists.
            resources=[location.arn("rds", pulumi.Output.concat("cluster:", args.cluster_identifier)), s3_bucket(args.ledger_bucket)],
            opts=options.child(self, opts, after=attachments),
        )
        self.vault_name = vault.name
        self.register_outputs({"vaultName": self.vault_name})

    def _copies(
        self, name: str, args: BackupArgs, ctx: StackContext, location: Location, opts: pulumi.ResourceOptions | None
    ) -> tuple[list[dict[str, object]], list[pulumi.Resource]]:
        """A vault in the second region under a replica of a multi-region key, locked like the first; the
        plan's rule copies each recovery point there, kept as long (#30 item 6)."""
        assert args.copy is not None
        copy = args.copy
        regions = pulumi.Output.all(location.account, location.region)
        policy = regions.apply(lambda v: json.dumps(key_policies.backup_copy_key_policy(v[0], [v[1], copy.region])))
        primary = aws.kms.Key(
            f"{name}-copy-key",
            description=f"{ctx.name_prefix}: recovery points copied to {copy.region} (multi-region primary)",
            multi_region=True,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        there = options.child(self, opts, keep=ctx.protect, provider=copy.provider)
        replica = aws.kms.ReplicaKey(
            f"{name}-copy-key-replica",
            primary_key_arn=primary.arn,
            description=f"{ctx.name_prefix}: recovery points copied from {ctx.region}",
            deletion_window_in_days=30,
            policy=policy,
            opts=there,
        )
        vault_name = ctx.name("backup-copies", max_length=50)
        vault = aws.backup.Vault(f"{name}-copy-vault", name=vault_name, kms_key_arn=replica.arn, force_destroy=False, opts=there)
        lock = vault_lock(args.retention_days, args.lock_mode)
        copy_lock = aws.backup.VaultLockConfiguration(
            f"{name}-copy-vault-lock",
            backup_vault_name=vault.name,
            min_retention_days=lock.min_retention_days,
            max_retention_days=lock.max_retention_days,
            changeable_for_days=lock.changeable_for_days,
            opts=there,
        )
        destination = location.account.apply(lambda account: copy_vault_arn(account, copy.region, vault_name))
        return [{"destination_vault_arn": destination, "lifecycle": {"delete_after": args.retention_days}}], [vault, copy_lock]
