"""The infrastructure deploy role's permissions, built from the table of calls ``pulumi up`` makes
(``components/aws/data/deploy_actions.json``; its header names the sources).

Least privilege by construction: the role may call exactly the actions the table lists for the
resource types the program creates, each scoped by the environment tag (ABAC) or by the ARN
patterns of the platform's names, never ``service:*``. Reads are scoped the same way wherever AWS
authorizes the action on a resource; only the actions AWS authorizes on ``*`` alone (the table's
``unscopableReads``: EC2's describes, ``logs:DescribeLogGroups``, …) are allowed on ``*``. The role cannot change the identity it logs
in with (its own role and policies, the GitHub OIDC provider): an administrator applies those
(ADR-0019). ``tests/components/aws/test_deploy_permissions.py`` proves the role sufficient for every
resource of the dev and prod plans.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from components.aws.managed_policies import ATTACHABLE

TABLE = Path(__file__).parent / "data" / "deploy_actions.json"
OPERATIONS = ("create", "read", "update", "tag", "delete")
MUTATING = ("create", "update", "tag", "delete")
TAG_SCOPE = "tag"
BOOTSTRAP_SCOPE = "bootstrap"
ENVIRONMENT_TAG = "environment"
#: IAM quota: a customer-managed policy document holds at most 6,144 characters, whitespace excluded.
MANAGED_POLICY_MAX_CHARS = 6144
#: IAM quota: managed policies attached to one role (default, adjustable).
MANAGED_POLICIES_PER_ROLE = 10
#: Longer than any AWS region name (``ap-southeast-5`` has 14 characters).
LONGEST_REGION = 24
#: Types whose calls change an identity: the deploy role may make none of them on itself.
IDENTITY_TYPES = (
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
)
#: Not called by the program, but they would change the role's effective permissions.
BOUNDARY_ACTIONS = ("iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary")

Document = dict[str, Any]


@dataclass(frozen=True)
class Related:
    """Actions a resource's calls make on another resource (PassRole on its role, grants on its key)."""

    arn: str
    scope: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class TypeActions:
    type: str
    #: The ARN a call targets, with ``{input}`` placeholders (``{@input}``: the resource that input names).
    arn: str
    scope: str
    operations: dict[str, tuple[str, ...]]
    related: tuple[Related, ...] = ()
    #: Request context keys the calls carry, from inputs (e.g. ``iam:PolicyARN`` of an attachment).
    request_context: tuple[tuple[str, str], ...] = ()
    #: Actions authorized on another ARN than the resource's (EKS creates a node group on its cluster).
    targets: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NamedScope:
    resources: tuple[str, ...]
    condition: dict[str, Any] | None = None


@dataclass(frozen=True)
class Table:
    types: dict[str, TypeActions]
    named_scopes: dict[str, NamedScope]
    #: Read actions AWS authorizes on ``*`` only (no resource-level permissions); a test checks the
    #: list against the Service Authorization Reference.
    unscopable_reads: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DeployTarget:
    """Where the deploy role deploys, for the table's placeholders."""

    environment: str
    account_id: str
    region: str
    name_prefix: str
    role_path: str
    #: The deploy role's name; it and its policies (``<name>-<n>``) are denied to itself.
    role_name: str
    partition: str = "aws"
    #: The Route 53 zone the stack writes records in (its edge); None: no zone, no record statement.
    hosted_zone: str | None = None

    def expand(self, pattern: str) -> str:
        return pattern.format(
            partition=self.partition,
            account=self.account_id,
            region=self.region,
            prefix=self.name_prefix,
            rolePath=self.role_path,
            hostedZone=self.hosted_zone,
        )

    def has(self, scope: NamedScope) -> bool:
        """Whether the stack has what ``scope`` names (a scope of the hosted zone needs one)."""
        return self.hosted_zone is not None or not any("{hostedZone}" in r for r in scope.resources)

    @property
    def self_arns(self) -> list[str]:
        iam = f"arn:{self.partition}:iam::{self.account_id}"
        return [f"{iam}:role{self.role_path}{self.role_name}", f"{iam}:policy{self.role_path}{self.role_name}-*"]

    def widest(self) -> DeployTarget:
        """The same target with the longest account and region values: documents that fit for it fit
        for every account and region, so that their number is known before the account is."""
        return replace(self, account_id="0" * 12, region="x" * LONGEST_REGION)


