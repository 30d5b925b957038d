"""The real-engine tier: the real Pulumi CLI, engine, state, secrets and analyzer running this program
and its policy pack, with stand-in providers (``blueprint.standin``) because no cloud is reachable.

A :class:`Workspace` is a throw-away copy of the project (the stack files exactly as they are, the
code linked), a local file backend, passphrase secrets and a private ``PULUMI_HOME`` holding the
stand-in plugins under the names and versions the program asks for. ``make engine`` builds the CLI
first (``engine/build.sh``).

``python -m blueprint.realengine preview|up STACK [pulumi args…]`` runs one command for a person and
prints the CLI's own output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from blueprint.engine.mocks import Registration
from blueprint.engine.wire import masked, unwrapped
from stacks.loader import ROOT

TOOLS_BIN = ROOT / ".tools" / "bin"
PULUMI = TOOLS_BIN / "pulumi"
PASSPHRASE = "real-engine-tier-not-a-secret"
#: What the copy links rather than copies: the code and the virtualenvs, never the stack files.
LINKED = (".venv", "__main__.py", "blueprint", "components", "stacks", "templates", "policy_pack")
#: Stacks of the org project (``org/``, ADR-0031): every environment reads one, deployed first.
ORG_STACKS = ("org",)


class EngineMissing(RuntimeError):
    """The CLI has not been built (``make engine``)."""


def provider_plugins() -> list[tuple[str, str]]:
    """(name, version) of every provider plugin the installed SDKs declare (their pulumi-plugin.json)."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        for file in dist.files or []:
            if file.name == "pulumi-plugin.json" and len(file.parts) == 2:
                data = json.loads(Path(str(dist.locate_file(file))).read_text())
                if data.get("resource"):
                    found[data["name"]] = data["version"]
    return sorted(found.items())


def install_standins(pulumi_home: Path) -> list[Path]:
    """Install one stand-in executable per provider plugin into ``pulumi_home``'s plugin cache."""
    installed = []
    for name, version in provider_plugins():
        directory = pulumi_home / "plugins" / f"resource-{name}-v{version}"
        directory.mkdir(parents=True, exist_ok=True)
        executable = directory / f"pulumi-resource-{name}"
        executable.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m blueprint.standin {name} {version} "$@"\n')
        executable.chmod(0o755)
        installed.append(executable)
    return installed


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Workspace:
    root: Path
    project: Path
    env: dict[str, str]

    def pulumi(self, *args: str, timeout: float = 900, stream: bool = False, cwd: Path | None = None) -> Result:
        command = [str(PULUMI), *args, "--non-interactive"]
        where = cwd or self.project
        if stream:
            shown = subprocess.run(command, cwd=where, env=self.env, timeout=timeout, check=False)
            return Result(command, shown.returncode, "", "")
        done = subprocess.run(command, cwd=where, env=self.env, capture_output=True, text=True, timeout=timeout, check=False)
        return Result(command, done.returncode, done.stdout, done.stderr)

    def directory(self, stack: str) -> Path:
        """The project a stack belongs to: the org stack's is ``org/`` (ADR-0031), the environments' the root."""
        return self.project / "org" if stack in ORG_STACKS else self.project

    def stack_file(self, stack: str) -> Path:
        return self.directory(stack) / f"Pulumi.{stack}.yaml"

    def init_stack(self, stack: str) -> Result:
        return self.pulumi("stack", "init", stack, "--secrets-provider", "passphrase", cwd=self.directory(stack))

    def policy_args(self, stack: str) -> list[str]:
        return ["--policy-pack", str(ROOT / "policy_pack"), "--policy-pack-config", str(ROOT / "policy_pack" / f"config.{stack}.json")]

    def preview(self, stack: str, *extra: str, policy: bool = True, stream: bool = False) -> Result:
        args = ["preview", "--stack", stack, *(self.policy_args(stack) if policy else []), *extra]
        return self.pulumi(*args, stream=stream, cwd=self.directory(stack))

    def up(self, stack: str, *extra: str, policy: bool = True, stream: bool = False) -> Result:
        args = ["up", "--yes", "--skip-preview", "--stack", stack, *(self.policy_args(stack) if policy else []), *extra]
        return self.pulumi(*args, stream=stream, cwd=self.directory(stack))

    def export(self, stack: str) -> dict[str, Any]:
        result = self.pulumi("stack", "export", "--stack", stack, "--show-secrets", cwd=self.directory(stack))
        if result.returncode:
            raise RuntimeError(result.output)
        exported: dict[str, Any] = json.loads(result.stdout)
        return exported


