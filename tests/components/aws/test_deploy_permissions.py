"""The deploy role can make every call `pulumi up` makes for the dev and prod plans, and nothing the
plans do not need (#12 item 9).

For every AWS resource of a plan, each action that the table (components/aws/data/deploy_actions.json)
lists for its type is turned into the request AWS would authorize (its ARN from the plan's inputs,
the tags it carries) and evaluated against the managed policies the plan attaches to the deploy role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from blueprint.engine.mocks import Registration
from components.aws import deploy_permissions
from components.aws.managed_policies import ATTACHABLE
from tests.components.aws import iam_simulator
from tests.components.aws.iam_simulator import Request, UnknownToAws, decide, request
from tests.conftest import as_document, by_type, plan_registrations, project_values

ACCOUNTS = {"dev": "123456789012", "staging": "345678901234", "prod": "210987654321"}
REGION = "eu-west-3"
TABLE = deploy_permissions.load_table()
PLACEHOLDER = re.compile(r"\{(@?)([^}]+)\}")


def deploy_role(plan: list[Registration]) -> Registration:
    (role,) = [r for r in by_type(plan, "aws:iam/role:Role") if str(r.inputs.get("name", "")).endswith("-deploy")]
    return role


def deploy_documents(plan: list[Registration]) -> list[dict[str, Any]]:
    """The policy documents the plan attaches to the deploy role (what AWS would evaluate)."""
    role = deploy_role(plan)
    attached = {
        r.inputs["policyArn"]
        for r in by_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.inputs["role"] == role.inputs["name"]
    }
    policies = [p for p in by_type(plan, "aws:iam/policy:Policy") if p.state["arn"] in attached]
    # Three documents; four where the stack has a zone (its record statements).
    assert len(policies) == len(attached) in (3, 4)
    return [json.loads(p.inputs["policy"]) for p in policies]


def self_arns(plan: list[Registration]) -> set[str]:
    role = deploy_role(plan)
    return {role.state["arn"]} | {p.state["arn"] for p in by_type(plan, "aws:iam/policy:Policy")}


def _path(value: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+", path):
        if value is None:
            return None
        value = value[int(part)] if part.isdigit() and isinstance(value, list) else value.get(part) if isinstance(value, dict) else None
    return value


def resolver(plan: list[Registration], stack: str) -> Callable[[str, Registration], str | None]:
    """Fill a table ARN template from a resource's inputs; ``{@input}`` is the ARN of the resource it names."""
    by_reference: dict[str, str] = {}
    for r in plan:
        arn = r.state.get("arn")
        if isinstance(arn, str):
            for key in ("id", "name", "url", "keyId"):
                if isinstance(r.state.get(key), str):
                    by_reference.setdefault(r.state[key], arn)
    stack_values = {"partition": "aws", "account": ACCOUNTS[stack], "region": REGION}

    def fill(template: str, resource: Registration) -> str | None:
        missing = False

        def one(match: re.Match[str]) -> str:
            nonlocal missing
            reference, name = match.group(1), match.group(2)
            if not reference and name in stack_values:
                return stack_values[name]
            value = _path(resource.state or resource.inputs, name)
            if not isinstance(value, str) or not value:
                missing = True
                return ""
            return value if not reference or value.startswith("arn:") else by_reference.get(value, f"<unresolved {value}>")

        filled = PLACEHOLDER.sub(one, template)
        return None if missing else filled

    return fill


