"""The database's own migration (ADR-0002): what the DB Manager's migration step applies, idempotently,
before any tenant connects, as Aurora's master user, which is **not** a superuser (``rds_superuser``:
CREATEROLE, CREATEDB, trusted extensions; no ``pg_authid``, no ``pg_shadow``).

Per tenant: a group role that owns the tenant's schema, which Vault's dynamic users join and act as; a
pooler lookup role that can only see that tenant's users. Shared, in schema ``pooler`` (closed to
PUBLIC):

- ``pooler.verifiers``: each Vault user's SCRAM-SHA-256 verifier, tenant and expiry. PgBouncer needs a
  verifier to check a client and to log in for it (SCRAM pass-through), and on Aurora nothing but
  ``rdsadmin`` reads the server's own: the program computes the verifier itself (RFC 5802/7677, with
  pgcrypto's HMAC), creates the user with exactly that verifier (PostgreSQL stores a password given
  in SCRAM form as is) and keeps a copy here. Same salt and iterations on both sides: the pooler's
  login to the server passes.
- ``pooler.create_user``, ``pooler.renew_user``, ``pooler.drop_user``: what Vault's statements call.
  They run as Vault's login (CREATEROLE, ADMIN on each tenant group: it creates, alters and drops its
  users) and reach the verifiers through three SECURITY DEFINER functions of the master user
  (``register``, ``extend``, ``forget``), which check the user name, the tenant group and the one-hour
  bound, and end the sessions of a dropped user. ``drop_user`` drops only users ``create_user`` made.
- ``pooler.user_lookup``: what PgBouncer's ``auth_query`` calls, as the tenant's lookup role.

Every statement may run again: roles are created only when missing, schemas, the extension and the
table ``IF NOT EXISTS``, grants and revokes are idempotent by nature, and the functions are replaced.
"""

from __future__ import annotations

import re

#: The schema of the pooler's lookup function, the verifiers and the functions Vault calls.
POOLER_SCHEMA = "pooler"
LOOKUP_FUNCTION = f"{POOLER_SCHEMA}.user_lookup"
VERIFIERS = f"{POOLER_SCHEMA}.verifiers"
CREATE_USER = f"{POOLER_SCHEMA}.create_user"
RENEW_USER = f"{POOLER_SCHEMA}.renew_user"
DROP_USER = f"{POOLER_SCHEMA}.drop_user"
#: What PgBouncer runs, as the tenant's lookup role, to fetch a connecting user's password verifier.
AUTH_QUERY = f"SELECT uname, phash FROM {LOOKUP_FUNCTION}($1)"
#: The longest a tenant's database credential lives, renewals included (ADR-0002, #27).
MAX_CREDENTIAL_SECONDS = 3600
#: PostgreSQL's own default for SCRAM-SHA-256 (``scram_iterations``, PostgreSQL 16).
SCRAM_ITERATIONS = 4096

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not a PostgreSQL identifier this migration writes unquoted")
    return value


def group_role(tenant: str) -> str:
    """The role that owns a tenant's schema; its Vault users are members and act as it."""
    return _identifier(f"tenant_{tenant.replace('-', '_')}")


def lookup_role(tenant: str) -> str:
    """The pooler's ``auth_user`` for the tenant's pool: the lookup answers it for the tenant's members only."""
    return _identifier(f"pooler_{tenant.replace('-', '_')}")


def schema(tenant: str) -> str:
    return _identifier(tenant.replace("-", "_"))


def _create_role(name: str, options: str) -> str:
    return f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE {name} {options}; END IF; END $$;"


def scram_function_sql() -> str:
    """``pooler.scram_verifier(password, salt, iterations)``: the verifier PostgreSQL itself would store
    (``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>``, RFC 7677). Passwords are ASCII
    (Vault's generator), for which SASLprep changes nothing; anything else is refused."""
    return f"""CREATE OR REPLACE FUNCTION {POOLER_SCHEMA}.scram_verifier(password text, salt bytea, iterations int)
RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, {POOLER_SCHEMA} AS $fn$
DECLARE
  key bytea := convert_to(password, 'UTF8');
  block bytea;
  acc bit(256);
  salted bytea;
  hex text := '';
BEGIN
  IF password !~ '^[\\x21-\\x7e]+$' THEN
    RAISE EXCEPTION 'a Vault password must be printable ASCII';
  END IF;
  block := hmac(salt || '\\x00000001'::bytea, key, 'sha256');
  acc := ('x' || encode(block, 'hex'))::bit(256);
  FOR i IN 2..iterations LOOP
    block := hmac(block, key, 'sha256');
    acc := acc # ('x' || encode(block, 'hex'))::bit(256);
  END LOOP;
  FOR i IN 0..7 LOOP
    hex := hex || lpad(to_hex(substring(acc FROM i * 32 + 1 FOR 32)::bigint), 8, '0');
  END LOOP;
  salted := decode(hex, 'hex');
  RETURN 'SCRAM-SHA-256$' || iterations || ':' || encode(salt, 'base64') || '$'
    || encode(digest(hmac(convert_to('Client Key', 'UTF8'), salted, 'sha256'), 'sha256'), 'base64') || ':'
    || encode(hmac(convert_to('Server Key', 'UTF8'), salted, 'sha256'), 'base64');
END
$fn$;"""


