"""Validation of the custom resources the program renders against the CRD schemas of the pinned
charts (vendored in ``crds/``, extracted unchanged at each chart's release tag: ``crds/README.md``).

Read as the API server reads them with strict field validation (kubectl's default since 1.25): an
object with ``properties`` and no ``additionalProperties`` refuses unknown fields unless it says
``x-kubernetes-preserve-unknown-fields``, and ``x-kubernetes-int-or-string`` takes either. Patterns
with Go's inline flags in mid-expression (``^(?i)(abort|warn)?$``), which Python's ``re`` refuses,
are rewritten to the scoped form with the same meaning.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema

CRD_DIR = Path(__file__).resolve().parent / "crds"
SOURCES = CRD_DIR / "SOURCES.json"
_INLINE_FLAGS = re.compile(r"\(\?([imsU]+)\)")


def _python_pattern(pattern: str) -> str:
    """RE2 accepts ``(?i)`` anywhere and applies it to the rest of the group; Python only at the start."""
    match = _INLINE_FLAGS.search(pattern)
    if match is None or match.start() == 0:
        return pattern
    flags = match.group(1).replace("U", "")
    rest = _python_pattern(pattern[match.end() :])
    # The flag runs to the end of its enclosing group: close the scoped group before the first
    # unbalanced ')'.
    depth = 0
    for i, char in enumerate(rest):
        if char == "\\":
            continue
        if char == "(" and (i == 0 or rest[i - 1] != "\\"):
            depth += 1
        elif char == ")" and (i == 0 or rest[i - 1] != "\\"):
            if depth == 0:
                return f"{pattern[: match.start()]}(?{flags}:{rest[:i]}){rest[i:]}"
            depth -= 1
    return f"{pattern[: match.start()]}(?{flags}:{rest})"


def _strict(schema: Any) -> Any:
    """The schema as strict field validation applies it (see the module's docstring)."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items() if key not in ("properties", "pattern")}
    if "properties" in schema:
        out["properties"] = {name: _strict(sub) for name, sub in schema["properties"].items()}
        if "additionalProperties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    if "pattern" in schema:
        out["pattern"] = _python_pattern(schema["pattern"])
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


def sources() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(SOURCES.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def validator(api_version: str, kind: str) -> jsonschema.Draft7Validator | None:
    """The validator of ``kind`` at ``api_version``, or None when no CRD of the pinned charts defines it."""
    path = CRD_DIR / api_version / f"{kind}.json"
    if not path.is_file():
        return None
    schema = _strict(json.loads(path.read_text(encoding="utf-8")))
    # apiVersion, kind and metadata are the API server's, whatever the CRD's schema says of them.
    for key in ("apiVersion", "kind", "metadata"):
        schema.setdefault("properties", {})[key] = {}
    return jsonschema.Draft7Validator(schema)


def errors(manifest: dict[str, Any]) -> list[str]:
    """What the API server would refuse in ``manifest`` (``path: message``); raises KeyError for a kind
    no pinned chart defines."""
    found = validator(str(manifest.get("apiVersion")), str(manifest.get("kind")))
    if found is None:
        raise KeyError(f"no vendored CRD schema for {manifest.get('apiVersion')} {manifest.get('kind')}")
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(found.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    ]
