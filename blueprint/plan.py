"""``blueprint plan``: validate, run the program offline, evaluate the pack, write artifacts atomically."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from blueprint import finops, plan_html, policies, retention
from blueprint.engine.analyzer import Violation
from blueprint.engine.causes import Group, grouped
from blueprint.engine.diff import Diff, diff
from blueprint.engine.identities import raise_on_collisions
from blueprint.engine.inventory import dumps, inventory_document, summary, write_manifests
from blueprint.engine.run import ProgramError, run_program, without_provider_environment
from stacks.config import ORG_PROJECT, PROJECT, PlatformConfig
from stacks.loader import ROOT, StackFile, check_environment, load_stack_file
from stacks.org import OrgConfig, is_org_stack_file, load_org_stack_file

#: The region an org stack's plan uses: it holds no AWS resource (the pack and estimate need one).
DEFAULT_REGION = "eu-west-3"

Step = Callable[[str], None]
T = TypeVar("T")
#: Prefix of a violation only a first preview (nothing created yet) reports: CI's preview would fail.
FIRST_PREVIEW = "[first preview]"


@dataclass(frozen=True)
class PolicySummary:
    mandatory: int
    advisory: int
    #: Checks a first preview cannot run yet (policy-report.json previewDeferred), and how many are mandatory.
    preview_deferred: int
    preview_deferred_mandatory: int
    #: The policy config used, relative to the project when inside it.
    config: str | None

    def document(self) -> dict[str, Any]:
        return {
            "mandatory": self.mandatory,
            "advisory": self.advisory,
            "previewDeferred": self.preview_deferred,
            "previewDeferredMandatory": self.preview_deferred_mandatory,
            "config": self.config,
        }


@dataclass(frozen=True)
class DiffSummary:
    added: int
    changed: int
    removed: int
    replaced: int
    #: URNs of deletions or replacements of stateful, protected or repository resources.
    dangerous: list[str]

    def document(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "replaced": self.replaced,
            "dangerous": self.dangerous,
        }


@dataclass(frozen=True)
class PlanSummary:
    """What a plan found, typed. ``document()`` is the JSON of ``blueprint plan --json``.

    Counts agree with each other and with the artifacts: ``registrations`` (every entry of
    inventory.json and of the diff) = ``resources`` + ``components`` + ``providers``."""

    stack: str
    resources: int
    components: int
    providers: int
    by_component_type: dict[str, int]
    by_tenant: dict[str, int]
    kubernetes_objects: int
    ignored_environment: list[str]
    warnings: list[str]
    policy: PolicySummary
    finops: dict[str, Any]
    data_lifecycle: dict[str, Any]
    diff: DiffSummary

    @property
    def registrations(self) -> int:
        return self.resources + self.components + self.providers

    def document(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "registrations": self.registrations,
            "resources": self.resources,
            "components": self.components,
            "providers": self.providers,
            "byComponentType": self.by_component_type,
            "byTenant": self.by_tenant,
            "kubernetesObjects": self.kubernetes_objects,
            "ignoredEnvironment": self.ignored_environment,
            "warnings": self.warnings,
            "policy": self.policy.document(),
            "finops": self.finops,
            "dataLifecycle": self.data_lifecycle,
            "diff": self.diff.document(),
        }


@dataclass
class PlanResult:
    summary: PlanSummary
    violations: list[Violation]
    out_dir: Path
    #: Against the previous plan (empty inventory when there was none).
    diff: Diff = field(default_factory=Diff)
    previous: dict[str, Any] = field(default_factory=dict)
    inventory: dict[str, Any] = field(default_factory=dict)
    #: The violations, one entry per config key that causes several (``causes.grouped``).
    groups: list[Group] = field(default_factory=list)

    @property
    def blocking(self) -> list[Violation]:
        return [v for v in self.violations if v.mandatory]


def _shown(path: Path) -> str:
    """Paths inside the project are reported relative to it, so reports do not depend on the checkout."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def policy_report(
    stack: str,
    violations: list[Violation],
    config_file: Path | None,
    preview_deferred: list[dict[str, Any]],
    groups: list[Group] | None = None,
) -> dict[str, Any]:
    caused_by: dict[tuple[str, str | None], str] = {(g.policy, urn): g.key[0] for g in groups or [] if g.key for urn in g.urns if urn}
    return {
        "previewDeferred": preview_deferred,
        "stack": stack,
        "policyConfig": _shown(config_file) if config_file else None,
        "counts": dict(sorted(Counter(v.enforcement_level for v in violations).items())),
        "violations": [
            {
                "policy": v.policy,
                "enforcementLevel": v.enforcement_level,
                "severity": v.severity,
                "urn": v.urn,
                "message": v.message,
                **({"configKey": caused_by[(v.policy, v.urn)]} if (v.policy, v.urn) in caused_by else {}),
            }
            for v in sorted(violations, key=lambda v: (v.enforcement_level != "mandatory", v.policy, v.urn or ""))
        ],
    }


