"""Every policy, through the analyzer path (pulumi_policy's own servicer, as in a real preview)."""

from __future__ import annotations

import ast
import json
import re
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi_policy
import pytest
import yaml

from blueprint import policies as pack
from blueprint.engine.analyzer import PolicyConfigError, Resource, reconcile_config
from blueprint.engine.wire import UNKNOWN
from components.tagging import DATA_BEARING_TYPES, MANDATORY_TAG_KEYS
from policy_pack.policies import tagging as tagging_policy
from policy_pack.policies.pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES, describe
from stacks.loader import ROOT

from .cases import CREATION_ORDER_CASES, RESOURCE_CASES, STACK_CASES, Res
from .journey_cases import JOURNEY_BAD, prod_resources

POLICY_NAMES = [p.name for p in POLICIES]


def violations_of(policy: str, found: list[Any]) -> list[Any]:
    return [v for v in found if v.policy == policy]


def resource(type_: str, props: dict[str, Any], name: str = "subject") -> Resource:
    return Resource(urn=f"urn:pulumi:test::fintech-blueprint::{type_}::{name}", type=type_, name=name, props=props)


def stack_resources(resources: list[Res]) -> list[Resource]:
    urn = {r.name: f"urn:pulumi:test::fintech-blueprint::{r.type}::{r.name}" for r in resources}
    return [
        Resource(
            urn=urn[r.name],
            type=r.type,
            name=r.name,
            props=r.props,
            protect=r.protect,
            property_dependencies={k: [urn[d] for d in v] for k, v in r.property_dependencies.items()},
            parent=urn[r.parent] if r.parent else None,
        )
        for r in resources
    ]


def test_the_pack_is_large_and_every_policy_has_cases() -> None:
    # The README states these counts; a rule added or removed updates both.
    assert len([p for p in POLICIES if describe(p)["kind"] == "resource"]) == 99
    assert len([p for p in POLICIES if describe(p)["kind"] == "stack"]) == 39
    assert len(POLICY_NAMES) == len(set(POLICY_NAMES))
    # The journey rules' compliant case is the real prod plan, their failing ones edits of it (journey_cases.py).
    assert set(RESOURCE_CASES) | set(STACK_CASES) | {rule for rule, _, _ in JOURNEY_BAD} == set(POLICY_NAMES)


def test_every_policy_documents_itself() -> None:
    for policy in POLICIES:
        row = describe(policy)
        # One spelling, the files' own (adrs/0022-….md is ADR-0022), and the record exists.
        assert re.fullmatch(r"ADR-\d{4}", row["adr"]), policy.name
        assert list((ROOT / "adrs").glob(f"{row['adr'][4:]}-*.md")), f"{policy.name} cites {row['adr']}, which has no record"
        assert row["severity"] in ("low", "medium", "high", "critical"), policy.name
        assert len(policy.description) > 15 and policy.description.endswith("."), policy.name


@pytest.mark.parametrize("name", sorted(RESOURCE_CASES))
def test_resource_policy(name: str) -> None:
    case = RESOURCE_CASES[name]
    engine = pack.analyzer(case.config)
    assert violations_of(name, engine.analyze(resource(case.ok_type or case.type, case.ok, "compliant"))) == []
    for type_, bad, *config in [(case.type, case.bad), *case.more_bad]:
        found = violations_of(name, (pack.analyzer(config[0]) if config else engine).analyze(resource(type_, bad, "noncompliant")))
        assert found, f"{name} did not flag {type_} {bad}"
        assert all(v.urn.endswith("::noncompliant") for v in found)
        assert all(v.message.startswith(next(p.description for p in POLICIES if p.name == name)) for v in found)


def _violation_sites() -> dict[str, set[int]]:
    """File -> the lines of the pack that report a violation (every ``yield`` in a rule module)."""
    sites = {}
    for path in (ROOT / "policy_pack" / "policies").glob("*.py"):
        tree = ast.parse(path.read_text())
        helpers = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in NOT_VIOLATIONS.get(path.name, ())}
        lines = {
            node.lineno
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name not in helpers
            for node in ast.walk(fn)
            if isinstance(node, ast.Yield | ast.YieldFrom)
        }
        if lines:
            sites[str(path.resolve())] = lines
    return sites


#: Generators that yield data, not violations.
NOT_VIOLATIONS = {"vault.py": ("policy_paths",), "aws_iam.py": ("_allows",), "_lib.py": ("containers", "items_of", "statements")}


