"""Vault: the Concierge's guarantees — short-lived, bound, audited access (ADR-0001)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import hcl  # pyhcl: HCL1, the language of Vault policies

from . import contract
from ._lib import (
    CRITICAL,
    HIGH,
    MEDIUM,
    Finding,
    ResourceRule,
    StackRule,
    config_value,
    get,
    items,
    named,
    number,
    schema,
    strings,
    tagged_tenants,
)

POLICY = "vault:index/policy:Policy"
TOKEN = "vault:index/token:Token"
MOUNT = "vault:index/mount:Mount"
AUTH_BACKENDS = ["vault:index/authBackend:AuthBackend", "vault:jwt/authBackend:AuthBackend"]
K8S_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole"
JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole"
APPROLE_ROLE = "vault:appRole/authBackendRole:AuthBackendRole"
TOKEN_ROLE = "vault:tokenauth/authBackendRole:AuthBackendRole"
AUTH_ROLES = [K8S_ROLE, JWT_ROLE, APPROLE_ROLE, TOKEN_ROLE]
DB_ROLE = "vault:database/secretBackendRole:SecretBackendRole"
AUDIT = "vault:index/audit:Audit"
MAX_TTL_SCHEMA = schema(maxTtlSeconds={"type": "integer", "minimum": 60, "maximum": 2764800, "default": 86400})


_DURATION = re.compile(r"^(\d+)([smhd]?)$")


class PolicyParseError(ValueError):
    """Policy text Vault (OpenBao) would refuse."""


def parse_policy(text: str) -> list[tuple[str, list[str]]]:
    """(path, capabilities) of Vault policy text, read as the server reads it: HCL1 or its JSON form, with
    pyhcl, the HCL1 parser (a quoted block type ``"path" "kv/*" {…}`` and comments anywhere are HCL1, and
    Vault's own parser accepts them). Raises PolicyParseError for text the server would refuse."""
    try:
        document = hcl.loads(text)
    except Exception as exc:  # pyhcl raises ValueError, and more for odd input: all mean "refused"
        raise PolicyParseError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    if not isinstance(document, dict):
        raise PolicyParseError("a policy is a set of path blocks")
    blocks = document.get("path", {})
    found: list[tuple[str, list[str]]] = []
    for group in blocks if isinstance(blocks, list) else [blocks]:
        if not isinstance(group, dict):
            raise PolicyParseError('path must be blocks: path "<path>" { capabilities = [...] }')
        for path, body in group.items():
            capabilities = body.get("capabilities", []) if isinstance(body, dict) else []
            found.append((str(path), [str(c) for c in (capabilities if isinstance(capabilities, list) else [capabilities])]))
    return found


def policy_paths(text: str) -> Iterator[tuple[str, list[str]]]:
    """(path, capabilities) of policy text that parses (a rule reports text that does not, ``_unparsed``)."""
    try:
        yield from parse_policy(text)
    except PolicyParseError:
        return


def _unparsed(name: str, text: str) -> str | None:
    try:
        parse_policy(text)
    except PolicyParseError as exc:
        return f"Vault policy {name!r} does not parse as Vault reads it ({exc}): nothing it grants can be checked; fix it (bao policy fmt)"
    return None


def seconds(value) -> float | None:
    """Vault durations: 3600, "3600", "90s", "30m", "1h", "7d"."""
    if value is None or value == "":
        return None
    as_number = number(value)
    if as_number is not None:
        return as_number
    match = _DURATION.match(str(value).strip())
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _ttl_problems(label: str, value, maximum: float) -> Iterator[str]:
    ttl = seconds(value)
    if not ttl:
        yield f"set {label} (0 or unset means the 32-day system default)"
    elif ttl > maximum:
        yield f"{label} is {ttl:g}s; keep it at most {maximum:g}s"


def _no_wildcard_sudo(props, _args):
    problem = _unparsed(str(get(props, "name", "")), str(get(props, "policy", "")))
    if problem:
        yield problem
        return
    for path, capabilities in policy_paths(str(get(props, "policy", ""))):
        if "sudo" in capabilities and ("*" in path or "+" in path):
            yield f'path "{path}" grants sudo through a wildcard: name the exact endpoint'
        if path in ("*", "+/*") and set(capabilities) - {"deny"}:
            yield f'path "{path}" reaches everything: scope the policy to its own paths'


def _token_ttl(props, args):
    maximum = config_value(args, "maxTtlSeconds", 86400)
    yield from _ttl_problems("ttl", get(props, "ttl"), maximum)
    yield from _ttl_problems("explicitMaxTtl", get(props, "explicitMaxTtl"), maximum)
    if get(props, "period"):
        yield "periodic tokens renew forever: drop period"


def _role_ttl(props, args):
    maximum = config_value(args, "maxTtlSeconds", 86400)
    yield from _ttl_problems("tokenTtl", get(props, "tokenTtl"), maximum)
    yield from _ttl_problems("tokenMaxTtl", get(props, "tokenMaxTtl"), maximum)
    if get(props, "tokenPeriod"):
        yield "periodic tokens renew forever: drop tokenPeriod"


def _mount_ttl(props, args):
    maximum = config_value(args, "maxTtlSeconds", 86400)
    if args.resource_type == MOUNT:
        yield from _ttl_problems("defaultLeaseTtlSeconds", get(props, "defaultLeaseTtlSeconds"), maximum)
        yield from _ttl_problems("maxLeaseTtlSeconds", get(props, "maxLeaseTtlSeconds"), maximum)
    else:
        tune = items(get(props, "tune"))
        tune_settings = tune[0] if tune else {}
        yield from _ttl_problems("tune.defaultLeaseTtl", get(tune_settings, "defaultLeaseTtl"), maximum)
        yield from _ttl_problems("tune.maxLeaseTtl", get(tune_settings, "maxLeaseTtl"), maximum)


def _db_role_ttl(props, args):
    maximum = config_value(args, "maxTtlSeconds", 86400)
    yield from _ttl_problems("defaultTtl", get(props, "defaultTtl"), maximum)
    yield from _ttl_problems("maxTtl", get(props, "maxTtl"), maximum)


def _role_bound(props, args):
    if args.resource_type == K8S_ROLE:
        for key in ("boundServiceAccountNames", "boundServiceAccountNamespaces"):
            values = strings(get(props, key))
            if not values or "*" in values:
                yield f"bind {key} to named values, never '*'"
    elif args.resource_type == JWT_ROLE:
        if not strings(get(props, "boundAudiences")):
            yield "set boundAudiences"
        if not get(props, "boundClaims") and not get(props, "boundSubject"):
            yield "bind the role with boundClaims (e.g. repository and ref) or boundSubject"
    elif args.resource_type == APPROLE_ROLE:
        if get(props, "bindSecretId") is False:
            yield "keep bindSecretId: true"
        if not seconds(get(props, "secretIdTtl")):
            yield "set secretIdTtl so secret IDs expire"


def _audit_no_raw(props, _args):
    if str(get(props, "options.log_raw", "false")).lower() == "true":
        yield "log_raw writes secrets in clear to the audit log: remove it"


DEFAULT_TENANT_PATHS = list(contract.VAULT_TENANT_PATHS)


def _allowed(path: str, tenant: str, templates: list[str]) -> bool:
    for template in templates:
        allowed = template.format(tenant=tenant)
        if (allowed.endswith("/") and path.startswith(allowed)) or path == allowed:
            return True
    return False


def _vault_confined(args) -> Iterator[Finding]:
    templates = config_value(args, "tenantPaths", DEFAULT_TENANT_PATHS)
    policies = {get(p.props, "name", p.name): p for p in named(args.resources, "vault:index/policy:Policy")}
    if not policies:
        return
    for tenant, urn in tagged_tenants(args.resources).items():
        name = contract.tenant_vault_policy(tenant)
        policy = policies.get(name)
        if policy is None:
            yield f"tenant {tenant!r} has no Vault policy {name!r}", urn
            continue
        text = str(get(policy.props, "policy", ""))
        problem = _unparsed(name, text)
        if problem:
            yield problem, policy.urn
            continue
        for path, _capabilities in policy_paths(text):
            if not _allowed(path, tenant, templates):
                yield f"Vault policy {name!r} reaches {path!r}, outside the tenant's own paths", policy.urn


def _vault_audited(args) -> Iterator[Finding]:
    vault = [r for r in args.resources if r.resource_type.startswith("vault:")]
    if vault and not any(r.resource_type == "vault:index/audit:Audit" for r in vault):
        yield "Vault is configured but no audit device is enabled", None


POLICIES = [
    ResourceRule(
        name="vault-policy-no-wildcard-sudo",
        description="Vault policies grant no sudo or global access through wildcards.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="vault",
        types=[POLICY],
        check=_no_wildcard_sudo,
    ),
    ResourceRule(
        name="vault-token-ttl",
        description="Vault tokens are short-lived.",
        severity=HIGH,
        adr="ADR-0001",
        domain="vault",
        types=[TOKEN],
        check=_token_ttl,
        config_schema=MAX_TTL_SCHEMA,
    ),
    ResourceRule(
        name="vault-auth-role-ttl",
        description="Vault auth roles issue short-lived tokens.",
        severity=HIGH,
        adr="ADR-0001",
        domain="vault",
        types=AUTH_ROLES,
        check=_role_ttl,
        config_schema=MAX_TTL_SCHEMA,
    ),
    ResourceRule(
        name="vault-mount-ttl",
        description="Vault mounts and auth backends bound lease TTLs.",
        severity=MEDIUM,
        adr="ADR-0001",
        domain="vault",
        types=[MOUNT, *AUTH_BACKENDS],
        check=_mount_ttl,
        config_schema=MAX_TTL_SCHEMA,
    ),
    ResourceRule(
        name="vault-database-role-ttl",
        description="Vault database roles issue short-lived credentials.",
        severity=HIGH,
        adr="ADR-0002",
        domain="vault",
        types=[DB_ROLE],
        check=_db_role_ttl,
        config_schema=MAX_TTL_SCHEMA,
    ),
    ResourceRule(
        name="vault-auth-role-bound",
        description="Vault auth roles are bound to named identities.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="vault",
        types=[K8S_ROLE, JWT_ROLE, APPROLE_ROLE],
        check=_role_bound,
    ),
    ResourceRule(
        name="vault-audit-no-raw",
        description="The Vault audit device never logs secrets in clear.",
        severity=HIGH,
        adr="ADR-0008",
        domain="vault",
        types=[AUDIT],
        check=_audit_no_raw,
    ),
    StackRule(
        name="tenant-vault-policy-confined",
        description="Each tenant's Vault policy reaches only the tenant's own paths.",
        severity=CRITICAL,
        adr="ADR-0001",
        domain="vault",
        check=_vault_confined,
        config_schema=schema(tenantPaths={"type": "array", "items": {"type": "string"}, "default": DEFAULT_TENANT_PATHS}),
        reads=["aws:", "vault:index/policy:Policy"],
    ),
    StackRule(
        name="vault-audit-enabled",
        description="Vault has an audit device.",
        severity=HIGH,
        adr="ADR-0008",
        domain="vault",
        check=_vault_audited,
        reads=["vault:"],
    ),
]
