"""Generate ``policy_pack/policies/data/taggable_aws_types.json`` from the pinned pulumi_aws SDK.

The policy pack runs in its own virtualenv without pulumi_aws, so it ships the list of AWS types that
take a ``tags`` map. ``components.tagging.is_taggable_aws_type`` is the source of truth; a test keeps
the file in sync with the SDK. Run: ``python -m blueprint.tools.taggable_types``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pulumi_aws

from components.tagging import is_taggable_aws_type
from stacks.loader import ROOT

OUTPUT = ROOT / "policy_pack" / "policies" / "data" / "taggable_aws_types.json"
_TOKEN = re.compile(r"__init__\(\s*'(aws:[A-Za-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)'")


def sdk_resource_types() -> list[str]:
    root = Path(pulumi_aws.__file__).parent
    tokens: set[str] = set()
    for source in root.rglob("*.py"):
        tokens.update(_TOKEN.findall(source.read_text(encoding="utf-8")))
    return sorted(tokens)


def taggable_types() -> list[str]:
    return [t for t in sdk_resource_types() if is_taggable_aws_type(t)]


def render() -> str:
    return json.dumps({"pulumiAwsVersion": pulumi_aws._utilities.get_version(), "types": taggable_types()}, indent=1) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