@pytest.mark.plan
def test_every_violation_a_rule_can_report_has_a_failing_case() -> None:
    """A rule with several branches has a failing case per branch: every line of the pack that reports a
    violation runs for at least one bad case (resource cases, stack cases, creation-order cases)."""
    sites = _violation_sites()
    reached: dict[str, set[int]] = {f: set() for f in sites}
    analyzers: dict[str, Any] = {}

    def analyzer(config: Any) -> Any:
        """One analyzer per distinct config (building one is most of the traced time)."""
        key = json.dumps(config, sort_keys=True)
        if key not in analyzers:
            analyzers[key] = pack.analyzer(config)
        return analyzers[key]

    def trace(frame: Any, event: str, _arg: Any) -> Any:
        lines = sites.get(frame.f_code.co_filename)
        if lines is None:
            return None
        if event == "line" and frame.f_lineno in lines:
            reached[frame.f_code.co_filename].add(frame.f_lineno)
        return trace

    sys.settrace(trace)
    try:
        for case in RESOURCE_CASES.values():
            for type_, bad, *config in [(case.type, case.bad), *case.more_bad]:
                analyzer(config[0] if config else case.config).analyze(resource(type_, bad))
        for stack_case in STACK_CASES.values():
            engine = analyzer(stack_case.config)
            for resources in [stack_case.bad, *(bad for bad, _ in stack_case.more_bad)]:
                engine.analyze_stack(stack_resources(resources))
        for _label, resources, _expected in CREATION_ORDER_CASES:
            analyzer(None).analyze_stack(stack_resources(resources))
        for rule, _what, edit in JOURNEY_BAD:  # each edit breaks one rule: that rule alone reads it
            pack.analyzer(None, [p for p in POLICIES if p.name == rule]).analyze_stack(edit(prod_resources()))
    finally:
        sys.settrace(None)
    missing = sorted(f"{Path(f).name}:{line}" for f, lines in sites.items() for line in lines - reached[f])
    assert missing == [], f"no failing case reaches these violations: {missing}"


@pytest.mark.plan
@pytest.mark.parametrize(("rule", "what", "edit"), JOURNEY_BAD, ids=[f"{r}: {w}" for r, w, _ in JOURNEY_BAD])
def test_a_broken_hop_of_the_real_plan_fails_its_journey_rule(rule: str, what: str, edit: Any) -> None:
    """#17: the prod plan passes every journey rule; each edit (one branch of one rule) fails that rule."""
    engine = pack.analyzer(None)
    assert {v.policy for v in engine.analyze_stack(prod_resources()) if v.policy == rule} == set()
    assert rule in {v.policy for v in engine.analyze_stack(edit(prod_resources()))}, what


@pytest.mark.parametrize("name", sorted(STACK_CASES))
def test_stack_policy(name: str) -> None:
    case = STACK_CASES[name]
    engine = pack.analyzer(case.config)
    assert violations_of(name, engine.analyze_stack(stack_resources(case.ok))) == []
    for bad, bad_name in [(case.bad, case.bad_name), *case.more_bad]:
        found = violations_of(name, engine.analyze_stack(stack_resources(bad)))
        assert found, f"{name} did not flag its bad stack naming {bad_name}"
        expected = None if bad_name == "(stack)" else bad_name
        assert [v.urn.rsplit("::", 1)[-1] if v.urn else None for v in found] == [expected] * len(found)


def test_an_access_log_destination_may_only_use_sse_s3() -> None:
    """S3 delivers server access logs only to SSE-S3 buckets: the one exception to s3-sse-kms."""
    engine = pack.analyzer(None)
    sse = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    aes = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}
    assert violations_of("s3-sse-kms", engine.analyze(resource(sse, {"bucket": "acme-prod-access-logs-1", **aes}))) == []
    assert violations_of("s3-sse-kms", engine.analyze(resource(sse, {"bucket": "acme-prod-data", **aes})))


def test_a_policy_ignores_other_types() -> None:
    engine = pack.analyzer(None)
    found = engine.analyze(resource("aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"}))
    assert {v.policy for v in found} <= {"ecr-scan-on-push", "ecr-kms-encryption", "required-cost-tags", "data-class-tagged"}


def test_unknown_values_during_preview_are_advisory_not_failures() -> None:
    engine = pack.analyzer({"all": "mandatory"})
    found = violations_of(
        "ecr-tag-immutability", engine.analyze(resource("aws:ecr/repository:Repository", {"imageTagMutability": UNKNOWN}))
    )
    assert [v.enforcement_level for v in found] == ["advisory"]
    assert "during preview" in found[0].message