def requests(plan: list[Registration], stack: str) -> Iterator[tuple[Registration, str, Request | UnknownToAws]]:
    """(resource, operation, request) for every call of every AWS resource of a plan; the error where
    the table names an action or ARN that AWS does not know."""
    fill = resolver(plan, stack)
    for resource in plan:
        entry = TABLE.types.get(resource.type)
        if entry is None:
            continue
        arn = fill(entry.arn, resource)
        assert arn, f"{resource.urn}: the table's ARN {entry.arn} names an input the resource does not set"
        taggable = bool(entry.operations["tag"])
        tags = {"environment": (resource.inputs.get("tags") or {}).get("environment", stack)} if taggable else {"environment": stack}
        extra = {key: fill(value, resource) or "" for key, value in entry.request_context}
        targets = dict(entry.targets)
        for op in deploy_permissions.OPERATIONS:
            for index, action in enumerate(entry.operations[op]):
                creating = taggable and op == "create" and index == 0
                tagging = taggable and action in entry.operations["tag"] and op in ("create", "tag")
                if action in targets:  # authorized on an existing parent, carrying the new resource's tags
                    target = fill(targets[action], resource) or ""
                    yield resource, op, _request(action, target, tags, new=False, tagging=tagging or creating, extra=extra)
                    continue
                new = creating or (op == "create" and tagging)
                yield resource, op, _request(action, arn, tags, new=new, tagging=tagging or creating, extra=extra)
        for related in entry.related:
            target = fill(related.arn, resource)
            if target is None:  # e.g. no customer key given: AWS uses its own
                continue
            for action in related.actions:
                yield resource, "related", _request(action, target, {"environment": stack}, new=False, tagging=False)


def _request(action: str, arn: str, tags: dict[str, str], **how: Any) -> Request | UnknownToAws:
    try:
        return request(action, arn, tags, **how)
    except UnknownToAws as error:
        return error


@pytest.fixture(scope="module")
def finops_plan(tmp_path_factory: pytest.TempPathFactory) -> list[Registration]:
    """dev with cost allocation tag activation on (off by default): its one optional AWS type."""
    values = project_values("dev")
    values["finops"] = {**values.get("finops", {}), "activateCostAllocationTags": True}
    path = Path(tmp_path_factory.mktemp("finops")) / "Pulumi.dev.yaml"
    path.write_text(json.dumps(as_document(values)))
    return plan_registrations(path, "dev")


def test_every_aws_type_of_the_plans_is_in_the_table(stack_plans: dict[str, list[Registration]], finops_plan: list[Registration]) -> None:
    planned = {r.type for plan in [*stack_plans.values(), finops_plan] for r in plan if r.custom and r.type.startswith("aws:")}
    assert planned - set(TABLE.types) == set(), "add these types to components/aws/data/deploy_actions.json"
    assert "aws:costexplorer/costAllocationTag:CostAllocationTag" in planned


@pytest.mark.parametrize("stack", ["dev", "staging", "prod", "dev-finops"])
def test_the_deploy_role_may_make_every_call_of_the_plan(
    stack_plans: dict[str, list[Registration]], finops_plan: list[Registration], stack: str
) -> None:
    plan = finops_plan if stack == "dev-finops" else stack_plans[stack]
    environment = stack.split("-")[0]
    documents, own = deploy_documents(plan), self_arns(plan)
    refused, checked = [], 0
    for resource, op, req in requests(plan, environment):
        checked += 1
        if isinstance(req, UnknownToAws):
            refused.append((resource.type, "table", str(req)))
            continue
        bootstrap = TABLE.types[resource.type].scope == deploy_permissions.BOOTSTRAP_SCOPE or req.resource in own
        outcome = decide(documents, req)
        if bootstrap and op != "read":
            if outcome == "allow":
                refused.append((resource.name, req.action, "the deploy role may change its own identity"))
        elif outcome != "allow":
            refused.append((resource.name, req.action, f"{outcome} on {req.resource} with {req.context}"))
    assert sorted(set(refused)) == []
    assert checked > 1000


