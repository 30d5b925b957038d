"""DatabaseAccess alone: the pooler, its pools and the migration Job, one tenant's pool per tenant."""

from __future__ import annotations

from blueprint.engine import wire
from components.database.access import NAMESPACE, DatabaseAccess, DatabaseAccessArgs
from components.database.pooler import TenantPool
from tests.components.harness import CONTEXT, build

ARGS = DatabaseAccessArgs(
    image="111111111111.dkr.ecr.eu-west-3.amazonaws.com/platform/db-manager:1.0.0",
    writer_endpoint="aurora.cluster.example",
    vault_user="vault",
    pools=[TenantPool("payments", 20), TenantPool("lending", 10)],
    kubernetes_version="1.33",
    vpc_cidr="10.10.0.0/16",
    cluster_name="fintech-blueprint-dev",
)


def access() -> DatabaseAccess:
    return DatabaseAccess("db-access", ARGS, CONTEXT)


def test_each_tenant_gets_a_pool_capped_at_its_share() -> None:
    built = build(access)
    config = next(c for c in built.of_type("kubernetes:core/v1:ConfigMap") if c.name == "db-access-pooler-config")
    ini = config.inputs["data"]["pgbouncer.ini"]
    assert "payments = " in ini and "lending = " in ini
    assert "max_db_connections=20" in ini.replace(" ", "") and "max_db_connections=10" in ini.replace(" ", "")


def test_everything_lives_in_the_db_manager_namespace() -> None:
    built = build(access)
    namespaced = [r for r in built.registrations if r.type.startswith("kubernetes:") and r.type != "kubernetes:core/v1:Namespace"]
    assert namespaced and {r.inputs["metadata"]["namespace"] for r in namespaced} == {NAMESPACE}


def test_the_lookup_passwords_never_reach_the_plan_in_plaintext() -> None:
    built = build(access)
    auth = next(s for s in built.of_type("kubernetes:core/v1:Secret") if s.name == "db-access-pooler-auth")
    assert wire.is_secret(auth.inputs["stringData"])
    assert "pooler_payments" not in str(wire.masked(auth.inputs))
    assert len(built.of_type("random:index/randomPassword:RandomPassword")) == 2


def test_the_migration_job_runs_after_its_sql_and_passwords() -> None:
    built = build(access)
    job = built.one("kubernetes:batch/v1:Job")
    sql = built.named("db-access-migration")
    passwords = built.named("db-access-migration-passwords")
    assert {sql.urn, passwords.urn} <= set(job.dependencies)
