"""One loader for both runs.

- Real run (``pulumi preview/up``): ``load_from_pulumi()`` reads the stack's config through
  ``pulumi.Config`` (the CLI has already merged Pulumi.yaml defaults and decrypted secrets).
- Offline run (``blueprint plan``): ``read_stack_file()`` reads ``Pulumi.<stack>.yaml`` the way the CLI
  would (Pulumi.yaml defaults merged, ``secure:`` values replaced by placeholders marked secret),
  validates it, then hands the same flattened values to the Pulumi runtime, so ``__main__.py`` goes
  through ``load_from_pulumi()`` exactly as in a real run.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import SecretStr, ValidationError

from stacks import documents
from stacks.config import ORG_PROJECT, PROJECT, RETIRED_KEYS, PlatformConfig, cross_field_problems

ROOT = Path(__file__).resolve().parent.parent
OFFLINE_SECRET_PLACEHOLDER = "offline-placeholder-not-a-secret"


class ConfigError(Exception):
    """Invalid configuration: one or more (field path, message) problems, all reported at once."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"invalid configuration in {source}:"] + [f"  {path}: {message}" for path, message in problems]
        super().__init__("\n".join(lines))


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "constrained-")) or part in ("literal", "tagged-union"):
            continue  # pydantic's internal validator names are not config paths
        else:
            out += f".{part}" if out else part
    return out or "(root)"


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model accepts in the mapping that holds ``loc``'s last part."""
    model: Any = PlatformConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        if part not in fields:
            return []
        annotation = fields[part].annotation
        while get_origin(annotation) is not None and get_args(annotation):
            annotation = get_args(annotation)[0]
        if not (isinstance(annotation, type) and hasattr(annotation, "model_fields")):
            return []
        model = annotation
    return sorted(info.alias or name for name, info in model.model_fields.items())


def _message(error: Mapping[str, Any]) -> str:
    kind, msg = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        if _path(error["loc"]) in RETIRED_KEYS:
            return RETIRED_KEYS[_path(error["loc"])]
        close = difflib.get_close_matches(str(error["loc"][-1]), _keys_at(error["loc"]), n=1, cutoff=0.6)
        if close:
            return f"unknown key; did you mean {close[0]!r}? (or remove it)"
        return "unknown key; remove it or check its spelling (keys are camelCase)"
    if kind == "missing":
        return "required key is missing"
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} does not match the expected format {error['ctx']['pattern']}"
    return msg.removeprefix("Value error, ")


def validate_config(raw: Mapping[str, Any], source: str) -> PlatformConfig:
    """Build the model from project-namespace values, or raise ConfigError naming each field."""
    try:
        config = PlatformConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError(source, [(_path(e["loc"]), _message(e)) for e in exc.errors()]) from None
    problems = cross_field_problems(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def _is_string_field(name: str) -> bool:
    annotation = PlatformConfig.model_fields[name].annotation
    candidates = get_args(annotation) if get_origin(annotation) is not None else (annotation,)
    return any(c is str or c is SecretStr or isinstance(c, str) for c in candidates)


def _field_aliases() -> dict[str, str]:
    return {info.alias or name: name for name, info in PlatformConfig.model_fields.items()}


def load_from_pulumi() -> PlatformConfig:
    """Read this stack's config through ``pulumi.Config`` (real run, and offline under mocks)."""
    import pulumi

    cfg = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for alias, name in _field_aliases().items():
        value = cfg.get(alias)
        if value is None:
            continue
        if _is_string_field(name):
            raw[alias] = value
        else:
            try:
                raw[alias] = json.loads(value)
            except json.JSONDecodeError:
                raise ConfigError(f"stack {pulumi.get_stack()}", [(alias, "is not valid JSON/YAML")]) from None
    return validate_config(raw, f"stack {pulumi.get_stack()!r} config")


@dataclass
class StackFile:
    """What ``read_stack_file`` found: project values, other namespaces, and which keys are secret."""

    path: Path
    values: dict[str, Any]
    other: dict[str, Any] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)
    #: The project whose namespace ``values`` are (the org stack's is ``fintech-blueprint-org``).
    project: str = PROJECT

    def flattened(self) -> tuple[dict[str, str], list[str]]:
        """Config as the Pulumi runtime holds it: fully-qualified keys, string values (JSON for objects)."""
        flat: dict[str, str] = {}
        for key, value in {**{f"{self.project}:{k}": v for k, v in self.values.items()}, **self.other}.items():
            flat[key] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return flat, sorted(f"{self.project}:{k}" if ":" not in k else k for k in self.secret_keys)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML as the CLI reads it (Go yaml.v3): a key repeated in one mapping is an error, not last-wins."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key]}); remove one", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)
# Booleans as the CLI reads them: Go yaml.v3 decoding config into untyped values takes only true/false
# (YAML 1.2); yes/no/on/off stay text, so a tenant named ``no`` or a cost center ``NO`` is what it says.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def stack_yaml(text: str) -> Any:
    """A stack file's text as the CLI reads it (no bounds check: the caller read the file through ``documents``)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)


#: A ``secure:`` value as a Pulumi secrets provider writes it (``v1:<nonce>:<ciphertext>``, base64).
_CIPHERTEXT = re.compile(r"^v1:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$")


def _read_yaml(path: Path) -> Any:
    try:
        return documents.load_yaml(path, _UniqueKeyLoader)
    except documents.DocumentError as exc:
        raise ConfigError(str(path), [(exc.where, exc.message)]) from None


def project_defaults(project_file: Path = ROOT / "Pulumi.yaml", namespace: str = PROJECT) -> dict[str, Any]:
    """``default:`` values declared in Pulumi.yaml's ``config:`` block (the CLI merges them)."""
    project = _read_yaml(project_file) or {}
    defaults: dict[str, Any] = {}
    for key, spec in (project.get("config") or {}).items():
        if isinstance(spec, Mapping) and "default" in spec:
            defaults[key.removeprefix(f"{namespace}:")] = spec["default"]
    return defaults


