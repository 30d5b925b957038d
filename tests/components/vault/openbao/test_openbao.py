"""ADR-0001's promise checked by Vault's own policy engine: a running OpenBao server loaded with the
Vault resources of the dev stack's plan (the same pure functions the components use).

For every tenant, a token carrying only that tenant's policy can write, read and list its own KV
paths, reaches its own database role, and gets 403 on every other tenant's paths, on the platform's
paths and on ``sys/`` and token endpoints; tokens cannot outlive the TTL bounds.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blueprint.engine.mocks import Registration
from blueprint.engine.wire import unwrapped
from components.vault import policies as vp
from tests.conftest import by_type

from .conftest import BAO, Bao

pytestmark = [pytest.mark.openbao, pytest.mark.realserver]

FORBIDDEN_PLATFORM = [
    ("GET", "kv/data/platform/ci/deploy"),
    ("GET", "sys/mounts"),
    ("GET", "sys/auth"),
    ("LIST", "sys/policies/acl"),
    ("GET", "sys/policies/acl/ci-infra"),
    ("POST", "auth/token/create"),
    ("GET", "sys/audit"),
    ("PUT", "sys/policies/acl/tenant-escalation"),
]
FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_figures() -> Iterator[None]:
    """After the module: what was checked (a report, not a test; see the README's OpenBao section)."""
    yield
    if FIGURES:
        print(
            f"\nOpenBao tier: {FIGURES['tenants']} tenants, {FIGURES['allowed-checks']} allowed and "
            f"{FIGURES['denied-checks']} denied requests checked"
        )


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def snake_keys(props: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {snake(k): v for k, v in props.items() if k in keys}


def apply_plan(server: Bao, plan: list[Registration]) -> None:
    """Replay the plan's Vault resources through Vault's HTTP API (what pulumi-vault would do)."""
    for r in by_type(plan, "vault:index/mount:Mount"):
        p = r.inputs
        server.ok(
            "POST",
            f"sys/mounts/{p['path']}",
            {
                "type": p["type"],
                "options": p.get("options", {}),
                "config": {"default_lease_ttl": f"{p['defaultLeaseTtlSeconds']}s", "max_lease_ttl": f"{p['maxLeaseTtlSeconds']}s"},
            },
        )
    for r in by_type(plan, "vault:index/authBackend:AuthBackend") + by_type(plan, "vault:jwt/authBackend:AuthBackend"):
        p = r.inputs
        server.ok(
            "POST",
            f"sys/auth/{p['path']}",
            {
                "type": p.get("type", "jwt"),
                "config": {"default_lease_ttl": p["tune"]["defaultLeaseTtl"], "max_lease_ttl": p["tune"]["maxLeaseTtl"]},
            },
        )
    for r in by_type(plan, "vault:index/policy:Policy"):
        server.ok("PUT", f"sys/policies/acl/{r.inputs['name']}", {"policy": r.inputs["policy"]})
    for r in by_type(plan, "vault:kubernetes/authBackendRole:AuthBackendRole"):
        p = r.inputs
        server.ok(
            "POST",
            f"auth/{p['backend']}/role/{p['roleName']}",
            snake_keys(
                p, "boundServiceAccountNames", "boundServiceAccountNamespaces", "tokenPolicies", "tokenTtl", "tokenMaxTtl", "audience"
            ),
        )
    for r in by_type(plan, "vault:jwt/authBackendRole:AuthBackendRole"):
        p = r.inputs
        server.ok(
            "POST",
            f"auth/{p['backend']}/role/{p['roleName']}",
            snake_keys(p, "roleType", "userClaim", "boundAudiences", "boundClaims", "tokenPolicies", "tokenTtl", "tokenMaxTtl"),
        )
    for r in by_type(plan, "vault:database/secretBackendConnection:SecretBackendConnection"):
        p = unwrapped(r.inputs)
        server.ok(
            "POST",
            f"{p['backend']}/config/{p['name']}",
            {
                "plugin_name": "postgresql-database-plugin",
                "connection_url": p["postgresql"]["connectionUrl"],
                "username": p["postgresql"]["username"],
                "password": p["postgresql"]["password"],
                "allowed_roles": p["allowedRoles"],
                "verify_connection": False,
            },
        )
    for r in by_type(plan, "vault:database/secretBackendRole:SecretBackendRole"):
        p = r.inputs
        server.ok(
            "POST",
            f"{p['backend']}/roles/{p['name']}",
            snake_keys(p, "dbName", "creationStatements", "revocationStatements", "defaultTtl", "maxTtl"),
        )
    for r in by_type(plan, "vault:kv/secretV2:SecretV2"):
        p = unwrapped(r.inputs)  # dataJson is a secret input of pulumi-vault
        server.ok("POST", f"{p['mount']}/data/{p['name']}", {"data": json.loads(p["dataJson"])})


@pytest.fixture(scope="module")
def loaded(bao: Bao, stack_plans: dict[str, list[Registration]]) -> tuple[Bao, list[str]]:
    plan = stack_plans["dev"]
    apply_plan(bao, plan)
    bao.ok("POST", "kv/data/platform/ci/deploy", {"data": {"region": "eu-west-3"}})
    return bao, [r.name for r in by_type(plan, "fintech:platform:Tenant")]


def tenant_token(server: Bao, policy: str, default_policy: bool = False) -> str:
    body = server.ok(
        "POST", "auth/token/create", {"policies": [policy], "no_default_policy": not default_policy, "ttl": "1h", "explicit_max_ttl": "24h"}
    )
    return str(body["auth"]["client_token"])


def leaks(server: Bao, tenant: str, token: str, others: list[str]) -> list[str]:
    """Every request of ``token`` that should have been refused but was not (count the checks)."""
    found = []
    for other in others:
        for method, path in (
            ("POST", f"kv/data/{other}/app/config"),
            ("GET", f"kv/data/{other}/_owner"),
            ("LIST", f"kv/metadata/{other}/"),
            ("GET", f"database/creds/{other}"),
        ):
            reply = server.request(method, path, token, {"data": {"x": "y"}} if method == "POST" else None)
            FIGURES["denied-checks"] += 1
            if reply.status != 403:
                found.append(f"{tenant} {method} {path} -> {reply.status}")
    for method, path in FORBIDDEN_PLATFORM:
        reply = server.request(method, path, token, {} if method in ("POST", "PUT") else None)
        FIGURES["denied-checks"] += 1
        if reply.status != 403:
            found.append(f"{tenant} {method} {path} -> {reply.status}")
    return found


def test_each_tenant_reaches_its_own_paths_and_nothing_else(loaded: tuple[Bao, list[str]]) -> None:
    server, tenants = loaded
    assert sorted(tenants) == ["fraud", "payments"]
    for tenant in tenants:
        token = tenant_token(server, vp.tenant_policy_name(tenant))
        own = [
            ("POST", f"kv/data/{tenant}/app/config", {"data": {"dsn": "from-concierge"}}),
            ("GET", f"kv/data/{tenant}/app/config", None),
            ("GET", f"kv/data/{tenant}/_owner", None),
            ("LIST", f"kv/metadata/{tenant}/", None),
            ("LIST", f"kv/metadata/{tenant}/app/", None),
        ]
        for method, path, body in own:
            reply = server.request(method, path, token, body)
            FIGURES["allowed-checks"] += 1
            assert reply.status in (200, 204), f"{tenant} {method} {path}: {reply.status} {reply.body}"
        assert server.request("GET", f"kv/data/{tenant}/app/config", token).body["data"]["data"] == {"dsn": "from-concierge"}
        # Its database role is reachable (the policy lets the request through to the backend, which has no
        # database to talk to here): anything but 403.
        assert server.request("GET", f"database/creds/{tenant}", token).status != 403
        FIGURES["allowed-checks"] += 1
        assert leaks(server, tenant, token, [t for t in tenants if t != tenant]) == []
    FIGURES["tenants"] = len(tenants)


def test_a_widened_policy_is_caught(loaded: tuple[Bao, list[str]]) -> None:
    """The check above is not vacuous: widen one tenant's KV path to a wildcard and it fails."""
    server, tenants = loaded
    tenant, other = tenants[0], tenants[1]
    broken = vp.tenant_policy(tenant).replace(f"kv/data/{tenant}/*", "kv/data/*")
    server.ok("PUT", "sys/policies/acl/tenant-widened", {"policy": broken})
    token = tenant_token(server, "tenant-widened")
    found = leaks(server, tenant, token, [other])
    assert any(f"kv/data/{other}/" in leak for leak in found), found


def test_tokens_cannot_outlive_their_bounds(loaded: tuple[Bao, list[str]], stack_plans: dict[str, list[Registration]]) -> None:
    server, tenants = loaded
    maximum = max(m.inputs["maxLeaseTtlSeconds"] for m in by_type(stack_plans["dev"], "vault:index/mount:Mount"))
    for tenant in tenants:
        token = tenant_token(server, vp.tenant_policy_name(tenant), default_policy=True)
        assert server.request("POST", "auth/token/create", token, {"ttl": "720h"}).status == 403  # no child tokens
        renewed = server.request("POST", "auth/token/renew-self", token, {"increment": "720h"})
        assert renewed.status == 200 and renewed.body["auth"]["lease_duration"] <= 24 * 3600
        looked_up = server.request("GET", "auth/token/lookup-self", token).body["data"]
        assert looked_up["explicit_max_ttl"] <= 24 * 3600 and looked_up["ttl"] <= 24 * 3600
    for mount in ("kv", "database"):
        assert server.ok("GET", f"sys/mounts/{mount}/tune")["max_lease_ttl"] <= maximum
    for r in by_type(stack_plans["dev"], "vault:kubernetes/authBackendRole:AuthBackendRole"):
        role = server.ok("GET", f"auth/{r.inputs['backend']}/role/{r.inputs['roleName']}")["data"]
        assert 0 < role["token_ttl"] <= role["token_max_ttl"] <= maximum
        assert role["bound_service_account_namespaces"] == [r.inputs["roleName"]]


def test_generated_policies_pass_bao_policy_fmt(stack_plans: dict[str, list[Registration]], tmp_path: Path) -> None:
    policies = by_type(stack_plans["dev"], "vault:index/policy:Policy")
    for policy in policies:
        copy = tmp_path / f"{policy.inputs['name']}.hcl"
        copy.write_text(policy.inputs["policy"])
        result = subprocess.run([str(BAO), "policy", "fmt", str(copy)], capture_output=True, text=True, check=False, timeout=30)
        assert result.returncode == 0, f"{policy.inputs['name']}: {result.stdout}{result.stderr}"
        # fmt rewrites the file in place: the generated text must already be canonical.
        assert copy.read_text() == policy.inputs["policy"], f"{policy.inputs['name']} is not in canonical HCL form"
    broken = tmp_path / "broken.hcl"
    broken.write_text('path "kv/data/x/*" {\n  capabilities = ["raed"]\n}\n')
    assert subprocess.run([str(BAO), "policy", "fmt", str(broken)], capture_output=True, check=False, timeout=30).returncode != 0
    cramped = tmp_path / "cramped.hcl"
    cramped.write_text('path "kv/data/x/*" {capabilities=["read"]}\n')
    subprocess.run([str(BAO), "policy", "fmt", str(cramped)], capture_output=True, check=True, timeout=30)
    assert cramped.read_text() != 'path "kv/data/x/*" {capabilities=["read"]}\n', (
        "fmt rewrites non-canonical text (the check above can fail)"
    )


def test_ci_deploy_manages_what_the_program_manages_and_preview_only_reads(loaded: tuple[Bao, list[str]]) -> None:
    """The workflow jobs' Vault tokens (GitHub OIDC login; created here with the same policies)."""
    server, _ = loaded
    deploy, preview = tenant_token(server, vp.CI_DEPLOY_POLICY), tenant_token(server, vp.CI_PREVIEW_POLICY)
    manage = [
        ("PUT", "sys/policies/acl/tenant-lending", {"policy": vp.tenant_policy("lending")}),
        ("POST", "database/roles/lending", {"db_name": "aurora", "creation_statements": ["SELECT 1;"]}),
        ("POST", "kv/data/lending/_owner", {"data": {"tenant": "lending"}}),
        ("GET", "sys/audit", None),
        ("POST", "sys/auth/jwt-github/tune", {"default_lease_ttl": "1h"}),
    ]
    for method, path, body in manage:
        assert server.request(method, path, deploy, body).status in (200, 204), f"deploy: {method} {path}"
        FIGURES["ci allowed"] += 1
    refused = [
        ("GET", "kv/data/payments/app", None),  # tenant data
        ("GET", "database/creds/payments", None),  # tenant credentials
        ("POST", "auth/token/create", {}),
    ]
    for method, path, body in refused:
        assert server.request(method, path, deploy, body).status == 403, f"deploy: {method} {path}"
        FIGURES["ci denied"] += 1
    for method, path, _ in manage[:3]:
        assert server.request("GET" if method != "GET" else method, path, preview).status in (200, 204, 404), f"preview read {path}"
        assert server.request(method, path, preview, {"data": {}} if "kv" in path else {"policy": ""}).status == 403, (
            f"preview: {method} {path}"
        )
        FIGURES["ci denied"] += 1
    assert server.request("GET", "sys/mounts", preview).status == 200


def test_the_policy_forms_the_pack_parses_are_the_server_s(loaded: tuple[Bao, list[str]]) -> None:
    """#28 item 8: each form tenant-vault-policy-confined reads (HCL1 with a quoted block type or a comment
    between keyword and label, and JSON) is one the server accepts and grants by; text the pack reports
    as unparsable is refused by the server too."""
    from policy_pack.policies.vault import PolicyParseError, parse_policy
    from tests.policy_pack.cases.vault import ESCAPES, JSON_ESCAPE, TENANT_POLICY

    bao, tenants = loaded
    assert {"payments", "fraud"} <= set(tenants)
    *accepted, truncated = [TENANT_POLICY + escape for escape in ESCAPES]
    for index, text in enumerate([*accepted, JSON_ESCAPE]):
        assert "kv/data/fraud/*" in dict(parse_policy(text))
        assert bao.request("PUT", f"sys/policies/acl/form-{index}", body={"policy": text}).status in (200, 204), text
        # The server grants by it: a payments token reaches fraud's secrets.
        found = leaks(bao, "payments", tenant_token(bao, f"form-{index}"), ["fraud"])
        assert any("kv/data/fraud/" in leak for leak in found), (text, found)
    with pytest.raises(PolicyParseError):
        parse_policy(truncated)
    assert bao.request("PUT", "sys/policies/acl/form-truncated", body={"policy": truncated}).status == 400
