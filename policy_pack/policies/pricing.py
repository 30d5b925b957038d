"""The monthly cost estimate of a plan, per tenant (ADR-0007): pure functions over the resources of a
stack, shared by `blueprint plan` / `blueprint finops estimate` and the rule tenant-estimate-within-budget
(the pack runs standalone, so the estimator lives beside it, like the contract).

Prices come from a versioned catalog per region (``data/prices/<region>.json``: unit price, unit,
source, retrieval date, verified or not). How a resource consumes them is a *meter* here, one per
billed type: fixed quantities come from the resource's inputs (hours, instance types, node counts),
usage quantities from the usage profile its tenant records (requests, GB). Money is Decimal; a line
is rounded to the cent and every total is the sum of its lines, so a report always adds up.

Shared (platform) cost is split across tenants by the weights the platform records (even, by quota
tier, or fixed weights), cent-exact by largest remainder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from . import contract

PRICES = Path(__file__).parent / "data" / "prices"
CENT = Decimal("0.01")
MILLION = Decimal(1_000_000)
#: Requests an outbox message costs SQS: send, receive, delete.
SQS_REQUESTS_PER_MESSAGE = 3

#: The usage profile: what a month of traffic and data looks like, where the resource alone cannot
#: say. Defaults here; ``finops.usage`` in the stack config overrides them for every tenant and the
#: platform, ``tenants[].usage`` for one tenant. Every report prints the profile it used.
USAGE_DEFAULTS: dict[str, tuple[Decimal, str]] = {
    "requestsPerMonth": (
        Decimal("1000000"),
        "requests each tenant service handles a month: one outbox message and one write and one read of the idempotency table each",
    ),
    "erasureRequestsPerMonth": (Decimal("100"), "erasure requests a tenant of a class with erasure receives a month (ADR-0005)"),
    "storageGb": (Decimal("10"), "GB stored in each bucket"),
    "logsGbPerMonth": (Decimal("5"), "GB each log group ingests a month (kept for its retention, at most a year counted)"),
    "imageStorageGb": (Decimal("2"), "GB of images in each image repository"),
    "natGbPerMonth": (Decimal("100"), "GB through each NAT gateway a month"),
    "endpointGbPerMonth": (Decimal("20"), "GB through each interface endpoint a month"),
    "databaseStorageGb": (Decimal("50"), "GB of Aurora storage"),
    "databaseIoMillions": (Decimal("50"), "million Aurora I/O requests a month"),
    "backupStorageGb": (Decimal("100"), "GB of recovery points in each backup vault"),
    "trailDataEventsMillions": (Decimal("1"), "million S3 data events the trail records a month"),
    "autoscaledNodes": (
        Decimal("1"),
        "nodes the cluster autoscaler keeps above cluster.nodeDesired on average (at most nodeMax - nodeDesired): "
        "the capacity KEDA's scaled-out workers take",
    ),
    "edgeLcus": (
        Decimal("1"),
        "load balancer capacity units each tenant's ALB uses on average (its busiest dimension: new and active "
        "connections, processed GB, rule evaluations)",
    ),
}


def default_usage() -> dict[str, Decimal]:
    return {key: value for key, (value, _) in USAGE_DEFAULTS.items()}


class CatalogError(ValueError):
    """The price catalog is missing or malformed."""


@dataclass(frozen=True)
class Price:
    key: str
    unit: str
    source: str
    retrieved: str
    verified: bool
    unit_price: Decimal | None = None
    by_instance_type: Mapping[str, Decimal] = field(default_factory=dict)
    tiers: tuple[tuple[Decimal | None, Decimal], ...] = ()

    def cost(self, quantity: Decimal, instance_type: str | None = None) -> tuple[Decimal, Decimal]:
        """(monthly cost unrounded, effective unit price) of ``quantity`` units."""
        if self.by_instance_type:
            price = self.by_instance_type[str(instance_type)]
            return quantity * price, price
        if self.tiers:
            total, below = Decimal(0), Decimal(0)
            for up_to, price in self.tiers:
                top = quantity if up_to is None else min(quantity, up_to)
                if top > below:
                    total += (top - below) * price
                below = top if up_to is None else up_to
                if up_to is None or quantity <= up_to:
                    break
            return total, (total / quantity).quantize(Decimal("0.000001")) if quantity else self.tiers[0][1]
        assert self.unit_price is not None
        return quantity * self.unit_price, self.unit_price


@dataclass(frozen=True)
class Catalog:
    region: str
    version: str
    currency: str
    hours: Decimal
    sources: Mapping[str, str]
    prices: Mapping[str, Price]
    types: Mapping[str, Mapping[str, str]]
    free_prefixes: Mapping[str, str]
    #: Set when the region has no catalog of its own: every priced type is unpriced, for this reason.
    missing: str = ""

    def kind(self, resource_type: str) -> tuple[str, str]:
        """('priced' | 'usage' | 'free', reason) for a type; ('unknown', why) when the catalog lacks it."""
        entry = self.types.get(resource_type)
        if entry is not None:
            if self.missing and entry["kind"] != "free":
                return "unknown", self.missing
            return entry["kind"], entry.get("reason", "")
        for prefix, reason in self.free_prefixes.items():
            if resource_type.startswith(prefix):
                return "free", reason
        return "unknown", f"the {self.region} price catalog ({self.version}) has no entry for this type"


def _decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise CatalogError(f"{where}: prices are decimal strings, got {value!r}")
    return Decimal(value)


@cache
def load_catalog(region: str) -> Catalog:
    path = PRICES / f"{region}.json"
    if not path.is_file():
        available = sorted(p.stem for p in PRICES.glob("*.json"))
        raise CatalogError(f"no price catalog for region {region!r} (catalogs: {', '.join(available)}); add {path.name}")
    raw = json.loads(path.read_text())
    prices = {}
    for key, entry in raw["prices"].items():
        tiers = tuple(
            (_decimal(t["upTo"], f"{key}.tiers") if "upTo" in t else None, _decimal(t["unitPrice"], f"{key}.tiers"))
            for t in entry.get("tiers", [])
        )
        prices[key] = Price(
            key=key,
            unit=entry["unit"],
            source=raw["sources"][entry["source"]],
            retrieved=entry["retrieved"],
            verified=bool(entry["verified"]),
            unit_price=_decimal(entry["unitPrice"], key) if "unitPrice" in entry else None,
            by_instance_type={k: _decimal(v, f"{key}.{k}") for k, v in entry.get("byInstanceType", {}).items()},
            tiers=tiers,
        )
    return Catalog(
        region=raw["region"],
        version=raw["version"],
        currency=raw["currency"],
        hours=Decimal(raw["hoursPerMonth"]),
        sources=raw["sources"],
        prices=prices,
        types=raw["types"],
        free_prefixes=raw["freePrefixes"],
    )


def catalog_for(region: str) -> Catalog:
    """The region's catalog; for a region without one, a catalog that prices nothing and says why (what
    is free stays free: that does not depend on the region), so a plan in any region the config model
    accepts reports its resources as unpriced instead of failing."""
    if (PRICES / f"{region}.json").is_file():
        return load_catalog(region)
    available = sorted(p.stem for p in PRICES.glob("*.json"))
    reference = load_catalog(available[0])
    return replace(
        reference,
        region=region,
        version="none",
        prices={},
        missing=f"no price catalog for region {region} (catalogs: {', '.join(available)}): add "
        f"policy_pack/policies/data/prices/{region}.json to price it",
    )


# -- the resources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """What the estimator reads of a resource: inputs (or state), and whose it is."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    parent: str | None
    tenant: str


