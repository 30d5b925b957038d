"""Compliant and non-compliant cases of the vault rules."""

from __future__ import annotations

from ._common import TENANT_QUEUE, Case, Res, StackCase

TENANT_POLICY = 'path "kv/data/payments/*" {\n  capabilities = ["read"]\n}\n'


#: Another tenant's path, written in each form Vault's own parser accepts (HCL1 and JSON), and text it refuses.
ESCAPES = (
    '"path" "kv/data/fraud/*" {\n  capabilities = ["read"]\n}\n',
    'path /* a comment */ "kv/data/fraud/*" {\n  capabilities = ["read"]\n}\n',
    'path "kv/data/fraud/*" {\n  capabilities = ["read"]\n',
)
JSON_ESCAPE = '{"path": {"kv/data/payments/*": {"capabilities": ["read"]}, "kv/data/fraud/*": {"capabilities": ["read"]}}}'

RESOURCE_CASES: dict[str, Case] = {
    "vault-policy-no-wildcard-sudo": Case(
        "vault:index/policy:Policy",
        {"policy": TENANT_POLICY},
        {"policy": 'path "sys/*" {\n  capabilities = ["read", "sudo"]\n}\n'},
        more_bad=(
            ("vault:index/policy:Policy", {"policy": 'path "*" {\n  capabilities = ["read"]\n}\n'}),
            ("vault:index/policy:Policy", {"policy": 'path "sys/*" {\n  capabilities = ["sudo"]\n'}),  # refused by Vault
        ),
    ),
    "vault-token-ttl": Case(
        "vault:index/token:Token",
        {"ttl": "1h", "explicitMaxTtl": "24h"},
        {"ttl": "768h", "explicitMaxTtl": "768h"},
        more_bad=(("vault:index/token:Token", {"ttl": "1h", "explicitMaxTtl": "24h", "period": "1h"}),),
    ),
    "vault-auth-role-ttl": Case(
        "vault:kubernetes/authBackendRole:AuthBackendRole",
        {"tokenTtl": 3600, "tokenMaxTtl": 86400},
        {"tokenTtl": 3600},
        more_bad=(("vault:kubernetes/authBackendRole:AuthBackendRole", {"tokenTtl": 3600, "tokenMaxTtl": 86400, "tokenPeriod": 3600}),),
    ),
    "vault-mount-ttl": Case(
        "vault:index/mount:Mount",
        {"defaultLeaseTtlSeconds": 3600, "maxLeaseTtlSeconds": 86400},
        {"defaultLeaseTtlSeconds": 3600, "maxLeaseTtlSeconds": 2764800},
        more_bad=(
            ("vault:index/authBackend:AuthBackend", {"tune": [{"defaultLeaseTtl": "1h", "maxLeaseTtl": "768h"}]}),
            ("vault:index/authBackend:AuthBackend", {"tune": [{"maxLeaseTtl": "1h"}]}),
        ),
    ),
    "vault-database-role-ttl": Case(
        "vault:database/secretBackendRole:SecretBackendRole", {"defaultTtl": 900, "maxTtl": 3600}, {"defaultTtl": 900}
    ),
    "vault-auth-role-bound": Case(
        "vault:kubernetes/authBackendRole:AuthBackendRole",
        {"boundServiceAccountNames": ["payments-api"], "boundServiceAccountNamespaces": ["payments"]},
        {"boundServiceAccountNames": ["*"], "boundServiceAccountNamespaces": ["payments"]},
        more_bad=(
            ("vault:jwt/authBackendRole:AuthBackendRole", {"boundClaims": {"repository": "org/infra"}}),
            ("vault:jwt/authBackendRole:AuthBackendRole", {"boundAudiences": ["vault"]}),
            ("vault:appRole/authBackendRole:AuthBackendRole", {"bindSecretId": False, "secretIdTtl": 600}),
            ("vault:appRole/authBackendRole:AuthBackendRole", {"bindSecretId": True}),
        ),
    ),
    "vault-audit-no-raw": Case(
        "vault:index/audit:Audit",
        {"type": "file", "options": {"file_path": "stdout"}},
        {"type": "file", "options": {"file_path": "stdout", "log_raw": "true"}},
    ),
}


STACK_CASES: dict[str, StackCase] = {
    "tenant-vault-policy-confined": StackCase(
        [TENANT_QUEUE, Res("vault:index/policy:Policy", "p", {"name": "tenant-payments", "policy": TENANT_POLICY})],
        [
            TENANT_QUEUE,
            Res(
                "vault:index/policy:Policy",
                "p",
                {"name": "tenant-payments", "policy": TENANT_POLICY + 'path "kv/data/fraud/*" {\n  capabilities = ["read"]\n}\n'},
            ),
        ],
        "p",
        more_bad=(
            ([TENANT_QUEUE, Res("vault:index/policy:Policy", "p", {"name": "tenant-fraud", "policy": TENANT_POLICY})], "payments-outbox"),
            # #28 item 8: forms Vault's HCL1 parser accepts (and `bao policy fmt` formats) escape no more.
            *(
                ([TENANT_QUEUE, Res("vault:index/policy:Policy", "p", {"name": "tenant-payments", "policy": TENANT_POLICY + escape})], "p")
                for escape in ESCAPES
            ),
            ([TENANT_QUEUE, Res("vault:index/policy:Policy", "p", {"name": "tenant-payments", "policy": JSON_ESCAPE})], "p"),
        ),
    ),
    "vault-audit-enabled": StackCase(
        [Res("vault:index/audit:Audit", "audit", {"type": "file"}), Res("vault:index/mount:Mount", "kv", {})],
        [Res("vault:index/mount:Mount", "kv", {})],
        "(stack)",
    ),
}
