"""Mandatory cost tags everywhere they can be (ADR-0007 FinOps).

AWS types that take a ``tags`` map are listed in ``data/taggable_aws_types.json`` (generated from the
pinned pulumi_aws SDK, kept in sync by a test); every Kubernetes object carries the tags as labels.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import contract
from ._lib import MEDIUM, ResourceRule, TypeFilter, config_value, get, schema

TAGGABLE_AWS_TYPES = frozenset(json.loads((Path(__file__).parent / "data" / "taggable_aws_types.json").read_text())["types"])
_K8S_NON_OBJECTS = contract.KUBERNETES_NON_OBJECTS
DEFAULT_REQUIRED_TAGS = list(contract.REQUIRED_COST_TAGS)
DEFAULT_DATA_BEARING_TYPES = sorted(contract.DATA_BEARING_TYPES)


def _taggable(resource_type: str) -> bool:
    return resource_type in TAGGABLE_AWS_TYPES or (
        resource_type.startswith("kubernetes:") and not resource_type.startswith(_K8S_NON_OBJECTS)
    )


def __contains__(self, item: object) -> bool:
    return isinstance(item, str) and (
        item in TAGGABLE_AWS_TYPES or (item.startswith("kubernetes:") and not item.startswith(_K8S_NON_OBJECTS))
    )


def _missing(props, resource_type: str, required: list[str]) -> tuple[str, list[str]]:
    where = "tags" if resource_type.startswith("aws:") else "metadata.labels"
    present = get(props, where, {})
    return where, [key for key in required if not (hasattr(present, "get") and present.get(key))]


def _required_tags(props, args):
    """Exactly the configured list (``requiredTags``): a team that sets its list gets that list checked."""
    where, missing = _missing(props, args.resource_type, list(config_value(args, "requiredTags", DEFAULT_REQUIRED_TAGS)))
    if missing:
        yield f"missing {where} {missing}: cost reports cannot attribute this resource (set by the cost-scope transform)"


def _data_class_tagged(props, args):
    """The platform's convention (ADR-0005): a store says the class of the data it holds."""
    if args.resource_type not in config_value(args, "dataBearingTypes", DEFAULT_DATA_BEARING_TYPES):
        return
    tag = config_value(args, "dataClassTag", contract.DATA_CLASS_TAG)
    where, missing = _missing(props, args.resource_type, [tag])
    if missing:
        yield f"missing {where} [{tag!r}]: a store says the class of its data, which sets its lifecycle (set by the cost-scope transform)"


required_cost_tags = ResourceRule(
    name="required-cost-tags",
    description="Every taggable resource carries the mandatory cost tags (labels on Kubernetes objects).",
    severity=MEDIUM,
    adr="ADR-0007",
    domain="tagging",
    types=TypeFilter("every taggable AWS type (data/taggable_aws_types.json) and every Kubernetes object", _taggable),
    check=_required_tags,
    config_schema=schema(
        requiredTags={"type": "array", "items": {"type": "string"}, "minItems": 1, "default": DEFAULT_REQUIRED_TAGS},
    ),
)

data_class_tagged = ResourceRule(
    name="data-class-tagged",
    description="Every store carries the data-class tag (label) its lifecycle and erasure are chosen by.",
    severity=MEDIUM,
    adr="ADR-0005",
    domain="tagging",
    types=TypeFilter("every taggable type, judged when in dataBearingTypes (default: contract.json's)", _taggable),
    check=_data_class_tagged,
    config_schema=schema(
        dataClassTag={"type": "string", "default": contract.DATA_CLASS_TAG},
        dataBearingTypes={"type": "array", "items": {"type": "string"}, "default": DEFAULT_DATA_BEARING_TYPES},
    ),
)

POLICIES = [required_cost_tags, data_class_tagged]