#: How many times ``plan`` calls its ``step`` callback (the CLI's progress bar).
PLAN_STEPS = 4
#: Stack names that are environment names: such a stack's ``environment`` must be its name.
#: Marks a directory as a plan's output: only such a directory is ever replaced.
MARKER = ".blueprint-plan"


class OutputDirError(ValueError):
    """``--out`` names a place a plan must not replace."""


def previous_inventory(out_dir: Path, diff_dir: Path | None) -> dict[str, Any]:
    """The inventory to diff against: ``diff_dir``'s, else the previous plan's in ``out_dir``, else none."""
    if diff_dir is not None:
        path = diff_dir / "inventory.json"
        if not path.is_file():
            raise OutputDirError(f"--diff {diff_dir}: no inventory.json there; name the output directory of an earlier plan")
    else:
        path = out_dir / "inventory.json"
        if not (out_dir / MARKER).is_file() or not path.is_file():
            return {"resources": []}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise OutputDirError(f"{path}: not a plan inventory ({exc}); run the plan again into a new directory") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("resources"), list):
        raise OutputDirError(f"{path}: not a plan inventory (no 'resources' list)")
    return loaded


def check_output_dir(out_dir: Path) -> None:
    """Refuse, before any work, an output that is a file, the working directory, the project, an
    ancestor of either, or a non-empty directory that no plan wrote (it would be replaced whole)."""
    target = out_dir.resolve()
    here = Path.cwd().resolve()
    if target.exists() and not target.is_dir():
        raise OutputDirError(f"--out {out_dir}: is a file; name a directory (default out/STACK)")
    for protected, what in (
        (ROOT.resolve(), "the project directory"),
        (here, "the current directory"),
        (Path.home().resolve(), "your home"),
    ):
        if target == protected or target in protected.parents:
            raise OutputDirError(
                f"--out {out_dir}: is {what} or contains it, and the plan replaces its output directory whole; use e.g. out/STACK"
            )
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise OutputDirError(
            f"--out {out_dir}: is a non-empty directory that no plan wrote (no {MARKER}); the plan would replace it: "
            "name a new or empty directory"
        )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace_dir(staging: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)


def first_preview_pass(
    stack: str, flat: dict[str, str], secret_keys: list[str], region: str, file_policy_config: dict[str, Any] | None, project: str = PROJECT
) -> tuple[list[dict[str, Any]], list[Violation]]:
    """The program and pack as the first ``pulumi preview`` of a new stack sees them."""
    preview = run_program(stack, flat, secret_keys, region, first_preview=True, project=project)
    return policies.first_preview(policies.as_policy_resources(preview), file_policy_config)


def _child(sender: Any, work: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        sender.send(("ok", work(*args)))
    except BaseException as exc:  # reported to the parent, which decides
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


@contextmanager
def alongside(work: Callable[..., T], *args: Any) -> Iterator[Callable[[], T]]:
    """Run ``work(*args)`` in a forked process while the body runs; yields a function returning its
    result (an exception in ``work`` is raised by it as a ProgramError).

    The first-preview pass is independent of the resolved one and the machine has cores to spare:
    side by side, a plan takes about the time of the longer pass. Forking is only safe while this
    process runs a single thread (the SDK's executors and gRPC start more); otherwise — a test
    process that planned before — ``work`` runs here, after the body, with the same result.
    """
    if threading.active_count() > 1:
        outcome: list[tuple[str, Any]] = []

        def inline() -> T:
            if not outcome:
                try:
                    outcome.append(("ok", work(*args)))
                except Exception as exc:
                    raise ProgramError(f"under a first preview: {type(exc).__name__}: {exc}") from exc
            return cast(T, outcome[0][1])

        yield inline
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, work, args), daemon=True)
    process.start()
    sender.close()
    received: list[tuple[str, Any]] = []

    def result() -> T:
        if not received:
            try:
                received.append(receiver.recv())
            except EOFError:
                received.append(("error", f"the first-preview pass died (exit code {process.exitcode})"))
        status, value = received[0]
        if status != "ok":
            raise ProgramError(f"under a first preview: {value}")
        return cast(T, value)

    try:
        yield result
    finally:
        if process.is_alive() and not received:
            process.terminate()
        process.join()
        receiver.close()


@dataclass(frozen=True)
class LoadedStack:
    """A stack file validated: an environment's (``fintech-blueprint:*``) or the org stack's (ADR-0031)."""

    file: StackFile
    config: PlatformConfig | OrgConfig
    project: str
    region: str


def load_any_stack(stack: str, config_file: Path, secret_placeholders: bool = False) -> LoadedStack:
    """Raises ConfigError on bad input. The org stack has no AWS region: its plan uses the default one."""
    if is_org_stack_file(config_file):
        org_file, org = load_org_stack_file(config_file)
        return LoadedStack(org_file, org, ORG_PROJECT, DEFAULT_REGION)
    stack_file, config = load_stack_file(config_file, secret_placeholders)
    check_environment(stack, config, config_file)
    return LoadedStack(stack_file, config, PROJECT, config.region)