def vault_functions_sql() -> list[str]:
    """What Vault's statements call. The verifiers are the master user's (SECURITY DEFINER: ``register``,
    ``forget``, ``extend``); the role statements run as Vault itself (SECURITY INVOKER: PostgreSQL
    refuses ``ALTER ROLE … SET role`` inside a definer function), whose login holds CREATEROLE and ADMIN
    on each tenant's group, as Vault's own documentation sets it up, and nothing of the master's."""
    definer = f"SECURITY DEFINER SET search_path = pg_catalog, {POOLER_SCHEMA}"
    invoker = f"SECURITY INVOKER SET search_path = pg_catalog, {POOLER_SCHEMA}"
    limit = f"interval '{MAX_CREDENTIAL_SECONDS // 60 + 1} minutes'"  # an hour, and a minute of clock skew
    return [
        f"""CREATE OR REPLACE FUNCTION {POOLER_SCHEMA}.register(name text, password text, valid_until timestamptz, tenant text)
RETURNS text LANGUAGE plpgsql {definer} AS $fn$
DECLARE
  grp text := 'tenant_' || replace(tenant, '-', '_');
  verifier text;
BEGIN
  -- Vault's default template: v-<display name>-<role>-<random>-<time>, at most 63 characters.
  IF name !~ '^v-[[:print:]]{{1,61}}$' THEN
    RAISE EXCEPTION 'not a Vault user name: %', name;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = grp AND NOT rolcanlogin) THEN
    RAISE EXCEPTION 'no tenant group %', grp;
  END IF;
  IF valid_until > now() + {limit} THEN
    RAISE EXCEPTION 'a tenant credential lives at most one hour';
  END IF;
  verifier := scram_verifier(password, gen_random_bytes(16), {SCRAM_ITERATIONS});
  INSERT INTO verifiers (uname, phash, tenant_group, valid_until) VALUES (name, verifier, grp, valid_until);
  RETURN verifier;
END
$fn$;""",
        f"""CREATE OR REPLACE FUNCTION {POOLER_SCHEMA}.extend(name text, valid_until timestamptz)
RETURNS boolean LANGUAGE plpgsql {definer} AS $fn$
BEGIN
  IF valid_until > now() + {limit} THEN
    RAISE EXCEPTION 'a tenant credential lives at most one hour';
  END IF;
  UPDATE verifiers SET valid_until = extend.valid_until WHERE uname = name;
  RETURN FOUND;
END
$fn$;""",
        f"""CREATE OR REPLACE FUNCTION {POOLER_SCHEMA}.forget(name text)
RETURNS boolean LANGUAGE plpgsql {definer} AS $fn$
BEGIN
  DELETE FROM verifiers WHERE uname = name;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  -- The master user ends the sessions (rds_superuser: pg_terminate_backend on any connection).
  PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = name;
  RETURN true;
END
$fn$;""",
        f"""CREATE OR REPLACE FUNCTION {CREATE_USER}(name text, password text, valid_until timestamptz, tenant text, connection_limit int)
RETURNS void LANGUAGE plpgsql {invoker} AS $fn$
DECLARE
  verifier text := register(name, password, valid_until, tenant);
  grp text := 'tenant_' || replace(tenant, '-', '_');
BEGIN
  -- PostgreSQL stores a password given as a SCRAM verifier as is: the server and the pooler hold the same.
  EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L VALID UNTIL %L CONNECTION LIMIT %s IN ROLE %I',
                 name, verifier, valid_until, connection_limit, grp);
  EXECUTE format('ALTER ROLE %I SET role = %I', name, grp);
  EXECUTE format('ALTER ROLE %I SET search_path = %I', name, replace(tenant, '-', '_'));
END
$fn$;""",
        f"""CREATE OR REPLACE FUNCTION {RENEW_USER}(name text, valid_until timestamptz)
RETURNS void LANGUAGE plpgsql {invoker} AS $fn$
BEGIN
  IF extend(name, valid_until) THEN
    EXECUTE format('ALTER ROLE %I VALID UNTIL %L', name, valid_until);
  END IF;
END
$fn$;""",
        f"""CREATE OR REPLACE FUNCTION {DROP_USER}(name text)
RETURNS void LANGUAGE plpgsql {invoker} AS $fn$
BEGIN
  -- Only a user create_user made: nothing else goes through this.
  IF forget(name) THEN
    EXECUTE format('DROP ROLE IF EXISTS %I', name);
  END IF;
END
$fn$;""",
    ]