#: Policies that a first preview of dev or prod cannot evaluate (the analyzer reports them as "can't
#: run policy … during preview", advisory). Empty, and it must stay so: every input a policy reads
#: is built from values known before anything exists (ADR-0015).
KNOWN_PREVIEW_DEFERRED: set[str] = set()

#: Where ``pulumi stack export`` and the offline ``inventory.json`` may differ, and why.
ALLOWED_DIFFERENCES = {
    "default-provider": "the engine registers a default provider (pulumi:providers:<pkg>::default_<version>) for "
    "resources created without an explicit one; the offline engine records no provider for them",
    "stack-resource": "the pulumi:pulumi:Stack resource itself is not part of the inventory",
}


def _is_default_provider(urn: str | None) -> bool:
    return bool(urn) and "::pulumi:providers:" in str(urn) and str(urn).split("::")[3].startswith("default")


def registrations(export: dict[str, Any]) -> list[Registration]:
    """The real engine's state as the offline engine's records, so that the checks written for
    plans (identities, ordering) run on what the engine really stored."""
    found = []
    for resource in export["deployment"]["resources"]:
        if resource["type"] == "pulumi:pulumi:Stack":
            continue
        found.append(
            Registration(
                urn=resource["urn"],
                type=resource["type"],
                name=resource["urn"].rsplit("::", 1)[-1],
                custom=bool(resource.get("custom")),
                parent=resource.get("parent"),
                provider=resource.get("provider", "").rsplit("::", 1)[0] or None,
                inputs=unwrapped(resource.get("inputs", {})),
                options={"protect": bool(resource.get("protect"))},
                dependencies=list(resource.get("dependencies", [])),
                property_dependencies={k: list(v) for k, v in (resource.get("propertyDependencies") or {}).items()},
                state=unwrapped(resource.get("outputs", {})),
            )
        )
    return found


def exported_view(export: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What the real engine registered, keyed by URN, in the inventory's vocabulary."""
    view: dict[str, dict[str, Any]] = {}
    for resource in export["deployment"]["resources"]:
        urn = resource["urn"]
        if resource["type"] == "pulumi:pulumi:Stack" or _is_default_provider(urn):
            continue
        provider = resource.get("provider", "").rsplit("::", 1)[0] or None
        parent = resource.get("parent")
        view[urn] = {
            "type": resource["type"],
            "parent": None if parent and parent.split("::")[2] == "pulumi:pulumi:Stack" else parent,
            "provider": None if _is_default_provider(provider) else provider,
            "inputs": masked(resource.get("inputs", {})),
            "protect": bool(resource.get("protect")),
            "retainOnDelete": bool(resource.get("retainOnDelete")),
            "dependencies": sorted(set(resource.get("dependencies", []))),
        }
    return view


def inventory_view(inventory: dict[str, Any]) -> dict[str, dict[str, Any]]:
    view: dict[str, dict[str, Any]] = {}
    for resource in inventory["resources"]:
        parent = resource.get("parent")
        view[resource["urn"]] = {
            "type": resource["type"],
            "parent": None if parent and parent.split("::")[2] == "pulumi:pulumi:Stack" else parent,
            "provider": resource.get("provider"),
            "inputs": resource.get("inputs", {}),
            "protect": bool(resource["options"].get("protect")),
            "retainOnDelete": bool(resource["options"].get("retainOnDelete")),
            "dependencies": sorted(set(resource.get("dependencies", []))),
        }
    return view


def _paths(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for k in sorted(set(a) | set(b)) for p in _paths(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else k)]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _paths(x, y, f"{prefix}[{i}]")]
    return [] if a == b else [prefix or "(value)"]


def differences(export: dict[str, Any], inventory: dict[str, Any]) -> list[str]:
    """Every way the offline inventory disagrees with what the real engine registered."""
    real, offline = exported_view(export), inventory_view(inventory)
    found = [f"only in the real engine: {urn}" for urn in sorted(set(real) - set(offline))]
    found += [f"only offline: {urn}" for urn in sorted(set(offline) - set(real))]
    for urn in sorted(set(real) & set(offline)):
        for field_name in ("type", "parent", "provider", "protect", "retainOnDelete", "dependencies"):
            if real[urn][field_name] != offline[urn][field_name]:
                found.append(f"{urn}: {field_name} real={real[urn][field_name]!r} offline={offline[urn][field_name]!r}")
        for path in _paths(real[urn]["inputs"], offline[urn]["inputs"]):
            found.append(f"{urn}: inputs.{path} differs")
    return found


