"""The Kubernetes layer: schema-valid manifests, pinned charts, signed-image admission with the
platform's own key, GitOps confined to each tenant, SLO rules and queue-depth autoscaling."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from click.testing import CliRunner

from blueprint.cli import main
from blueprint.engine import fakes
from blueprint.engine.mocks import Registration
from components.kubernetes import charts, crd_schemas
from components.kubernetes.admission import OWN_REPOSITORIES_RULE, POLICY_NAME, TENANT_NAMESPACES
from tests.conftest import as_document, by_type, plan_registrations, project_values

KUBERNETES_VERSION = "1.35"


@pytest.fixture(scope="module", params=["dev", "prod"])
def manifests(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp(request.param)
    result = CliRunner().invoke(main, ["plan", request.param, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    files = sorted((out / "manifests").rglob("*.yaml"))
    assert files
    return [yaml.safe_load(f.read_text()) for f in files]


@pytest.mark.plan
def test_every_manifest_validates_against_the_kubernetes_schema_or_its_pinned_crd(manifests: list[dict]) -> None:
    """Built-in kinds against Kubernetes' schema; custom resources (Argo CD, Kyverno, KEDA, the
    Prometheus operator) against the CRD schema of the pinned chart version (``components/kubernetes/crds``),
    both with strict field validation: nothing is listed as "not validated"."""
    validated, custom = 0, set()
    for manifest in manifests:
        key = (manifest["apiVersion"], manifest["kind"])
        if crd_schemas.validator(*key) is not None:
            assert crd_schemas.errors(manifest) == [], (key, manifest["metadata"])
            custom.add(key)
            continue
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        validated += 1
    assert validated >= 20
    assert {("kyverno.io/v1", "ClusterPolicy"), ("argoproj.io/v1alpha1", "Application"), ("keda.sh/v1alpha1", "ScaledObject")} <= custom


def test_the_crd_validator_rejects_what_the_api_server_refuses() -> None:
    """Negative controls: an unknown field (strict validation), a wrong type, a missing required field,
    and a value outside a Go-flagged pattern, each in an object the program renders."""
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "m"}}
    good = {**monitor, "spec": {"selector": {"matchLabels": {"a": "b"}}, "endpoints": [{"port": "http", "interval": "30s"}]}}
    assert crd_schemas.errors(good) == []
    assert any("endpointz" in e for e in crd_schemas.errors({**monitor, "spec": {**good["spec"], "endpointz": []}}))
    assert crd_schemas.errors({**monitor, "spec": {"selector": {}, "endpoints": "http"}})
    scaled = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "s"}, "spec": {"triggers": []}}
    assert any("scaleTargetRef" in e for e in crd_schemas.errors(scaled))
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "r"}}
    assert crd_schemas.errors({**rule, "spec": {"groups": [{"name": "g", "rules": [], "partial_response_strategy": "WARN"}]}}) == []
    assert crd_schemas.errors({**rule, "spec": {"groups": [{"name": "g", "rules": [], "partial_response_strategy": "maybe"}]}})
    with pytest.raises(KeyError, match="no vendored CRD schema"):
        crd_schemas.errors({"apiVersion": "example.com/v1", "kind": "Widget"})


def test_the_vendored_crds_are_those_of_the_pinned_chart_versions() -> None:
    """A chart pin bumped without re-extracting its CRDs fails here (``crds/README.md`` says how)."""
    pinned = {c.name: c.version for c in charts.ALL}
    sources = crd_schemas.sources()
    assert sources
    for source in sources:
        assert pinned[source["chart"]] == source["chartVersion"], source["chart"]
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]) and source["licence"] == "Apache-2.0"
        assert (crd_schemas.CRD_DIR / source["vendoredAs"]).is_file()


def test_the_validator_rejects_a_broken_manifest() -> None:
    """Negative control: strict validation catches a typo in a real manifest."""
    broken = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hardd": {"pods": "1"}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(("stack", "ha", "chaos"), [("dev", False, True), ("prod", True, False)])
def test_releases_are_pinned_with_environment_values(stack_plans: dict[str, list[Registration]], stack: str, ha: bool, chaos: bool) -> None:
    releases = {r.inputs["chart"]: r.inputs for r in by_type(stack_plans[stack], "kubernetes:helm.sh/v3:Release")}
    # dev has an edge (Pulumi.dev.yaml), prod none; both the node autoscaler (its default).
    expected = {
        c.name: c
        for c in charts.ALL
        if c not in charts.OPTIONAL
        or (c is charts.CHAOS_MESH and chaos)
        or (c in charts.EDGE and stack == "dev")
        or c is charts.CLUSTER_AUTOSCALER
    }
    assert set(releases) == set(expected)
    for name, chart in expected.items():
        assert releases[name]["version"] == chart.version and releases[name]["repositoryOpts"]["repo"] == chart.repository
        assert releases[name]["namespace"] == chart.namespace
    assert releases["argo-cd"]["values"]["redis-ha"]["enabled"] is ha
    assert releases["kyverno"]["values"]["admissionController"]["replicas"] == (3 if ha else 1)
    # The autoscaler's bound is the stack's nodeMax, and it discovers this stack's cluster.
    autoscaler = releases["cluster-autoscaler"]["values"]
    assert autoscaler["extraArgs"]["max-nodes-total"] == {"dev": 4, "prod": 12}[stack]
    assert autoscaler["autoDiscovery"]["clusterName"] and autoscaler["replicaCount"] == (2 if ha else 1)


def test_admission_verifies_the_platform_key_in_tenant_namespaces(plan: list[Registration]) -> None:
    policy = next(r for r in by_type(plan, "kubernetes:kyverno.io/v1:ClusterPolicy") if r.inputs["metadata"]["name"] == POLICY_NAME)
    signing_key = next(r for r in by_type(plan, "aws:kms/key:Key") if r.name.endswith("signing"))
    spec = policy.inputs["spec"]
    assert spec["validationFailureAction"] == "Enforce"
    verify = spec["rules"][0]["verifyImages"][0]
    account = next(fakes.pinned_account(r.inputs) for r in plan if r.type == "pulumi:providers:aws")
    host = f"{account}.dkr.ecr.eu-west-3.amazonaws.com"
    assert verify["imageReferences"] == [f"{host}/*"] and verify["required"] is True
    arn = f"arn:aws:kms:eu-west-3:{account}:key/{fakes.resource_id(signing_key.type, signing_key.name).removeprefix('key-')}"
    assert verify["attestors"][0]["entries"][0]["keys"]["publicKeys"] == fakes.public_key_pem(arn)
    selector = spec["rules"][0]["match"]["any"][0]["resources"]["namespaceSelector"]["matchExpressions"]
    assert {"key": "tenant", "operator": "NotIn", "values": ["shared"]} in selector
    restrict = spec["rules"][1]["validate"]["foreach"][0]["deny"]["conditions"]["all"][0]
    assert restrict["operator"] == "AnyNotIn" and restrict["value"] == [f"{host}/*"]


def test_argo_projects_and_apps_belong_to_their_tenant(plan: list[Registration]) -> None:
    projects = by_type(plan, "kubernetes:argoproj.io/v1alpha1:AppProject")
    assert {p.inputs["metadata"]["name"] for p in projects} == {"payments", "fraud"}
    for project in projects:
        tenant, spec = project.inputs["metadata"]["name"], project.inputs["spec"]
        assert spec["destinations"] == [{"server": "https://kubernetes.default.svc", "namespace": tenant}]
        assert spec["clusterResourceWhitelist"] == []
        assert spec["sourceRepos"] and all(r.startswith(f"git@github.com:fintech-blueprint/{tenant}-") for r in spec["sourceRepos"])
    for app in by_type(plan, "kubernetes:argoproj.io/v1alpha1:Application"):
        spec = app.inputs["spec"]
        project = next(p for p in projects if p.inputs["metadata"]["name"] == spec["project"])
        assert spec["source"]["repoURL"] in project.inputs["spec"]["sourceRepos"]
        assert spec["destination"]["namespace"] == spec["project"]


def test_slo_rules_and_worker_autoscaling_come_from_config(stack_plans: dict[str, list[Registration]]) -> None:
    plan = stack_plans["dev"]
    rules = next(
        r for r in by_type(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule") if r.inputs["metadata"]["name"] == "payments-slo"
    )
    api = [rule for rule in rules.inputs["spec"]["groups"][0]["rules"] if rule["labels"]["service"] == "payments-api"]
    latency = next(rule for rule in api if rule["alert"] == "SloLatencyP95")
    assert latency["expr"].count("> 0.2") == 2 and "[1h]" in latency["expr"] and "[5m]" in latency["expr"]
    # The 0.5% error budget: four burn-rate alerts over a long and a short window each (ADR-0006).
    burns = [(r["labels"]["severity"], r["labels"]["window"]) for r in api if r["alert"] == "SloErrorBudgetBurn"]
    assert burns == [("page", "1h"), ("page", "6h"), ("ticket", "1d"), ("ticket", "3d")]
    fast = next(r for r in api if r["alert"] == "SloErrorBudgetBurn")
    assert fast["expr"].count("> (14.4 * 0.005)") == 2 and "[1h]" in fast["expr"] and "[5m]" in fast["expr"]
    scalers = by_type(plan, "kubernetes:keda.sh/v1alpha1:ScaledObject")
    assert [s.inputs["metadata"]["name"] for s in scalers] == ["settlement-worker"]
    spec = scalers[0].inputs["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 10)
    trigger = spec["triggers"][0]
    assert trigger["type"] == "aws-sqs-queue" and trigger["metadata"]["queueLength"] == "50"
    outbox = next(q for q in by_type(plan, "aws:sqs/queue:Queue") if q.name == "payments-outbox-queue")
    assert trigger["metadata"]["queueURL"].endswith("/" + outbox.inputs["name"])


def test_platform_namespaces_are_baseline_and_chaos_and_logging_are_recorded_exceptions(
    stack_plans: dict[str, list[Registration]],
) -> None:
    for stack, plan in stack_plans.items():
        for ns in by_type(plan, "kubernetes:core/v1:Namespace"):
            labels = ns.inputs["metadata"]["labels"]
            # Tenants' and the DB Manager's (PgBouncer and the migration run unprivileged) are restricted.
            if labels["tenant"] != "shared" or ns.inputs["metadata"]["name"] == "db-manager":
                assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
            elif ns.inputs["metadata"]["name"] == "chaos-mesh":
                # GameDays run in dev and staging (the seed's Gate 5), never in prod.
                assert stack in ("dev", "staging") and "fintech-blueprint.io/pod-security-exception" in ns.inputs["metadata"]["annotations"]
            elif ns.inputs["metadata"]["name"] == "logging":
                # Fluent Bit reads the node's /var/log (hostPath, which baseline forbids).
                assert "hostPath" in ns.inputs["metadata"]["annotations"]["fintech-blueprint.io/pod-security-exception"]
            else:
                assert labels["pod-security.kubernetes.io/enforce"] == "baseline"


def test_every_custom_resource_group_has_the_chart_that_installs_its_crd(plan: list[Registration]) -> None:
    """The pack's creation-order rule maps API groups to charts (one list, data/crd_charts.json):
    every custom resource the program creates must be in it, with a chart the platform pins."""
    from components.kubernetes import charts
    from policy_pack.policies.ordering import BUILT_IN_GROUPS, CRD_CHARTS, _group

    groups = {_group(r.type) for r in plan if r.type.startswith("kubernetes:") and r.custom and "helm.sh" not in r.type}
    custom = {g for g in groups if g not in BUILT_IN_GROUPS and not g.endswith(".k8s.io")}
    assert custom and custom <= set(CRD_CHARTS)
    assert set(CRD_CHARTS.values()) <= {chart.name for chart in charts.ALL}


def _existing_secrets(values: object) -> list[str]:
    if isinstance(values, dict):
        return [v for k, v in values.items() if k == "existingSecret" and isinstance(v, str)] + [
            s for v in values.values() for s in _existing_secrets(v)
        ]
    if isinstance(values, list):
        return [s for v in values for s in _existing_secrets(v)]
    return []


def test_every_secret_a_chart_reads_is_created_before_its_release(plan: list[Registration]) -> None:
    """A release whose values name a missing ``existingSecret`` times out on the first ``up``."""
    secrets = {(r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r.urn for r in by_type(plan, "kubernetes:core/v1:Secret")}
    referenced = 0
    for release in by_type(plan, "kubernetes:helm.sh/v3:Release"):
        for name in _existing_secrets(release.inputs.get("values", {})):
            referenced += 1
            assert (release.inputs["namespace"], name) in secrets, f"{release.name} reads secret {name!r}, which the program never creates"
            assert secrets[(release.inputs["namespace"], name)] in release.dependencies
    assert referenced >= 1


def test_a_tenant_allow_list_is_its_own_policy_and_leaves_the_cluster_rule_unchanged(
    stack_plans: dict[str, list[Registration]], write_stack: Callable[..., Path]
) -> None:
    values = project_values("dev")
    values["kubernetes"]["allowedRegistries"] = ["public.ecr.aws/acme/"]
    values["tenants"][0]["allowedRegistries"] = ["ghcr.io/payments-vendor"]
    plan = plan_registrations(write_stack(as_document(values)), "dev")
    host = f"{values['awsAccountId']}.dkr.ecr.eu-west-3.amazonaws.com"

    namespaces = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"] for r in by_type(plan, "kubernetes:core/v1:Namespace")}
    assert namespaces["payments"]["fintech-blueprint.io/registries"] == "tenant-allow-list"
    assert "fintech-blueprint.io/registries" not in namespaces["fraud"]
    [own] = by_type(plan, "kubernetes:kyverno.io/v1:Policy")
    assert (own.inputs["metadata"]["name"], own.inputs["metadata"]["namespace"]) == ("restrict-registries", "payments")
    assert own.inputs["spec"]["validationFailureAction"] == "Enforce"
    deny = own.inputs["spec"]["rules"][0]["validate"]["foreach"][0]["deny"]["conditions"]["all"][0]
    assert deny["value"] == [f"{host}/*", "public.ecr.aws/acme/*", "ghcr.io/payments-vendor/*"]

    # The tenant's list changes nothing cluster-wide: the ClusterPolicy is the one the shipped stack plans.
    def cluster_policy(registrations: list[Registration]) -> dict[str, object]:
        return next(r.inputs["spec"] for r in by_type(registrations, "kubernetes:kyverno.io/v1:ClusterPolicy"))

    without = plan_registrations(write_stack(as_document({**values, "tenants": project_values("dev")["tenants"]})), "dev")
    assert cluster_policy(plan) == cluster_policy(without)
    restrict = cluster_policy(plan)["rules"][1]  # type: ignore[index]
    assert restrict["exclude"] == {
        "any": [{"resources": {"namespaceSelector": {"matchLabels": {"fintech-blueprint.io/registries": "tenant-allow-list"}}}}]
    }
    assert restrict["validate"]["foreach"][0]["deny"]["conditions"]["all"][0]["value"] == [f"{host}/*", "public.ecr.aws/acme/*"]


def _denied(rule: dict[str, Any], image: str, namespace: str) -> bool:
    """Kyverno's evaluation of a deny-all foreach rule on one container image: ``{{ element.image }}``
    is the image, ``{{ request.namespace }}`` the pod's namespace, values are wildcard patterns."""
    conditions = rule["validate"]["foreach"][0]["deny"]["conditions"]["all"]

    def holds(condition: dict[str, Any]) -> bool:
        patterns = [v.replace("{{ request.namespace }}", namespace) for v in condition["value"]]
        matched = any(fnmatch.fnmatchcase(image, p) for p in patterns)
        return matched if condition["operator"] == "AnyIn" else not matched

    return all(holds(c) for c in conditions)


