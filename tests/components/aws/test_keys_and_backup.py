"""#15 items 2 and 4 in the plans: key policies that separate administration from use, a key per
tenant, and AWS Backup of the database and the ledger into a locked vault."""

from __future__ import annotations

import json
from fnmatch import fnmatch
from typing import Any

import pytest

from blueprint.engine.mocks import Registration
from components.aws.key_policies import KEY_ADMIN_ACTIONS, REPLICATION_ACTIONS
from tests.conftest import by_type

ACCOUNTS = {"dev": "123456789012", "staging": "345678901234", "prod": "210987654321"}
USE = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:Sign", "kms:CreateGrant", "kms:*"}


def key(plan: list[Registration], name: str) -> Registration:
    return next(r for r in by_type(plan, "aws:kms/key:Key") if r.name == name)


def statements(resource: Registration) -> list[dict[str, Any]]:
    return list(json.loads(resource.inputs["policy"])["Statement"])


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def role_arns(plan: list[Registration]) -> dict[str, str]:
    """Every role of the plan by name, with its ARN (auto-named roles under their engine name)."""
    return {r.state["name"]: r.state["arn"] for r in by_type(plan, "aws:iam/role:Role")}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_key_has_a_policy_and_the_account_only_administers(stack_plans: dict[str, list[Registration]], stack: str) -> None:
    plan = stack_plans[stack]
    keys = by_type(plan, "aws:kms/key:Key") + by_type(plan, "aws:kms/replicaKey:ReplicaKey")
    assert sorted(k.name for k in keys) == [
        "backup-copy-key",
        "backup-copy-key-replica",
        "fraud-key",
        "payments-key",
        "platform-keys-data",
        "platform-keys-eks-secrets",
        "platform-keys-signing",
    ]
    root = f"arn:aws:iam::{ACCOUNTS[stack]}:root"
    for k in keys:
        admin = [s for s in statements(k) if s["Sid"] == "KeyAdministration"]
        # The multi-region key of the copies is also replicated by its administrators (#30 item 6).
        administered = sorted([*KEY_ADMIN_ACTIONS, *REPLICATION_ACTIONS]) if k.name.startswith("backup-copy-key") else KEY_ADMIN_ACTIONS
        assert admin == [
            {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": root}, "Action": administered, "Resource": "*"}
        ]
        assert not actions(admin[0]) & USE, k.name
        for statement in statements(k):
            if statement["Principal"] == {"AWS": root} and actions(statement) & USE:
                assert statement.get("Condition"), (k.name, statement["Sid"])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_only_the_image_publishers_may_sign(stack_plans: dict[str, list[Registration]], stack: str) -> None:
    plan = stack_plans[stack]
    signing = key(plan, "platform-keys-signing")
    (sign,) = [s for s in statements(signing) if "kms:Sign" in actions(s)]
    pattern = sign["Condition"]["ArnLike"]["aws:PrincipalArn"]
    assert pattern == f"arn:aws:iam::{ACCOUNTS[stack]}:role/fintech-blueprint/fintech-blueprint-{stack}-ci-*"
    signers = {name for name, arn in role_arns(plan).items() if fnmatch(arn, pattern)}
    publishers = {
        r.state["name"]
        for r in by_type(plan, "aws:iam/role:Role")
        if "SignWithPlatformKey"
        in json.dumps([p.inputs["policy"] for p in by_type(plan, "aws:iam/rolePolicy:RolePolicy") if p.name == r.name])
    }
    assert signers == publishers and len(signers) == 8  # 3 tenant services + 5 platform images
    assert not any(fnmatch(role_arns(plan)[f"fintech-blueprint-{stack}-{name}"], pattern) for name in ("deploy", "preview"))


def test_only_the_control_plane_role_uses_the_secrets_key(stack_plans: dict[str, list[Registration]]) -> None:
    plan = stack_plans["dev"]
    secrets = key(plan, "platform-keys-eks-secrets")
    (use,) = [s for s in statements(secrets) if "kms:Decrypt" in actions(s)]
    pattern = use["Condition"]["ArnLike"]["aws:PrincipalArn"]
    (cluster,) = by_type(plan, "aws:eks/cluster:Cluster")
    users = [arn for arn in role_arns(plan).values() if fnmatch(arn, pattern)]
    assert users == [cluster.inputs["roleArn"]]
    grant = next(p for p in by_type(plan, "aws:iam/rolePolicy:RolePolicy") if p.name == "cluster-control-plane-secrets-key")
    (statement,) = json.loads(grant.inputs["policy"])["Statement"]
    assert statement["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/fintech-blueprint-dev-eks-secrets"}}


