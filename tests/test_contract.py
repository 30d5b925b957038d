"""The program behaves as the contract it shares with the pack says (#13 item 3), and no name of
the contract is written a second time in either."""

from __future__ import annotations

import io
import tokenize
from fnmatch import fnmatch
from pathlib import Path

from blueprint.engine.mocks import Registration
from components.aws.ci_identity import ROLE_PATH, publisher_role_name, publisher_role_name_pattern
from components.tagging import CostTags
from components.vault import policies as vault_policies
from policy_pack.policies import contract
from policy_pack.policies.vault import _allowed
from stacks.loader import ROOT
from tests.conftest import by_type

#: Literals of the contract, and where else they may appear with another meaning.
LITERALS = {
    '"shared"': {
        "components/aws/network.py": "the kubernetes.io/cluster/<name> subnet tag value AWS defines",
        "blueprint/finops.py": "finops.json's key for platform-shared cost (#18's JSON contract), not a tenant name",
    },
    '"data-class"': {},
    '"cost-center"': {"components/tagging.py": "CostTags.mandatory maps its fields onto the keys (checked below)"},
    '"managed-by"': {"components/tagging.py": "CostTags.mandatory maps its fields onto the keys (checked below)"},
}


def test_cost_tags_are_the_contracts() -> None:
    tags = CostTags(environment="dev", tenant="t", owner="o", cost_center="c", data_class="pii")
    assert set(tags.for_type("aws:s3/bucket:Bucket")) == {*contract.REQUIRED_COST_TAGS, contract.DATA_CLASS_TAG}
    assert set(tags.for_type("aws:ec2/vpc:Vpc")) == set(contract.REQUIRED_COST_TAGS)


def test_tenant_vault_policies_stay_within_the_contracts_paths(stack_plans: dict[str, list[Registration]]) -> None:
    for tenant in ("payments", "fraud"):
        for rule in vault_policies.tenant_rules(tenant):
            assert _allowed(rule.path.rstrip("*"), tenant, list(contract.VAULT_TENANT_PATHS)), rule.path
    names = {r.inputs["name"] for r in by_type(stack_plans["dev"], "vault:index/policy:Policy")}
    assert {contract.tenant_vault_policy("payments"), contract.tenant_vault_policy("fraud")} <= names


def test_shared_resources_carry_the_shared_tenant(stack_plans: dict[str, list[Registration]]) -> None:
    vpc = by_type(stack_plans["dev"], "aws:ec2/vpc:Vpc")[0]
    assert vpc.inputs["tags"]["tenant"] == contract.SHARED_TENANT


def string_literals(path: Path) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return [t.string for t in tokens if t.type == tokenize.STRING]


def test_no_contract_literal_is_written_twice() -> None:
    sources = [p for folder in ("components", "stacks", "blueprint", "policy_pack/policies") for p in (ROOT / folder).rglob("*.py")]
    found = []
    for path in sources:
        relative = str(path.relative_to(ROOT))
        for literal in string_literals(path):
            if literal in LITERALS and relative not in LITERALS[literal]:
                found.append((relative, literal))
    assert found == []


def test_the_signer_roles_of_the_contract_are_the_publisher_roles_the_program_names() -> None:
    """The pack admits as signers the roles matching ``signerRoles``; the program's publisher roles, and
    no other platform role, must match it (under the role path the program uses)."""
    arn = f"arn:aws:iam::123456789012:role{ROLE_PATH}"
    assert fnmatch(f"{arn}{publisher_role_name_pattern('acme-dev')}", contract.SIGNER_ROLES[0])
    assert fnmatch(f"{arn}{publisher_role_name('acme-dev', 'payments-api')}", contract.SIGNER_ROLES[0])
    assert not fnmatch(f"{arn}acme-dev-deploy", contract.SIGNER_ROLES[0])


def test_tenants_are_components_of_the_contracts_type(stack_plans: dict[str, list[Registration]]) -> None:
    assert {r.name for r in by_type(stack_plans["dev"], contract.TENANT_COMPONENT)} == {"payments", "fraud"}
