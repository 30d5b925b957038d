"""The whole platform configuration as one typed model.

Config keys are camelCase in ``Pulumi.<stack>.yaml`` (namespace ``fintech-blueprint:``) and in error
messages; attributes are snake_case in Python. Unknown keys are rejected. Every default is the
policy pack's default, never the cloud's: an entry that sets nothing optional is compliant.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from components.aws import cluster, outbox
from components.github.organization import TEMPLATE_REPOSITORY
from components.kubernetes import charts
from components.kubernetes.namespaces import DNS_NAMESPACE, GATEWAY_NAMESPACE, VAULT_NAMESPACE
from components.kubernetes.quotas import QUOTA_TIERS
from components.tagging import SHARED_TENANT
from components.tenant import canary, edge
from components.tenant.concierge import DB_CREDENTIAL_TTL_SECONDS
from components.vault import platform as vault_platform
from policy_pack.policies import lifecycle, pricing, recovery
from policy_pack.policies.contract import ERASURE_NAME
from stacks import aws_values, cron, eks_versions, postgresql, regions
from stacks.catalog import PLATFORM_REPOSITORIES

PROJECT = "fintech-blueprint"
#: The org stack's project (``org/``, ADR-0031): its config namespace.
ORG_PROJECT = "fintech-blueprint-org"

_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DnsLabel = Annotated[str, Field(pattern=_DNS_LABEL, min_length=1, max_length=30)]
CostCenter = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")]


def _email(value: str) -> str:
    """An address as mail systems take it (email-validator: RFC 5322 and 6531 syntax, IDN domains, no unsafe
    characters; no DNS lookup, and reserved names such as .example are allowed for examples). Kept as written."""
    try:
        validate_email(value, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not an e-mail address: {exc}") from None
    return value


Email = Annotated[str, AfterValidator(_email)]
GithubLogin = Annotated[str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$")]
Usd = Annotated[Decimal, Field(gt=0, le=Decimal("10000000"), decimal_places=2)]
#: A usage profile (``finops.usage``, ``tenants[].usage``): keys of ``pricing.USAGE_DEFAULTS``, checked
#: with the fields' paths by ``cross_field_problems``.
UsageProfile = dict[str, Annotated[Decimal, Field(ge=0, le=Decimal("1e15"))]]


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"must be a CIDR block like 10.0.0.0/16 ({exc})") from None


Cidr = Annotated[str, AfterValidator(_cidr)]

#: ``host[:port]/namespace[/...]`` as an image reference starts; Kyverno matches ``<prefix>/*``.
_REGISTRY = re.compile(r"^(?P<host>[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?)(?P<path>(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*)/?$")


def _registry(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty: name a registry and its organization, e.g. ghcr.io/acme")
    if "://" in value:
        raise ValueError(f"{value!r} has a scheme: image references have none; write e.g. {value.split('://', 1)[1]!r}")
    if any(c in value for c in "*?[]"):
        raise ValueError(f"{value!r} is a wildcard: each entry is already a prefix (<entry>/*); name the organization instead")
    match = _REGISTRY.match(value)
    if not match or ("." not in match["host"] and ":" not in match["host"] and match["host"] != "localhost"):
        raise ValueError(f"{value!r} is not a registry prefix: expected host[:port]/organization, lower case (e.g. ghcr.io/acme)")
    if not match["path"].strip("/"):
        raise ValueError(f"{value!r} admits every image of {match['host']}: add the organization (e.g. {match['host']}/acme)")
    return value


Registry = Annotated[str, AfterValidator(_registry)]


def _kubernetes_version(value: str) -> str:
    """A version EKS runs and supports today (stacks/data/eks_versions.json, dated)."""
    problem = eks_versions.refusal(value, datetime.datetime.now(datetime.UTC).date())
    if problem:
        raise ValueError(problem)
    return value


class DataClass(StrEnum):
    """Data classification, least to most sensitive. A resource is tagged with its tenant's highest."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    PII = "pii"
    PCI = "pci"

    @property
    def rank(self) -> int:
        return list(DataClass).index(self)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True, validate_default=True)


class Kpi(_Model):
    """A business KPI the canary must hold (e.g. the payment authorisation rate), measured by Prometheus."""

    name: DnsLabel = Field(description="Names the analysis metric (kpi-<name>).")
    query: str = Field(
        min_length=1,
        max_length=2000,
        description="PromQL; its first value is judged. {{args.canary-hash}} names the canary's pods (label rollouts_pod_template_hash).",
    )
    at_least: float | None = Field(None, allow_inf_nan=False, description="The canary fails below it.")
    at_most: float | None = Field(None, allow_inf_nan=False, description="The canary fails above it.")

    @model_validator(mode="after")
    def _one_bound(self) -> Kpi:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(f"kpi {self.name!r} needs exactly one of atLeast or atMost")
        return self


class Slo(_Model):
    """Per-service SLO thresholds, rendered as alerting rules and as the canary's analysis (ADR-0006, ADR-0027)."""

    latency_p95_ms: int = Field(300, ge=1, le=60_000)
    #: Below 100: at 100 every request may fail, the error budget is never spent and the burn-rate alerts never fire.
    error_rate_percent: Decimal = Field(Decimal("1.0"), gt=0, lt=100)
    kpis: list[Kpi] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _unique_kpis(self) -> Slo:
        names = [k.name for k in self.kpis]
        if len(set(names)) != len(names):
            raise ValueError(f"kpis names must be unique; {sorted({n for n in names if names.count(n) > 1})} repeat")
        return self


class CanaryStep(_Model):
    """Send ``weight`` percent to the new digest, then wait ``pauseSeconds`` while the SLO analysis measures it."""

    weight: int = Field(ge=1, le=100)
    pause_seconds: int = Field(300, ge=0, le=86_400)


class Canary(_Model):
    """How a new digest reaches a service (ADR-0027): rising weights, the first at most 25%, the last 100%."""

    steps: list[CanaryStep] = Field(
        default_factory=lambda: [CanaryStep(weight=s.weight, pause_seconds=s.pause_seconds) for s in canary.DEFAULT_STEPS],
        min_length=1,
        max_length=10,
    )

    @model_validator(mode="after")
    def _a_canary(self) -> Canary:
        problem = canary.steps_problem([s.weight for s in self.steps])
        if problem:
            raise ValueError(f"steps: {problem}")
        return self


class WorkerScaling(_Model):
    """Queue-depth autoscaling of a worker (KEDA on its outbox queue)."""

    min_replicas: int = Field(1, ge=0, le=100)
    max_replicas: int = Field(10, ge=1, le=1000)
    target_queue_depth: int = Field(100, ge=1, le=100_000)

    @model_validator(mode="after")
    def _max_above_min(self) -> WorkerScaling:
        if self.max_replicas < self.min_replicas:
            raise ValueError(f"maxReplicas ({self.max_replicas}) must be >= minReplicas ({self.min_replicas})")
        return self


_HOSTNAME = r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"


class PublicRoute(_Model):
    """How the internet reaches an API (#29 item 2, ADR-0028): HTTPS on ``host`` (a name in the stack's
    ``edge.domain`` zone), requests under ``path`` to the service, through the tenant's WAF."""

    host: str | None = Field(None, pattern=_HOSTNAME, max_length=253, description="The public name. Default: <service>.<edge.domain>.")
    path: str = Field("/", pattern=r"^/[A-Za-z0-9._~/-]*$", max_length=200, description="The path prefix routed to the service.")


