"""Compliant and non-compliant cases of the kubernetes-platform rules."""

from __future__ import annotations

from ._common import Case, StackCase

RESOURCE_CASES: dict[str, Case] = {
    "k8s-helm-release-pinned": Case(
        "kubernetes:helm.sh/v3:Release",
        {"chart": "kyverno", "version": "3.3.4", "repositoryOpts": {"repo": "https://kyverno.github.io/kyverno/"}},
        {"chart": "kyverno", "version": "3.x", "repositoryOpts": {"repo": "https://kyverno.github.io/kyverno/"}},
        more_bad=(("kubernetes:helm.sh/v3:Release", {"chart": "kyverno", "version": "3.3.4"}),),
    ),
}


STACK_CASES: dict[str, StackCase] = {}
