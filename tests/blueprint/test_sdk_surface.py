"""The offline engine's private SDK surface lives in one module, behind a version guard."""

from __future__ import annotations

import ast

import pytest

from blueprint.engine import sdk
from stacks.loader import ROOT


def private_sdk_imports(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text())
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(("pulumi", "pulumi_policy"))
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__future__"
    ]


def test_only_the_sdk_module_imports_private_sdk_names() -> None:
    sources = sorted(
        str(p.relative_to(ROOT)) for d in ("blueprint", "components", "stacks", "policy_pack/policies") for p in (ROOT / d).rglob("*.py")
    )
    found = {path: names for path in sources if (names := private_sdk_imports(path))}
    assert list(found) == ["blueprint/engine/sdk.py"], found


def test_the_installed_sdks_are_the_pinned_ones() -> None:
    sdk.check_versions()
    pinned = (ROOT / "pyproject.toml").read_text()
    for name, version in sdk.PINNED.items():
        assert f'"{name}=={version}"' in pinned, f"{name} {version} is not what pyproject.toml pins"


def test_another_sdk_version_is_refused_with_what_to_do() -> None:
    installed = {"pulumi": "3.300.0", "pulumi-policy": sdk.PINNED["pulumi-policy"]}
    assert sdk.version_mismatches(installed.__getitem__) == [
        f"pulumi 3.300.0 is installed, the offline engine was written against {sdk.PINNED['pulumi']}"
    ]
    with pytest.raises(sdk.SdkVersionMismatch, match=r"pulumi 3\.300\.0 is installed.*blueprint/engine/sdk\.py"):
        sdk.check_versions(installed.__getitem__)
