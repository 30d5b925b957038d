"""The one way a component makes its children's options (``child``)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def inherited_dependencies(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """What a component was told to wait for. Pulumi records a component's ``depends_on`` on the
    component only: its children would not wait (nor show the dependency in the state) unless they
    are given it too, which ``child`` does."""
    depends = opts.depends_on if opts else None
    if depends is None:
        return []
    if isinstance(depends, pulumi.Resource):
        return [depends]
    return [d for d in depends if isinstance(d, pulumi.Resource)] if isinstance(depends, list) else []


def child(
    parent: pulumi.Resource,
    opts: pulumi.ResourceOptions | None = None,
    *,
    after: Sequence[pulumi.Resource] = (),
    keep: bool | None = None,
    provider: pulumi.ProviderResource | None = None,
    providers: Sequence[pulumi.ProviderResource] = (),
    ignore_changes: list[str] | None = None,
    aliases: Sequence[pulumi.Alias] = (),
) -> pulumi.ResourceOptions:
    """Options of a child of ``parent`` (a component), built with the component's own ``opts``:

    - parented to the component (its providers and transforms reach the child), with ``provider`` or
      ``providers`` of its own where given (a sub-component's);
    - waiting for what the component waits for (``opts.depends_on``) and for ``after``;
    - ``keep``: a resource holding state (ADR-0005). ``True`` protects it from deletion by Pulumi and
      retains the cloud object if the program ever stops managing it; ``False`` says so explicitly
      (dev); ``None`` (the default) leaves both to the parent's;
    - ``aliases``: where the child stood before (a move without replacement).
    """
    extra: dict[str, object] = {}
    if keep is not None:
        extra.update(protect=keep, retain_on_delete=keep)
    if provider is not None:
        extra["provider"] = provider
    if providers:
        extra["providers"] = list(providers)
    if ignore_changes:
        extra["ignore_changes"] = ignore_changes
    if aliases:
        extra["aliases"] = list(aliases)
    depends_on = [*inherited_dependencies(opts), *after]
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on or None, **extra)
