"""The DB Manager in the cluster (ADR-0002, #17 hop 7): PgBouncer in front of Aurora, and the migration
Jobs that create what it needs. Each tenant has its own path (``TenantDatabaseAccess``, #27 item 3):
adding or removing a tenant creates or deletes its objects and changes no other tenant's.

- ``pgbouncer-<tenant>`` (Deployment + Service, namespace ``db-manager``): the tenant's pooler, one
  pool capped at its share (``pooler.pgbouncer_ini``); only the tenant's namespace reaches it, on 6432
  (its pods reach it and nothing else of the database). It connects to Aurora's writer
  endpoint through the ``aurora-writer`` ExternalName Service (a name known before the cluster exists,
  so the pack reads ``pgbouncer.ini`` at a first preview), TLS ``verify-ca`` against the region's RDS
  root CAs (ConfigMap ``rds-ca``, mounted: the certificate names the writer endpoint, which PgBouncer
  does not dial).
- ``db-migrate-<digest>``: the base migration (``migration.base_migration_sql``: schema ``pooler``, the
  verifiers and the functions Vault calls, Vault's login, set once: Vault rotates it); then, per
  tenant, ``db-migrate-<tenant>-<digest>`` (its group, schema and lookup role, and that role's
  password). Each runs as the master user, whose RDS-managed secret it reads with its own Pod Identity,
  and dials the writer endpoint by its own name (ConfigMap ``aurora-endpoint``), TLS ``verify-full``
  against the same CAs. Named after a digest of its SQL: a changed migration runs a new Job; an
  unchanged one is not run again. Each is idempotent anyway.

All run the DB Manager image (``platform/db-manager``, its ``pgbouncer`` and ``migrate`` commands).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import options
from components.aws.arns import Location
from components.aws.db_manager import RDS_MANAGED_SECRET_PREFIX, proxy_secret_reader
from components.aws.keys import data_key_alias
from components.aws.scaler_identity import operator_role
from components.context import StackContext
from components.database import migration
from components.database.pooler import PoolerSettings, TenantPool, auth_file, pgbouncer_ini
from components.kubernetes.namespaces import DNS_NAMESPACE, pod_security_labels
from policy_pack.policies.contract import BATCH_PRIORITY, CRITICAL_PRIORITY, POOLER_DEPLOYMENT, POOLER_NAMESPACE, TENANT_LABEL

NAMESPACE = POOLER_NAMESPACE
POOLER = POOLER_DEPLOYMENT
ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"
POOLER_PORT = 6432
WRITER_SERVICE = "aurora-writer"
MIGRATOR = "db-migrate"
CONFIG_DIR = "/etc/pgbouncer"
AUTH_FILE = f"{CONFIG_DIR}/auth/userlist.txt"
#: The region's RDS root CAs (``stacks/data/rds_ca.json``), a ConfigMap mounted where the pooler's
#: ``server_tls_ca_file`` and the migration's ``PGSSLROOTCERT`` name it.
CA_CONFIG_MAP = "rds-ca"
CA_KEY = "rds-ca.pem"
CA_FILE = f"{CONFIG_DIR}/ca/{CA_KEY}"
#: The writer endpoint's own name (known once Aurora exists), read by the migration's environment.
ENDPOINT_CONFIG_MAP = "aurora-endpoint"
RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}}
_RESTRICTED = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}
_POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}}


def pooler_name(tenant: str) -> str:
    """The tenant's own pooler (Deployment, Service, ConfigMap): ``pgbouncer-<tenant>``."""
    return f"{POOLER}-{tenant}"


def pooler_address(tenant: str) -> str:
    """Where a tenant's services connect (database name: the tenant)."""
    return f"{pooler_name(tenant)}.{NAMESPACE}.svc:{POOLER_PORT}"


