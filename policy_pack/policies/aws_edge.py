"""The public entry (ADR-0028, seed: "the API gateway is the single entry point for external clients:
security (WAF, rate-limit), routing"): a route from the internet reaches a tenant only through an
IngressClass of the AWS Load Balancer Controller whose parameters fix an internet-facing ALB to HTTPS
with a modern TLS policy, a certificate, the tenant's namespace and a web ACL that holds AWS's managed
rule groups and a rate-based rule, and whose requests are logged."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from . import contract
from ._lib import HIGH, Finding, ResourceRule, StackRule, UnknownValueError, get, is_set, items, named

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CLASS_PARAMS = "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams"
INGRESS_CLASS = "kubernetes:networking.k8s.io/v1:IngressClass"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
#: TLS 1.2+ with forward secrecy only (Elastic Load Balancing's TLS13 policies).
MODERN_TLS_POLICY_PREFIX = "ELBSecurityPolicy-TLS13-"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def _rate_rules(props) -> list:
    return [r for r in items(get(props, "rules")) if get(r, "statement.rateBasedStatement.limit") is not None]


def _web_acl_guarded(props, _args):
    if get(props, "scope") not in (None, "REGIONAL"):
        return
    rate = [r for r in _rate_rules(props) if get(r, "action.block") is not None]
    if not rate:
        yield "the web ACL has no blocking rate-based rule: one client could flood the entry"
    groups = {
        get(r, "statement.managedRuleGroupStatement.name"): r
        for r in items(get(props, "rules"))
        if get(r, "statement.managedRuleGroupStatement.vendorName") == "AWS"
    }
    missing = [g for g in contract.EDGE_MANAGED_RULE_GROUPS if g not in groups]
    if missing:
        yield f"the web ACL lacks AWS's managed rule groups {missing}"
    counting = [g for g, r in groups.items() if g in contract.EDGE_MANAGED_RULE_GROUPS and get(r, "overrideAction.count") is not None]
    if counting:
        yield f"managed rule groups {sorted(counting)} only count (overrideAction count): their rules block nothing"


def _known(holder, key: str):
    """The value at ``key``, None where it is not known in this preview."""
    try:
        return get(holder, key)
    except UnknownValueError:
        return None


def _class_guarded(props, _args):
    spec = get(props, "spec", {})
    scheme = get(spec, "scheme")
    if scheme == "internal":
        return
    if scheme is None:
        yield "scheme unset: any Ingress of the class may ask for an internet-facing ALB by annotation, past its WAF; set it"
        return
    if not get(spec, "namespaceSelector"):
        yield "no namespaceSelector: an Ingress in any namespace could use this tenant's entry"
    # Presence only where the value is the output of a resource this update creates (a first preview).
    named_acl = is_set(spec, "wafv2AclArn") or is_set(spec, "wafv2AclName")
    if not named_acl or _known(spec, "wafv2AclArn") == "none":
        yield "no web ACL (wafv2AclArn): the ALB would take requests unfiltered"
    certificates = get(spec, "certificateArn")
    if not isinstance(certificates, Sequence) or isinstance(certificates, str) or len(certificates) == 0:  # len reads no value
        yield "no certificateArn: HTTPS with the tenant's own certificate only"
    policy = str(get(spec, "sslPolicy") or "")
    if not policy.startswith(MODERN_TLS_POLICY_PREFIX):
        yield f"sslPolicy {policy or '(unset)'!r} is not a TLS 1.2+ policy ({MODERN_TLS_POLICY_PREFIX}*)"
    if str(get(spec, "sslRedirectPort") or "") != "443":
        yield "sslRedirectPort is not 443: plain HTTP would reach the service"


def _annotations(props) -> dict:
    found = get(props, "metadata.annotations", {})
    return dict(found) if isinstance(found, Mapping) else {}


def _routes_through_gateway(props, args):
    if args.resource_type == INGRESS_CLASS:
        if get(props, "spec.controller") != contract.EDGE_CONTROLLER:
            yield f"controller {get(props, 'spec.controller')!r}: the platform's edge is {contract.EDGE_CONTROLLER}"
        elif get(props, "spec.parameters.kind") != "IngressClassParams":
            yield "the class has no IngressClassParams: its Ingresses would choose their own scheme and WAF"
        if str(_annotations(props).get(DEFAULT_CLASS_ANNOTATION, "")).lower() == "true":
            yield "a default class: an Ingress naming none would take it"
        return
    if not get(props, "spec.ingressClassName"):
        yield "the Ingress names no class (spec.ingressClassName): it would take a default class, past the tenant's"
    if LEGACY_CLASS_ANNOTATION in _annotations(props):
        yield "the kubernetes.io/ingress.class annotation is deprecated and bypasses the class's parameters"


def _waf_rate_limited(args) -> Iterator[Finding]:
    """Each internet-facing class's web ACL is in the stack, rate-limits, and logs to an aws-waf-logs-* group."""
    acls = {a.urn: a for a in named(args.resources, WEB_ACL)}
    logged: dict[str, list] = {}
    for config in named(args.resources, WEB_ACL_LOGGING):
        for acl in config.property_dependencies.get("resourceArn", []):
            logged.setdefault(acl.urn, []).extend(config.property_dependencies.get("logDestinationConfigs", []))
    for params in named(args.resources, CLASS_PARAMS):
        if get(params.props, "spec.scheme") != "internet-facing":
            continue
        name = get(params.props, "metadata.name")
        guarding = [acls[d.urn] for d in params.property_dependencies.get("spec", []) if d.urn in acls]
        if not guarding:
            yield f"class {name}: its web ACL is not one of the stack's (components/tenant/edge.py)", params.urn
            continue
        for acl in guarding:
            if not _rate_rules(acl.props):
                yield f"class {name}: its web ACL {get(acl.props, 'name')} has no rate-based rule", acl.urn
            groups = [d for d in logged.get(acl.urn, []) if d.resource_type == LOG_GROUP]
            if not any(str(get(g.props, "name", "")).startswith(contract.WAF_LOG_GROUP_PREFIX) for g in groups):
                yield (
                    f"class {name}: its web ACL {get(acl.props, 'name')} logs to no {contract.WAF_LOG_GROUP_PREFIX}* log group: "
                    "a blocked attack would leave no trace",
                    acl.urn,
                )


