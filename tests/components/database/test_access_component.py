"""DatabaseAccess alone: the pooler, its pools and the migration Job, one tenant's pool per tenant."""

from __future__ import annotations

import dataclasses

from blueprint.engine import wire
from components.database.access import NAMESPACE, DatabaseAccess, DatabaseAccessArgs
from components.database.pooler import TenantPool
from tests.components.database.pod_files import ini_paths, pod_files
from tests.components.harness import CONTEXT, build

ARGS = DatabaseAccessArgs(
    image="111111111111.dkr.ecr.eu-west-3.amazonaws.com/platform/db-manager:1.0.0",
    writer_endpoint="aurora.cluster.example",
    vault_user="vault",
    vault_password="vaultfirstpassword1",
    ca_bundle="-----BEGIN CERTIFICATE-----\nRDS ROOTS\n-----END CERTIFICATE-----\n",
    pools=[TenantPool("payments", 20), TenantPool("lending", 10)],
    kubernetes_version="1.33",
    vpc_cidr="10.10.0.0/16",
    cluster_name="fintech-blueprint-dev",
)


def access(args: DatabaseAccessArgs = ARGS) -> DatabaseAccess:
    return DatabaseAccess("db-access", args, CONTEXT)


def test_each_tenant_gets_its_own_pooler_capped_at_its_share() -> None:
    built = build(access)
    maps = built.of_type("kubernetes:core/v1:ConfigMap")
    inis = {c.inputs["metadata"]["name"]: c.inputs["data"]["pgbouncer.ini"] for c in maps if "pgbouncer.ini" in c.inputs["data"]}
    assert "payments = " in inis["pgbouncer-payments"] and "lending" not in inis["pgbouncer-payments"]
    assert "max_db_connections=20" in inis["pgbouncer-payments"].replace(" ", "")
    assert "max_db_connections=10" in inis["pgbouncer-lending"].replace(" ", "")
    deployments = {d.inputs["metadata"]["name"] for d in built.of_type("kubernetes:apps/v1:Deployment")}
    assert deployments == {"pgbouncer-payments", "pgbouncer-lending"}


def test_everything_lives_in_the_db_manager_namespace() -> None:
    built = build(access)
    namespaced = [r for r in built.registrations if r.type.startswith("kubernetes:") and r.type != "kubernetes:core/v1:Namespace"]
    assert namespaced and {r.inputs["metadata"]["namespace"] for r in namespaced} == {NAMESPACE}


def test_only_a_tenant_s_namespace_reaches_its_pooler() -> None:
    built = build(access)
    policy = built.named("db-access-payments-to-pooler").inputs["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "payments"
    peers = [p["namespaceSelector"]["matchLabels"] for rule in policy["ingress"] for p in rule["from"]]
    assert peers == [{"kubernetes.io/metadata.name": "payments"}]


def test_the_lookup_passwords_never_reach_the_plan_in_plaintext() -> None:
    built = build(access)
    auth = next(s for s in built.of_type("kubernetes:core/v1:Secret") if s.name == "db-access-payments-pooler-auth")
    assert wire.is_secret(auth.inputs["stringData"])
    assert "pooler_payments" not in str(wire.masked(auth.inputs))
    assert len(built.of_type("random:index/randomPassword:RandomPassword")) == 2


def test_the_migration_jobs_run_after_their_sql_and_passwords_and_tenants_after_the_base() -> None:
    built = build(access)
    base = built.named("db-access-migrate-job")
    assert {built.named("db-access-migration").urn, built.named("db-access-migration-passwords").urn} <= set(base.dependencies)
    tenant = built.named("db-access-payments-migrate-job")
    own = {built.named("db-access-payments-migration").urn, built.named("db-access-payments-migration-password").urn}
    assert own | {base.urn} <= set(tenant.dependencies)
    assert "payments" not in built.named("db-access-migration").inputs["data"]["migration.sql"]


def test_onboarding_a_tenant_changes_no_object_of_the_others() -> None:
    """#27 item 3: with a third tenant, every object that is not the new tenant's is exactly as before
    (no shared pooler config, auth file, Deployment, migration or Job to roll or rerun)."""

    def objects(args: DatabaseAccessArgs) -> dict[str, dict]:
        return {r.urn: r.inputs for r in build(lambda: access(args)).registrations}

    before = objects(ARGS)
    after = objects(dataclasses.replace(ARGS, pools=[*ARGS.pools, TenantPool("fraud", 5, audited=True)]))
    new = {urn for urn in after if "db-access-fraud" in urn}
    assert new and set(after) - new == set(before)
    assert {urn: inputs for urn, inputs in after.items() if urn not in new} == before


def test_every_file_the_pooler_config_names_is_mounted_from_an_object_of_the_component() -> None:
    """#27: pgbouncer.ini names its auth file and the RDS CA; each is a key of a ConfigMap or Secret this
    component creates, mounted by the pooler's pod at that path (so PgBouncer finds it, and a mount over
    /etc/pgbouncer hides nothing it needs). The CA is the bundle given."""
    built = build(access)
    sources = {("configMap", c.inputs["metadata"]["name"]): c.inputs["data"] for c in built.of_type("kubernetes:core/v1:ConfigMap")}
    for secret in built.of_type("kubernetes:core/v1:Secret"):
        sources[("secret", secret.inputs["metadata"]["name"])] = wire.unwrapped(secret.inputs["stringData"])
    deployment = next(d for d in built.of_type("kubernetes:apps/v1:Deployment") if d.name == "db-access-payments-pooler")
    files = pod_files(deployment.inputs["spec"]["template"]["spec"], sources)
    ini = files["/etc/pgbouncer/pgbouncer.ini"]
    assert deployment.inputs["spec"]["template"]["spec"]["containers"][0]["args"][-1] == "/etc/pgbouncer/pgbouncer.ini"
    named = ini_paths(ini)
    assert {"auth_file", "server_tls_ca_file"} <= set(named) and set(named.values()) <= set(files), (named, sorted(files))
    assert files[named["server_tls_ca_file"]] == ARGS.ca_bundle
    # Without the CA ConfigMap the same check fails: it is the check, not the layout, that holds.
    del sources[("configMap", "rds-ca")]
    assert not set(named.values()) <= set(pod_files(deployment.inputs["spec"]["template"]["spec"], sources))


def test_the_migration_verifies_aurora_by_name_and_sets_vault_s_first_login_secretly() -> None:
    built = build(access)
    job = built.named("db-access-migrate-job")
    container = job.inputs["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["PGSSLMODE"]["value"] == "verify-full" and env["PGSSLROOTCERT"]["value"] == "/etc/rds-ca/rds-ca.pem"
    assert env["PGHOST"]["valueFrom"]["configMapKeyRef"] == {"name": "aurora-endpoint", "key": "host"}
    assert built.named("db-access-endpoint").inputs["data"] == {"host": "aurora.cluster.example"}
    assert container["args"][1:] == ["--sql=/migration/migration.sql", "--sql=/secrets/vault-login.sql"]
    tenant = built.named("db-access-payments-migrate-job").inputs["spec"]["template"]["spec"]["containers"][0]
    assert tenant["args"][1:] == ["--sql=/migration/migration.sql", "--sql=/secrets/lookup-password.sql"]
    passwords = built.named("db-access-migration-passwords")
    assert wire.is_secret(passwords.inputs["stringData"]) and "vaultfirstpassword1" not in str(wire.masked(passwords.inputs))
