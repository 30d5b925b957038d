"""The pack's unscoped-write list is the Service Authorization Reference's, not a hand-kept one."""

from __future__ import annotations

import json

from tests.policy_pack.unscoped_actions import PATH, generate


def test_the_list_matches_the_reference() -> None:
    shipped = json.loads(PATH.read_text())
    assert shipped == generate(), "regenerate: python -m tests.policy_pack.unscoped_actions"
    assert "ce:UpdateCostAllocationTagsStatus" in shipped["actions"]
    assert "ec2:CreateVpc" not in shipped["actions"] and "s3:PutObject" not in shipped["actions"]
