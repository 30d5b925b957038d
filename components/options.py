"""Resource options shared by components."""

from __future__ import annotations

import pulumi


def inherited_dependencies(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """What a component was told to wait for. Pulumi records a component's ``depends_on`` on the
    component only: its children would not wait (nor show the dependency in the state) unless they
    are given it too. Components pass it to every child they create."""
    depends = opts.depends_on if opts else None
    if depends is None:
        return []
    if isinstance(depends, pulumi.Resource):
        return [depends]
    return [d for d in depends if isinstance(d, pulumi.Resource)] if isinstance(depends, list) else []


def child_options(parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, *after: pulumi.Resource) -> pulumi.ResourceOptions:
    """Options of a component's child: parented to it, after the component's own dependencies and ``after``."""
    return pulumi.ResourceOptions(parent=parent, depends_on=[*inherited_dependencies(opts), *after])