class Service(_Model):
    """A tenant service: one repository, one image repository, one ServiceAccount, one Argo CD app."""

    name: DnsLabel
    kind: Literal["api", "worker"] = "api"
    slo: Slo = Slo()
    canary: Canary = Canary()
    scaling: WorkerScaling | None = Field(None, description="Required for workers; forbidden for APIs.")
    public: PublicRoute | None = Field(None, description="Reached from the internet through the edge (APIs only). Default: not.")

    @model_validator(mode="after")
    def _scaling_only_for_workers(self) -> Service:
        if self.kind == "worker" and self.scaling is None:
            raise ValueError("a worker needs 'scaling' (minReplicas, maxReplicas, targetQueueDepth)")
        if self.kind == "api" and self.scaling is not None:
            raise ValueError("'scaling' applies to kind 'worker' only")
        if self.kind == "worker" and self.public is not None:
            raise ValueError("'public' applies to kind 'api' only: a worker serves no requests")
        return self


def _known_tier(value: str) -> str:
    if value not in QUOTA_TIERS:
        raise ValueError(f"unknown tier {value!r}; expected one of {sorted(QUOTA_TIERS)}")
    return value


def internet_in_pieces(cidrs: list[str], field_name: str, limit_v4: int, limit_v6: int) -> str | None:
    """Why ``cidrs`` are too wide (0.0.0.0/0, or more addresses together than one /limit), or None."""
    if any(ipaddress.ip_network(c).prefixlen == 0 for c in cidrs):
        return f"{field_name} must name networks, not {', '.join(c for c in cidrs if ipaddress.ip_network(c).prefixlen == 0)}"
    for version, limit in ((4, limit_v4), (6, limit_v6)):
        networks: list[Any] = [ipaddress.ip_network(c) for c in cidrs if ipaddress.ip_network(c).version == version]
        covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(networks))
        if covered > 2 ** ((32 if version == 4 else 128) - limit):
            return (
                f"{field_name} covers {covered:,} IPv{version} addresses, more than a /{limit}: name the networks, "
                "not the internet in pieces (tenant pods may open connections to all of them)"
            )
    return None


#: Link-local addresses: instance metadata (node credentials) and the Pod Identity agent are the
#: platform's to allow, never a tenant's.
_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"), ipaddress.ip_network("fd00:ec2::/32"))


class EgressRule(_Model):
    """A destination outside the cluster a tenant's pods may open connections to (ADR-0025): a
    partner's API (a payment processor, a card network), by its published address ranges."""

    name: DnsLabel = Field(description="What it is, e.g. psp-api; names the rule.")
    cidrs: list[Cidr] = Field(min_length=1, max_length=20, description="Its address ranges; together at most a /16 (IPv6: a /48).")
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(default_factory=lambda: [443], min_length=1, max_length=10)

    @model_validator(mode="after")
    def _narrow(self) -> EgressRule:
        wide = internet_in_pieces(list(self.cidrs), "cidrs", 16, 48)
        if wide:
            raise ValueError(wide)
        for cidr in self.cidrs:
            network = ipaddress.ip_network(cidr)
            if any(network.version == ll.version and network.overlaps(ll) for ll in _LINK_LOCAL):
                raise ValueError(f"cidrs {cidr} is link-local (instance metadata, the Pod Identity agent): the platform's to allow")
        return self


class TenantEdgeConfig(_Model):
    """A tenant's public entry (its services with ``public``)."""

    rate_limit_per_5_min: int | None = Field(
        None,
        le=edge.WAF_RATE_LIMIT_MAX,
        description="Requests one client IP may send in 5 minutes before WAF blocks it. Default: edge.rateLimitPer5Min.",
    )


class Tenant(_Model):
    """One team/product onboarded with one entry. Default layers: none (mlops is opt-in)."""

    name: DnsLabel
    owner_team: DnsLabel = Field(description="GitHub team slug that owns the tenant.")
    owner_email: Email
    cost_center: CostCenter
    tier: Annotated[str, AfterValidator(_known_tier)] = "small"
    data_classes: list[DataClass] = Field(min_length=1)
    services: list[Service] = Field(min_length=1, max_length=20)
    monthly_budget_usd: Usd
    layers: list[Literal["mlops"]] = []
    maintainers: list[GithubLogin] = []
    allowed_registries: list[Registry] = Field(
        default_factory=list, description="Extra image registries admitted in this tenant's namespace (host/organization)."
    )
    egress: list[EgressRule] = Field(
        default_factory=list,
        max_length=20,
        description="Destinations outside the cluster its pods may reach (ADR-0025). Default: none (AWS APIs: the VPC's endpoints).",
    )
    usage: UsageProfile = Field(
        default_factory=dict,
        description="This tenant's usage profile for the cost estimate, over finops.usage (keys: pricing.USAGE_DEFAULTS).",
    )
    edge: TenantEdgeConfig = Field(default_factory=lambda: TenantEdgeConfig(), description="Its public entry's limits.")

    @property
    def data_class(self) -> DataClass:
        return max(self.data_classes, key=lambda d: d.rank)

    @model_validator(mode="after")
    def _egress_names_unique(self) -> Tenant:
        names = [e.name for e in self.egress]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"egress names {duplicated} appear twice: one entry per destination")
        return self

    @property
    def mlops(self) -> bool:
        return "mlops" in self.layers


class NetworkConfig(_Model):
    cidr: Cidr = "10.0.0.0/16"
    az_count: int = Field(3, ge=2, le=6)
    nat_gateways: Literal["single", "perAz"] = "perAz"


class NodeAutoscalerConfig(_Model):
    """The Cluster Autoscaler (#30 item 7, ADR-0030): the node group grows when pods cannot be scheduled
    (KEDA scaled a worker out) and shrinks when nodes sit underused, within nodeMin..nodeMax."""

    enabled: bool = True
    scale_down_unneeded_minutes: int = Field(10, ge=1, le=1440, description="How long a node stays underused before it is removed.")
    scale_down_utilization_threshold: float = Field(
        0.5, gt=0, lt=1, description="Below this share of its allocatable CPU and memory requested, a node is underused."
    )