def test_each_tenant_encrypts_its_data_with_its_own_key(stack_plans: dict[str, list[Registration]]) -> None:
    plan = stack_plans["dev"]
    arns = {k.name: k.state["arn"] for k in by_type(plan, "aws:kms/key:Key")}
    for tenant in ("payments", "fraud"):
        queues = [q for q in by_type(plan, "aws:sqs/queue:Queue") if q.name.startswith(f"{tenant}-")]
        tables = [t for t in by_type(plan, "aws:dynamodb/table:Table") if t.name.startswith(f"{tenant}-")]
        logs = [g for g in by_type(plan, "aws:cloudwatch/logGroup:LogGroup") if g.name == f"{tenant}-logs"]
        # The outbox and its DLQ, and for payments (pci: erasure applies) the erasure queue and its DLQ.
        assert len(queues) == (4 if tenant == "payments" else 2) and len(tables) == 1 and len(logs) == 1
        assert {q.inputs["kmsMasterKeyId"] for q in queues} == {arns[f"{tenant}-key"]}
        assert tables[0].inputs["serverSideEncryption"]["kmsKeyArn"] == arns[f"{tenant}-key"]
        assert logs[0].inputs["kmsKeyId"] == arns[f"{tenant}-key"]
        tenant_key = key(plan, f"{tenant}-key")
        (logs_statement,) = [s for s in statements(tenant_key) if s["Sid"] == "CloudWatchLogs"]
        assert logs_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
            f"arn:aws:logs:eu-west-3:123456789012:log-group:/fintech-blueprint-dev/tenants/{tenant}"
        )
        granted = {
            alias
            for p in by_type(plan, "aws:iam/rolePolicy:RolePolicy")
            if p.name.startswith(f"{tenant}-") and not p.name.endswith("-ci")
            for s in json.loads(p.inputs["policy"])["Statement"]
            for alias in [s.get("Condition", {}).get("ForAnyValue:StringEquals", {}).get("kms:ResourceAliases")]
            if alias
        }
        assert granted == {f"alias/fintech-blueprint-dev-tenant-{tenant}"}
    models = next(
        b
        for b in by_type(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
        if b.name == "fraud-models-encryption"
    )
    assert models.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == arns["fraud-key"]
    # Images stay on the platform key: a repository's key cannot change without replacing it.
    assert {r.inputs["encryptionConfigurations"][0]["kmsKey"] for r in by_type(plan, "aws:ecr/repository:Repository")} == {
        arns["platform-keys-data"]
    }


@pytest.mark.parametrize(("stack", "grace"), [("dev", None), ("prod", 3)])
def test_the_database_and_the_ledger_are_backed_up_into_a_locked_vault(
    stack_plans: dict[str, list[Registration]], stack: str, grace: int | None
) -> None:
    plan = stack_plans[stack]
    account = ACCOUNTS[stack]
    vault, copies = sorted(by_type(plan, "aws:backup/vault:Vault"), key=lambda v: v.name != "backup-vault")
    assert vault.inputs["kmsKeyArn"] == key(plan, "platform-keys-data").state["arn"]
    assert vault.options.get("protect", False) is (stack == "prod")
    locks = {lock.inputs["backupVaultName"]: lock for lock in by_type(plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration")}
    assert set(locks) == {f"fintech-blueprint-{stack}-backup-vault", f"fintech-blueprint-{stack}-backup-copies"}
    for lock in locks.values():
        assert (lock.inputs["minRetentionDays"], lock.inputs.get("changeableForDays")) == (35, grace)
    (plan_resource,) = by_type(plan, "aws:backup/plan:Plan")
    (rule,) = plan_resource.inputs["rules"]
    assert (rule["targetVaultName"], rule["schedule"], rule["lifecycle"]["deleteAfter"]) == (vault.inputs["name"], "cron(0 3 * * ? *)", 35)
    # Each recovery point is copied to eu-west-1 (backup.copyRegion), into a vault there under the replica
    # of a multi-region key, kept as long (#30 item 6).
    (replica,) = by_type(plan, "aws:kms/replicaKey:ReplicaKey")
    primary = key(plan, "backup-copy-key")
    assert primary.inputs["multiRegion"] is True and replica.inputs["primaryKeyArn"] == primary.state["arn"]
    assert replica.state["arn"].startswith(f"arn:aws:kms:eu-west-1:{account}:key/") and copies.inputs["kmsKeyArn"] == replica.state["arn"]
    assert rule["copyActions"] == [
        {
            "destinationVaultArn": f"arn:aws:backup:eu-west-1:{account}:backup-vault:fintech-blueprint-{stack}-backup-copies",
            "lifecycle": {"deleteAfter": 35},
        }
    ]
    assert copies.options.get("protect", False) is replica.options.get("protect", False) is (stack == "prod")
    (selection,) = by_type(plan, "aws:backup/selection:Selection")
    (ledger,) = [b for b in by_type(plan, "aws:s3/bucket:Bucket") if b.name == "audit-ledger-bucket"]
    assert selection.inputs["resources"] == [
        f"arn:aws:rds:eu-west-3:{account}:cluster:fintech-blueprint-{stack}-aurora",
        f"arn:aws:s3:::{ledger.inputs['bucket']}",
    ]
    assert selection.inputs["iamRoleArn"] == f"arn:aws:iam::{account}:role/fintech-blueprint/fintech-blueprint-{stack}-backup"