def test_levels_come_from_the_policy_config() -> None:
    bad = RESOURCE_CASES["kms-key-description"].bad
    dev = json.loads((ROOT / "policy_pack/config.dev.json").read_text())
    prod = json.loads((ROOT / "policy_pack/config.prod.json").read_text())
    assert [
        v.enforcement_level for v in violations_of("kms-key-description", pack.analyzer(dev).analyze(resource("aws:kms/key:Key", bad)))
    ] == ["advisory"]
    assert [
        v.enforcement_level for v in violations_of("kms-key-description", pack.analyzer(prod).analyze(resource("aws:kms/key:Key", bad)))
    ] == ["mandatory"]
    # Prod: everything mandatory but the estimate against budgets, a warning by nature (#18).
    advisory = {name for name, (lvl, _) in reconcile_config(POLICIES, prod).items() if lvl.value != "mandatory"}
    assert advisory == {"tenant-estimate-within-budget"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_policy_configs_fit_the_pack_and_share_the_tag_list(stack: str) -> None:
    config = json.loads((ROOT / f"policy_pack/config.{stack}.json").read_text())
    resolved = reconcile_config(POLICIES, config)
    assert resolved["required-cost-tags"][1]["requiredTags"] == list(MANDATORY_TAG_KEYS)


def test_pack_defaults_are_the_program_data() -> None:
    assert list(MANDATORY_TAG_KEYS) == tagging_policy.DEFAULT_REQUIRED_TAGS
    assert set(tagging_policy.DEFAULT_DATA_BEARING_TYPES) == set(DATA_BEARING_TYPES)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"no-such-policy": "advisory"}, "unknown policy 'no-such-policy'"),
        ({"kms-key-rotaton": "advisory"}, "unknown policy 'kms-key-rotaton' in policy config; did you mean 'kms-key-rotation'?"),
        ({"all": "sometimes"}, "enforcement level 'sometimes'"),
        ({"kms-deletion-window": {"minDays": 3}}, "kms-deletion-window.minDays"),
        ({"ecr-tag-immutability": {"foo": 1}}, "takes no configuration"),
    ],
)
def test_bad_policy_config_is_rejected_with_the_field(config: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyConfigError, match=re.escape(message)):
        reconcile_config(POLICIES, config)


def _sdk_tokens() -> set[str]:
    pattern = re.compile(r"""['"]((?:aws|kubernetes|github|vault):[A-Za-z0-9.]+/[A-Za-z0-9]+:[A-Za-z0-9]+)['"]""")
    tokens: set[str] = set()
    for package in ("pulumi_aws", "pulumi_kubernetes", "pulumi_github", "pulumi_vault"):
        root = Path(__import__(package).__file__).parent
        for source in root.rglob("*.py"):
            tokens.update(pattern.findall(source.read_text(encoding="utf-8")))
    return tokens


CUSTOM_RESOURCE_TOKENS = {
    "kubernetes:argoproj.io/v1alpha1:AppProject",
    "kubernetes:kyverno.io/v1:ClusterPolicy",
    "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams",
}


def test_every_type_token_exists_in_the_pinned_sdks() -> None:
    known = _sdk_tokens() | CUSTOM_RESOURCE_TOKENS
    for policy in POLICIES:
        types = getattr(policy, "types", frozenset())
        if type(types) is frozenset:
            assert types <= known, f"{policy.name}: unknown type tokens {sorted(types - known)}"


