"""Regions this platform can be planned in, with their availability zones (``data/regions.json``,
which names its source). Read by the config model (a stack may not ask for more zones than its
region has) and by the offline engine's answer to ``getAvailabilityZones``."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "regions.json"


@functools.cache
def _regions() -> dict[str, Any]:
    regions: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))["regions"]
    return regions


def known_regions() -> list[str]:
    return sorted(_regions())


def zones(region: str) -> list[str]:
    """Zone names of ``region``; KeyError for a region the data file does not know."""
    return list(_regions()[region]["zones"])


def zone_ids(region: str) -> list[str]:
    return list(_regions()[region]["zoneIds"])


RDS_CA = Path(__file__).parent / "data" / "rds_ca.json"


@functools.cache
def rds_ca_bundle(region: str) -> str:
    """The root CAs that sign RDS and Aurora server certificates in ``region`` (``data/rds_ca.json``, which
    names its source): what the pooler and the migration verify Aurora's certificate against."""
    regions: dict[str, Any] = json.loads(RDS_CA.read_text(encoding="utf-8"))["regions"]
    return "".join(cert["pem"] for cert in regions[region])
