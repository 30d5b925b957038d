"""Vault Concierge and DB Manager: parsable policies, bounded TTLs, and no path from one tenant's
identity to another tenant's secrets, database schema, queue or table."""

from __future__ import annotations

import itertools
import json
import re

import hcl2
import pytest
from hcl2 import SerializationOptions

from blueprint.engine.mocks import Registration
from components.database import migration
from components.vault import policies as vp
from stacks.loader import load_stack_file
from tests.conftest import as_document, by_type, plan_registrations, project_values


def vault_glob(pattern: str, path: str) -> bool:
    """Vault's path matching: a trailing '*' is a prefix glob, '+' is exactly one segment."""
    regex = "".join("[^/]+" if part == "+" else re.escape(part) for part in re.split(r"(\+)", pattern.rstrip("*")))
    return re.fullmatch(regex + (".*" if pattern.endswith("*") else ""), path) is not None


def test_vault_glob_semantics() -> None:
    assert vault_glob("kv/data/pay/*", "kv/data/pay/x") and not vault_glob("kv/data/pay/*", "kv/data/payments/x")
    assert vault_glob("kv/+/pay/*", "kv/data/pay/x") and not vault_glob("database/creds/pay", "database/creds/payments")


@pytest.fixture(scope="module")
def many_tenants(tmp_path_factory: pytest.TempPathFactory) -> list[Registration]:
    """The dev stack with tenants whose names are prefixes of one another."""
    values = project_values()
    template = values["tenants"][1]
    for name in ("pay", "payments2", "fra"):
        values["tenants"].append({**template, "name": name, "ownerTeam": f"{name}-team", "services": [{"name": f"{name}-svc"}]})
    path = tmp_path_factory.mktemp("stack") / "Pulumi.dev.yaml"
    import yaml

    path.write_text(yaml.safe_dump(as_document(values)))
    return plan_registrations(path, "dev")


def parsed(policy_text: str) -> dict[str, list[str]]:
    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    document = hcl2.loads(policy_text, serialization_options=options)
    return {path: body["capabilities"] for block in document["path"] for path, body in block.items()}


def test_every_vault_policy_parses_as_hcl(plan: list[Registration]) -> None:
    policies = by_type(plan, "vault:index/policy:Policy")
    assert sorted(p.inputs["name"] for p in policies) == ["ci-infra-deploy", "ci-infra-preview", "tenant-fraud", "tenant-payments"]
    for policy in policies:
        paths = parsed(policy.inputs["policy"])
        assert paths and all(caps for caps in paths.values()), policy.inputs["name"]


def test_the_parser_rejects_broken_policy_text() -> None:
    with pytest.raises(Exception, match="Unexpected"):
        parsed('path "kv/data/x/*" {\n  capabilities = ["read"]\n')


def tenant_names(plan: list[Registration]) -> list[str]:
    return [r.name for r in by_type(plan, "fintech:platform:Tenant")]


def sample_paths(tenant: str) -> list[str]:
    return [f"kv/data/{tenant}/app/db", f"kv/metadata/{tenant}/", f"kv/metadata/{tenant}/app", f"database/creds/{tenant}"]


