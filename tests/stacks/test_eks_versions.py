"""Kubernetes versions: a dated table of EKS support, refused past its end, warned before (#28 item 6)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

from components.aws import cluster
from stacks import eks_versions
from stacks.loader import ConfigError, load_stack_file
from tests.conftest import as_document, project_values

TODAY = datetime.date(2026, 12, 7)


def test_the_table_names_its_source_and_its_dates_are_consistent() -> None:
    assert "docs.aws.amazon.com/eks" in eks_versions._table()["_source"]
    for version, dates in eks_versions.versions().items():
        assert dates["released"] < dates["endOfStandardSupport"] < dates["endOfExtendedSupport"], version


def test_the_shipped_default_is_in_standard_support() -> None:
    assert eks_versions.refusal(cluster.KUBERNETES_VERSION, TODAY) is None
    assert eks_versions.warning(cluster.KUBERNETES_VERSION, TODAY) is None


@pytest.mark.parametrize(
    ("version", "refused", "warned"),
    [
        ("1.31", "reached the end of EKS extended support on 2026-11-26", None),  # the stacks' old version
        ("1.28", "is not a Kubernetes version EKS runs", None),
        ("1.99", "is not a Kubernetes version EKS runs", None),
        ("1.34", None, "is in EKS extended support (standard support ended 2026-12-02"),
        ("1.35", None, None),
    ],
)
def test_versions_are_refused_past_support_and_warned_in_extended_support(version: str, refused: str | None, warned: str | None) -> None:
    refusal, warning = eks_versions.refusal(version, TODAY), eks_versions.warning(version, TODAY)
    assert (refused in refusal) if refused else refusal is None, refusal
    assert (warned in warning) if warned else warning is None, warning


def test_a_warning_comes_before_the_end_of_standard_support() -> None:
    assert "standard support ends 2027-03-27" in str(eks_versions.warning("1.35", datetime.date(2027, 2, 1)))
    assert eks_versions.warning("1.35", datetime.date(2026, 12, 7)) is None


def test_a_stack_past_support_exits_2_naming_the_field(write_stack: Callable[..., Path]) -> None:
    values = project_values()
    values["cluster"]["kubernetesVersion"] = "1.31"
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    assert "reached the end of EKS extended support" in dict(raised.value.problems)["cluster.kubernetesVersion"]