def lookup_function_sql() -> str:
    """A connecting user's name and verifier, if ``create_user`` made it for the group the calling lookup
    role serves, it still exists and its expiry has not passed; no row otherwise (PgBouncer then fails
    the login, telling nothing of who exists). SECURITY DEFINER: only its owner reads the verifiers;
    the lookup roles may only call it."""
    return f"""CREATE OR REPLACE FUNCTION {LOOKUP_FUNCTION}(i_username text)
RETURNS TABLE (uname text, phash text) LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $fn$
  SELECT v.uname, v.phash
  FROM {VERIFIERS} v JOIN pg_catalog.pg_roles r ON r.rolname = v.uname
  WHERE v.uname = i_username
    AND v.valid_until > now()
    AND (r.rolvaliduntil IS NULL OR r.rolvaliduntil > now())
    AND session_user LIKE 'pooler\\_%'
    AND v.tenant_group = 'tenant_' || substr(session_user, 8)
    AND pg_catalog.pg_has_role(v.uname, v.tenant_group, 'MEMBER')
$fn$;"""


#: pgAudit's object-audit role on RDS and Aurora (``pgaudit.role``, whose only allowed value it is):
#: what it is granted is logged, whoever reads or writes it (Aurora User Guide, "Auditing database objects").
AUDIT_ROLE = "rds_pgaudit"
AUDITED_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def audit_sql(tenant: str) -> list[str]:
    """Object audit of a pci/pii tenant's schema: every table, now and created later by its group."""
    group, own = group_role(tenant), schema(tenant)
    return [
        f"GRANT {AUDITED_PRIVILEGES} ON ALL TABLES IN SCHEMA {own} TO {AUDIT_ROLE};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {group} IN SCHEMA {own} GRANT {AUDITED_PRIVILEGES} ON TABLES TO {AUDIT_ROLE};",
    ]


def base_migration_sql(vault_user: str) -> str:
    """What every tenant's path needs once: schema ``pooler`` and its functions, the verifiers, Vault's
    login (it may call the user functions), ``public`` closed, pgAudit's role. Names no tenant: a
    tenant joining or leaving leaves it, and the Job that runs it, unchanged."""
    vault = _identifier(vault_user)
    functions = [f"{CREATE_USER}(text, text, timestamptz, text, int)", f"{RENEW_USER}(text, timestamptz)", f"{DROP_USER}(text)"]
    functions += [f"{POOLER_SCHEMA}.register(text, text, timestamptz, text)", f"{POOLER_SCHEMA}.extend(text, timestamptz)"]
    functions += [f"{POOLER_SCHEMA}.forget(text)"]
    lines = [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"CREATE SCHEMA IF NOT EXISTS {POOLER_SCHEMA};",
        f"REVOKE ALL ON SCHEMA {POOLER_SCHEMA} FROM PUBLIC;",
        # A trusted extension: the master user may create it (rds_superuser; PostgreSQL 13+).
        f"CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA {POOLER_SCHEMA};",
        f"CREATE TABLE IF NOT EXISTS {VERIFIERS} (uname text PRIMARY KEY, phash text NOT NULL, "
        "tenant_group text NOT NULL, valid_until timestamptz NOT NULL);",
        f"REVOKE ALL ON TABLE {VERIFIERS} FROM PUBLIC;",
        scram_function_sql(),
        *vault_functions_sql(),
        lookup_function_sql(),
        *(
            f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC;"
            for f in [*functions, f"{LOOKUP_FUNCTION}(text)", f"{POOLER_SCHEMA}.scram_verifier(text, bytea, int)"]
        ),
        # Vault's login creates and drops its users itself (CREATEROLE: on Aurora 16, only roles it has
        # ADMIN on); it reads no verifier and holds nothing of the master's.
        _create_role(vault, "LOGIN CREATEROLE"),
        f"GRANT USAGE ON SCHEMA {POOLER_SCHEMA} TO {vault};",
        *(f"GRANT EXECUTE ON FUNCTION {f} TO {vault};" for f in functions),
        _create_role(AUDIT_ROLE, "NOLOGIN"),
    ]
    return "\n".join(lines) + "\n"


