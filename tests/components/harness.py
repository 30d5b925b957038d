"""One component at a time: build any body under the offline engine (the SDK's mocks, the engine's URNs
and transform order) in milliseconds, and read what it registered.

    built = build(lambda: TenantNamespace("payments", args, CONTEXT))
    built.one("kubernetes:core/v1:Namespace").inputs["metadata"]["name"]

Whole-program plans are the ``plan`` marker's business (tests/conftest.py); a component test never
needs one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pulumi

from blueprint import policies
from blueprint.engine.analyzer import Violation
from blueprint.engine.mocks import Registration
from blueprint.engine.run import run_body
from components.context import StackContext
from components.tagging import SHARED_TENANT, CostTags, cost_scope_transform

#: A dev stack's context, as the composition builds it for the shipped dev stack.
CONTEXT = StackContext(
    environment="dev",
    github_org="fintech-blueprint",
    name_prefix="fintech-blueprint-dev",
    region="eu-west-3",
    account_id="111111111111",
    protect=False,
    infra_repository="platform-infra",
)
#: The same for prod: stateful resources protected and retained.
PROD_CONTEXT = replace(CONTEXT, environment="prod", name_prefix="fintech-blueprint-prod", protect=True)

#: Cost tags of a tenant's resources (what a Tenant's transform scope applies).
TENANT_TAGS = CostTags("dev", "payments", "payments-team", "CC-1001", "pci")
#: Cost tags of the platform's shared resources (the composition's stack transform).
SHARED_TAGS = CostTags("dev", SHARED_TENANT, "platform-team", "CC-0001", "internal")


@dataclass(frozen=True)
class Built:
    """What one body registered, sorted by URN (components included, providers included)."""

    registrations: list[Registration]

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, found {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name!r}, found {len(found)}"
        return found[0]

    def children_of(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent == parent.urn]

    def types(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.registrations:
            counts[r.type] = counts.get(r.type, 0) + 1
        return counts


def build(
    body: Callable[[], Any],
    *,
    stack: str = "dev",
    region: str = "eu-west-3",
    config: dict[str, str] | None = None,
    tags: CostTags | None = SHARED_TAGS,
) -> Built:
    """Run ``body`` (which constructs one component, or a few) under the offline engine, inside the cost
    scope ``tags`` (a stack transform, as the composition registers; None: no scope)."""

    def scoped() -> None:
        if tags is not None:
            pulumi.runtime.register_resource_transform(cost_scope_transform(tags))
        body()

    return Built(run_body(scoped, stack=stack, region=region, config=config))


def resource_violations(built: Built, stack: str = "prod") -> list[Violation]:
    """The pack's resource rules on what ``built`` registered, with ``stack``'s policy config (prod's by
    default: every rule mandatory). Stack rules need a whole stack: they are the ``plan`` tests' job."""
    engine = policies.analyzer(policies.read_policy_config(policies.default_policy_config_path(stack)))
    found: list[Violation] = []
    for resource in policies.as_policy_resources(built.registrations):
        found.extend(engine.analyze(resource))
    return found


BINDING_TYPES = ("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")


def team_rules(registrations: list, namespace: str) -> list[dict]:
    """Every RBAC rule the team's group holds in ``namespace``, through any binding the plan makes."""
    from components.tenant.namespace import team_group

    group = team_group(namespace)
    roles = {
        (r.inputs["metadata"].get("namespace"), r.inputs["metadata"]["name"]): r.inputs.get("rules", [])
        for r in registrations
        if r.type in ("kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
    }
    rules: list[dict] = []
    for binding in registrations:
        if binding.type not in (
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        ):
            continue
        scope = binding.inputs["metadata"].get("namespace")
        if scope not in (None, namespace) or not any(s.get("name") == group for s in binding.inputs.get("subjects", [])):
            continue
        ref = binding.inputs["roleRef"]
        key = (scope if ref["kind"] == "Role" else None, ref["name"])
        assert key in roles, f"the team is bound to {ref['kind']} {ref['name']!r}, which the plan does not define (a built-in grants more)"
        rules += roles[key]
    return rules
