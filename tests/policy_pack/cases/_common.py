"""Helpers and fixtures the cases of several domains share."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    type: str
    ok: dict[str, Any]
    bad: dict[str, Any]
    config: dict[str, Any] | None = None
    ok_type: str | None = None  # for a type ban, the compliant alternative
    #: One more failing resource per further branch of the rule: (type, props), or (type, props, config)
    #: for a branch that a policy config switches on.
    more_bad: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True)
class Res:
    type: str
    name: str
    props: dict[str, Any]
    protect: bool = False
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    parent: str | None = None  # the name of another Res of the case


@dataclass(frozen=True)
class StackCase:
    ok: list[Res]
    bad: list[Res]
    bad_name: str
    config: dict[str, Any] | None = None
    #: One more failing stack per further branch of the rule, with the resource it names.
    more_bad: tuple[tuple[list[Res], str], ...] = ()


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "arn:aws:s3:::b/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


DENY_TLS = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


CONTAINER = {
    "name": "app",
    "image": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/payments/api:1.2.3@sha256:" + "ab" * 32,
    "securityContext": {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
}


KEY = "aws:kms/key:Key"


QUEUE = "aws:sqs/queue:Queue"


NS = "kubernetes:core/v1:Namespace"


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(base), **changes}


def key_use(alias: str | None) -> str:
    """A tenant role's policy using a KMS key, by alias (or, with None, by ARN alone)."""
    statement = allow(["kms:Decrypt", "kms:GenerateDataKey"], "arn:aws:kms:eu-west-3:123456789012:key/*", Sid="UseKey")
    if alias:
        statement["Condition"] = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}}
    return doc(statement)


def camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def tenant_ns(name: str = "payments") -> Res:
    return Res(NS, f"{name}-ns", {"metadata": {"name": name, "labels": {"tenant": name}}})


DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


#: A tenant is known by its cost tag (a first preview knows tags, not the namespace's state).
TENANT_QUEUE = Res("aws:sqs/queue:Queue", "payments-outbox", {"tags": {"tenant": "payments", "owner": "payments-team"}})


VPC = Res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})


TRAIL_LOGS = Res("aws:cloudwatch/logGroup:LogGroup", "trail-logs", {"name": "/aws/cloudtrail/audit"})


WATCHED_TRAIL = Res(
    "aws:cloudtrail/trail:Trail",
    "trail",
    {"isMultiRegionTrail": True, "cloudWatchLogsGroupArn": "arn:aws:logs:eu-west-3:1:log-group:/aws/cloudtrail/audit:*"},
    property_dependencies={"cloudWatchLogsGroupArn": ["trail-logs"]},
)


RELEASE = Res("kubernetes:helm.sh/v3:Release", "argo", {"chart": "argo-cd"})


FILE = Res("github:index/repositoryFile:RepositoryFile", "readme", {"repository": "svc", "file": "README.md"})


KV = Res("vault:index/mount:Mount", "kv", {"path": "kv"})


#: (label, stack, the violations it must produce, in order): one per branch of ``creation-order``.
CREATION_ORDER_CASES: list[tuple[str, list[Res], list[str]]] = [
    (
        "crd after its release",
        [
            RELEASE,
            Res("kubernetes:argoproj.io/v1alpha1:AppProject", "p", {"kind": "AppProject"}, property_dependencies={"x": ["argo"]}),
        ],
        [],
    ),
    (
        "crd racing its release",
        [RELEASE, Res("kubernetes:argoproj.io/v1alpha1:AppProject", "p", {"kind": "AppProject"})],
        ["does not depend on the 'argo-cd' release"],
    ),
    (
        "crd of an unknown group",
        [Res("kubernetes:example.com/v1:Widget", "p", {"kind": "Widget"})],
        ["no chart is known to install the CRD of API group 'example.com'"],
    ),
    (
        "crd whose chart is absent",
        [Res("kubernetes:keda.sh/v1alpha1:ScaledObject", "p", {"kind": "ScaledObject"})],
        ["chart 'keda' installs, and no release of it"],
    ),
    (
        "vault object under a missing mount",
        [Res("vault:kv/secretV2:SecretV2", "p", {"mount": "kv"})],
        ["which no mount or auth backend"],
    ),
    ("vault object racing its mount", [KV, Res("vault:kv/secretV2:SecretV2", "p", {"mount": "kv"})], ["does not depend on the mount"]),
    (
        "ruleset after the files",
        [
            FILE,
            Res(
                "github:index/repositoryRuleset:RepositoryRuleset",
                "p",
                {"repository": "svc", "enforcement": "active", "name": "gate-1"},
                property_dependencies={"x": ["readme"]},
            ),
        ],
        [],
    ),
    (
        "ruleset before the files",
        [
            FILE,
            Res(
                "github:index/repositoryRuleset:RepositoryRuleset",
                "p",
                {"repository": "svc", "enforcement": "active", "name": "gate-1"},
            ),
        ],
        ["is enforced before 'README.md' is committed"],
    ),
]
