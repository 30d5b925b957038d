"""Physical names: one order (org-env-tenant-purpose), length-safe."""

from __future__ import annotations

import hashlib

#: The branch every repository the program creates deploys from: GitHub's default for new
#: repositories. CI roles trust it, Argo CD follows it, the template's files are committed to it.
DEFAULT_BRANCH = "main"


def physical_name(*parts: str, max_length: int = 63) -> str:
    """Join ``parts`` with '-'; when too long, truncate and add a stable 6-char hash suffix."""
    name = "-".join(p for p in parts if p)
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: max_length - 7].rstrip('-')}-{digest}"