class ClusterConfig(_Model):
    kubernetes_version: Annotated[str, AfterValidator(_kubernetes_version)] = cluster.KUBERNETES_VERSION
    endpoint_public_access: bool = False
    public_access_cidrs: list[Cidr] = []
    node_instance_types: list[str] = Field(default_factory=lambda: list(cluster.NODE_INSTANCE_TYPES), min_length=1)
    node_min: int = Field(cluster.NODE_MIN, ge=1, le=100)
    node_max: int = Field(cluster.NODE_MAX, ge=1, le=500)
    node_desired: int = Field(cluster.NODE_DESIRED, ge=1, le=500)
    #: IAM: a role name is 1-64 of [A-Za-z0-9+=,.@_-]; its path /.../ of printable ASCII, 512 at most
    #: (IAM User Guide, "IAM object quotas" and CreateRole's RoleName and Path). No wildcard: an access
    #: entry names one principal.
    admin_role_arns: list[
        Annotated[str, Field(pattern=r"^arn:aws:iam::\d{12}:role/(?:[\x21-\x2e\x30-\x7e]+/){0,20}[\w+=,.@-]{1,64}$", max_length=600)]
    ] = []
    node_autoscaler: NodeAutoscalerConfig = NodeAutoscalerConfig()
    create_autoscaling_service_role: bool = Field(
        True,
        description="Create AWSServiceRoleForAutoScaling, which the data key's policy names for encrypted node volumes "
        "(KMS refuses a policy naming a role that does not exist). Set false in an account that already has it.",
    )

    @model_validator(mode="after")
    def _endpoint_and_sizes(self) -> ClusterConfig:
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ValueError("endpointPublicAccess needs publicAccessCidrs (allow-listed CIDRs, never 0.0.0.0/0)")
        if not self.endpoint_public_access and self.public_access_cidrs:
            raise ValueError("publicAccessCidrs is set but endpointPublicAccess is false")
        if any(ipaddress.ip_network(c).prefixlen == 0 for c in self.public_access_cidrs):
            raise ValueError("publicAccessCidrs must not contain 0.0.0.0/0")
        if not self.node_min <= self.node_desired <= self.node_max:
            raise ValueError(f"need nodeMin <= nodeDesired <= nodeMax, got {self.node_min}/{self.node_desired}/{self.node_max}")
        if self.node_autoscaler.enabled and self.node_max == self.node_desired:
            raise ValueError(
                f"nodeMax is nodeDesired ({self.node_max}): the node autoscaler could add no node for scaled-out workers; "
                "raise nodeMax, or set nodeAutoscaler.enabled: false"
            )
        return self


class AuditConfig(_Model):
    ledger_retention_days: int = Field(2555, ge=1, le=36500, description="S3 Object Lock COMPLIANCE retention.")
    security_alert_email: Email = Field(description="Who the CIS alarms on the trail page (SNS email; its owner confirms once).")


class AlertingConfig(_Model):
    """Where alerts reach a person (#30 item 1): Alertmanager publishes to the stack's alert topic; the
    platform team and each tenant's owner (``tenants[].ownerEmail``) subscribe by e-mail, each taking
    its own notifications (its owner confirms the subscription once)."""

    platform_email: Email = Field(description="Who receives the platform's alerts (Vault, Argo CD, admission, certificates).")


class EdgeConfig(_Model):
    """The stack's public entry (#29 items 2-3, ADR-0028): the Route 53 zone public hosts are named in,
    and the defaults of every tenant's web ACL and listener."""

    domain: str = Field(pattern=_HOSTNAME, max_length=253, description="The hosted zone's name; every public host is in it.")
    hosted_zone_id: str = Field(pattern=r"^Z[A-Z0-9]{1,32}$", description="The Route 53 public hosted zone of `domain` (it must exist).")
    rate_limit_per_5_min: int = Field(
        edge.DEFAULT_RATE_LIMIT_PER_5_MIN,
        le=edge.WAF_RATE_LIMIT_MAX,
        description="Requests one client IP may send in 5 minutes before WAF blocks it (each tenant may set its own).",
    )
    tls_policy: Literal[edge.MODERN_TLS_POLICIES] = Field(  # type: ignore[valid-type]
        edge.DEFAULT_TLS_POLICY, description="The HTTPS listeners' Elastic Load Balancing security policy (TLS 1.2+)."
    )
    shield_advanced: bool = Field(
        False,
        description="Protect every tenant's ALB with Shield Advanced. The account must subscribe first (USD 3,000 a "
        "month, a one-year commitment): the controller cannot.",
    )


class FinopsConfig(_Model):
    platform_monthly_budget_usd: Usd = Decimal("5000")
    alert_email: Email = "finops@example.com"
    activate_cost_allocation_tags: bool = Field(
        False,
        description="Activate the cost tags in Billing. AWS refuses it until each key has appeared in billing data "
        "(about a day after the first tagged resource) and from a linked account: set it in the payer "
        "account's stack once the keys show up (README, Cost tags).",
    )
    billing_export: bool = Field(
        True,
        description="Create the AWS Data Export (FOCUS 1.0, daily Parquet) that `blueprint finops allocate` reads, "
        "with its encrypted, access-logged bucket (README, Cost tags).",
    )
    usage: UsageProfile = Field(
        default_factory=dict,
        description="The usage profile of the cost estimate (requests, GB…), for the platform and every tenant; "
        "keys and defaults: policy_pack/policies/pricing.py USAGE_DEFAULTS.",
    )
    shared_cost_split: Literal["even", "tier", "weights"] = Field(
        "tier",
        description="How the estimate splits platform-shared cost across tenants: evenly, by quota tier (its CPU "
        "requests), or by sharedCostWeights.",
    )
    shared_cost_weights: dict[str, Annotated[Decimal, Field(gt=0)]] = Field(
        default_factory=dict, description="Tenant name -> weight, one per tenant, with sharedCostSplit: weights."
    )


def _checked(problem: Callable[[str], str | None]) -> Callable[[str], str]:
    """An AfterValidator from a pure ``problem`` function (None: fine)."""

    def check(value: str) -> str:
        found = problem(value)
        if found:
            raise ValueError(found)
        return value

    return check


_PROMETHEUS_UNITS = {"y": 365 * 24, "w": 7 * 24, "d": 24, "h": 1}


def _prometheus_retention_problem(value: str) -> str | None:
    match = re.fullmatch(r"(\d+)([ywdh])", value)
    if not match:
        return f"{value!r} is not a Prometheus retention: a number and a unit of y, w, d or h (e.g. 15d)"
    hours = int(match.group(1)) * _PROMETHEUS_UNITS[match.group(2)]
    if hours < 2:
        return f"{value!r} is shorter than a TSDB block (2h)"
    if hours * 3600 * 10**9 > 2**63 - 1:
        return f"{value!r} overflows Prometheus's duration (int64 nanoseconds, about 292 years)"
    return None


