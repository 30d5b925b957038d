"""A tenant's public entry (#29 items 2-3, ADR-0028): its ``kind: api`` services that opt in
(``services[].public``) are reached from the internet through one Application Load Balancer of its
own, which the AWS Load Balancer Controller (in ``platform-gateway``) provisions from objects the
platform creates here:

- an ACM certificate for the tenant's hosts, validated by DNS records in the stack's Route 53 zone;
- a WAFv2 web ACL (AWS managed rule groups and a rate-based rule at the tenant's limit), logging to a
  ``aws-waf-logs-*`` log group kept for the tenant's data class;
- an ``IngressClass`` with its ``IngressClassParams``: internet-facing, HTTPS only with a modern TLS
  policy (HTTP redirected), the certificate, the web ACL, the tenant's cost tags, usable only from
  the tenant's namespace (the controller refuses an Ingress of another namespace);
- the ``Ingress`` routing each public host and path to its service (the template's ``http`` port).

Everything is the tenant's own: onboarding one changes no shared object (a shared ALB would need a
shared web ACL and certificate that every onboarding rewrites). The tenant's repository cannot route
itself (its Argo CD project refuses ``Ingress``: ``delivery.GUARDRAIL_KINDS``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components import options
from components.aws.log_group import log_group
from components.context import StackContext
from components.naming import physical_name
from policy_pack.policies.contract import (
    EDGE_CONTROLLER,
    EDGE_MANAGED_RULE_GROUPS,
    EDGE_RATE_RULE,
    WAF_LOG_GROUP_PREFIX,
)
from policy_pack.policies.lifecycle import Retention

#: TLS policies of an ALB's HTTPS listener the platform admits (Elastic Load Balancing's security
#: policies): TLS 1.2 and 1.3 only, forward secrecy; the default keeps TLS 1.2 to its restricted
#: (AES-GCM, ECDHE) ciphers.
MODERN_TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
)
DEFAULT_TLS_POLICY = MODERN_TLS_POLICIES[0]
#: A rate-based rule counts requests per client IP over 5 minutes (WAF's evaluation window, seconds).
RATE_WINDOW_SECONDS = 300
DEFAULT_RATE_LIMIT_PER_5_MIN = 2000
WAF_RATE_LIMIT_MAX = 2_000_000_000
#: Regions where WAF kept its earlier floor of 100 when it lowered it to 10 (AWS What's New, 2024-08-30).
_FLOOR_100_REGIONS = frozenset({"ap-south-2", "eu-south-2", "ap-southeast-4", "eu-central-2", "il-central-1"})
#: Headers never written to the WAF logs (credentials).
REDACTED_HEADERS = ("authorization", "cookie")
#: The template's Service port (``templates/golden-service/deploy/base/service.yaml``) and health path.
SERVICE_PORT = "http"
HEALTH_PATH = "/healthz"


def waf_rate_limit_minimum(region: str) -> int:
    """The lowest limit WAF accepts for a rate-based rule in ``region``."""
    return 100 if region in _FLOOR_100_REGIONS or region.startswith(("us-gov-", "cn-")) else 10


def waf_log_group_name(name_prefix: str, tenant: str) -> str:
    """WAF delivers logs only to a log group whose name starts with ``aws-waf-logs-``."""
    return f"{WAF_LOG_GROUP_PREFIX}{name_prefix}-{tenant}"


def ingress_class_name(tenant: str) -> str:
    return f"{tenant}-public"


def in_zone(host: str, domain: str) -> bool:
    """Whether ``host`` is a name inside ``domain``'s zone (the zone's apex included)."""
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith(f".{domain}")


@dataclass(frozen=True)
class PublicRoute:
    """Attributes:
    service: The tenant's service (its Kubernetes Service, the template's ``http`` port).
    host: The public name (in the stack's zone).
    path: The path prefix routed to it. Default ``/``.
    """

    service: str
    host: str
    path: str = "/"


def _metric(name: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": name, "sampled_requests_enabled": True}


def web_acl_rules(tenant: str, rate_limit: int) -> list[dict[str, Any]]:
    """The web ACL's rules: the rate-based rule first (a flood is blocked before the managed groups
    spend capacity on it), then AWS's managed groups, each in its own rule (``none``: their actions
    apply). 1,127 WCUs together: within the 1,500 a web ACL has without extra charge."""
    rules: list[dict[str, Any]] = [
        {
            "name": EDGE_RATE_RULE,
            "priority": 0,
            "action": {"block": {}},
            "statement": {
                "rate_based_statement": {"limit": rate_limit, "aggregate_key_type": "IP", "evaluation_window_sec": RATE_WINDOW_SECONDS}
            },
            "visibility_config": _metric(f"{tenant}-{EDGE_RATE_RULE}"),
        }
    ]
    for priority, group in enumerate(EDGE_MANAGED_RULE_GROUPS, start=1):
        rules.append(
            {
                "name": group,
                "priority": priority,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
                "visibility_config": _metric(f"{tenant}-{group}"),
            }
        )
    return rules


def ingress_class_params_spec(
    tenant: str,
    *,
    certificate_arn: pulumi.Input[str],
    web_acl_arn: pulumi.Input[str],
    subnet_ids: list[pulumi.Input[str]],
    tls_policy: str,
    tags: dict[str, str],
) -> dict[str, Any]:
    """What every Ingress of the tenant's class gets, whatever its annotations say (the controller
    ignores the annotations these fields cover): one internet-facing ALB in the public subnets,
    HTTPS with the tenant's certificate and ``tls_policy``, HTTP redirected to 443, the web ACL, pod
    IPs as targets, the cost tags; only Ingresses of the tenant's namespace may use it."""
    return {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": tenant}},
        "group": {"name": tenant},
        "scheme": "internet-facing",
        "targetType": "ip",
        "sslPolicy": tls_policy,
        "sslRedirectPort": "443",
        "certificateArn": [certificate_arn],
        "wafv2AclArn": web_acl_arn,
        "subnets": {"ids": list(subnet_ids)},
        "tags": [{"key": k, "value": v} for k, v in sorted(tags.items())],
        # Requests with header names that are not valid HTTP are dropped, not forwarded (request smuggling).
        "loadBalancerAttributes": [{"key": "routing.http.drop_invalid_header_fields.enabled", "value": "true"}],
    }