def test_the_pack_loads_the_way_the_cli_loads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pack_dir = ROOT / "policy_pack"
    manifest = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python" and manifest["version"] == pack.pack_version()
    requirements = dict(
        line.split("==") for line in (pack_dir / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")
    )
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name, version in requirements.items():
        assert f'"{name}=={version}"' in pyproject, f"{name} pinned differently in the pack and the project"

    constructed: dict[str, Any] = {}

    def fake_pack(**kwargs: Any) -> None:  # the real constructor serves gRPC forever
        constructed.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", fake_pack)
    monkeypatch.syspath_prepend(str(pack_dir))  # the CLI runs the pack from its own directory
    for module in [m for m in sys.modules if m == "policies" or m.startswith("policies.")]:
        monkeypatch.delitem(sys.modules, module)
    runpy.run_path(str(pack_dir / "__main__.py"), run_name="__main__")
    assert constructed["name"] == PACK_NAME and re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", PACK_NAME)
    assert [p.name for p in constructed["policies"]] == POLICY_NAMES
    assert constructed["enforcement_level"] == DEFAULT_ENFORCEMENT


#: Presence rules and the value each one looks for (a key reference, a launch template).
PRESENCE = [
    ("ecr-kms-encryption", ["encryptionConfigurations", 0, "kmsKey"]),
    ("sqs-encryption", ["kmsMasterKeyId"]),
    ("cloudwatch-log-kms", ["kmsKeyId"]),
    ("cloudtrail-hardened", ["kmsKeyId"]),
    ("rds-encryption", ["kmsKeyId"]),
    ("dynamodb-recovery-encryption", ["serverSideEncryption", "kmsKeyArn"]),
    ("s3-sse-kms", ["rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"]),
    ("eks-secrets-encryption", ["encryptionConfig", "provider", "keyArn"]),
    ("eks-node-group-launch-template", ["launchTemplate", "id"]),
]


@pytest.mark.parametrize(("name", "path"), PRESENCE, ids=[p[0] for p in PRESENCE])
def test_a_presence_rule_judges_a_first_preview(name: str, path: list[Any]) -> None:
    """The referenced key does not exist yet on a first preview: its ARN is unknown, yet it is set.
    The rule passes instead of deferring, and still fails where the value is absent or empty."""
    case = RESOURCE_CASES[name]
    engine = pack.analyzer(case.config)

    def with_leaf(value: Any) -> dict[str, Any]:
        props = json.loads(json.dumps(case.ok))
        holder = props
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = value
        return props

    assert violations_of(name, engine.analyze(resource(case.type, with_leaf(UNKNOWN)))) == []
    found = violations_of(name, engine.analyze(resource(case.type, with_leaf(""))))
    assert found and found[0].enforcement_level == "mandatory"


def test_stack_rules_on_a_first_preview_judge_what_is_known_and_defer_the_rest() -> None:
    """A first preview hands stack rules the Kubernetes objects with empty state (their cluster does
    not exist yet). Rules that read them defer; rules that know tenants from cost tags still judge."""
    from .cases import TENANT_QUEUE

    opaque_namespace = Res("kubernetes:core/v1:Namespace", "payments-ns", {})
    found = pack.analyzer(None).analyze_stack(stack_resources([opaque_namespace, TENANT_QUEUE]))
    budget = violations_of("tenant-budget", found)
    assert [(v.enforcement_level, v.urn.rsplit("::", 1)[-1]) for v in budget] == [("mandatory", "payments-outbox")]
    bundle = violations_of("tenant-namespace-bundle", found)
    assert [v.enforcement_level for v in bundle] == ["advisory"]
    assert "can't run policy" in bundle[0].message and "payments-ns" in bundle[0].message


def test_iam_trust_scoped_binds_a_pod_identity_trust_to_its_cluster_and_service_account() -> None:
    from components.aws.iam_documents import pod_identity_trust

    engine = pack.analyzer(None)
    cluster = "arn:aws:eks:eu-west-3:123456789012:cluster/c"
    scoped = pod_identity_trust(account_id="123456789012", cluster_arn=cluster, namespace="payments", service_account="payments-api")
    assert violations_of("iam-trust-scoped", engine.analyze(resource("aws:iam/role:Role", {"assumeRolePolicy": json.dumps(scoped)}))) == []
    loose = json.loads(json.dumps(scoped))
    del loose["Statement"][0]["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"]
    del loose["Statement"][0]["Condition"]["ArnEquals"]
    loose["Statement"][0]["Condition"]["StringEquals"].pop("aws:SourceAccount")
    found = violations_of("iam-trust-scoped", engine.analyze(resource("aws:iam/role:Role", {"assumeRolePolicy": json.dumps(loose)})))
    assert [v.message.splitlines()[-1] for v in found] == [
        "an EKS Pod Identity trust must be conditioned on its source, service account: any pod of any cluster could assume it"
    ]


@pytest.mark.parametrize(
    ("label", "resources", "expected"),
    CREATION_ORDER_CASES,
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_creation_order_per_branch(label: str, resources: list[Res], expected: list[str]) -> None:
    found = violations_of("creation-order", pack.analyzer(None).analyze_stack(stack_resources(resources)))
    assert len(found) == len(expected), (label, found)
    for violation, fragment in zip(found, expected, strict=True):
        assert fragment in violation.message and violation.urn.endswith("::p") and violation.mandatory


def test_a_configured_tag_list_is_exactly_what_required_cost_tags_checks() -> None:
    """#28 item 11: a team that configures its list gets that list checked; the data-class convention
    is data-class-tagged's, on by default and switched on its own."""
    queue = resource("aws:sqs/queue:Queue", {"tags": {"team": "payments"}})
    configured = pack.analyzer({"required-cost-tags": {"requiredTags": ["team"]}})
    assert violations_of("required-cost-tags", configured.analyze(queue)) == []
    assert violations_of("data-class-tagged", configured.analyze(queue))
    off = pack.analyzer({"required-cost-tags": {"requiredTags": ["team"]}, "data-class-tagged": "disabled"})
    assert [v.policy for v in off.analyze(queue) if v.policy in ("required-cost-tags", "data-class-tagged")] == []