def pooler_labels(tenant: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": POOLER, "app.kubernetes.io/instance": tenant}


def pooler_settings() -> PoolerSettings:
    return PoolerSettings(
        server_host=f"{WRITER_SERVICE}.{NAMESPACE}.svc",
        database="postgres",
        auth_file=AUTH_FILE,
        listen_port=POOLER_PORT,
        # verify-ca: the certificate names the writer endpoint, which the pooler reaches by its alias.
        server_tls="verify-ca",
        server_tls_ca_file=CA_FILE,
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def migration_job_name(sql: str, tenant: str | None = None) -> str:
    """``db-migrate-<digest>`` (the base) or ``db-migrate-<tenant>-<digest>``: a changed SQL runs a new Job."""
    return f"{MIGRATOR}-{tenant + '-' if tenant else ''}{digest(sql)}"


def _container(name: str, image: str, args: list[str], mounts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "args": args,
        "volumeMounts": mounts,
        "resources": RESOURCES,
        "securityContext": _RESTRICTED,
        **extra,
    }


def pooler_deployment_spec(image: str, replicas: int, config_digest: str, tenant: str) -> dict[str, Any]:
    """The tenant's own pooler. ``config_digest`` annotates the pods: a changed pgbouncer.ini (its cap)
    rolls them; another tenant's change never does (each tenant has its own, #27 item 3).

    Survives a node, a zone and a drain (#27 item 5): spread evenly over zones (skew 1, never two in one
    zone before every zone has one), away from each other's nodes, above tenant workloads when the
    scheduler must preempt; its PodDisruptionBudget lets a drain take one at a time."""
    labels = pooler_labels(tenant)
    port = {"name": "postgres", "containerPort": POOLER_PORT}
    probe = {"tcpSocket": {"port": POOLER_PORT}}
    mounts = [
        {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
        {"name": "auth", "mountPath": f"{CONFIG_DIR}/auth", "readOnly": True},
        {"name": "ca", "mountPath": f"{CONFIG_DIR}/ca", "readOnly": True},
    ]
    return {
        "replicas": replicas,
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels, "annotations": {"fintech-blueprint.io/config-digest": config_digest}},
            "spec": {
                "serviceAccountName": POOLER,
                "automountServiceAccountToken": False,
                "priorityClassName": CRITICAL_PRIORITY[0],
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": ZONE_KEY, "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": labels}}
                ],
                "affinity": {
                    "podAntiAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {"weight": 100, "podAffinityTerm": {"topologyKey": HOST_KEY, "labelSelector": {"matchLabels": labels}}}
                        ]
                    }
                },
                "securityContext": _POD_SECURITY,
                "containers": [
                    _container(
                        POOLER,
                        image,
                        ["pgbouncer", f"{CONFIG_DIR}/pgbouncer.ini"],
                        mounts,
                        ports=[port],
                        readinessProbe=probe,
                        livenessProbe=probe,
                    )
                ],
                "volumes": [
                    {"name": "config", "configMap": {"name": pooler_name(tenant)}},
                    {"name": "auth", "secret": {"secretName": f"{pooler_name(tenant)}-auth"}},
                    {"name": "ca", "configMap": {"name": CA_CONFIG_MAP}},
                ],
            },
        },
    }


def migration_job_spec(image: str, sql_config_map: str, region: str, secret: str, secret_files: tuple[str, ...]) -> dict[str, Any]:
    """Runs ``migration.sql`` (ConfigMap ``sql_config_map``), then ``secret_files`` of Secret ``secret``."""
    mounts = [
        {"name": "sql", "mountPath": "/migration", "readOnly": True},
        {"name": "passwords", "mountPath": "/secrets", "readOnly": True},
        {"name": "ca", "mountPath": "/etc/rds-ca", "readOnly": True},
    ]
    env = [
        {"name": "PGHOST", "valueFrom": {"configMapKeyRef": {"name": ENDPOINT_CONFIG_MAP, "key": "host"}}},
        {"name": "PGDATABASE", "value": "postgres"},
        {"name": "PGSSLMODE", "value": "verify-full"},
        {"name": "PGSSLROOTCERT", "value": f"/etc/rds-ca/{CA_KEY}"},
        {"name": "AWS_REGION", "value": region},
        {"name": "MASTER_SECRET_PREFIX", "value": RDS_MANAGED_SECRET_PREFIX},
    ]
    args = ["migrate", "--sql=/migration/migration.sql", *(f"--sql=/secrets/{f}" for f in secret_files)]
    return {
        "backoffLimit": 3,
        "activeDeadlineSeconds": 900,
        "template": {
            "metadata": {"labels": {"app.kubernetes.io/name": MIGRATOR}},
            "spec": {
                "serviceAccountName": MIGRATOR,
                "priorityClassName": BATCH_PRIORITY[0],
                "restartPolicy": "Never",
                "securityContext": _POD_SECURITY,
                "containers": [_container(MIGRATOR, image, args, mounts, env=env)],
                "volumes": [
                    {"name": "sql", "configMap": {"name": sql_config_map}},
                    {"name": "passwords", "secret": {"secretName": secret}},
                    {"name": "ca", "configMap": {"name": CA_CONFIG_MAP}},
                ],
            },
        },
    }


def tenant_ingress_spec(tenant: str) -> dict[str, Any]:
    """Only the tenant's own namespace reaches its pooler, on 6432."""
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": tenant}}}
    return {
        "podSelector": {"matchLabels": pooler_labels(tenant)},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [peer], "ports": [{"protocol": "TCP", "port": POOLER_PORT}]}],
    }


