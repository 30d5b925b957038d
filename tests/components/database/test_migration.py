"""What the migration grants for the audit (#27 item 6), and where the plan sends the audit lines."""

from __future__ import annotations

import json

from blueprint.engine.mocks import Registration
from components.database import migration
from tests.conftest import by_type


def test_only_pci_and_pii_schemas_are_object_audited() -> None:
    sql = migration.migration_sql(["payments", "fraud"], "vault_admin", {"payments"})
    assert "CREATE ROLE rds_pgaudit NOLOGIN" in sql
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA payments TO rds_pgaudit;" in sql
    # Tables the tenant creates later are audited too (default privileges of its group).
    later = "ALTER DEFAULT PRIVILEGES FOR ROLE tenant_payments IN SCHEMA payments GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES"
    assert f"{later} TO rds_pgaudit;" in sql
    assert "SCHEMA fraud TO rds_pgaudit" not in sql and "IN SCHEMA fraud GRANT" not in sql
    assert "TO rds_pgaudit" not in migration.migration_sql(["fraud"], "vault_admin")


def test_the_plan_audits_pci_payments_and_sends_slow_statements_without_parameters_to_the_log(
    stack_plans: dict[str, list[Registration]],
) -> None:
    for plan in stack_plans.values():
        sql = {
            c.name: c.inputs["data"]["migration.sql"]
            for c in by_type(plan, "kubernetes:core/v1:ConfigMap")
            if "migration.sql" in c.inputs.get("data", {})
        }
        assert "IN SCHEMA payments TO rds_pgaudit" in sql["db-access-payments-migration"]
        assert "TO rds_pgaudit" not in sql["db-access-fraud-migration"]
        (group,) = by_type(plan, "aws:rds/clusterParameterGroup:ClusterParameterGroup")
        values = {p["name"]: p["value"] for p in group.inputs["parameters"]}
        assert values["pgaudit.role"] == "rds_pgaudit" and values["pgaudit.log_parameter"] == "0"
        assert values["log_parameter_max_length"] == values["log_parameter_max_length_on_error"] == "0"
        assert int(values["log_min_duration_statement"]) > 0
        (cluster,) = by_type(plan, "aws:rds/cluster:Cluster")
        assert cluster.inputs["enabledCloudwatchLogsExports"] == ["postgresql"]


def test_only_the_migration_reads_the_master_secret_and_the_pooler_has_no_aws_identity(
    stack_plans: dict[str, list[Registration]],
) -> None:
    """#27 item 4: Aurora's master secret (RDS-managed, ``rds!cluster-*``) is readable by the
    migration's Pod Identity alone; the pooler has none, and mounts only its config and lookup file."""
    for plan in stack_plans.values():
        readers = [
            p.name
            for p in by_type(plan, "aws:iam/rolePolicy:RolePolicy")
            if "secretsmanager:GetSecretValue" in p.inputs["policy"] and "rds!" in p.inputs["policy"]
        ]
        # The migration's Pod Identity, and RDS Proxy's own service role (trusted by rds.amazonaws.com only).
        assert sorted(readers) == ["db-access-migrate-master-secret", "db-manager-proxy"]
        (proxy_role,) = [r for r in by_type(plan, "aws:iam/role:Role") if r.name == "db-manager-proxy"]
        assert json.loads(proxy_role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "rds.amazonaws.com"}
        associations = {
            (a.inputs["namespace"], a.inputs["serviceAccount"])
            for a in by_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        }
        assert ("db-manager", "db-migrate") in associations and ("db-manager", "pgbouncer") not in associations
        poolers = [d for d in by_type(plan, "kubernetes:apps/v1:Deployment") if d.inputs["metadata"]["name"].startswith("pgbouncer-")]
        assert poolers
        for pooler in poolers:
            volumes = pooler.inputs["spec"]["template"]["spec"]["volumes"]
            name = pooler.inputs["metadata"]["name"]
            assert [v.get("secret", {}).get("secretName") for v in volumes if "secret" in v] == [f"{name}-auth"]