@dataclass(frozen=True)
class Profiles:
    """What the components record for FinOps: usage per tenant and for the platform, split weights."""

    platform: Mapping[str, Decimal]
    tenants: Mapping[str, Mapping[str, Decimal]]
    weights: Mapping[str, Decimal]
    rule: str
    budgets: Mapping[str, Decimal]

    def usage(self, tenant: str) -> Mapping[str, Decimal]:
        return self.tenants.get(tenant, self.platform)


def _numbers(value: Any) -> dict[str, Decimal]:
    return {str(k): Decimal(str(v)) for k, v in (value or {}).items()} if isinstance(value, Mapping) else {}


def profiles(resources: Iterable[Resource]) -> Profiles:
    """Read the FinOps profile the Platform and each Tenant component record under ``finops`` (each the
    effective one: the program merges the defaults, ``finops.usage`` and the tenant's own ``usage``)."""
    platform: dict[str, Decimal] = default_usage()
    rule, tenants, weights, budgets = "even", {}, {}, {}
    for r in resources:
        finops = r.props.get("finops") if isinstance(r.props, Mapping) else None
        if not isinstance(finops, Mapping):
            continue
        if r.type == contract.TENANT_COMPONENT:
            tenants[r.name] = {**default_usage(), **_numbers(finops.get("usage"))}
            weights[r.name] = Decimal(str(finops.get("shareWeight", 1)))
            if finops.get("monthlyBudgetUsd") is not None:
                budgets[r.name] = Decimal(str(finops["monthlyBudgetUsd"]))
        elif r.type == contract.PLATFORM_COMPONENT:
            platform = {**default_usage(), **_numbers(finops.get("usage"))}
            rule = str(finops.get("sharedCostSplit", "even"))
    return Profiles(platform, tenants, weights, rule, budgets)