POLICIES = [
    ResourceRule(
        name="edge-web-acl-guarded",
        description="A regional web ACL blocks by rate per client IP and applies AWS's managed rule groups.",
        severity=HIGH,
        adr="ADR-0028",
        domain="edge",
        types=[WEB_ACL],
        check=_web_acl_guarded,
    ),
    ResourceRule(
        name="edge-class-guarded",
        description="An internet-facing ALB class fixes its scheme, namespaces, web ACL, certificate, TLS 1.2+ policy and HTTPS redirect.",
        severity=HIGH,
        adr="ADR-0028",
        domain="edge",
        types=[CLASS_PARAMS],
        check=_class_guarded,
    ),
    ResourceRule(
        name="edge-routes-through-gateway",
        description="A route into the cluster names its class, and a class is the platform's edge with its parameters.",
        severity=HIGH,
        adr="ADR-0028",
        domain="edge",
        types=[INGRESS, INGRESS_CLASS],
        check=_routes_through_gateway,
    ),
    StackRule(
        name="edge-waf-rate-limited",
        description="Every internet-facing ALB class is guarded by a web ACL of the stack with a rate-based rule, logging to "
        "an aws-waf-logs-* group.",
        severity=HIGH,
        adr="ADR-0028",
        domain="edge",
        check=_waf_rate_limited,
        reads=[WEB_ACL, WEB_ACL_LOGGING, LOG_GROUP, CLASS_PARAMS],
    ),
]