def network_policy_specs(vpc_cidr: str) -> dict[str, dict[str, Any]]:
    dns = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": DNS_NAMESPACE}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }
    return {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-database-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [dns], "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
                {"to": [{"ipBlock": {"cidr": vpc_cidr}}], "ports": [{"protocol": "TCP", "port": 5432}]},
                # The migration reads the master secret from Secrets Manager.
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}], "ports": [{"protocol": "TCP", "port": 443}]},
            ],
        },
    }


@dataclass(frozen=True)
class DatabaseAccessArgs:
    """Attributes:
    image: The DB Manager image (pinned, from the platform registry).
    writer_endpoint: Aurora's writer endpoint (the ExternalName's target).
    vault_user: The role Vault logs in with (it may call the migration's user functions, nothing else).
    vault_password: Its first password (Vault rotates it; the migration sets it only while unset).
    ca_bundle: The region's RDS root CAs (PEM), against which the pooler and the migration verify Aurora.
    pools: Per tenant, its connection cap.
    kubernetes_version: Pins the namespace's Pod Security labels.
    vpc_cidr: Where Aurora is.
    cluster_name: The cluster whose Pod Identity maps the migration's service account to its role.
    replicas: PgBouncer replicas. Default 2.
    """

    image: str
    writer_endpoint: pulumi.Input[str]
    vault_user: str
    vault_password: pulumi.Input[str]
    ca_bundle: str
    pools: list[TenantPool]
    kubernetes_version: str
    vpc_cidr: str
    cluster_name: pulumi.Input[str]
    replicas: int = 2