@pytest.mark.parametrize(
    ("image", "denied"),
    [
        ("123456789012.dkr.ecr.eu-west-3.amazonaws.com/payments/payments-api:1.2.3", False),
        ("123456789012.dkr.ecr.eu-west-3.amazonaws.com/platform/db-manager:1.0.0", False),
        ("123456789012.dkr.ecr.eu-west-3.amazonaws.com/fraud/fraud-scoring:1.0.0", True),
        ("123456789012.dkr.ecr.eu-west-3.amazonaws.com/fraud/models:2", True),
        ("ghcr.io/acme/tool:1.0", False),  # another registry: the allow-list rule's concern, not this one
    ],
)
def test_a_tenant_namespace_runs_only_its_own_and_the_platform_s_images(
    stack_plans: dict[str, list[Registration]], image: str, denied: bool
) -> None:
    """#17 hop 3: the platform registry holds every tenant's repositories; payments may not run fraud's."""
    (policy,) = [
        p for p in by_type(stack_plans["dev"], "kubernetes:kyverno.io/v1:ClusterPolicy") if p.inputs["metadata"]["name"] == POLICY_NAME
    ]
    (rule,) = [r for r in policy.inputs["spec"]["rules"] if r["name"] == OWN_REPOSITORIES_RULE]
    assert rule["match"]["any"][0]["resources"]["namespaceSelector"] == TENANT_NAMESPACES
    assert _denied(rule, image, "payments") is denied