@cache
def load_table(path: Path = TABLE) -> Table:
    raw = json.loads(path.read_text())
    types = {
        type_: TypeActions(
            type=type_,
            arn=entry["arn"],
            scope=entry["scope"],
            operations={op: tuple(entry[op]) for op in OPERATIONS},
            related=tuple(Related(r["arn"], r["scope"], tuple(r["actions"])) for r in entry.get("related", [])),
            request_context=tuple(sorted(entry.get("requestContext", {}).items())),
            targets=tuple(sorted(entry.get("targets", {}).items())),
        )
        for type_, entry in raw["types"].items()
    }
    scopes = {name: NamedScope(tuple(scope["resources"]), scope.get("condition")) for name, scope in raw["namedScopes"].items()}
    unknown = {t.scope for t in types.values()} | {r.scope for t in types.values() for r in t.related}
    unknown -= {*scopes, TAG_SCOPE, BOOTSTRAP_SCOPE}
    if unknown:
        raise ValueError(f"{path}: scopes {sorted(unknown)} are used but not defined under namedScopes")
    return Table(types, scopes, frozenset(raw.get("unscopableReads", [])))


def reads_by_scope(table: Table) -> dict[str, set[str]]:
    """The read actions each scope grants on its own resources (those AWS can scope)."""
    granted: dict[str, set[str]] = {}
    for entry in table.types.values():
        granted.setdefault(entry.scope, set()).update(a for a in entry.operations["read"] if a not in table.unscopable_reads)
    return {scope: actions for scope, actions in granted.items() if actions}


def actions_by_scope(table: Table) -> dict[str, set[str]]:
    """The mutating actions each scope grants (reads: ``reads_by_scope``)."""
    granted: dict[str, set[str]] = {}
    for entry in table.types.values():
        granted.setdefault(entry.scope, set()).update(a for op in MUTATING for a in entry.operations[op])
        for related in entry.related:
            granted.setdefault(related.scope, set()).update(related.actions)
    granted.pop(BOOTSTRAP_SCOPE, None)
    return granted


def self_protected_actions(table: Table) -> list[str]:
    """Every call that would change the deploy role or its policies."""
    return sorted({a for t in IDENTITY_TYPES for op in MUTATING for a in table.types[t].operations[op]} | set(BOUNDARY_ACTIONS))


def _condition(condition: dict[str, Any], target: DeployTarget) -> dict[str, Any]:
    def value(v: Any) -> Any:
        if v == "{attachablePolicies}":
            return sorted(ATTACHABLE)
        return target.expand(v) if isinstance(v, str) else v

    return {op: {key: value(v) for key, v in keys.items()} for op, keys in condition.items()}


