"""Kubernetes versions EKS runs, with the dates their support ends (``data/eks_versions.json``, which
names its source). Pure: ``today`` is an argument, the config model passes the current date."""

from __future__ import annotations

import datetime
import functools
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "eks_versions.json"
#: How long before the end of standard support a plan starts to warn.
WARN_DAYS = 60


@functools.cache
def _table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return table


def versions() -> dict[str, dict[str, datetime.date]]:
    return {
        version: {key: datetime.date.fromisoformat(day) for key, day in dates.items()} for version, dates in _table()["versions"].items()
    }


def refusal(version: str, today: datetime.date) -> str | None:
    """Why a cluster of ``version`` cannot be planned on ``today`` (unknown to EKS, or past the end of
    extended support: EKS upgrades such a cluster itself), or None."""
    known = versions()
    supported = sorted((v for v, d in known.items() if d["endOfExtendedSupport"] > today), key=lambda v: tuple(map(int, v.split("."))))
    if version not in known:
        return f"{version!r} is not a Kubernetes version EKS runs (stacks/data/eks_versions.json: {', '.join(supported)})"
    end = known[version]["endOfExtendedSupport"]
    if end <= today:
        return (
            f"Kubernetes {version} reached the end of EKS extended support on {end.isoformat()}: EKS upgrades such a cluster "
            f"itself; plan one of {', '.join(supported)} (a running cluster upgrades one minor version at a time)"
        )
    return None


def warning(version: str, today: datetime.date) -> str | None:
    """A supported version close to, or past, the end of its standard support (extended support costs more)."""
    dates = versions().get(version)
    if dates is None or dates["endOfExtendedSupport"] <= today:
        return None
    standard = dates["endOfStandardSupport"]
    if standard <= today:
        return (
            f"Kubernetes {version} is in EKS extended support (standard support ended {standard.isoformat()}; it ends "
            f"{dates['endOfExtendedSupport'].isoformat()}) and each cluster hour costs more: plan an upgrade"
        )
    if (standard - today).days <= WARN_DAYS:
        return f"Kubernetes {version}'s EKS standard support ends {standard.isoformat()}: plan an upgrade"
    return None