def test_the_documents_fit_iams_quotas(plan: list[Registration]) -> None:
    documents = deploy_documents(plan)
    assert len(documents) <= deploy_permissions.MANAGED_POLICIES_PER_ROLE
    assert all(deploy_permissions.size(d) <= deploy_permissions.MANAGED_POLICY_MAX_CHARS for d in documents)
    actions = {a for d in documents for s in d["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}
    assert not any(a.endswith("*") for a in actions), "every action is named"


def test_the_table_names_only_actions_and_arns_aws_knows() -> None:
    with pytest.raises(UnknownToAws, match="not in the Service Authorization Reference"):
        request("s3:GetObjekt", "arn:aws:s3:::b/k", {}, new=False, tagging=False)
    with pytest.raises(UnknownToAws, match="fits none of its resource types"):
        request("iam:CreateRole", "arn:aws:s3:::not-a-role", {}, new=True, tagging=True)


# Negative controls: what the role may not do, so that "allowed" above is not vacuous.
DEV = "dev"
ROLE = f"arn:aws:iam::{ACCOUNTS[DEV]}:role/fintech-blueprint/fintech-blueprint-dev-payments-payments-api"


def dev_decision(stack_plans: dict[str, list[Registration]], req: Request) -> str:
    return decide(deploy_documents(stack_plans[DEV]), req)


@pytest.mark.parametrize(
    ("action", "arn", "context", "why"),
    [
        (
            "iam:AttachRolePolicy",
            ROLE,
            {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"},
            "attach a policy no component attaches",
        ),
        (
            "iam:CreateRole",
            f"arn:aws:iam::{ACCOUNTS[DEV]}:role/elsewhere/x",
            {"aws:RequestTag/environment": DEV},
            "a role outside the path",
        ),
        (
            "ec2:DeleteVpc",
            f"arn:aws:ec2:{REGION}:{ACCOUNTS[DEV]}:vpc/vpc-1",
            {"aws:ResourceTag/environment": "prod"},
            "another environment",
        ),
        (
            "ec2:CreateTags",
            f"arn:aws:ec2:{REGION}:{ACCOUNTS[DEV]}:vpc/vpc-1",
            {"aws:ResourceTag/environment": "prod", "aws:RequestTag/environment": DEV},
            "re-tag another environment's resource into this one",
        ),
        ("kms:CreateKey", "*", {}, "an untagged key"),
        ("s3:GetObject", "arn:aws:s3:::fintech-blueprint-dev-audit-ledger-123456789012/entry", {}, "read data"),
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNTS[DEV]}:secret:rds!cluster-1", {}, "read a secret"),
        ("s3:DeleteBucket", "arn:aws:s3:::someone-elses-bucket", {}, "a bucket outside the prefix"),
        # Reads are scoped too, wherever AWS can scope them (#28 item 4).
        ("s3:GetBucketPolicy", "arn:aws:s3:::someone-elses-bucket", {}, "read another bucket's configuration"),
        ("iam:GetRole", f"arn:aws:iam::{ACCOUNTS[DEV]}:role/elsewhere/admin", {}, "read a role outside the path"),
        ("iam:GetRolePolicy", f"arn:aws:iam::{ACCOUNTS[DEV]}:role/OrganizationAccountAccessRole", {}, "read another role's policy"),
        (
            "kms:GetKeyPolicy",
            f"arn:aws:kms:{REGION}:{ACCOUNTS[DEV]}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            {"aws:ResourceTag/environment": "prod"},
            "read another environment's key policy",
        ),
        (
            "dynamodb:DescribeTable",
            f"arn:aws:dynamodb:{REGION}:{ACCOUNTS[DEV]}:table/someone-elses",
            {},
            "read an untagged table",
        ),
        (
            "sqs:GetQueueAttributes",
            f"arn:aws:sqs:{REGION}:{ACCOUNTS[DEV]}:fintech-blueprint-prod-payments-outbox",
            {"aws:ResourceTag/environment": "prod"},
            "read another environment's queue",
        ),
    ],
)
def test_the_deploy_role_refuses(
    stack_plans: dict[str, list[Registration]], action: str, arn: str, context: dict[str, str], why: str
) -> None:
    assert dev_decision(stack_plans, Request(action, arn, context)) != "allow", why


def test_the_deploy_role_cannot_change_itself(stack_plans: dict[str, list[Registration]]) -> None:
    role = deploy_role(stack_plans[DEV]).state["arn"]
    assert dev_decision(stack_plans, Request("iam:PutRolePolicy", role)) == "deny"
    assert dev_decision(stack_plans, Request("iam:AttachRolePolicy", role, {"iam:PolicyARN": ATTACHABLE[0]})) == "deny"
    policy = by_type(stack_plans[DEV], "aws:iam/policy:Policy")[0].state["arn"]
    assert dev_decision(stack_plans, Request("iam:CreatePolicyVersion", policy)) == "deny"
    # …while the same calls on another platform role are allowed.
    assert dev_decision(stack_plans, Request("iam:PutRolePolicy", ROLE)) == "allow"


def test_a_tag_condition_on_an_action_without_tag_keys_never_matches() -> None:
    """The previous deploy policy granted ec2:* under aws:ResourceTag: DescribeVpcs carries no tag key."""
    tag_scoped = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/environment": DEV}}}
        ],
    }
    describe = request("ec2:DescribeVpcs", f"arn:aws:ec2:{REGION}:{ACCOUNTS[DEV]}:vpc/*", {"environment": DEV}, new=False, tagging=False)
    assert describe.resource == "*" and describe.context == {}
    assert decide([tag_scoped], describe) == "implicit"