class DatabaseAccess(pulumi.ComponentResource):
    """``opts.providers`` must carry the Kubernetes and the AWS providers."""

    def __init__(self, name: str, args: DatabaseAccessArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:database:DatabaseAccess", name, None, opts)
        labels = pod_security_labels(args.kubernetes_version)
        # The pooler's secrets and the migration's history: kept where the stack protects state (ADR-0005).
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns", metadata={"name": NAMESPACE, "labels": labels}, opts=options.child(self, opts, keep=ctx.protect)
        )
        inside = options.child(self, opts, after=[namespace])

        def meta(object_name: str) -> Any:
            return {"name": object_name, "namespace": NAMESPACE}

        for policy_name, spec in network_policy_specs(args.vpc_cidr).items():
            k8s.networking.v1.NetworkPolicy(f"{name}-{policy_name}", metadata=meta(policy_name), spec=spec, opts=inside)
        k8s.core.v1.Service(
            f"{name}-writer",
            metadata=meta(WRITER_SERVICE),
            spec={"type": "ExternalName", "externalName": args.writer_endpoint},
            opts=inside,
        )

        k8s.core.v1.ConfigMap(f"{name}-rds-ca", metadata=meta(CA_CONFIG_MAP), data={CA_KEY: args.ca_bundle}, opts=inside)
        k8s.core.v1.ConfigMap(f"{name}-endpoint", metadata=meta(ENDPOINT_CONFIG_MAP), data={"host": args.writer_endpoint}, opts=inside)
        for account in (POOLER, MIGRATOR):
            k8s.core.v1.ServiceAccount(f"{name}-{account}-sa", metadata=meta(account), automount_service_account_token=False, opts=inside)

        location = Location.of(self)
        reader = pulumi.Output.all(secrets_arn=location.secrets(RDS_MANAGED_SECRET_PREFIX), keys_arn=location.kms_keys()).apply(
            lambda v: json.dumps(proxy_secret_reader(**v, data_alias=data_key_alias(ctx.name_prefix)))
        )
        operator_role(
            f"{name}-migrate",
            parent=self,
            role_name=ctx.name("db-migrate", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(NAMESPACE, MIGRATOR),
            policy=("master-secret", reader),
        )

        # The base migration names no tenant: onboarding leaves it and its Job alone (#27 item 3).
        sql = migration.base_migration_sql(args.vault_user)
        job = migration_job_name(sql)
        sql_map = k8s.core.v1.ConfigMap(f"{name}-migration", metadata=meta(job), data={"migration.sql": sql}, opts=inside)
        login = k8s.core.v1.Secret(
            f"{name}-migration-passwords",
            metadata=meta(f"{MIGRATOR}-passwords"),
            string_data={
                "vault-login.sql": pulumi.Output.secret(
                    pulumi.Output.from_input(args.vault_password).apply(lambda p: migration.vault_login_sql(args.vault_user, p))
                ),
            },
            opts=inside,
        )
        base_job = k8s.batch.v1.Job(
            f"{name}-migrate-job",
            metadata=meta(job),
            spec=cast(Any, migration_job_spec(args.image, job, ctx.region, f"{MIGRATOR}-passwords", ("vault-login.sql",))),
            opts=options.child(self, opts, after=[sql_map, login]),
        )
        self.poolers = {
            pool.tenant: TenantDatabaseAccess(
                f"{name}-{pool.tenant}",
                TenantDatabaseAccessArgs(
                    pool=pool, image=args.image, vault_user=args.vault_user, replicas=args.replicas, region=ctx.region
                ),
                options.child(self, opts, after=[namespace, base_job]),
            )
            for pool in sorted(args.pools, key=lambda p: p.tenant)
        }
        self.pooler_addresses = {tenant: pooler_address(tenant) for tenant in self.poolers}
        self.register_outputs({"poolerAddresses": self.pooler_addresses, "migrationJob": job})


@dataclass(frozen=True)
class TenantDatabaseAccessArgs:
    """Attributes:
    pool: The tenant and its connection cap (``audited``: its schema is object-audited).
    image: The DB Manager image (by digest).
    vault_user: Vault's login (made the admin of the tenant's group).
    replicas: The pooler's replicas (one per zone in HA stacks).
    region: For the migration Job (the master secret's region).
    """

    pool: TenantPool
    image: str
    vault_user: str
    replicas: int
    region: str


class TenantDatabaseAccess(pulumi.ComponentResource):
    """One tenant's database path in namespace ``db-manager`` (#27 item 3): its own PgBouncer (ConfigMap,
    auth Secret, Deployment, PodDisruptionBudget, Service ``pgbouncer-<tenant>``, ingress from its
    namespace only) and its own migration Job (group, schema, lookup role, its lookup password). Adding
    or removing a tenant creates or deletes these and changes no other tenant's object: no shared
    pooler reloads or rolls, no shared Job reruns. Runs after the base migration (``opts``)."""

    def __init__(self, name: str, args: TenantDatabaseAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:database:TenantDatabaseAccess", name, {"tenant": args.pool.tenant}, opts)
        child = options.child(self, opts)
        tenant = args.pool.tenant
        pooler = pooler_name(tenant)

        def meta(object_name: str) -> Any:
            return {"name": object_name, "namespace": NAMESPACE, "labels": {TENANT_LABEL: tenant}}

        password = random.RandomPassword(f"{name}-lookup", length=40, special=False, opts=child).result
        k8s.core.v1.Secret(
            f"{name}-pooler-auth",
            metadata=meta(f"{pooler}-auth"),
            string_data={"userlist.txt": pulumi.Output.secret(password.apply(lambda p: auth_file({tenant: p})))},
            opts=child,
        )
        ini = pgbouncer_ini(pooler_settings(), [args.pool])
        k8s.core.v1.ConfigMap(f"{name}-pooler-config", metadata=meta(pooler), data={"pgbouncer.ini": ini}, opts=child)
        # Any: pulumi_kubernetes's TypedDict inputs make mypy check every key of these specs (and run out of memory).
        spec: Any = pooler_deployment_spec(args.image, args.replicas, digest(ini), tenant)
        k8s.apps.v1.Deployment(f"{name}-pooler", metadata=meta(pooler), spec=spec, opts=child)
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pooler",
            metadata=meta(pooler),
            spec={"maxUnavailable": 1, "selector": {"matchLabels": pooler_labels(tenant)}},
            opts=child,
        )
        k8s.core.v1.Service(
            f"{name}-pooler",
            metadata=meta(pooler),
            spec={"selector": pooler_labels(tenant), "ports": [{"name": "postgres", "port": POOLER_PORT, "targetPort": "postgres"}]},
            opts=child,
        )
        ingress: Any = tenant_ingress_spec(tenant)
        k8s.networking.v1.NetworkPolicy(f"{name}-to-pooler", metadata=meta(f"allow-{tenant}-to-pooler"), spec=ingress, opts=child)

        sql = migration.tenant_migration_sql(tenant, args.vault_user, args.pool.audited)
        job = migration_job_name(sql, tenant)
        sql_map = k8s.core.v1.ConfigMap(f"{name}-migration", metadata=meta(job), data={"migration.sql": sql}, opts=child)
        secret = f"{MIGRATOR}-{tenant}-password"
        password_secret = k8s.core.v1.Secret(
            f"{name}-migration-password",
            metadata=meta(secret),
            string_data={"lookup-password.sql": pulumi.Output.secret(password.apply(lambda p: migration.lookup_password_sql({tenant: p})))},
            opts=child,
        )
        k8s.batch.v1.Job(
            f"{name}-migrate-job",
            metadata=meta(job),
            spec=cast(Any, migration_job_spec(args.image, job, args.region, secret, ("lookup-password.sql",))),
            opts=options.child(self, opts, after=[sql_map, password_secret]),
        )
        self.address = pooler_address(tenant)
        self.register_outputs({"poolerAddress": self.address, "migrationJob": job})
