"""Shared fixtures: the offline engine's plans of the real stacks (run once per session), and a
factory for valid configs that tests mutate.

Whole-program runs carry the ``plan`` marker. A test that uses ``stack_plans`` or ``plan`` gets it
here; any other test that runs the whole program (``plan_registrations``, the CLI's ``plan``) must say
so, and a test that does not and still runs it fails at once: ``pytest -m "not plan"`` stays the
one-component suite it claims to be.
"""

from __future__ import annotations

import copy
import functools
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.engine.mocks import Registration
from blueprint.engine.run import run_program
from stacks.loader import ROOT, load_stack_file

STACKS = ("dev", "staging", "prod")
#: Markers whose tests may run the whole program (the real-engine tier runs it through the CLI).
WHOLE_PROGRAM_MARKERS = ("plan", "engine")
#: The programs the ``plan`` marker is about: the environments' and the org stack's (ADR-0031).
PROGRAMS = {(ROOT / "__main__.py").resolve(), (ROOT / "org" / "__main__.py").resolve()}
#: Fixtures that hand a test whole-program plans.
PLAN_FIXTURES = {"stack_plans", "plan", "org_plan"}


#: Tests that share servers run in one worker under pytest-xdist (``--dist loadgroup``): marker -> group.
WORKER_GROUPS = {"realserver": "servers", "openbao": "servers"}
#: Likewise the real-engine tests that read the stacks the engine applied once (tests/engine).
STATE_FIXTURES = {"applied", "deployed"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (its own hook, on each worker)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PLAN_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.plan)
        group = next((g for m, g in WORKER_GROUPS.items() if item.get_closest_marker(m)), None)
        if STATE_FIXTURES & set(getattr(item, "fixturenames", ())):
            group = "engine-state"
            # Whichever runs first also sets up the state: two real `up`s with the pack (3 to 5 min on
            # 2 cores), which pytest-timeout counts with the test's own call.
            item.add_marker(pytest.mark.timeout(900))
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


#: Whether the test being set up, run or torn down may run the whole program, and its id.
_CURRENT: dict[str, Any] = {"allowed": True, "test": ""}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of ``item`` (a module- or session-scoped plan included) is set up."""
    _CURRENT.update(allowed=any(item.get_closest_marker(m) for m in WHOLE_PROGRAM_MARKERS), test=item.nodeid)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail a test that runs ``__main__.py`` without the ``plan`` marker (the offline engine runs the
    program with ``runpy.run_path``; a component test builds its component directly)."""
    run_path = runpy.run_path

    def guarded(path: str, *args: Any, **kwargs: Any) -> Any:
        if not _CURRENT["allowed"] and Path(path).resolve() in PROGRAMS:
            raise AssertionError(f"{_CURRENT['test']} runs the whole program ({path}) but is not marked `plan`")
        return run_path(path, *args, **kwargs)

    runpy.run_path = guarded


#: A tenant the shipped stacks do not have, for onboarding tests (stack file spelling).
NEW_TENANT: dict[str, Any] = {
    "name": "lending",
    "ownerTeam": "lending-team",
    "ownerEmail": "lending-team@fintech-blueprint.example",
    "costCenter": "CC-1003",
    "tier": "small",
    "dataClasses": ["pii"],
    "monthlyBudgetUsd": 300,
    "services": [{"name": "loan-api", "kind": "api"}],
}


#: How many resources (components included) NEW_TENANT brings under its Tenant, one service of a pii class.
#: With its dashboards ConfigMap (#30 item 4), its outbox and erasure queue alerts (#30 item 3), its canary
#: (#29) and its owner's alert subscription (#30 item 1); no gateway-namespace ingress any more (ADR-0028);
#: in dev, its repository's variables: 6 in its GitHub environment, Gate 1's 4, their component (ADR-0031).
NEW_TENANT_RESOURCES = 81

#: Platform resources (logical names) that change when a tenant joins or leaves: none. The database path
#: is per tenant (#27 item 3: its own pooler and migration Job; Vault's connection names no tenant), and
#: so is the log route (Fluent Bit routes by the tenant's namespace label; its role covers every tenant
#: group by prefix). Kept as a name so that a future shared change is a reviewed, named exception.
SHARED_CHANGES_ON_ONBOARDING: set[str] = set()


def platform_resources_of(tenant: str) -> set[str]:
    """Platform resources (logical names) created with a tenant: its database path in ``db-manager``
    (components/database/access.py ``TenantDatabaseAccess``: the component, its pooler's lookup password,
    auth Secret, ConfigMap, Deployment, PodDisruptionBudget and Service, its ingress policy, and its
    migration's ConfigMap, password Secret and Job)."""
    base = f"db-access-{tenant}"
    parts = ("lookup", "pooler-auth", "pooler-config", "pooler", "to-pooler", "migration", "migration-password", "migrate-job")
    return {base, *(f"{base}-{part}" for part in parts)}


def plan_registrations(path: Path, stack: str) -> list[Registration]:
    """The offline plan of a stack file (a test's own mutation: the shipped stacks' plans are
    ``stack_plans``, computed once per session)."""
    stack_file, config = load_stack_file(path)
    flat, secrets = stack_file.flattened()
    return run_program(stack, flat, secrets, config.region)


@functools.cache
def shipped_plan(stack: str) -> tuple[Registration, ...]:
    """The offline plan of a shipped stack, computed once per session (per worker) whoever asks first."""
    return tuple(plan_registrations(ROOT / f"Pulumi.{stack}.yaml", stack))


@functools.cache
def shipped_org_plan() -> tuple[Registration, ...]:
    """The offline plan of the shipped org stack (``org/Pulumi.org.yaml``, ADR-0031), once per session."""
    from stacks.org import ORG_DIR, load_org_stack_file

    stack_file, _ = load_org_stack_file(ORG_DIR / "Pulumi.org.yaml")
    flat, secrets = stack_file.flattened()
    return tuple(run_program("org", flat, secrets, "eu-west-3", project=stack_file.project))


@pytest.fixture(scope="session")
def org_plan() -> list[Registration]:
    return list(shipped_org_plan())


@pytest.fixture(scope="session")
def stack_plans() -> dict[str, list[Registration]]:
    return {stack: list(shipped_plan(stack)) for stack in STACKS}


@pytest.fixture(params=STACKS)
def plan(request: pytest.FixtureRequest, stack_plans: dict[str, list[Registration]]) -> list[Registration]:
    return stack_plans[request.param]


def stack_document(stack: str = "dev") -> dict[str, Any]:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())


@pytest.fixture
def write_stack(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a ``Pulumi.<x>.yaml``-shaped document and return its path."""

    def write(document: dict[str, Any], name: str = "Pulumi.test.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        return path

    return write


def project_values(stack: str = "dev") -> dict[str, Any]:
    """The dev stack's project-namespace values (keys without the namespace), deep-copied for mutation."""
    return {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in stack_document(stack)["config"].items()}


def as_document(values: dict[str, Any]) -> dict[str, Any]:
    return {"config": {f"fintech-blueprint:{k}": v for k, v in values.items()}}


def by_type(registrations: list[Registration], type_: str) -> list[Registration]:
    return [r for r in registrations if r.type == type_]
