"""Values AWS accepts, so that a typo fails the plan and not ``pulumi up``: EC2 instance types and
regions from the pinned SDK's own enums, Aurora PostgreSQL versions and instance classes from a kept
list with its source (``data/aurora_postgresql.json``; the SDK's DB class enum stops at Graviton2)."""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path
from typing import Any

from pulumi_aws._enums import Region
from pulumi_aws.ec2._enums import InstanceType as Ec2InstanceType
from pulumi_aws.rds._enums import InstanceType as DbInstanceType

AURORA = Path(__file__).parent / "data" / "aurora_postgresql.json"


@functools.cache
def _aurora() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(AURORA.read_text(encoding="utf-8"))
    return data


@functools.cache
def ec2_instance_types() -> frozenset[str]:
    return frozenset(t.value for t in Ec2InstanceType)


@functools.cache
def aws_regions() -> frozenset[str]:
    return frozenset(r.value for r in Region)


@functools.cache
def aurora_instance_classes() -> frozenset[str]:
    extra = {f"{family}.{size}".rstrip(".") for family, sizes in _aurora()["instanceClassesBeyondTheSdk"].items() for size in sizes}
    return frozenset(t.value for t in DbInstanceType) | extra


def aurora_engine_versions() -> list[str]:
    return list(_aurora()["engineVersions"])


def unknown(value: str, known: frozenset[str] | list[str], what: str, source: str) -> str | None:
    """None when ``value`` is known; else the message, with the closest known values."""
    if value in known:
        return None
    close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.75)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"{value!r} is not {what} ({source}){hint}"