# -- meters: how a resource of a billed type consumes its prices ---------------------------------------

#: (what, price key, quantity, instance type or None)
Use = tuple[str, str, Decimal, str | None]


@dataclass(frozen=True)
class MeterContext:
    catalog: Catalog
    usage: Mapping[str, Decimal]
    siblings: Sequence[Resource]


def _get(props: Mapping[str, Any], path: str, default: Any = None) -> Any:
    value: Any = props
    for key in path.split("."):
        if isinstance(value, Sequence) and not isinstance(value, str) and key.isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        elif isinstance(value, Mapping):
            value = value.get(key)
        else:
            return default
        if value is None:
            return default
    return value


def _hours(_r: Resource, ctx: MeterContext, what: str, key: str) -> list[Use]:
    return [(what, key, ctx.catalog.hours, None)]


#: The tag a node group whose size the Cluster Autoscaler owns carries (components/aws/cluster.py).
AUTOSCALED_TAG = "k8s.io/cluster-autoscaler/enabled"


def _node_group(r: Resource, ctx: MeterContext) -> list[Use]:
    nodes = Decimal(str(_get(r.props, "scalingConfig.desiredSize", 0)))
    instance_type = str(_get(r.props, "instanceTypes.0", ""))
    uses: list[Use] = [("instances", "ec2.instanceHour", nodes * ctx.catalog.hours, instance_type)]
    if str((_get(r.props, "tags") or {}).get(AUTOSCALED_TAG, "")).lower() == "true":
        # The nodes the autoscaler adds for scaled-out workers (usage autoscaledNodes), never past nodeMax.
        headroom = max(Decimal(str(_get(r.props, "scalingConfig.maxSize", 0))) - nodes, Decimal(0))
        extra = min(ctx.usage["autoscaledNodes"], headroom)
        uses.append(("autoscaled instances (usage autoscaledNodes)", "ec2.instanceHour", extra * ctx.catalog.hours, instance_type))
        nodes += extra
    volume = next(
        (
            Decimal(str(_get(t.props, "blockDeviceMappings.0.ebs.volumeSize")))
            for t in ctx.siblings
            if t.type == "aws:ec2/launchTemplate:LaunchTemplate" and _get(t.props, "blockDeviceMappings.0.ebs.volumeSize")
        ),
        Decimal(20),  # EKS's default node volume
    )
    uses.append(("node volumes (gp3)", "ebs.gp3GbMonth", nodes * volume, None))
    return uses


def _proxy(r: Resource, ctx: MeterContext) -> list[Use]:
    vcpus = ctx.catalog.prices["rds.instanceVcpus"].by_instance_type
    instances = [str(_get(s.props, "instanceClass")) for s in ctx.siblings if s.type == "aws:rds/clusterInstance:ClusterInstance"]
    total = sum((vcpus[i] for i in instances), Decimal(0))
    return [("vCPUs of the database instances it fronts", "rds.proxyVcpuHour", total * ctx.catalog.hours, None)]


def _endpoint(r: Resource, ctx: MeterContext) -> list[Use]:
    """An interface endpoint is billed per hour in each zone it has a network interface in (its subnets)."""
    subnets = _get(r.props, "subnetIds")
    zones = Decimal(max(1, len(subnets) if isinstance(subnets, Sequence) and not isinstance(subnets, str) else 1))
    return [
        ("endpoint hours, one per zone", "ec2.interfaceEndpointHour", zones * ctx.catalog.hours, None),
        ("data processed", "ec2.interfaceEndpointGb", ctx.usage["endpointGbPerMonth"], None),
    ]


def _log_group(r: Resource, ctx: MeterContext) -> list[Use]:
    ingested = ctx.usage["logsGbPerMonth"]
    retention = Decimal(str(_get(r.props, "retentionInDays", 365)))
    months_kept = min(retention, Decimal(365)) / Decimal(30)
    return [
        ("ingestion", "logs.ingestedGb", ingested, None),
        ("storage at steady state", "logs.storedGbMonth", ingested * months_kept, None),
    ]


