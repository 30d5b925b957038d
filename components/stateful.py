"""Options for resources that hold state (ADR-5): protected and retained on delete where required."""

from __future__ import annotations

import pulumi


def stateful(parent: pulumi.Resource, protect: bool, **extra: object) -> pulumi.ResourceOptions:
    """``protect`` blocks deletion by Pulumi; ``retain_on_delete`` keeps the cloud resource if the
    program ever stops managing it. Both follow the stack's ``protectStateful`` (default: prod)."""
    return pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=protect, **extra)