def required_keys(project_file: Path = ROOT / "Pulumi.yaml", namespace: str = PROJECT) -> list[str]:
    """Keys Pulumi.yaml declares without a default: the CLI refuses a stack that does not set them."""
    project = _read_yaml(project_file) or {}
    return sorted(
        key.removeprefix(f"{namespace}:")
        for key, spec in (project.get("config") or {}).items()
        if not (isinstance(spec, Mapping) and "default" in spec)
    )


def read_stack_file(
    path: Path, secret_placeholders: bool = False, project: str = PROJECT, project_file: Path = ROOT / "Pulumi.yaml"
) -> StackFile:
    """Parse a ``Pulumi.<stack>.yaml`` as the CLI would; structural problems raise ConfigError (all at
    once), values are validated later.

    A ``secure:`` value needs the stack's secrets provider, which the offline engine does not have: it
    is refused unless ``secret_placeholders`` (then it becomes a placeholder marked secret). A value
    that is not even ciphertext is refused always, as the CLI refuses it ("bad value").
    """
    document = _read_yaml(path)
    if not isinstance(document, Mapping) or not isinstance(document.get("config"), Mapping):
        raise ConfigError(str(path), [("config", "the file must be a mapping with a 'config:' mapping inside")])
    stack = StackFile(path=path, values=project_defaults(project_file, project), project=project)
    problems: list[tuple[str, str]] = []
    for key, value in document["config"].items():
        namespace, sep, name = str(key).partition(":")
        if not sep:
            namespace, name = project, str(key)
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            if not isinstance(value["secure"], str) or not _CIPHERTEXT.match(value["secure"]):
                problems.append(
                    (
                        f"{key}.secure",
                        "is not ciphertext the CLI can decrypt (it fails with 'bad value'): set it with `pulumi config set --secret`",
                    )
                )
            elif not secret_placeholders:
                problems.append(
                    (
                        str(key),
                        "is encrypted for the stack's secrets provider, which the offline engine does not have: "
                        "pass --offline-secrets to plan with a placeholder",
                    )
                )
            value = OFFLINE_SECRET_PLACEHOLDER
            stack.secret_keys.add(name if namespace == project else f"{namespace}:{name}")
        if namespace == project:
            stack.values[name] = value
        else:
            stack.other[f"{namespace}:{name}"] = value
    if project == PROJECT and any(key.startswith(f"{ORG_PROJECT}:") for key in stack.other):
        raise ConfigError(
            str(path),
            [("config", "is the org stack's file (fintech-blueprint-org:*), no environment's: `blueprint plan org` plans it (ADR-0031)")],
        )
    for name in required_keys(project_file, project):
        if name not in stack.values:
            problems.append(
                (
                    f"{project}:{name}",
                    "missing required configuration value: Pulumi.yaml declares it without a default, "
                    "so the CLI refuses the stack; set it in this file",
                )
            )
    if problems:
        raise ConfigError(str(path), problems)
    return stack


def load_stack_file(path: Path, secret_placeholders: bool = False) -> tuple[StackFile, PlatformConfig]:
    stack = read_stack_file(path, secret_placeholders)
    return stack, validate_config(stack.values, str(path))


#: Stack names that are environments: a stack so named plans that environment's file, never another's.
ENVIRONMENTS = ("dev", "staging", "prod")


def check_environment(stack: str, config: PlatformConfig, source: Path) -> None:
    """A stack named after an environment must be it (``blueprint catalog prod --config-file Pulumi.dev.yaml``
    would describe dev as prod), and no stack file beside it of another environment names its account or Vault."""
    from stacks.org import reference_problems  # the org stack reads this module

    problems = sibling_conflicts(source, config)
    if not problems:
        problems = reference_problems(config, source)
    if stack in ENVIRONMENTS and config.environment != stack:
        problems.insert(
            0, ("environment", f"is {config.environment!r} but the stack is {stack!r}: a stack named after an environment must be it")
        )
    if problems:
        raise ConfigError(str(source), problems)


def sibling_conflicts(source: Path, config: PlatformConfig) -> list[tuple[str, str]]:
    """Stack files beside ``source`` of another environment that name this stack's AWS account or Vault:
    one environment per account and per Vault (ADR-0018), so dev can never be pointed at prod's. The
    siblings are read as YAML only (an invalid one is its own plan's problem)."""
    found: list[tuple[str, str]] = []
    mine = {"awsAccountId": config.aws_account_id, "vault.address": config.vault.address.rstrip("/").lower()}
    for other in sorted(source.resolve().parent.glob("Pulumi.*.yaml")):
        if other == source.resolve():
            continue
        try:
            values = (stack_yaml(other.read_text(encoding="utf-8")) or {}).get("config") or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(values, dict):
            continue
        environment = values.get(f"{PROJECT}:environment")
        if not isinstance(environment, str) or environment == config.environment:
            continue
        vault = values.get(f"{PROJECT}:vault")
        theirs = {
            "awsAccountId": str(values.get(f"{PROJECT}:awsAccountId", "")),
            "vault.address": str((vault or {}).get("address", "") if isinstance(vault, dict) else "").rstrip("/").lower(),
        }
        for key, value in mine.items():
            if value and theirs[key] == value:
                found.append((key, f"is {other.name}'s too ({environment}): each environment has its own (ADR-0018); fix one of them"))
    return found