def _queue(r: Resource, ctx: MeterContext) -> list[Use]:
    if not _get(r.props, "redrivePolicy"):
        return []  # a dead-letter queue: only failed messages
    if str(_get(r.props, "name", "")).endswith(f"-{contract.ERASURE_NAME}"):
        requests = ctx.usage["erasureRequestsPerMonth"]
        return [("erasure requests (send, receive, delete)", "sqs.requestsMillion", requests * SQS_REQUESTS_PER_MESSAGE / MILLION, None)]
    messages = ctx.usage["requestsPerMonth"]
    return [("outbox messages (send, receive, delete)", "sqs.requestsMillion", messages * SQS_REQUESTS_PER_MESSAGE / MILLION, None)]


def _table(_r: Resource, ctx: MeterContext) -> list[Use]:
    requests = ctx.usage["requestsPerMonth"] / MILLION
    return [("writes", "dynamodb.writeMillion", requests, None), ("reads", "dynamodb.readMillion", requests, None)]


def _web_acl(r: Resource, ctx: MeterContext) -> list[Use]:
    """The ACL, its rules (a managed rule group is one), and the requests of the routes it guards
    (a sibling Ingress's paths, each a service: requestsPerMonth)."""
    rules = _get(r.props, "rules", [])
    paths = sum(
        len(_get(rule, "http.paths", []) or [])
        for s in ctx.siblings
        if s.type == "kubernetes:networking.k8s.io/v1:Ingress"
        for rule in _get(s.props, "spec.rules", []) or []
    )
    return [
        ("web ACL", "waf.webAclMonth", Decimal(1), None),
        ("rules", "waf.ruleMonth", Decimal(len(rules) if isinstance(rules, Sequence) else 0), None),
        ("requests inspected", "waf.requestsMillion", ctx.usage["requestsPerMonth"] * max(paths, 1) / MILLION, None),
    ]


METERS: dict[str, Callable[[Resource, MeterContext], list[Use]]] = {
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams": lambda r, ctx: [
        ("load balancer hours", "elb.albHour", ctx.catalog.hours, None),
        ("load balancer capacity units", "elb.lcuHour", ctx.usage["edgeLcus"] * ctx.catalog.hours, None),
    ],
    "aws:eks/cluster:Cluster": lambda r, ctx: _hours(r, ctx, "control plane", "eks.clusterHour"),
    "aws:ec2/natGateway:NatGateway": lambda r, ctx: [
        *_hours(r, ctx, "gateway", "ec2.natGatewayHour"),
        ("data processed", "ec2.natGatewayGb", ctx.usage["natGbPerMonth"], None),
    ],
    "aws:ec2/eip:Eip": lambda r, ctx: _hours(r, ctx, "public IPv4 address", "ec2.publicIpv4Hour"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:rds/clusterInstance:ClusterInstance": lambda r, ctx: [
        ("instance", "rds.instanceHour", ctx.catalog.hours, str(_get(r.props, "instanceClass", "")))
    ],
    "aws:rds/cluster:Cluster": lambda r, ctx: [
        ("storage", "rds.storageGbMonth", ctx.usage["databaseStorageGb"], None),
        ("I/O", "rds.ioMillion", ctx.usage["databaseIoMillions"], None),
    ],
    "aws:rds/proxy:Proxy": _proxy,
    "aws:kms/key:Key": lambda r, ctx: [("key", "kms.keyMonth", Decimal(1), None)],
    # A multi-region replica is billed as a key of its own.
    "aws:kms/replicaKey:ReplicaKey": lambda r, ctx: [("key", "kms.keyMonth", Decimal(1), None)],
    "aws:cloudwatch/metricAlarm:MetricAlarm": lambda r, ctx: [("alarm", "cloudwatch.alarmMonth", Decimal(1), None)],
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": lambda r, ctx: [("custom metric", "cloudwatch.metricMonth", Decimal(1), None)],
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudtrail/trail:Trail": lambda r, ctx: [
        ("S3 data events", "cloudtrail.dataEventsMillion", ctx.usage["trailDataEventsMillions"], None)
    ],
    "aws:s3/bucket:Bucket": lambda r, ctx: [("storage (S3 Standard)", "s3.standardGbMonth", ctx.usage["storageGb"], None)],
    "aws:sqs/queue:Queue": _queue,
    "aws:dynamodb/table:Table": _table,
    "aws:ecr/repository:Repository": lambda r, ctx: [("image storage", "ecr.storageGbMonth", ctx.usage["imageStorageGb"], None)],
    "aws:backup/vault:Vault": lambda r, ctx: [("recovery points", "backup.warmGbMonth", ctx.usage["backupStorageGb"], None)],
}


