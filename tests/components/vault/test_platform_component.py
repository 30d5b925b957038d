"""VaultPlatform alone: the audit device first, mounts after it, CI logins bound to one repository."""

from __future__ import annotations

from components.vault.platform import VaultPlatform, VaultPlatformArgs, ci_role_name
from tests.components.harness import CONTEXT, PROD_CONTEXT, build

ARGS = VaultPlatformArgs(
    kubernetes_host="https://cluster.example",
    kubernetes_ca_pem="-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    token_reviewer_jwt="jwt",
    database_url="aurora.example:5432",
    database_username="vault",
    default_lease_ttl_seconds=3600,
    max_lease_ttl_seconds=86400,
)


def test_nothing_is_mounted_before_the_audit_device() -> None:
    built = build(lambda: VaultPlatform("vault", ARGS, CONTEXT))
    audit = built.one("vault:index/audit:Audit")
    for type_ in ("vault:index/mount:Mount", "vault:index/authBackend:AuthBackend", "vault:jwt/authBackend:AuthBackend"):
        assert all(audit.urn in r.dependencies for r in built.of_type(type_)), type_


def test_the_database_connection_verifies_aurora_and_names_no_tenant() -> None:
    built = build(lambda: VaultPlatform("vault", ARGS, CONTEXT))
    connection = built.one("vault:database/secretBackendConnection:SecretBackendConnection")
    # A tenant joining rewrites nothing here (#27 item 3): the roles are the tenants' own objects.
    assert connection.inputs["allowedRoles"] == ["*"]
    # verify-full: the certificate against the RDS roots on the Vault server, and the writer endpoint's name.
    url = connection.inputs["postgresql"]["connectionUrl"]
    assert url.endswith("@aurora.example:5432/postgres?sslmode=verify-full&sslrootcert=/vault/userconfig/rds-ca/rds-ca.pem")
    # Vault rotates the root password after the first up: Pulumi must not put the old one back.
    assert connection.options["ignoreChanges"] == ["postgresql.password"]


def test_ci_logins_are_bound_to_the_infra_repository_and_its_environment() -> None:
    built = build(lambda: VaultPlatform("vault", ARGS, CONTEXT))
    roles = {r.inputs["roleName"]: r.inputs for r in built.of_type("vault:jwt/authBackendRole:AuthBackendRole")}
    deploy = roles[ci_role_name("infra", "dev")]
    assert deploy["boundClaims"] == {"repository": "fintech-blueprint/platform-infra", "environment": "dev"}
    assert deploy["tokenTtl"] == 900
    preview = roles[ci_role_name("infra-preview", "dev")]
    assert preview["boundClaims"]["event_name"] == "pull_request"


def test_mounts_are_protected_in_prod() -> None:
    built = build(lambda: VaultPlatform("vault", ARGS, PROD_CONTEXT), stack="prod")
    assert {m.options["protect"] for m in built.of_type("vault:index/mount:Mount")} == {True}