def tenant_migration_sql(tenant: str, vault_user: str, audited: bool = False) -> str:
    """One tenant's part, after the base: its group (owning its schema, Vault's login its admin), its
    lookup role, and, for pci or pii data, the object audit of its schema. Names no other tenant."""
    vault = _identifier(vault_user)
    group, lookup, own = group_role(tenant), lookup_role(tenant), schema(tenant)
    lines = [
        _create_role(group, "NOLOGIN"),
        _create_role(lookup, "LOGIN"),
        # Not a superuser: the master user must be a member of the group to give it the schema
        # (and to set its default privileges).
        f"GRANT {group} TO CURRENT_USER;",
        f"GRANT {group} TO {vault} WITH ADMIN OPTION;",
        f"CREATE SCHEMA IF NOT EXISTS {own} AUTHORIZATION {group};",
        f"REVOKE ALL ON SCHEMA {own} FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA {POOLER_SCHEMA} TO {lookup};",
        f"GRANT EXECUTE ON FUNCTION {LOOKUP_FUNCTION}(text) TO {lookup};",
    ]
    if audited:
        lines += audit_sql(tenant)
    return "\n".join(lines) + "\n"


def migration_sql(tenants: list[str], vault_user: str, audited: frozenset[str] | set[str] = frozenset()) -> str:
    """The base and every tenant's part, in the order the Jobs run them."""
    return base_migration_sql(vault_user) + "".join(tenant_migration_sql(t, vault_user, t in audited) for t in sorted(tenants))


def creation_statements(tenant: str, connection_limit: int) -> list[str]:
    """Vault's dynamic user of a tenant (through ``pooler.create_user``): login until its lease expires, a
    member of the tenant's group, every session acting as that group in the tenant's schema (what it
    creates, the group owns). ``connection_limit`` bounds one user's sessions; the tenant's whole share
    is the pooler's cap."""
    schema(tenant)  # refuses a name the functions would not find
    return [f"SELECT {CREATE_USER}('{{{{name}}}}', '{{{{password}}}}', '{{{{expiration}}}}', '{tenant}', {int(connection_limit)});"]


def renew_statements() -> list[str]:
    """A renewed lease moves the user's expiry, in the role and in the pooler's verifiers."""
    return [f"SELECT {RENEW_USER}('{{{{name}}}}', '{{{{expiration}}}}');"]


def revocation_statements() -> list[str]:
    """End the lease now: its sessions are closed and the role dropped. It owns nothing (its sessions act
    as the group), so nothing is left behind."""
    return [f"SELECT {DROP_USER}('{{{{name}}}}');"]


def lookup_password_sql(passwords: dict[str, str]) -> str:
    """Sets each tenant's lookup role password (the pooler's ``auth_file`` holds the same): kept out of
    the migration's ConfigMap, in a Secret. Passwords are alphanumeric (``RandomPassword``, no specials)."""
    lines = []
    for tenant, password in sorted(passwords.items()):
        if not password.isalnum():
            raise ValueError(f"the lookup password of {tenant!r} must be alphanumeric")
        lines.append(f"ALTER ROLE {lookup_role(tenant)} WITH PASSWORD '{password}';")
    return "\n".join(lines) + "\n"


def vault_login_sql(vault_user: str, password: str) -> str:
    """Vault's first password, set only while the role has none the migration set: once Vault rotates it
    (``rotate-root``), a later migration leaves it alone. Set as a SCRAM verifier computed here, so
    the plain password reaches no statement log. Runs after ``migration_sql`` (which creates the role)."""
    vault = _identifier(vault_user)
    if not password.isalnum():
        raise ValueError("Vault's first password must be alphanumeric")
    marker = "login set by the migration; Vault rotates it"
    return (
        "DO $$ BEGIN\n"
        f"  IF coalesce(shobj_description('{vault}'::regrole, 'pg_authid'), '') <> '{marker}' THEN\n"
        f"    EXECUTE format('ALTER ROLE {vault} PASSWORD %L', {POOLER_SCHEMA}.scram_verifier('{password}', "
        f"{POOLER_SCHEMA}.gen_random_bytes(16), {SCRAM_ITERATIONS}));\n"
        f"    COMMENT ON ROLE {vault} IS '{marker}';\n"
        "  END IF;\n"
        "END $$;\n"
    )
