"""Reading the files users hand us (stack files, resource lists, policy configs) within fixed bounds.

A stack file or a JSON document is small: whatever is not UTF-8, larger than ``MAX_BYTES``, nested
deeper than ``MAX_DEPTH`` or expanding (through YAML aliases) to more than ``MAX_NODES`` values is
refused with one message and where it happens, in time and memory proportional to the file, before
any model sees it. Parsers alone do not bound this: PyYAML shares an alias's node, so a few lines of
nested aliases (a "billion laughs") only explode later, in whoever walks the value; both PyYAML and
``json`` recurse per nesting level and end in a RecursionError; ``json`` accepts NaN and Infinity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024
#: A resource list for ``policy eval`` may hold a large estate (16k resources are ~30 MB).
MAX_RESOURCE_LIST_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000


class DocumentError(ValueError):
    """A file that cannot be taken as input: ``where`` is a line/column, a JSON path or ``(file)``."""

    def __init__(self, path: Path, where: str, message: str) -> None:
        super().__init__(f"{path}: {where}: {message}")
        self.path, self.where, self.message = path, where, message


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(path, "(file)", f"cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise DocumentError(path, "(file)", f"larger than {max_bytes // (1024 * 1024)} MiB: not an input file this command takes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(path, f"line {line}", f"byte 0x{data[exc.start]:02x} is not UTF-8: save the file as UTF-8") from None


def check_yaml_bounds(path: Path, text: str, loader: type[yaml.SafeLoader]) -> None:
    """Walk the event stream (PyYAML's parser keeps its own stack: no recursion) and count what the
    document expands to, aliases included, before anything constructs it."""
    sizes: dict[str, int] = {}  # anchor -> expanded size of the node it names
    open_nodes: list[list[Any]] = []  # [expanded size so far, anchor] per open collection
    total = 0

    def count(size: int, event: yaml.Event, grows_total: int) -> None:
        nonlocal total
        total += grows_total
        if open_nodes:
            open_nodes[-1][0] += size
        if total > MAX_NODES:
            raise DocumentError(
                path,
                _at(event.start_mark),
                f"the document expands to more than {MAX_NODES} values (YAML aliases): write the values out",
            )

    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            count(1, event, 1)
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(str(event.anchor), 1)
            count(size, event, size)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(open_nodes) >= MAX_DEPTH:
                raise DocumentError(path, _at(event.start_mark), f"nested deeper than {MAX_DEPTH} levels")
            open_nodes.append([0, event.anchor])
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = open_nodes.pop()
            if anchor:
                sizes[anchor] = size + 1
            count(size + 1, event, 1)


def read_yaml_text(path: Path, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> str:
    """The text of the YAML file at ``path`` once it is known to be UTF-8, well-formed and bounded."""
    text = read_text(path)
    try:
        check_yaml_bounds(path, text, loader)
    except yaml.YAMLError as exc:
        raise _yaml_problem(path, exc) from None
    return text


def load_yaml(path: Path, loader: type[yaml.SafeLoader]) -> Any:
    """The YAML document at ``path``, bounded; DocumentError names the line of the first problem."""
    text = read_yaml_text(path, loader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise _yaml_problem(path, exc) from None


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> DocumentError:
    return DocumentError(path, _at(getattr(exc, "problem_mark", None)), f"not valid YAML: {getattr(exc, 'problem', None) or exc}")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number: write a finite number")


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def load_json(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON document at ``path``, bounded; NaN and Infinity are refused (they are not JSON)."""
    text = read_text(path, max_bytes)
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError(path, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise DocumentError(path, "(file)", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise DocumentError(path, "(file)", str(exc)) from None
    if _depth_exceeds(document, MAX_DEPTH):
        raise DocumentError(path, "(file)", f"nested deeper than {MAX_DEPTH} levels")
    return document