def _vault_address(value: str) -> str:
    """An https origin, as Vault's clients take VAULT_ADDR: a host (a name, an IPv4 or a bracketed IPv6
    literal) and an optional port 1-65535; no credentials, path, query or fragment."""
    hint = "write https://HOST[:PORT], e.g. https://vault.platform.internal:8200"
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an https address ({exc}): {hint}") from None
    if parts.scheme != "https":
        raise ValueError(f"{value!r} must use https (Vault tokens cross the network): {hint}")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise ValueError(f"{value!r} must name a host and nothing before it: {hint}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError(f"{value!r} must be an origin (no path, query or fragment): {hint}")
    if parts.netloc.endswith(":") or port == 0:
        raise ValueError(f"{value!r} names an empty or zero port: {hint}")
    if any(c.isspace() for c in value):
        raise ValueError(f"{value!r} contains white space: {hint}")
    return value


class VaultConfig(_Model):
    """TTL bounds applied to every mount and role (ADR-0001): short-lived by default."""

    address: Annotated[str, AfterValidator(_vault_address)] = Field(
        "https://vault.platform.internal:8200",
        description="Vault (or OpenBao) API address; https only. The token comes from VAULT_TOKEN.",
    )
    network_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="Where the address resolves: tenant pods may open connections to these networks on the address's "
        "port (ADR-0023: Vault runs outside the cluster). Default: the stack's VPC (network.cidr).",
    )
    default_lease_ttl_seconds: int = Field(vault_platform.DEFAULT_LEASE_TTL_SECONDS, ge=60, le=vault_platform.DEFAULT_LEASE_TTL_SECONDS)
    max_lease_ttl_seconds: int = Field(vault_platform.MAX_LEASE_TTL_SECONDS, ge=300, le=vault_platform.MAX_LEASE_TTL_SECONDS)
    db_credential_ttl_seconds: int = Field(DB_CREDENTIAL_TTL_SECONDS, ge=60, le=3600)
    database_ca_file: str = Field(
        "/vault/userconfig/rds-ca/rds-ca.pem",
        pattern=r"^/[A-Za-z0-9_./-]+\.pem$",
        description="Where the Vault server holds the RDS root CAs (the plugin reads sslrootcert on the Vault server): "
        "its Aurora connection verifies the writer endpoint's certificate and name (verify-full). The bundle: "
        "stacks/data/rds_ca.json, or AWS's global-bundle.pem.",
    )

    @property
    def port(self) -> int:
        """The address's port (https: 443 when it names none)."""
        return urllib.parse.urlsplit(self.address).port or 443

    @model_validator(mode="after")
    def _default_below_max(self) -> VaultConfig:
        wide = internet_in_pieces(list(self.network_cidrs), "networkCidrs", 8, 32)
        if wide:
            raise ValueError(wide)
        if self.default_lease_ttl_seconds > self.max_lease_ttl_seconds:
            raise ValueError("defaultLeaseTtlSeconds must be <= maxLeaseTtlSeconds")
        return self


class DatabaseConfig(_Model):
    engine_version: str = "16.4"
    instance_class: str = "db.r6g.large"
    instances: int = Field(2, ge=1, le=15)
    backup_retention_days: int = Field(14, ge=1, le=35)
    max_connections_percent: int = Field(90, ge=10, le=100, description="RDS Proxy pool, of the DB's max.")
    max_connections: int = Field(1800, ge=50, le=16000, description="The instance class's max_connections (r6g.large: ~1800).")
    monitoring: bool = Field(
        False, description="Performance Insights (KMS-encrypted, 7 days) and 60 s enhanced monitoring on every instance (prod)."
    )
    vault_username: str = Field(
        "vault_admin",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL role Vault logs in with to create tenant users (bootstrap runbook).",
    )
    manager_image_tag: str = Field(
        "1.0.0",
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
        description="Tag of the platform registry's platform/db-manager image, which runs PgBouncer and the migration Job; never latest.",
    )
    manager_image_digest: str = Field(
        pattern=r"^sha256:[0-9a-f]{64}$",
        description="The digest of platform/db-manager at managerImageTag, as its repository's CI printed it: PgBouncer, the "
        "migration and the erasure jobs run the image by digest (a tag can be pushed again elsewhere; ADR-0026). No default.",
    )
    pooler_replicas: int | None = Field(
        None,
        ge=1,
        le=20,
        description="PgBouncer replicas in front of Aurora (ADR-0002). Default: one per availability zone (network.azCount) "
        "where kubernetes.gitopsHa is on, else 2; an HA stack refuses fewer than one per zone.",
    )

    @model_validator(mode="after")
    def _pinned_manager_tag(self) -> DatabaseConfig:
        if self.manager_image_tag == "latest":
            raise ValueError("managerImageTag 'latest' is mutable: pin a version")
        return self


class BackupConfig(_Model):
    """AWS Backup of the Aurora cluster and the audit ledger (ADR-0005), daily into a locked vault."""

    retention_days: int = Field(
        35,
        ge=7,
        le=36500,
        description="How long a daily recovery point is kept; also the vault lock's minimum. At most the expiry of the "
        "database's data class: a copy must not outlive the data.",
    )
    schedule: Annotated[str, AfterValidator(_checked(cron.aws_problem))] = Field(
        "cron(0 3 * * ? *)", description="When the daily backup starts: an AWS Backup cron expression, UTC."
    )
    copy_region: str | None = Field(
        None,
        description="A second region each recovery point is copied to (a vault there, under a replica of a multi-region "
        "key): where pii, pci or audit data is backed up, a regional outage must not take every recovery point with "
        "it (docs/data-lifecycle.md#recovery-objectives; the pack's backups-meet-rpo).",
    )
    vault_lock: Literal["governance", "compliance"] = Field(
        "governance",
        description="compliance (prod): after a 3-day grace nobody, not root, can delete a recovery point early or remove "
        "the lock; governance: whoever may delete the lock configuration can (a dev stack stays destroyable).",
    )


Days = Annotated[int, Field(ge=1, le=36500)]
#: A day count or ``never`` (the stack file's word for "no such step").
DaysOrNever = Days | Literal["never"]