# -- the estimate -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    urn: str
    type: str
    tenant: str
    what: str
    monthly: Decimal
    quantity: Decimal
    unit: str
    unit_price: Decimal
    source: str
    verified: bool


@dataclass(frozen=True)
class Unpriced:
    urn: str
    type: str
    reason: str


@dataclass(frozen=True)
class Estimate:
    catalog: Catalog
    lines: list[Line]
    unpriced: list[Unpriced]
    free: int
    direct: dict[str, Decimal]
    shared: Decimal
    share: dict[str, Decimal]
    profiles: Profiles
    tag_coverage: dict[str, Any]

    @property
    def total(self) -> Decimal:
        return sum((line.monthly for line in self.lines), Decimal(0))

    def with_share(self) -> dict[str, Decimal]:
        return {t: self.direct.get(t, Decimal(0)) + self.share.get(t, Decimal(0)) for t in self.tenants}

    @property
    def tenants(self) -> list[str]:
        return sorted(set(self.profiles.tenants) | {t for t in self.direct if t != contract.SHARED_TENANT})


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def split(amount: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """``amount`` (whole cents) split by ``weights``, cent-exact: largest remainder, ties by name."""
    total = sum(weights.values(), Decimal(0))
    if not weights or total <= 0:
        return {}
    units = int((amount / CENT).to_integral_value())
    exact = {t: Decimal(units) * w / total for t, w in weights.items()}
    floors = {t: int(v) for t, v in exact.items()}
    left = units - sum(floors.values())
    for t in sorted(exact, key=lambda t: (-(exact[t] - floors[t]), t))[:left]:
        floors[t] += 1
    return {t: Decimal(n) * CENT for t, n in sorted(floors.items())}


def _tag_coverage(resources: Sequence[Resource], lines: Sequence[Line], taggable: frozenset[str]) -> dict[str, Any]:
    subjects = [r for r in resources if r.type in taggable]
    untagged = sorted(
        r.urn
        for r in subjects
        if not (isinstance(tags := r.props.get("tags"), Mapping) and all(tags.get(k) for k in contract.REQUIRED_COST_TAGS))
    )
    cost = sum((line.monthly for line in lines), Decimal(0))
    untagged_urns = set(untagged)
    untagged_cost = sum((line.monthly for line in lines if line.urn in untagged_urns), Decimal(0))
    by_count = Decimal(len(subjects) - len(untagged)) * 100 / len(subjects) if subjects else Decimal(100)
    by_cost = (cost - untagged_cost) * 100 / cost if cost else Decimal(100)
    return {"byCount": cents(by_count), "byCost": cents(by_cost), "untagged": untagged}


def estimate(resources: Sequence[Resource], region: str, taggable: frozenset[str] = frozenset()) -> Estimate:
    catalog = catalog_for(region)
    found = profiles(resources)
    by_parent: dict[str | None, list[Resource]] = {}
    for r in resources:
        by_parent.setdefault(r.parent, []).append(r)
    lines: list[Line] = []
    unpriced: list[Unpriced] = []
    free = 0
    for r in resources:
        if r.type.startswith("fintech:"):
            continue  # components: their children are the resources
        kind, reason = catalog.kind(r.type)
        if kind == "free":
            free += 1
            continue
        meter = METERS.get(r.type)
        if kind == "unknown" or meter is None:
            unpriced.append(Unpriced(r.urn, r.type, reason or "no meter for this type in policy_pack/policies/pricing.py"))
            continue
        ctx = MeterContext(catalog, found.usage(r.tenant), by_parent.get(r.parent, []))
        for what, key, quantity, instance_type in meter(r, ctx):
            price = catalog.prices[key]
            if price.by_instance_type and instance_type not in price.by_instance_type:
                unpriced.append(Unpriced(r.urn, r.type, f"{key}: no price for {instance_type!r} in the {region} catalog"))
                continue
            monthly, unit_price = price.cost(quantity, instance_type)
            unit = f"{price.unit} ({instance_type})" if instance_type else price.unit
            lines.append(Line(r.urn, r.type, r.tenant, what, cents(monthly), quantity, unit, unit_price, price.source, price.verified))
    direct: dict[str, Decimal] = {}
    for line in lines:
        direct[line.tenant] = direct.get(line.tenant, Decimal(0)) + line.monthly
    shared = direct.pop(contract.SHARED_TENANT, Decimal(0))
    share = split(shared, found.weights)
    return Estimate(catalog, lines, unpriced, free, direct, shared, share, found, _tag_coverage(resources, lines, taggable))