@pytest.mark.plan
def test_no_tenant_reaches_another_tenant(many_tenants: list[Registration]) -> None:
    tenants = tenant_names(many_tenants)
    assert len(tenants) == 5
    policies = {r.inputs["name"]: parsed(r.inputs["policy"]) for r in by_type(many_tenants, "vault:index/policy:Policy")}
    k8s_roles = {r.inputs["roleName"]: r.inputs for r in by_type(many_tenants, "vault:kubernetes/authBackendRole:AuthBackendRole")}
    db_roles = {r.inputs["name"]: r.inputs for r in by_type(many_tenants, "vault:database/secretBackendRole:SecretBackendRole")}
    queue_policies = {r.name: json.loads(r.inputs["policy"]) for r in by_type(many_tenants, "aws:sqs/queuePolicy:QueuePolicy")}
    workload_policies = {
        r.name: json.loads(r.inputs["policy"])
        for r in by_type(many_tenants, "aws:iam/rolePolicy:RolePolicy")
        if r.name.endswith("-workload")
    }
    pairs = 0
    for a, b in itertools.permutations(tenants, 2):
        pairs += 1
        # Vault policy paths
        own = policies[vp.tenant_policy_name(a)]
        for path in sample_paths(b):
            assert not any(vault_glob(pattern, path) for pattern in own), f"{a} reaches {path}"
        # Kubernetes auth role: only a's namespace
        assert k8s_roles[a]["boundServiceAccountNamespaces"] == [a]
        # Database role: a's group and schema only (tests/realserver proves what they grant)
        statements = " ".join(db_roles[a]["creationStatements"])
        assert f"{migration.CREATE_USER}('{{{{name}}}}', '{{{{password}}}}', '{{{{expiration}}}}', '{a}'," in statements
        assert f"'{b}'," not in statements
        # Queue policy principals and workload IAM resources: only a's
        for name, document in queue_policies.items():
            if name.startswith(f"{a}-outbox-"):
                principals = [p for s in document["Statement"] if s["Effect"] == "Allow" for p in s["Principal"]["AWS"]]
                assert principals and all(f":role/fintech-blueprint/fintech-blueprint-dev-{a}-" in p for p in principals)
        for name, document in workload_policies.items():
            if name.startswith(f"{a}-"):
                resources = [
                    r for s in document["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
                ]
                assert not any(f"-dev-{b}-" in r for r in resources), f"{name} reaches {b}"
    assert pairs == 20
    for a in tenants:  # and each tenant does reach its own
        assert all(any(vault_glob(p, path) for p in policies[vp.tenant_policy_name(a)]) for path in sample_paths(a))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_ttls_are_bounded_everywhere(stack_plans: dict[str, list[Registration]], stack: str) -> None:
    from stacks.loader import ROOT

    _, config = load_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    maximum, plan = config.vault.max_lease_ttl_seconds, stack_plans[stack]
    for mount in by_type(plan, "vault:index/mount:Mount"):
        assert 0 < mount.inputs["defaultLeaseTtlSeconds"] <= mount.inputs["maxLeaseTtlSeconds"] <= maximum
    for backend in by_type(plan, "vault:index/authBackend:AuthBackend") + by_type(plan, "vault:jwt/authBackend:AuthBackend"):
        assert backend.inputs["tune"]["maxLeaseTtl"] == f"{maximum}s"
    roles = by_type(plan, "vault:kubernetes/authBackendRole:AuthBackendRole") + by_type(plan, "vault:jwt/authBackendRole:AuthBackendRole")
    assert roles and all(0 < r.inputs["tokenTtl"] <= r.inputs["tokenMaxTtl"] <= maximum for r in roles)
    for role in by_type(plan, "vault:database/secretBackendRole:SecretBackendRole"):
        assert role.inputs["defaultTtl"] == config.vault.db_credential_ttl_seconds <= role.inputs["maxTtl"] <= maximum


def test_github_jwt_role_is_bound_to_the_infra_repository_and_environment(plan: list[Registration]) -> None:
    role = by_type(plan, "vault:jwt/authBackendRole:AuthBackendRole")[0].inputs
    assert role["boundClaims"]["repository"] == "fintech-blueprint/infra"
    assert role["boundClaims"]["environment"] in ("dev", "staging", "prod") and role["boundAudiences"]


def test_vault_reaches_the_writer_and_services_sit_behind_the_proxy(plan: list[Registration]) -> None:
    cluster = by_type(plan, "aws:rds/cluster:Cluster")[0].inputs
    proxy = by_type(plan, "aws:rds/proxy:Proxy")[0].inputs
    connection = by_type(plan, "vault:database/secretBackendConnection:SecretBackendConnection")[0].inputs
    assert cluster["storageEncrypted"] and cluster["iamDatabaseAuthenticationEnabled"] and cluster["manageMasterUserPassword"]
    assert proxy["requireTls"] is True and proxy["auths"][0]["iamAuth"] == "REQUIRED"
    # RDS Proxy admits IAM or Secrets Manager users only: Vault logs in to the writer endpoint (ADR-0002).
    assert ".cluster-" in connection["postgresql"]["connectionUrl"] and ".proxy-" not in connection["postgresql"]["connectionUrl"]
    # The login is generated by the program (no person types it) and reaches Vault only as a secret.
    login = next(r for r in by_type(plan, "random:index/randomPassword:RandomPassword") if r.name == "vault-platform-db-login")
    assert set(connection["postgresql"]["password"]) == {"4dabf18193072939515e22adb298388d", "value"}
    assert login.name == "vault-platform-db-login" and login.inputs["length"] >= 32
    assert all(i.inputs["publiclyAccessible"] is False for i in by_type(plan, "aws:rds/clusterInstance:ClusterInstance"))


def test_connection_share_follows_the_tier() -> None:
    assert vp.tenant_connection_limit(1800, 90, 5) == 81
    assert vp.tenant_connection_limit(1800, 90, 20) == 324
    assert vp.tenant_connection_limit(50, 10, 5) == 1


def test_outbox_has_a_dead_letter_queue_and_idempotency_table(plan: list[Registration]) -> None:
    queues = {q.name: q.inputs for q in by_type(plan, "aws:sqs/queue:Queue")}
    outbox, dlq = queues["payments-outbox-queue"], queues["payments-outbox-dlq"]
    redrive = json.loads(outbox["redrivePolicy"])
    assert redrive["maxReceiveCount"] == 5 and redrive["deadLetterTargetArn"].endswith(":" + dlq["name"])
    assert json.loads(dlq["redriveAllowPolicy"])["sourceQueueArns"][0].endswith(":" + outbox["name"])
    assert outbox["kmsMasterKeyId"] and dlq["kmsMasterKeyId"]
    table = next(t.inputs for t in by_type(plan, "aws:dynamodb/table:Table") if t.name.startswith("payments-"))
    assert table["ttl"] == {"attributeName": "expiresAt", "enabled": True}
    assert table["pointInTimeRecovery"]["enabled"] and table["serverSideEncryption"]["enabled"]


def test_vault_reviews_service_account_tokens_with_a_reviewer_of_its_own(plan: list[Registration]) -> None:
    """Vault runs outside the cluster: to validate a pod's token it calls TokenReview with a reviewer
    service account's token, which may review tokens and nothing else."""
    (config,) = by_type(plan, "vault:kubernetes/authBackendConfig:AuthBackendConfig")
    assert config.inputs["disableLocalCaJwt"] is True
    token = next(r for r in by_type(plan, "kubernetes:core/v1:Secret") if r.name.endswith("vault-reviewer-token"))
    assert token.urn in config.property_dependencies["tokenReviewerJwt"]
    assert set(config.inputs["tokenReviewerJwt"]) == {"4dabf18193072939515e22adb298388d", "value"}  # a secret
    assert token.inputs["type"] == "kubernetes.io/service-account-token"
    (binding,) = [r for r in by_type(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding") if "vault" in r.name]
    assert binding.inputs["roleRef"]["name"] == "system:auth-delegator"
    assert binding.inputs["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": token.inputs["metadata"]["annotations"]["kubernetes.io/service-account.name"],
            "namespace": "kube-system",
        }
    ]
    assert {r.inputs["audience"] for r in by_type(plan, "vault:kubernetes/authBackendRole:AuthBackendRole")} == {"vault"}