def ingress_spec(tenant: str, routes: list[PublicRoute]) -> dict[str, Any]:
    """One rule per host, each route's path prefix to its service's ``http`` port."""
    hosts: dict[str, list[dict[str, Any]]] = {}
    for route in routes:
        hosts.setdefault(route.host, []).append(
            {
                "path": route.path,
                "pathType": "Prefix",
                "backend": {"service": {"name": route.service, "port": {"name": SERVICE_PORT}}},
            }
        )
    return {
        "ingressClassName": ingress_class_name(tenant),
        "rules": [{"host": host, "http": {"paths": paths}} for host, paths in sorted(hosts.items())],
    }


def ingress_annotations(shield_advanced: bool) -> dict[str, str]:
    return {
        # HTTP only to redirect (sslRedirectPort): the class's params make every request HTTPS.
        "alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        "alb.ingress.kubernetes.io/healthcheck-path": HEALTH_PATH,
        "alb.ingress.kubernetes.io/shield-advanced-protection": "true" if shield_advanced else "false",
        # The Services come from the repository (Argo CD) and the ALB from the controller: Pulumi does
        # not wait for either (the canary and the synthetic probes judge the path).
        "pulumi.com/skipAwait": "true",
    }


@dataclass(frozen=True)
class TenantEdgeArgs:
    """Attributes:
    tenant: Name and namespace.
    routes: Its public routes (at least one).
    hosted_zone_id / domain: The stack's Route 53 zone (certificate validation; external-dns writes the hosts).
    rate_limit_per_5_min: Requests one client IP may send in 5 minutes before WAF blocks it.
    tls_policy: The HTTPS listener's security policy.
    shield_advanced: Ask the controller to protect the ALB with Shield Advanced (the account subscribes).
    public_subnet_ids: Where the ALB's nodes are.
    cost_tags: The tags of what the controller creates for the tenant (ALB, target groups, security groups).
    waf_log_key_arn: Encrypts the WAF logs (the platform data key: its policy admits CloudWatch Logs).
    retention: The tenant's data class (the WAF logs hold its clients' requests).
    """

    tenant: str
    routes: list[PublicRoute]
    hosted_zone_id: str
    domain: str
    rate_limit_per_5_min: int
    tls_policy: str
    shield_advanced: bool
    public_subnet_ids: list[pulumi.Input[str]]
    cost_tags: dict[str, str]
    waf_log_key_arn: pulumi.Input[str]
    retention: Retention