class ClassLifecycle(_Model):
    """One row of the lifecycle table: what happens to data of one class, in days from its creation.
    Unset fields take the class's default (policy_pack/policies/data/lifecycle.json)."""

    warm_after_days: DaysOrNever = Field(description="To S3 Standard-IA (at least 30), or never.")
    cold_after_days: DaysOrNever = Field(description="To coldStorageClass (30 days after warm at the earliest), or never.")
    cold_storage_class: Literal["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]
    expire_after_days: DaysOrNever = Field(description="Deleted (objects, log events, backups within it), or never.")
    minimum_retention_days: Days = Field(description="Nothing of the class is deleted sooner; never below the class's floor.")
    erasure: bool = Field(description="Right-to-be-forgotten requests apply: an erasure queue and job per tenant of the class.")

    def lifecycle(self) -> lifecycle.Lifecycle:
        return lifecycle.Lifecycle.from_config(self.model_dump(by_alias=True))


def _default_row(name: str) -> dict[str, object]:
    return {key: "never" if value is None else value for key, value in lifecycle.DEFAULTS[name].as_config().items()}


class DataLifecycleConfig(_Model):
    """The lifecycle table (ADR-0005, docs/data-lifecycle.md): one row per data class, and ``audit`` for
    records kept as evidence. A stack overrides any field of any row; floors no stack can lower are
    checked with the field's path (``cross_field_problems``)."""

    public: ClassLifecycle
    internal: ClassLifecycle
    confidential: ClassLifecycle
    pii: ClassLifecycle
    pci: ClassLifecycle
    audit: ClassLifecycle

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for name in lifecycle.RETENTION_CLASSES:
            given = data.get(name, {})
            merged[name] = {**_default_row(name), **given} if isinstance(given, dict) else given
        return merged

    def table(self) -> dict[str, lifecycle.Lifecycle]:
        return {name: getattr(self, name).lifecycle() for name in lifecycle.RETENTION_CLASSES}

    def of(self, retention_class: str) -> lifecycle.Lifecycle:
        return self.table()[retention_class]


class ErasureConfig(_Model):
    """The per-tenant anonymization job of classes with erasure (docs/erasure.md)."""

    schedule: Annotated[str, AfterValidator(_checked(cron.kubernetes_problem))] = Field(
        "0 2 * * *",
        description="When the job drains the tenant's erasure queue: a Kubernetes CronJob schedule (five fields or @daily…), UTC.",
    )
    image: str | None = Field(
        None,
        description="The job's image, by digest (host/path[:tag]@sha256:…), from an admitted registry. Default: the "
        "DB Manager image (database.managerImageTag and managerImageDigest; its `erase` command).",
    )
    image_tag: str = Field("1.0.0", pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", description="The default image's tag; never latest.")

    @model_validator(mode="after")
    def _pinned_tag(self) -> ErasureConfig:
        if self.image_tag == "latest":
            raise ValueError("imageTag 'latest' is mutable: pin a version")
        return self


class OutboxConfig(_Model):
    max_receive_count: int = Field(outbox.MAX_RECEIVE_COUNT, ge=1, le=1000)
    message_retention_seconds: int = Field(outbox.MESSAGE_RETENTION_SECONDS, ge=60, le=outbox.DLQ_RETENTION_SECONDS)
    dlq_retention_seconds: int = Field(outbox.DLQ_RETENTION_SECONDS, ge=60, le=outbox.DLQ_RETENTION_SECONDS)
    max_message_age_seconds: int = Field(
        outbox.MAX_MESSAGE_AGE_SECONDS,
        ge=60,
        le=outbox.DLQ_RETENTION_SECONDS,
        description="The oldest outbox message may be this old before the tenant's owner is paged (QueueOldestMessageTooOld).",
    )


class GithubConfig(_Model):
    """What an environment stack says of GitHub. The organization's objects (settings, teams, the template,
    every repository, its rulesets and environments) are the org stack's (``org/``, ADR-0031)."""

    infra_repository: str = Field(
        "infra",
        pattern=r"^[A-Za-z0-9_.-]{1,100}$",
        description="The repository that runs this program (its deploy and preview roles trust it). It must exist "
        "already: the program never creates or manages it.",
    )


#: The org stack's outputs an environment stack may read (``org.reads``), contract version 1
#: (``stacks/org.py`` exports them; ADR-0031).
ORG_CONTRACT_VERSION = 1
ORG_OUTPUTS = ("contractVersion", "organization", "environments", "repositories")
#: What this program needs of them: the organization it runs in, and the repositories it wires.
ORG_READS_NEEDED = ("contractVersion", "organization", "repositories")


def _org_reads(value: list[str]) -> list[str]:
    unknown = [name for name in value if name not in ORG_OUTPUTS]
    if unknown:
        raise ValueError(
            f"{', '.join(repr(u) for u in unknown)} is not an output of the org stack's contract v{ORG_CONTRACT_VERSION} "
            f"(its outputs: {', '.join(ORG_OUTPUTS)})"
        )
    missing = [name for name in ORG_READS_NEEDED if name not in value]
    if missing:
        raise ValueError(f"lacks {', '.join(repr(m) for m in missing)}, which this program reads (ADR-0031)")
    return value


class OrgReference(_Model):
    """Where an environment stack reads the organization's objects: the org stack's outputs (ADR-0031)."""

    stack: str = Field(
        "organization/fintech-blueprint-org/org",
        pattern=r"^(?:[A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]+$",
        description="The org stack, as `pulumi stack ls` names it in your backend (`<org>/fintech-blueprint-org/org`; "
        "`organization/…` on a file or S3 backend). The offline plan reads `org/Pulumi.<last part>.yaml`.",
    )
    reads: Annotated[list[str], AfterValidator(_org_reads)] = Field(
        default_factory=lambda: list(ORG_READS_NEEDED),
        description="The outputs of the org stack's contract this stack reads; the deploy order follows from them.",
    )


class KubernetesAddonsConfig(_Model):
    gitops_ha: bool = True
    chaos_enabled: bool = False
    allowed_registries: list[Registry] = Field(default_factory=list, description="Registries admitted cluster-wide.")
    #: Prometheus's --storage.tsdb.retention.time: a duration Prometheus parses (y w d h), kept in int64
    #: nanoseconds, so at most ~292 years; 2h at least (one TSDB block).
    metrics_retention: Annotated[str, AfterValidator(_checked(_prometheus_retention_problem))] = "15d"
    canary_approval: bool | None = Field(
        None, description="A person promotes each canary before its last step. Default: on in prod, off elsewhere."
    )


class PlatformConfig(_Model):
    """Root of ``Pulumi.<stack>.yaml``'s ``fintech-blueprint:*`` keys."""

    environment: Literal["dev", "staging", "prod"]
    region: str = Field("eu-west-3", pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    github_org: GithubLogin
    aws_account_id: str = Field(
        pattern=r"^\d{12}$",
        description="The AWS account of this environment (one per environment, ADR-0018). The AWS provider is "
        "pinned to it: an `up` with credentials of another account stops before changing anything.",
    )
    platform_owner: DnsLabel = "platform"
    platform_cost_center: CostCenter = "PLATFORM"
    protect_stateful: bool = Field(
        description="Protect and retain stateful resources (required: Pulumi.yaml declares it without a default)."
    )
    network: NetworkConfig = NetworkConfig()
    cluster: ClusterConfig = ClusterConfig()
    audit: AuditConfig
    alerting: AlertingConfig
    finops: FinopsConfig = FinopsConfig()
    vault: VaultConfig = VaultConfig()
    database: DatabaseConfig = Field(default_factory=dict, validate_default=True)
    backup: BackupConfig = BackupConfig()
    outbox: OutboxConfig = OutboxConfig()
    data_lifecycle: DataLifecycleConfig = Field(default_factory=lambda: DataLifecycleConfig.model_validate({}))
    erasure: ErasureConfig = ErasureConfig()
    github: GithubConfig = GithubConfig()
    org: OrgReference = OrgReference()
    kubernetes: KubernetesAddonsConfig = KubernetesAddonsConfig()
    edge: EdgeConfig | None = Field(None, description="The public entry of tenant APIs. Default: none (no service is public).")
    tenants: list[Tenant] = Field(default_factory=list, max_length=500)

    @property
    def protect(self) -> bool:
        return self.protect_stateful

    @property
    def database_class(self) -> DataClass:
        """The shared cluster holds every tenant's schema: it is of their highest class."""
        return max((t.data_class for t in self.tenants), key=lambda d: d.rank, default=DataClass.INTERNAL)


#: Keys earlier versions accepted, with what replaced them: a stack file that still sets one is told where it went.
_MOVED_TO_ORG = "moved to the org stack, which owns every organization object: set it in org/Pulumi.org.yaml (ADR-0031)"
RETIRED_KEYS = {
    "github.manageOrganization": "retired: the org stack (org/) owns the organization's objects, no environment does (ADR-0031)",
    "github.billingEmail": _MOVED_TO_ORG,
    "github.requiredApprovals": _MOVED_TO_ORG,
    "github.platformMaintainers": _MOVED_TO_ORG,
    "github.securityMaintainers": _MOVED_TO_ORG,
    "audit.logRetentionDays": "retired: a log group keeps its data class's expiry; set dataLifecycle.<class>.expireAfterDays "
    "(the trail: audit, the cluster and flow logs: internal, a tenant's logs: its class; docs/data-lifecycle.md)",
    "network.flowLogRetentionDays": "retired: flow logs are internal data; set dataLifecycle.internal.expireAfterDays "
    "(docs/data-lifecycle.md)",
    "finops.billingRetentionDays": "retired: billing files are confidential data; set dataLifecycle.confidential.expireAfterDays "
    "(docs/data-lifecycle.md)",
}


#: Namespaces a tenant (whose name is its namespace) must never take: Kubernetes' own and the platform's.
RESERVED_NAMESPACES = frozenset(
    {"default", "kube-system", "kube-public", "kube-node-lease", GATEWAY_NAMESPACE, VAULT_NAMESPACE, DNS_NAMESPACE}
    | {chart.namespace for chart in charts.ALL}
)

#: AWS: a VPC's IPv4 block is /16 to /28; the subnet plan carves 1/16th blocks, which must stay >= /28.
VPC_PREFIX_RANGE = (16, 24)


def _network_problems(config: PlatformConfig) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    vpc = ipaddress.ip_network(config.network.cidr)
    if vpc.version != 4:
        problems.append(("network.cidr", f"{vpc} is IPv6: the VPC's primary block must be IPv4, e.g. 10.0.0.0/16"))
    elif not VPC_PREFIX_RANGE[0] <= vpc.prefixlen <= VPC_PREFIX_RANGE[1]:
        low, high = VPC_PREFIX_RANGE
        problems.append(("network.cidr", f"{vpc} is a /{vpc.prefixlen}: use /{low} to /{high} (AWS allows /16-/28; subnets are 1/16th)"))
    cidrs = [ipaddress.ip_network(c) for c in config.cluster.public_access_cidrs]
    for index, cidr in enumerate(cidrs):
        if cidr.version != 4:
            problems.append((f"cluster.publicAccessCidrs[{index}]", f"{cidr} is IPv6: EKS public access CIDRs are IPv4"))
    covered = sum(c.num_addresses for c in ipaddress.collapse_addresses(c for c in cidrs if c.version == 4))
    if config.cluster.endpoint_public_access and cidrs and covered >= 2**31:
        share = "the whole internet" if covered == 2**32 else "at least half of the internet"
        problems.append(
            ("cluster.publicAccessCidrs", f"{', '.join(map(str, cidrs))} admit {share}: list your offices' and runners' ranges")
        )
    return problems


def _aws_value_problems(config: PlatformConfig) -> list[tuple[str, str]]:
    checks: list[tuple[str, str | None]] = [
        (
            f"cluster.nodeInstanceTypes[{i}]",
            aws_values.unknown(t, aws_values.ec2_instance_types(), "an EC2 instance type", "pulumi_aws.ec2.InstanceType"),
        )
        for i, t in enumerate(config.cluster.node_instance_types)
    ]
    checks += [
        (f"cluster.nodeInstanceTypes[{i}]", aws_values.node_type_problem(t, config.region, cluster.series(t)))
        for i, t in enumerate(config.cluster.node_instance_types)
        if t in aws_values.ec2_instance_types()
    ]
    try:
        cluster.ami_type_for(list(config.cluster.node_instance_types))
    except ValueError:
        arches = {t: cluster.architecture(t) for t in config.cluster.node_instance_types}
        checks.append(
            (
                "cluster.nodeInstanceTypes",
                f"mixes architectures ({', '.join(f'{t}: {a}' for t, a in arches.items())}): a node group runs one AMI "
                "(x86_64 or Graviton's arm64); list types of one architecture",
            )
        )
    checks += [
        (
            "database.instanceClass",
            aws_values.unknown(
                config.database.instance_class,
                aws_values.aurora_instance_classes(),
                "an Aurora DB instance class",
                "pulumi_aws.rds.InstanceType and stacks/data/aurora_postgresql.json",
            ),
        ),
        (
            "database.engineVersion",
            aws_values.unknown(
                config.database.engine_version,
                aws_values.aurora_engine_versions(),
                "an Aurora PostgreSQL version this platform knows",
                f"stacks/data/aurora_postgresql.json: {', '.join(aws_values.aurora_engine_versions())}; add a new one with its source",
            ),
        ),
    ]
    return [(path, message) for path, message in checks if message]


def _duplicate_entries(config: PlatformConfig) -> list[tuple[str, str]]:
    lists: list[tuple[str, list[str]]] = [
        ("cluster.adminRoleArns", list(config.cluster.admin_role_arns)),
        ("cluster.publicAccessCidrs", list(config.cluster.public_access_cidrs)),
        ("kubernetes.allowedRegistries", list(config.kubernetes.allowed_registries)),
    ]
    lists += [(f"tenants[{i}].maintainers", list(t.maintainers)) for i, t in enumerate(config.tenants)]
    lists += [(f"tenants[{i}].dataClasses", [d.value for d in t.data_classes]) for i, t in enumerate(config.tenants)]
    problems = []
    for path, values in lists:
        seen: set[str] = set()
        for index, value in enumerate(values):
            key = value.lower()
            if key in seen:
                problems.append((f"{path}[{index}]", f"{value!r} is listed twice: remove the duplicate"))
            seen.add(key)
    return problems


def _usage_problems(path: str, usage: dict[str, Decimal]) -> list[tuple[str, str]]:
    known = sorted(pricing.USAGE_DEFAULTS)
    unknown = [key for key in usage if key not in known]
    return [(f"{path}.{key}", aws_values.unknown(key, known, "a usage key", "pricing.USAGE_DEFAULTS") or "") for key in unknown]


def _finops_problems(config: PlatformConfig) -> list[tuple[str, str]]:
    problems = _usage_problems("finops.usage", config.finops.usage)
    for index, tenant in enumerate(config.tenants):
        problems += _usage_problems(f"tenants[{index}].usage", tenant.usage)
    names = {t.name for t in config.tenants}
    weights = config.finops.shared_cost_weights
    if config.finops.shared_cost_split == "weights":
        missing = sorted(names - set(weights))
        if missing:
            message = f"sharedCostSplit is weights: give every tenant a weight (missing: {', '.join(missing)})"
            problems.append(("finops.sharedCostWeights", message))
    elif weights:
        message = f"set only with sharedCostSplit: weights (it is {config.finops.shared_cost_split})"
        problems.append(("finops.sharedCostWeights", message))
    for name in sorted(set(weights) - names):
        problems.append((f"finops.sharedCostWeights.{name}", f"{name!r} is not a tenant of this stack"))
    return problems


def platform_registry(config: PlatformConfig) -> str:
    """The stack's own ECR registry host (the platform and tenant image repositories)."""
    return f"{config.aws_account_id}.dkr.ecr.{config.region}.amazonaws.com"


def _recovery_problems(config: PlatformConfig) -> list[str]:
    """The backup schedule against the recovery objectives of what it backs up (#30 item 6): the
    ledger (audit) has only the schedule's recovery points; the database has Aurora's continuous
    backup, whose RPO is point-in-time restore's whatever the schedule."""
    gap = recovery.longest_gap_minutes(config.backup.schedule)
    database = config.database_class.value
    # database.backupRetentionDays is at least 1: point-in-time restore is always on.
    stores = {"the audit ledger": ("audit", gap), "the database": (database, recovery.POINT_IN_TIME_MINUTES)}
    messages = []
    for store, (data_class, store_gap) in stores.items():
        problem = recovery.rpo_problem(data_class, store_gap)
        if problem:
            messages.append(
                f"{config.backup.schedule!r} misses the RPO of {store}: {problem} (docs/data-lifecycle.md#recovery-objectives); "
                "schedule it at least that often, e.g. cron(0 3 * * ? *) for a day"
            )
    return messages


def _lifecycle_problems(config: PlatformConfig) -> list[tuple[str, str]]:
    problems = [
        (f"dataLifecycle.{name}.{field}", message)
        for name, row in config.data_lifecycle.table().items()
        for field, message in lifecycle.problems(name, row)
    ]
    database = config.database_class.value
    expiry = config.data_lifecycle.of(database).expire_after_days
    if expiry is not None and config.backup.retention_days > expiry:
        problems.append(
            (
                "backup.retentionDays",
                f"is {config.backup.retention_days} but the database holds {database} data, which expires after {expiry} days "
                f"(dataLifecycle.{database}.expireAfterDays): a recovery point would keep it longer; use at most {expiry}",
            )
        )
    problems += [("backup.schedule", message) for message in _recovery_problems(config)]
    if config.environment == "prod" and config.kubernetes.chaos_enabled:
        problems.append(
            (
                "kubernetes.chaosEnabled",
                "is true in prod: chaos experiments run in dev and staging (ADR-0006), never where customers are",
            )
        )
    # The ledger holds every tenant's audit evidence (the trail, erasure evidence): immutable at least as
    # long as the strictest floor of the classes it holds evidence for (pci: PCI DSS 10.5.1, a year).
    floors = {
        t.data_class.value: lifecycle.FLOORS.get(t.data_class.value, {}).get("minimumRetentionDays", (0, ""))[0] for t in config.tenants
    }
    if floors and config.audit.ledger_retention_days < max(floors.values()):
        strictest = max(floors, key=lambda c: floors[c])
        problems.append(
            (
                "audit.ledgerRetentionDays",
                f"is {config.audit.ledger_retention_days} but the ledger holds {strictest} tenants' audit evidence, kept at least "
                f"{floors[strictest]} days ({lifecycle.FLOORS[strictest]['minimumRetentionDays'][1]}): use at least {floors[strictest]}",
            )
        )
    replicas, zones = pooler_replicas(config), config.network.az_count
    if config.kubernetes.gitops_ha and replicas < zones:
        problems.append(
            (
                "database.poolerReplicas",
                f"is {replicas} but this HA stack has {zones} availability zones (network.azCount): the pooler needs a replica "
                f"in each to survive a zone's loss; use at least {zones} (or leave it unset)",
            )
        )
    image = config.erasure.image
    if "image_tag" in config.erasure.model_fields_set and config.erasure.image_tag != config.database.manager_image_tag:
        problems.append(
            (
                "erasure.imageTag",
                f"is {config.erasure.image_tag!r} but the default erasure image is the DB Manager's (database.managerImageTag "
                f"{config.database.manager_image_tag!r}, at database.managerImageDigest): remove erasure.imageTag, or set "
                "erasure.image to a reference with its digest",
            )
        )
    if image is not None:
        if not re.fullmatch(r"[^@\s]+@sha256:[0-9a-f]{64}", image):
            problems.append(
                ("erasure.image", f"{image!r} is not pinned by digest: add @sha256:<digest> (a tag can be pushed again; ADR-0026)")
            )
        admitted = [platform_registry(config), *config.kubernetes.allowed_registries]
        if not any(image.startswith(f"{prefix}/") for prefix in admitted):
            problems.append(
                ("erasure.image", f"{image!r} is from no admitted registry ({', '.join(admitted)}): admission would refuse the job's pod")
            )
    return problems


def pooler_replicas(config: PlatformConfig) -> int:
    """PgBouncer's replicas: as configured, else one per zone in an HA stack, else 2 (#27 item 5)."""
    if config.database.pooler_replicas is not None:
        return config.database.pooler_replicas
    return max(2, config.network.az_count) if config.kubernetes.gitops_ha else 2


def cross_field_problems(config: PlatformConfig) -> list[tuple[str, str]]:
    """Checks across entries (uniqueness); each problem is (field path, message)."""
    problems: list[tuple[str, str]] = []
    if config.backup.copy_region is not None:
        copy = config.backup.copy_region
        unknown_copy = aws_values.unknown(copy, aws_values.aws_regions(), "an AWS region", "pulumi_aws.Region")
        if unknown_copy:
            problems.append(("backup.copyRegion", unknown_copy))
        elif copy == config.region:
            problems.append(
                ("backup.copyRegion", f"is the stack's own region {copy!r}: a copy must survive that region's loss; name another")
            )
    not_a_region = aws_values.unknown(config.region, aws_values.aws_regions(), "an AWS region", "pulumi_aws.Region")
    if not_a_region:
        problems.append(("region", not_a_region))
    elif config.region not in regions.known_regions():
        problems.append(
            (
                "region",
                f"{config.region!r} is not a region this platform knows the availability zones of "
                f"(stacks/data/regions.json: {', '.join(regions.known_regions())}); add it there with its source",
            )
        )
    elif config.network.az_count > len(regions.zones(config.region)):
        problems.append(
            (
                "network.azCount",
                f"{config.region} has {len(regions.zones(config.region))} availability zones; "
                f"azCount is {config.network.az_count}: use at most {len(regions.zones(config.region))}",
            )
        )
    problems += _network_problems(config) + _duplicate_entries(config) + _aws_value_problems(config)
    if not config.github_org[:1].isalpha():
        problems.append(
            (
                "githubOrg",
                f"{config.github_org!r} starts with a digit: physical names start with '<org>-<env>', and RDS cluster and "
                "proxy identifiers must begin with a letter",
            )
        )
    if config.outbox.dlq_retention_seconds < config.outbox.message_retention_seconds:
        problems.append(
            (
                "outbox.dlqRetentionSeconds",
                f"is {config.outbox.dlq_retention_seconds} but messageRetentionSeconds is {config.outbox.message_retention_seconds}: "
                "a message keeps its original enqueue time in the DLQ, so a shorter DLQ retention deletes it before anyone looks",
            )
        )
    if config.outbox.max_message_age_seconds >= config.outbox.message_retention_seconds:
        problems.append(
            (
                "outbox.maxMessageAgeSeconds",
                f"is {config.outbox.max_message_age_seconds} but messageRetentionSeconds is {config.outbox.message_retention_seconds}: "
                "a message expires before its age alert fires; set it below the retention",
            )
        )
    problems += _finops_problems(config) + _lifecycle_problems(config)
    vault_user = postgresql.vault_user_problem(config.database.vault_username, [t.name for t in config.tenants])
    if vault_user:
        problems.append(("database.vaultUsername", vault_user))
    first_tenant: dict[str, int] = {}
    first_repo: dict[str, str] = {}
    #: Each tenant's erasure job takes the logical name <tenant>-erasure (its component, queue and role).
    erasure_names = {f"{t.name}-{ERASURE_NAME}": f"tenant {t.name!r}" for t in config.tenants}
    for t_index, tenant in enumerate(config.tenants):
        if tenant.name in (first_tenant.keys() | {SHARED_TENANT, "platform"}):
            where = f"tenants[{first_tenant[tenant.name]}]" if tenant.name in first_tenant else "the platform"
            problems.append((f"tenants[{t_index}].name", f"duplicate tenant name {tenant.name!r} (already used by {where})"))
        elif not tenant.name[:1].isalpha():
            problems.append(
                (
                    f"tenants[{t_index}].name",
                    f"{tenant.name!r} starts with a digit: it names the tenant's PostgreSQL schema and roles, which start with a letter",
                )
            )
        elif tenant.name in RESERVED_NAMESPACES or tenant.name.startswith("kube-"):
            problems.append(
                (
                    f"tenants[{t_index}].name",
                    f"{tenant.name!r} is a namespace that Kubernetes or the platform owns (a tenant's name is its namespace): "
                    "pick another name",
                )
            )
        elif problem := postgresql.tenant_schema_problem(tenant.name):
            problems.append((f"tenants[{t_index}].name", problem))
        first_tenant.setdefault(tenant.name, t_index)
        seen_services: dict[str, int] = {}
        for s_index, service in enumerate(tenant.services):
            path = f"tenants[{t_index}].services[{s_index}].name"
            if service.name in seen_services:
                problems.append((path, f"duplicate service name {service.name!r} in tenant {tenant.name!r}"))
                continue
            seen_services[service.name] = s_index
            if service.name == ERASURE_NAME:
                problems.append((path, f"{ERASURE_NAME!r} is reserved: the tenant's erasure job takes this ServiceAccount and role name"))
            elif service.name == "default":
                problems.append(
                    (path, "'default' is the ServiceAccount every namespace has: the service would run as it; pick another name")
                )
            elif not service.name[:1].isalpha():
                problems.append(
                    (path, f"{service.name!r} starts with a digit: it names the service's Kubernetes Service, a DNS-1035 label (RFC 1035)")
                )
            repo = f"{tenant.name}-{service.name}"
            if repo in first_repo:
                problems.append((path, f"repository name {repo!r} collides with {first_repo[repo]}"))
            elif repo in erasure_names and service.name != ERASURE_NAME:  # (that one is reported above)
                problems.append(
                    (path, f"{repo!r} is also the name of {erasure_names[repo]}'s erasure job (its queue, role and component): rename one")
                )
            first_repo.setdefault(repo, path)
    problems += _infra_repository_problems(config, set(first_repo))
    problems += _registry_scope_problems(config)
    problems += _edge_problems(config)
    return problems


def public_host(config: PlatformConfig, service: Service) -> str:
    """A public service's host: its own, else ``<service>.<edge.domain>``."""
    assert service.public is not None and config.edge is not None
    return service.public.host or f"{service.name}.{config.edge.domain}"


def rate_limit(config: PlatformConfig, tenant: Tenant) -> int:
    assert config.edge is not None
    return tenant.edge.rate_limit_per_5_min or config.edge.rate_limit_per_5_min


def _edge_problems(config: PlatformConfig) -> list[tuple[str, str]]:
    """Public routes need the stack's edge; their hosts are in its zone, each routed once; rate limits
    are ones WAF accepts in the region."""
    problems: list[tuple[str, str]] = []
    floor = edge.waf_rate_limit_minimum(config.region)
    if config.edge is not None and config.edge.rate_limit_per_5_min < floor:
        problems.append(
            (
                "edge.rateLimitPer5Min",
                f"is {config.edge.rate_limit_per_5_min}; WAF's rate-based rules take at least {floor} in {config.region}",
            )
        )
    routes: dict[tuple[str, str], str] = {}
    for t_index, tenant in enumerate(config.tenants):
        limit = tenant.edge.rate_limit_per_5_min
        if limit is not None and limit < floor:
            problems.append(
                (
                    f"tenants[{t_index}].edge.rateLimitPer5Min",
                    f"is {limit}; WAF's rate-based rules take at least {floor} in {config.region}",
                )
            )
        for s_index, service in enumerate(tenant.services):
            if service.public is None:
                continue
            where = f"tenants[{t_index}].services[{s_index}].public"
            if config.edge is None:
                problems.append(
                    (where, "a public service needs the stack's edge: set edge.domain and edge.hostedZoneId (README, The edge)")
                )
                continue
            host = public_host(config, service)
            if not edge.in_zone(host, config.edge.domain):
                problems.append(
                    (
                        f"{where}.host",
                        f"{host!r} is outside the zone {config.edge.domain!r} (edge.domain): its certificate could not be validated",
                    )
                )
                continue
            key = (host, service.public.path)
            if key in routes:
                problems.append(
                    (f"{where}.host", f"{host}{service.public.path} is already routed by {routes[key]}: one route per host and path")
                )
            routes.setdefault(key, where)
    return problems


def _registry_scope_problems(config: PlatformConfig) -> list[tuple[str, str]]:
    """Allow-lists may not reach into the stack's own registry: admission already gives each tenant its
    own repositories there and the platform's; an entry naming the registry, another tenant's repositories
    or the platform's would switch that isolation off where it applies (ADR-0003)."""
    registry = platform_registry(config)
    entries: list[tuple[str, str, str | None]] = [
        (f"kubernetes.allowedRegistries[{i}]", r, None) for i, r in enumerate(config.kubernetes.allowed_registries)
    ]
    entries += [
        (f"tenants[{t}].allowedRegistries[{i}]", r, tenant.name)
        for t, tenant in enumerate(config.tenants)
        for i, r in enumerate(tenant.allowed_registries)
    ]
    problems = []
    for field, entry, owner in entries:
        host, _, path = entry.partition("/")
        if host.lower() != registry:
            continue
        reached = path.split("/", 1)[0] or "every repository"
        whose = "the whole registry" if not path else f"repositories under {reached!r}"
        scope = "every namespace" if owner is None else f"tenant {owner!r}"
        problems.append(
            (
                field,
                f"{entry!r} is this stack's own registry ({whose}): admission already admits each tenant's own and the "
                f"platform's repositories there, and this would admit more to {scope}; remove it",
            )
        )
    return problems


def _infra_repository_problems(config: PlatformConfig, service_repositories: set[str]) -> list[tuple[str, str]]:
    """The repository that runs the program must be none the program creates: the deploy and preview roles
    trust it, so a tenant team pushing a workflow there would hold the platform (ADR-0019)."""
    infra, field = config.github.infra_repository, "github.infraRepository"
    if infra in (".", ".."):
        return [(field, f"{infra!r} is not a repository name GitHub accepts")]
    owned = {TEMPLATE_REPOSITORY: "the golden template", **{r.name: "a platform repository" for r in PLATFORM_REPOSITORIES}}
    owned |= {repo: "a tenant's service repository" for repo in service_repositories}
    if infra.lower() in {name.lower() for name in owned}:  # GitHub repository names are case-insensitive
        what = next(v for k, v in owned.items() if k.lower() == infra.lower())
        return [
            (
                field,
                f"{infra!r} is {what}, which the program creates and others push to: the deploy role would trust "
                "workflows it does not control; name the repository that runs `pulumi up`",
            )
        ]
    return []