def offline_plan(stack: str, stack_file: Path, out: Path) -> Result:
    """``blueprint plan`` of the same stack file, for comparison with the real engine."""
    command = [str(Path(sys.executable).parent / "blueprint"), "plan", stack, "--config-file", str(stack_file), "--out", str(out), "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    return Result(command, done.returncode, done.stdout, done.stderr)


def require_engine() -> None:
    if not PULUMI.exists() or not (TOOLS_BIN / "pulumi-language-python").exists():
        raise EngineMissing(f"the Pulumi CLI is not built in {TOOLS_BIN}: run `make engine`")
    if not (ROOT / "policy_pack" / "venv" / "bin" / "python").exists():
        raise EngineMissing("the policy pack's virtualenv is missing: run `make engine` (it runs `pulumi install` in policy_pack/)")


def make_workspace(root: Path, stack_files: Sequence[Path] | None = None) -> Workspace:
    """Lay out a workspace in ``root`` (which must exist and be empty)."""
    require_engine()
    project = root / "project"
    project.mkdir()
    shutil.copy2(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    for path in stack_files if stack_files is not None else sorted(ROOT.glob("Pulumi.*.yaml")):
        shutil.copy2(path, project / path.name)
    for name in LINKED:
        (project / name).symlink_to(ROOT / name)
    # The org project beside the environments' (its stack files read ../Pulumi.<env>.yaml: these copies).
    (project / "org").mkdir()
    shutil.copy2(ROOT / "org" / "Pulumi.yaml", project / "org" / "Pulumi.yaml")
    for path in sorted((ROOT / "org").glob("Pulumi.*.yaml")):
        shutil.copy2(path, project / "org" / path.name)
    (project / "org" / "__main__.py").symlink_to(ROOT / "org" / "__main__.py")
    home, state = root / "home", root / "state"
    home.mkdir()
    state.mkdir()
    install_standins(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_", "GITHUB_", "VAULT_", "KUBECONFIG"))}
    env.update(
        PATH=f"{TOOLS_BIN}{os.pathsep}{env.get('PATH', '')}",
        PULUMI_HOME=str(home),
        PULUMI_BACKEND_URL=f"file://{state}",
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_SKIP_CONFIRMATIONS="true",
        # As in CI (ADR-0015): a resource whose provider is not configured yet (Kubernetes objects of a
        # cluster not created yet) previews with its inputs as outputs, so stack rules can judge it.
        PULUMI_LEGACY_PROVIDER_PREVIEW="true",
        NO_COLOR="1",
        # The external systems every stack of this workspace shares (blueprint/standin/world.py).
        BLUEPRINT_STANDIN_WORLD=str(root / "world"),
    )
    return Workspace(root, project, env)


@contextmanager
def workspace(stack_files: Sequence[Path] | None = None) -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="blueprint-real-") as tmp:
        yield make_workspace(Path(tmp), stack_files)


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("preview", "up"):
        print("usage: python -m blueprint.realengine preview|up STACK [pulumi args...]", file=sys.stderr)
        return 2
    command, stack, extra = argv[0], argv[1], list(argv[2:])
    if not (ROOT / f"Pulumi.{stack}.yaml").exists() and not (ROOT / "org" / f"Pulumi.{stack}.yaml").exists():
        print(f"no stack file Pulumi.{stack}.yaml in {ROOT} or {ROOT / 'org'}", file=sys.stderr)
        return 2
    try:
        with workspace() as ws:
            if stack not in ORG_STACKS:
                # An environment reads the org stack's outputs: it is up first, as in the deploy workflow.
                for step in (lambda: ws.init_stack("org"), lambda: ws.up("org", stream=True)):
                    done = step()
                    if done.returncode:
                        print(done.output, file=sys.stderr)
                        return done.returncode
            init = ws.init_stack(stack)
            if init.returncode:
                print(init.output, file=sys.stderr)
                return init.returncode
            run = ws.preview if command == "preview" else ws.up
            return run(stack, *extra, stream=True).returncode
    except EngineMissing as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