class TenantEdge(pulumi.ComponentResource):
    """The tenant's public entry; ``opts`` carries the AWS and Kubernetes providers."""

    web_acl_arn: pulumi.Output[str]
    certificate_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TenantEdgeArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:tenant:TenantEdge", name, None, opts)
        child = options.child(self, opts)
        hosts = sorted({r.host for r in args.routes})
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=hosts[0],
            subject_alternative_names=hosts[1:],
            validation_method="DNS",
            options={"certificate_transparency_logging_preference": "ENABLED"},
            opts=options.child(self, opts),
        )
        records = []
        for index, host in enumerate(hosts):
            option = certificate.domain_validation_options.apply(functools.partial(_validation_option, host=host))
            records.append(
                aws.route53.Record(
                    f"{name}-validation-{index}",
                    zone_id=args.hosted_zone_id,
                    name=option.apply(lambda o: o["resource_record_name"]),
                    type=option.apply(lambda o: o["resource_record_type"]),
                    records=[option.apply(lambda o: o["resource_record_value"])],
                    ttl=300,
                    allow_overwrite=True,
                    opts=child,
                )
            )
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[r.fqdn for r in records],
            opts=child,
        )
        acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            name=physical_name(ctx.name_prefix, args.tenant, "edge", max_length=128),
            description=f"{args.tenant}: its public entry (managed rule groups, {args.rate_limit_per_5_min} requests per IP per 5 min)",
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=web_acl_rules(args.tenant, args.rate_limit_per_5_min),
            visibility_config=_metric(f"{args.tenant}-edge"),
            opts=child,
        )
        logs = log_group(
            f"{name}-waf-logs",
            log_group_name=waf_log_group_name(ctx.name_prefix, args.tenant),
            retention=args.retention,
            kms_key_arn=args.waf_log_key_arn,
            opts=options.child(self, opts, keep=ctx.protect),
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-waf-logging",
            resource_arn=acl.arn,
            log_destination_configs=[logs.arn],
            redacted_fields=[{"single_header": {"name": header}} for header in REDACTED_HEADERS],
            opts=child,
        )
        class_name = ingress_class_name(args.tenant)
        params = k8s.apiextensions.CustomResource(
            f"{name}-class-params",
            api_version="elbv2.k8s.aws/v1beta1",
            kind="IngressClassParams",
            metadata={"name": class_name},
            # Outputs at the leaves only: what the pack judges (scheme, namespaces, TLS) is known at a first preview.
            spec=ingress_class_params_spec(
                args.tenant,
                certificate_arn=validation.certificate_arn,
                web_acl_arn=acl.arn,
                subnet_ids=list(args.public_subnet_ids),
                tls_policy=args.tls_policy,
                tags=args.cost_tags,
            ),
            opts=child,
        )
        ingress_class = k8s.networking.v1.IngressClass(
            f"{name}-class",
            metadata={"name": class_name},
            spec={
                "controller": EDGE_CONTROLLER,
                "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": class_name},
            },
            opts=options.child(self, opts, after=[params]),
        )
        k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata={"name": class_name, "namespace": args.tenant, "annotations": ingress_annotations(args.shield_advanced)},
            spec=ingress_spec(args.tenant, args.routes),
            opts=options.child(self, opts, after=[ingress_class]),
        )
        self.web_acl_arn = acl.arn
        self.certificate_arn = validation.certificate_arn
        self.register_outputs({"webAclArn": acl.arn, "certificateArn": validation.certificate_arn, "hosts": hosts})


def _validation_option(found: Any, *, host: str) -> dict[str, str]:
    """ACM's validation record for ``host`` (a preview without the certificate: empty values)."""
    for option in found or []:
        if option.get("domain_name") == host:
            return option
    return {"resource_record_name": "", "resource_record_type": "CNAME", "resource_record_value": ""}