def test_the_previous_deploy_policy_was_insufficient(stack_plans: dict[str, list[Registration]]) -> None:
    """Regression: `service:*` under tag conditions, PassRole only. IAM, Secrets Manager (RDS's managed
    master password) and every describe call were refused."""
    services = ["ec2", "eks", "ecr", "kms", "logs", "s3", "sqs", "dynamodb", "rds", "budgets", "cloudtrail"]
    previous = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [f"{s}:*" for s in services],
                "Resource": "*",
                "Condition": {"StringEquals": {f"aws:{k}/environment": DEV}},
            }
            for k in ("ResourceTag", "RequestTag")
        ]
        + [
            {
                "Effect": "Allow",
                "Action": ["iam:GetRole", "iam:PassRole"],
                "Resource": f"arn:aws:iam::{ACCOUNTS[DEV]}:role/fintech-blueprint/*",
            }
        ],
    }
    refused = {
        req.action for _, _, req in requests(stack_plans[DEV], DEV) if isinstance(req, Request) and decide([previous], req) != "allow"
    }
    assert {"iam:CreateRole", "iam:PutRolePolicy", "secretsmanager:CreateSecret", "ec2:DescribeVpcs"} <= refused


@pytest.mark.parametrize(("account", "region"), [("123456789012", "eu-west-3"), ("999999999999", "ap-southeast-5"), ("1", "x")])
def test_the_number_of_documents_does_not_depend_on_the_account_or_region(account: str, region: str) -> None:
    target = deploy_permissions.DeployTarget(
        "prod", account, region, "fintech-blueprint-prod", "/fintech-blueprint/", "fintech-blueprint-prod-deploy"
    )
    documents = deploy_permissions.deploy_documents(TABLE, target)
    assert len(documents) == len(deploy_permissions.layout(TABLE, target.widest()))
    assert all(deploy_permissions.size(d) <= deploy_permissions.MANAGED_POLICY_MAX_CHARS for d in documents)
    granted = [a for d in documents for s in d["Statement"] if s["Effect"] == "Allow" for a in s["Action"]]
    whole = [a for s in deploy_permissions.deploy_statements(TABLE, target)[:-1] for a in s["Action"]]
    assert sorted(granted) == sorted(whole), "packing loses or duplicates no action"


def test_an_undefined_scope_in_the_table_is_an_error(tmp_path: Path) -> None:
    raw = json.loads(deploy_permissions.TABLE.read_text())
    raw["types"]["aws:sqs/queue:Queue"]["scope"] = "queues"
    broken = tmp_path / "deploy_actions.json"
    broken.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"scopes \['queues'\] are used but not defined"):
        deploy_permissions.load_table(broken)


def test_only_reads_aws_cannot_scope_are_granted_on_everything() -> None:
    """``unscopableReads`` is exactly the table's read actions that the Service Authorization Reference
    authorizes on ``*`` alone; every other read is scoped (the environment tag or the named scope)."""
    reads = {a for t in TABLE.types.values() for a in t.operations["read"]}
    on_star_only = {a for a in reads if all(fmt == "*" for fmt, _ in iam_simulator._rows(a))}
    assert TABLE.unscopable_reads == on_star_only
    target = deploy_permissions.DeployTarget("dev", ACCOUNTS[DEV], REGION, "fintech-blueprint-dev", "/fintech-blueprint/", "x-deploy")
    statements = deploy_permissions.deploy_statements(TABLE, target)
    unconditional_star = {
        a for s in statements if s["Effect"] == "Allow" and s["Resource"] in ("*", ["*"]) and "Condition" not in s for a in s["Action"]
    }
    assert unconditional_star & (reads - on_star_only) == set()
