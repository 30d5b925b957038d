"""Compliant and non-compliant cases of the stack rules."""

from __future__ import annotations

from ._common import Case, Res, StackCase

RESOURCE_CASES: dict[str, Case] = {}


STACK_CASES: dict[str, StackCase] = {
    "creation-order": StackCase(
        [
            Res("vault:index/mount:Mount", "kv", {"path": "kv"}),
            Res("vault:kv/secretV2:SecretV2", "seed", {"mount": "kv"}, property_dependencies={"mount": ["kv"]}),
        ],
        [Res("vault:index/mount:Mount", "kv", {"path": "kv"}), Res("vault:kv/secretV2:SecretV2", "seed", {"mount": "kv"})],
        "seed",
    ),
}