def deploy_statements(table: Table, target: DeployTarget) -> list[dict[str, Any]]:
    granted = actions_by_scope(table)
    tagged = sorted(granted.pop(TAG_SCOPE, set()))
    creating = sorted({a for t in table.types.values() if t.scope == TAG_SCOPE for op in ("create", "tag") for a in t.operations[op]})
    request_tag, resource_tag = f"aws:RequestTag/{ENVIRONMENT_TAG}", f"aws:ResourceTag/{ENVIRONMENT_TAG}"
    reads = reads_by_scope(table)
    statements: list[dict[str, Any]] = [
        # What AWS authorizes on "*" only: configuration listings (EC2's describes and the like).
        {
            "Sid": "ReadConfiguration",
            "Effect": "Allow",
            "Action": sorted({a for t in table.types.values() for a in t.operations["read"] if a in table.unscopable_reads}),
            "Resource": "*",
        },
        # Everything else is read on this environment's resources only.
        {
            "Sid": "ReadEnvironment",
            "Effect": "Allow",
            "Action": sorted(reads.pop(TAG_SCOPE, set())),
            "Resource": "*",
            "Condition": {"StringEquals": {resource_tag: target.environment}},
        },
        # A new resource carries this environment's tag; an existing one is never re-tagged into it.
        {
            "Sid": "CreateInEnvironment",
            "Effect": "Allow",
            "Action": creating,
            "Resource": "*",
            "Condition": {"StringEquals": {request_tag: target.environment}, "Null": {resource_tag: "true"}},
        },
        # An existing resource of this environment stays in it.
        {
            "Sid": "ManageEnvironment",
            "Effect": "Allow",
            "Action": tagged,
            "Resource": "*",
            "Condition": {"StringEquals": {resource_tag: target.environment}, "StringEqualsIfExists": {request_tag: target.environment}},
        },
    ]
    bootstrap = sorted({target.expand(t.arn) for t in table.types.values() if t.scope == BOOTSTRAP_SCOPE})
    for name in sorted(reads):
        if name != BOOTSTRAP_SCOPE and not target.has(table.named_scopes[name]):
            continue
        resources = bootstrap if name == BOOTSTRAP_SCOPE else sorted(target.expand(r) for r in table.named_scopes[name].resources)
        statements.append(
            {
                "Sid": "Read" + "".join(part.capitalize() for part in name.split("-")),
                "Effect": "Allow",
                "Action": sorted(reads[name]),
                "Resource": resources,
            }
        )
    for name in sorted(granted):
        scope = table.named_scopes[name]
        if not target.has(scope):
            continue
        statement: dict[str, Any] = {
            "Sid": "Manage" + "".join(part.capitalize() for part in name.split("-")),
            "Effect": "Allow",
            "Action": sorted(granted[name]),
            "Resource": sorted(target.expand(r) for r in scope.resources),
        }
        if scope.condition:
            statement["Condition"] = _condition(scope.condition, target)
        statements.append(statement)
    statements.append(
        {"Sid": "NeverChangeOwnIdentity", "Effect": "Deny", "Action": self_protected_actions(table), "Resource": target.self_arns}
    )
    return statements


def size(document: Document) -> int:
    """A document's size as IAM counts it (whitespace excluded)."""
    return len(json.dumps(document, separators=(",", ":")))


def _document(statements: list[dict[str, Any]]) -> Document:
    return {"Version": "2012-10-17", "Statement": statements}


def _parts(statement: dict[str, Any], limit: int, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Action ranges of a statement such that each part fits an otherwise empty document."""
    end = len(statement["Action"]) if end is None else end
    part = {**statement, "Action": statement["Action"][start:end]}
    if size(_document([part])) <= limit or end - start < 2:
        return [(start, end)]
    middle = (start + end) // 2
    return _parts(statement, limit, start, middle) + _parts(statement, limit, middle, end)


def layout(table: Table, target: DeployTarget, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[list[tuple[int, int, int]]]:
    """Which (statement, first action, end) parts go into which document, packed in order for the
    widest account and region."""
    statements = deploy_statements(table, target.widest())
    deny = statements.pop()
    room = limit - size({"Statement": [deny]})
    documents: list[list[tuple[int, int, int]]] = [[]]
    for index, statement in enumerate(statements):
        for start, end in _parts(statement, room):
            candidate = [*documents[-1], (index, start, end)]
            rendered = [{**statements[i], "Action": statements[i]["Action"][a:b]} for i, a, b in candidate]
            if documents[-1] and size(_document([*rendered, deny])) > limit:
                documents.append([])
            documents[-1].append((index, start, end))
    if len(documents) > MANAGED_POLICIES_PER_ROLE:
        raise ValueError(f"the deploy role needs {len(documents)} managed policies; IAM allows {MANAGED_POLICIES_PER_ROLE} per role")
    return documents


def deploy_documents(table: Table, target: DeployTarget, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[Document]:
    """The deploy role's statements in as few managed policies as fit IAM's size quota, whatever the
    account and region. Every document repeats the deny, so that none grants more than the whole."""
    statements = deploy_statements(table, target)
    deny = statements.pop()
    documents = []
    for parts in layout(table, target, limit):
        rendered, seen = [], dict[str, int]()
        for index, start, end in parts:
            statement = {**statements[index], "Action": statements[index]["Action"][start:end]}
            seen[statement["Sid"]] = seen.get(statement["Sid"], 0) + 1
            if seen[statement["Sid"]] > 1:
                statement["Sid"] += str(seen[statement["Sid"]])
            rendered.append(statement)
        documents.append(_document([*rendered, deny]))
    return documents
