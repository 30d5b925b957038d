"""Compliant and non-compliant cases of the edge rules (ADR-0028)."""

from __future__ import annotations

import copy
from typing import Any

from policy_pack.policies.contract import EDGE_CONTROLLER, EDGE_MANAGED_RULE_GROUPS

from ._common import Case, Res, StackCase

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
PARAMS = "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
INGRESS_CLASS = "kubernetes:networking.k8s.io/v1:IngressClass"

RATE_RULE = {
    "name": "rate-limit",
    "priority": 0,
    "action": {"block": {}},
    "statement": {"rateBasedStatement": {"limit": 2000, "aggregateKeyType": "IP"}},
}


def _group(name: str, override: str = "none") -> dict[str, Any]:
    return {"name": name, "overrideAction": {override: {}}, "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": name}}}


ACL = {
    "name": "dev-payments-edge",
    "scope": "REGIONAL",
    "defaultAction": {"allow": {}},
    "rules": [RATE_RULE, *map(_group, EDGE_MANAGED_RULE_GROUPS)],
}
PARAMS_SPEC = {
    "scheme": "internet-facing",
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "payments"}},
    "wafv2AclArn": "arn:aws:wafv2:eu-west-3:1:regional/webacl/dev-payments-edge/x",
    "certificateArn": ["arn:aws:acm:eu-west-3:1:certificate/x"],
    "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "sslRedirectPort": "443",
}


def _acl(**change: Any) -> dict[str, Any]:
    return {**copy.deepcopy(ACL), **change}


def _params(**change: Any) -> dict[str, Any]:
    spec = {k: v for k, v in {**PARAMS_SPEC, **change}.items() if v is not None}
    return {"metadata": {"name": "payments-public"}, "spec": spec}


RESOURCE_CASES: dict[str, Case] = {
    "edge-web-acl-guarded": Case(
        WEB_ACL,
        ACL,
        _acl(rules=list(map(_group, EDGE_MANAGED_RULE_GROUPS))),
        more_bad=(
            (WEB_ACL, _acl(rules=[RATE_RULE])),
            (WEB_ACL, _acl(rules=[RATE_RULE, *(_group(g, "count") for g in EDGE_MANAGED_RULE_GROUPS)])),
        ),
    ),
    "edge-class-guarded": Case(
        PARAMS,
        _params(),
        _params(scheme=None),
        more_bad=(
            (PARAMS, _params(namespaceSelector=None)),
            (PARAMS, _params(wafv2AclArn="none")),
            (PARAMS, _params(certificateArn=[])),
            (PARAMS, _params(sslPolicy="ELBSecurityPolicy-2016-08")),
            (PARAMS, _params(sslRedirectPort=None)),
        ),
    ),
    "edge-routes-through-gateway": Case(
        INGRESS,
        {"metadata": {"name": "payments-public"}, "spec": {"ingressClassName": "payments-public"}},
        {"metadata": {"name": "payments-public"}, "spec": {"rules": []}},
        more_bad=(
            (
                INGRESS,
                {
                    "metadata": {"name": "own", "annotations": {"kubernetes.io/ingress.class": "alb"}},
                    "spec": {"ingressClassName": "payments-public"},
                },
            ),
            (INGRESS_CLASS, {"metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}}),
            (INGRESS_CLASS, {"metadata": {"name": "alb"}, "spec": {"controller": EDGE_CONTROLLER}}),
            (
                INGRESS_CLASS,
                {
                    "metadata": {"name": "alb", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
                    "spec": {
                        "controller": EDGE_CONTROLLER,
                        "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "alb"},
                    },
                },
            ),
        ),
    ),
}


def _edge(*, acl: dict[str, Any] = ACL, log_group: str = "aws-waf-logs-dev-payments", guarded: bool = True) -> list[Res]:
    return [
        Res(WEB_ACL, "acl", acl),
        Res(LOG_GROUP, "waf-logs", {"name": log_group}),
        Res(LOGGING, "waf-logging", {}, property_dependencies={"resourceArn": ["acl"], "logDestinationConfigs": ["waf-logs"]}),
        Res(PARAMS, "class-params", _params(), property_dependencies={"spec": ["acl"] if guarded else []}),
    ]


STACK_CASES: dict[str, StackCase] = {
    "edge-waf-rate-limited": StackCase(
        _edge(),
        _edge(guarded=False),
        "class-params",
        more_bad=(
            (_edge(acl=_acl(rules=list(map(_group, EDGE_MANAGED_RULE_GROUPS)))), "acl"),
            (_edge(log_group="/dev/waf"), "acl"),
        ),
    ),
}