def inventory_of(stack: str, config_file: Path) -> dict[str, Any]:
    """What a plan of ``config_file`` would list (its ``inventory.json``), without the first-preview
    pass, the pack or the artifacts: the base a change is diffed against. Raises what ``plan`` raises
    on bad input (ConfigError, ProgramError, IdentityCollision)."""
    loaded = load_any_stack(stack, config_file)
    flat, secret_keys = loaded.file.flattened()
    with without_provider_environment():
        registrations = run_program(stack, flat, secret_keys, loaded.region, project=loaded.project)
    raise_on_collisions(registrations)
    return inventory_document(stack, registrations)


def plan(
    stack: str,
    config_file: Path,
    out_dir: Path,
    policy_config_file: Path | None,
    step: Step = lambda _: None,
    secret_placeholders: bool = False,
    diff_dir: Path | None = None,
) -> PlanResult:
    """Raises ConfigError / PolicyConfigError on bad input, and IdentityCollision when two resources
    would claim one real object, before anything is written; OutputDirError when ``out_dir`` is not
    a place a plan may replace."""
    step("validating configuration")
    check_output_dir(out_dir)
    previous = previous_inventory(out_dir, diff_dir)
    loaded = load_any_stack(stack, config_file, secret_placeholders)
    config, region = loaded.config, loaded.region
    file_policy_config = policies.read_policy_config(policy_config_file) if policy_config_file else None
    policies.analyzer(file_policy_config)  # reject a bad policy config before the slow steps

    step("running the program under mocks (and, alongside, as a first preview sees it)")
    flat, secret_keys = loaded.file.flattened()

    with (
        without_provider_environment() as ignored_environment,
        alongside(first_preview_pass, stack, flat, secret_keys, region, file_policy_config, loaded.project) as preview_result,
    ):
        program_warnings: list[str] = []
        registrations = run_program(stack, flat, secret_keys, region, warnings=program_warnings, project=loaded.project)
        raise_on_collisions(registrations)
        step("evaluating the policy pack")
        violations = policies.evaluate(policies.as_policy_resources(registrations), file_policy_config)
        deferred, preview_blocking = preview_result()
    seen = {(v.policy, v.urn) for v in violations}
    violations += [replace(v, message=f"{FIRST_PREVIEW} {v.message}") for v in preview_blocking if (v.policy, v.urn) not in seen]

    groups = grouped(violations, registrations, config.model_dump(by_alias=True, mode="json"))
    costs = finops.document(stack, finops.estimate_registrations(registrations, region))
    step("writing artifacts")
    counts = summary(stack, registrations)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would survive the rename
        (staging / MARKER).write_text(dumps({"stack": stack, "writtenBy": "blueprint plan"}), encoding="utf-8")
        inventory = inventory_document(stack, registrations)
        changes = diff(previous, inventory)
        report = policy_report(stack, violations, policy_config_file, deferred, groups)
        (staging / "inventory.json").write_text(dumps(inventory), encoding="utf-8")
        (staging / "diff.json").write_text(dumps(changes.document()), encoding="utf-8")
        (staging / "policy-report.json").write_text(dumps(report), encoding="utf-8")
        write_manifests(staging / "manifests", registrations)
        finops.write_reports(staging, costs, dumps)
        removed = [r for r in previous.get("resources", []) if r["urn"] in set(changes.removed)]
        page = plan_html.page(stack, inventory, report["violations"], changes.document(), removed)
        (staging / "plan.html").write_text(page, encoding="utf-8")
        _replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finops_summary = {key: costs[key] for key in finops.SUMMARY_KEYS}
    finops_summary["unpriced"] = len(costs["unpriced"])
    plan_summary = PlanSummary(
        stack=stack,
        resources=counts["resources"],
        components=counts["components"],
        providers=counts["providers"],
        by_component_type=counts["byComponentType"],
        by_tenant=counts["byTenant"],
        kubernetes_objects=counts["kubernetesObjects"],
        # Provider defaults the shell would have supplied (GITHUB_TOKEN, AWS_REGION…): ignored, and said.
        ignored_environment=ignored_environment,
        warnings=sorted(set(program_warnings)),
        policy=PolicySummary(
            mandatory=sum(1 for v in violations if v.mandatory),
            advisory=sum(1 for v in violations if v.enforcement_level == "advisory"),
            preview_deferred=len(deferred),
            preview_deferred_mandatory=sum(1 for d in deferred if d["enforcementLevel"] == "mandatory"),
            config=_shown(policy_config_file) if policy_config_file else None,
        ),
        finops=finops_summary,
        data_lifecycle=retention.by_tenant(registrations),
        diff=DiffSummary(
            added=len(changes.added),
            changed=len(changes.changed),
            removed=len(changes.removed),
            replaced=len(changes.replaced),
            dangerous=changes.dangerous,
        ),
    )
    return PlanResult(
        summary=plan_summary, violations=violations, out_dir=out_dir, diff=changes, previous=previous, inventory=inventory, groups=groups
    )
