"""Physical names: one order (org-env-tenant-purpose), length-safe, DNS-1123 where it must be."""

from __future__ import annotations

import hashlib
import re

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def physical_name(*parts: str, max_length: int = 63) -> str:
    """Join ``parts`` with '-'; when too long, truncate and add a stable 6-char hash suffix."""
    name = "-".join(p for p in parts if p)
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: max_length - 7].rstrip('-')}-{digest}"


def is_dns_label(value: str) -> bool:
    return len(value) <= 63 and bool(_DNS_LABEL.match(value))
