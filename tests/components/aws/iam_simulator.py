"""Evaluate identity-policy requests as IAM does, for the deploy-role proof.

The facts come from AWS's Service Authorization Reference as policy_sentry packages it: whether an
action exists, which resource ARN formats it authorizes (an action without resource-level
permissions is authorized on ``*`` only), and which condition keys its request context can carry
(a tag condition on an action that supports none never matches: the ``ec2:Describe*`` trap). The
evaluation follows AWS's documented logic for one identity policy set: an explicit deny wins, then
any allow; a condition on a key absent from the context fails, except for negated operators,
``...IfExists`` and ``Null``. Unknown operators raise, so that a new policy shape cannot pass silently.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from policy_sentry.querying.actions import get_action_data

REQUEST_TAG = "aws:RequestTag/${TagKey}"
RESOURCE_TAG = "aws:ResourceTag/${TagKey}"
NEGATED = ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike", "StringNotEqualsIgnoreCase")
OPERATORS = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringNotEquals": lambda actual, expected: actual == expected,
    "StringEqualsIgnoreCase": lambda actual, expected: actual.lower() == expected.lower(),
    "StringNotEqualsIgnoreCase": lambda actual, expected: actual.lower() == expected.lower(),
    "StringLike": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "StringNotLike": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "ArnEquals": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "ArnLike": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "ArnNotEquals": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "ArnNotLike": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "Bool": lambda actual, expected: actual.lower() == str(expected).lower(),
}


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


class UnknownToAws(ValueError):
    """The table names an action AWS does not know, or an ARN no resource type of the action has."""


@cache
def _rows(action: str) -> tuple[tuple[str, frozenset[str]], ...]:
    service, name = action.split(":", 1)
    data = get_action_data(service, name)
    rows = data.get(service) if isinstance(data, dict) else None
    if not rows:
        raise UnknownToAws(f"{action} is not in the Service Authorization Reference")
    return tuple((row["resource_arn_format"], frozenset(row["condition_keys"])) for row in rows)


def _format_regex(arn_format: str) -> re.Pattern[str]:
    parts = re.split(r"\$\{[^}]+\}", arn_format)
    return re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$")


def request(action: str, arn: str, tags: dict[str, str], *, new: bool, tagging: bool, extra: dict[str, str] | None = None) -> Request:
    """The request a call makes: on ``arn`` if the action authorizes resources of that shape, else on
    ``*``; tag keys in the context only where the action supports them.

    ``new``: the call creates the resource (no resource tags yet); ``tagging``: it sends tags."""
    rows = _rows(action)
    scoped = [(fmt, keys) for fmt, keys in rows if fmt != "*"]
    global_keys = frozenset().union(*(keys for fmt, keys in rows if fmt == "*"))
    if scoped:
        matching = [keys for fmt, keys in scoped if arn != "*" and _format_regex(fmt).match(arn)]
        if not matching:
            formats = [fmt for fmt, _ in scoped]
            raise UnknownToAws(f"{action}: {arn} fits none of its resource types {formats}")
        resource, keys = arn, global_keys.union(*matching)
    else:
        resource, keys = "*", global_keys
    context: dict[str, str] = {}
    for key, value in tags.items():
        if (new or tagging) and REQUEST_TAG in keys:
            context[f"aws:RequestTag/{key}"] = value
        if not new and RESOURCE_TAG in keys:
            context[f"aws:ResourceTag/{key}"] = value
    context.update(extra or {})
    return Request(action, resource, context)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if qualifier:
        raise NotImplementedError(f"set operator {operator} (single-valued keys only here)")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if base == "Null":
        return (actual is None) == (str(expected).lower() == "true")
    if base not in OPERATORS:
        raise NotImplementedError(f"condition operator {operator}")
    if actual is None:
        return if_exists or base in NEGATED
    matched = any(OPERATORS[base](actual, str(e)) for e in _listed(expected))
    return not matched if base in NEGATED else matched


def _applies(statement: dict[str, Any], req: Request) -> bool:
    def any_match(patterns: Any, value: str, case: bool) -> bool:
        if case:
            return any(fnmatch.fnmatchcase(value, p) for p in _listed(patterns))
        return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in _listed(patterns))

    if "Action" in statement and not any_match(statement["Action"], req.action, case=False):
        return False
    if "NotAction" in statement and any_match(statement["NotAction"], req.action, case=False):
        return False
    if "Resource" in statement and not any_match(statement["Resource"], req.resource, case=True):
        return False
    if "NotResource" in statement and any_match(statement["NotResource"], req.resource, case=True):
        return False
    return all(
        _condition_holds(operator, key, expected, req.context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def decide(documents: Iterable[dict[str, Any]], req: Request) -> str:
    """``allow``, ``deny`` (an explicit deny) or ``implicit`` (nothing allows it)."""
    statements = [s for d in documents for s in _listed(d["Statement"])]
    if any(s["Effect"] == "Deny" and _applies(s, req) for s in statements):
        return "deny"
    return "allow" if any(s["Effect"] == "Allow" and _applies(s, req) for s in statements) else "implicit"
