"""The stack context (Cloud Posse's "one context threaded everywhere"): what every component of one
stack shares, built once from the config by the composition and handed to each component, so that
no Args copies it field by field."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.naming import physical_name


@dataclass(frozen=True)
class StackContext:
    """Attributes:
    environment: ``dev`` / ``staging`` / ``prod``; the deploy role's ABAC tag value and GitHub environment.
    github_org: The organization whose repositories CI roles and Vault JWT roles trust.
    name_prefix: Prefix of physical names, ``<org>-<env>`` (e.g. ``fintech-blueprint-dev``); also the cluster's name.
    region: The AWS region of every regional resource.
    account_id: The AWS account (an invoke's output: known in a preview).
    protect: Protect and retain stateful resources (prod).
    infra_repository: The repository that runs ``pulumi up`` (never created here).
    """

    environment: str
    github_org: str
    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    protect: bool
    infra_repository: str

    @property
    def cluster_name(self) -> str:
        return self.name_prefix

    def name(self, *parts: str, max_length: int = 63) -> str:
        """A physical name under the stack's prefix."""
        return physical_name(self.name_prefix, *parts, max_length=max_length)
