"""The typed stack config: valid configs load; invalid ones fail with the field path and the fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stacks.config import DataClass, PlatformConfig
from stacks.loader import OFFLINE_SECRET_PLACEHOLDER, ROOT, ConfigError, load_from_pulumi, load_stack_file, read_stack_file
from tests.conftest import as_document, project_values


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_shipped_stacks_are_valid(stack: str) -> None:
    _, config = load_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    assert config.environment == stack
    assert {t.name for t in config.tenants} == {"payments", "fraud"}
    assert config.protect is (stack != "dev")  # staging is shaped like prod


def test_defaults_from_pulumi_yaml_are_applied_and_secure_values_are_secret(write_stack: Callable[..., Path]) -> None:
    values = project_values()
    values.pop("region", None)
    stack = read_stack_file(write_stack(as_document(values)))
    assert stack.values["region"] == "eu-west-3"  # default: in Pulumi.yaml
    flat, secrets = stack.flattened()
    assert secrets == []
    assert json.loads(flat["fintech-blueprint:tenants"])[0]["name"] == "payments"


def test_secure_values_are_refused_offline_unless_placeholders_are_asked_for(write_stack: Callable[..., Path]) -> None:
    document = as_document(project_values())
    document["config"]["fintech-blueprint:apiToken"] = {"secure": "v1:AAECAwQFBgcICQoL:c2VjcmV0Y2lwaGVydGV4dA=="}
    path = write_stack(document)
    with pytest.raises(ConfigError) as raised:
        read_stack_file(path)
    assert dict(raised.value.problems) == {
        "fintech-blueprint:apiToken": "is encrypted for the stack's secrets provider, which the offline engine does not have: "
        "pass --offline-secrets to plan with a placeholder"
    }
    stack = read_stack_file(path, secret_placeholders=True)
    assert stack.values["apiToken"] == OFFLINE_SECRET_PLACEHOLDER
    assert stack.flattened()[1] == ["fintech-blueprint:apiToken"]


def test_a_secure_value_that_is_not_ciphertext_is_refused_as_the_cli_refuses_it(write_stack: Callable[..., Path]) -> None:
    document = as_document(project_values())
    document["config"]["fintech-blueprint:apiToken"] = {"secure": "v1:set-with-pulumi-config-set-secret"}
    with pytest.raises(ConfigError) as raised:
        read_stack_file(write_stack(document), secret_placeholders=True)
    assert dict(raised.value.problems) == {
        "fintech-blueprint:apiToken.secure": "is not ciphertext the CLI can decrypt (it fails with 'bad value'): "
        "set it with `pulumi config set --secret`"
    }


@pytest.mark.parametrize("key", ["environment", "githubOrg", "protectStateful"])
def test_a_key_declared_without_default_must_be_set(key: str, write_stack: Callable[..., Path]) -> None:
    values = project_values()
    values.pop(key)
    with pytest.raises(ConfigError) as raised:
        read_stack_file(write_stack(as_document(values)))
    assert list(dict(raised.value.problems)) == [f"fintech-blueprint:{key}"]
    assert "declares it without a default" in dict(raised.value.problems)[f"fintech-blueprint:{key}"]


def test_duplicate_yaml_keys_are_an_error_not_last_wins(tmp_path: Path) -> None:
    text = (
        (ROOT / "Pulumi.dev.yaml")
        .read_text()
        .replace(
            "  fintech-blueprint:protectStateful: false\n",
            "  fintech-blueprint:protectStateful: false\n  fintech-blueprint:protectStateful: true\n",
        )
    )
    path = tmp_path / "Pulumi.dup.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        read_stack_file(path)
    ((where, message),) = raised.value.problems
    assert where == "line 6, column 3"
    assert message.startswith("not valid YAML: duplicate key 'fintech-blueprint:protectStateful' (first at line 5)")


def test_a_tenant_gets_its_most_sensitive_data_class() -> None:
    _, config = load_stack_file(ROOT / "Pulumi.dev.yaml")
    payments = next(t for t in config.tenants if t.name == "payments")
    assert payments.data_class is DataClass.PCI


def test_one_loader_serves_the_file_and_the_pulumi_config() -> None:
    stack, from_file = load_stack_file(ROOT / "Pulumi.prod.yaml")
    flat, secret_keys = stack.flattened()
    pulumi.runtime.set_all_config(flat, secret_keys)
    try:
        from_pulumi = load_from_pulumi()
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert from_pulumi == from_file
    assert isinstance(from_pulumi, PlatformConfig)


def mutate(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    values = project_values()
    change(values)
    return values


def tenant(values: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return values["tenants"][index]


INVALID: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("missing cost center", lambda v: tenant(v, 1).pop("costCenter"), "tenants[1].costCenter", "required key is missing"),
    ("bad cost center", lambda v: tenant(v).update(costCenter="cc 1"), "tenants[0].costCenter", "does not match the expected format"),
    ("tenant name not DNS-1123", lambda v: tenant(v).update(name="Payments_Team"), "tenants[0].name", "does not match"),
    (
        "unknown tier",
        lambda v: tenant(v).update(tier="huge"),
        "tenants[0].tier",
        "unknown tier 'huge'; expected one of ['large', 'medium', 'small']",
    ),
    ("duplicate tenant", lambda v: tenant(v, 1).update(name="payments"), "tenants[1].name", "duplicate tenant name 'payments'"),
    ("unknown vault lock mode", lambda v: v.setdefault("backup", {}).update(vaultLock="strict"), "backup.vaultLock", "'governance'"),
    ("backup kept under the lock floor", lambda v: v.setdefault("backup", {}).update(retentionDays=3), "backup.retentionDays", "7"),
    (
        "backups kept past the database's class",
        lambda v: v.setdefault("backup", {}).update(retentionDays=3650),
        "backup.retentionDays",
        "the database holds pci data, which expires after 1825 days (dataLifecycle.pci.expireAfterDays)",
    ),
    (
        "a backup schedule that misses the ledger's RPO (#30 item 6)",
        lambda v: v.setdefault("backup", {}).update(schedule="cron(0 3 ? * SUN *)"),
        "backup.schedule",
        "misses the RPO of the audit ledger: audit data has an RPO of 1440 minutes but recovery points are up to 10080 minutes apart",
    ),
    (
        "a backup schedule that stops (#30 item 6)",
        lambda v: v.setdefault("backup", {}).update(schedule="cron(0 3 * * ? 2027)"),
        "backup.schedule",
        "the schedule stops taking recovery points",
    ),
    (
        "copies in the stack's own region (#30 item 6)",
        lambda v: v.setdefault("backup", {}).update(copyRegion="eu-west-3"),
        "backup.copyRegion",
        "is the stack's own region 'eu-west-3': a copy must survive that region's loss",
    ),
    (
        "copies in no region AWS has",
        lambda v: v.setdefault("backup", {}).update(copyRegion="eu-west-9"),
        "backup.copyRegion",
        "eu-west-9",
    ),
    ("reserved tenant name", lambda v: tenant(v).update(name="shared"), "tenants[0].name", "duplicate tenant name 'shared'"),
    (
        "a Kubernetes namespace",
        lambda v: tenant(v).update(name="kube-system"),
        "tenants[0].name",
        "'kube-system' is a namespace that Kubernetes",
    ),
    ("the default namespace", lambda v: tenant(v).update(name="default"), "tenants[0].name", "'default' is a namespace that Kubernetes"),
    ("a platform namespace", lambda v: tenant(v).update(name="kyverno"), "tenants[0].name", "or the platform owns"),
    ("the kube- prefix", lambda v: tenant(v).update(name="kube-lending"), "tenants[0].name", "'kube-lending' is a namespace"),
    (
        "duplicate service",
        lambda v: tenant(v)["services"].append({"name": "payments-api"}),
        "tenants[0].services[2].name",
        "duplicate service name 'payments-api'",
    ),
    ("unknown key", lambda v: tenant(v).update(costCentre="CC-1"), "tenants[0].costCentre", "unknown key; did you mean 'costCenter'?"),
    ("unknown top-level key", lambda v: v.update(regoin="eu-west-1"), "regoin", "unknown key; did you mean 'region'?"),
    (
        "unknown nested key",
        lambda v: tenant(v)["services"][0].update(slo={"latencyP95Msx": 200}),
        "tenants[0].services[0].slo.latencyP95Msx",
        "unknown key; did you mean 'latencyP95Ms'?",
    ),
    (
        "no security alert address",
        lambda v: v["audit"].pop("securityAlertEmail"),
        "audit.securityAlertEmail",
        "required key is missing",
    ),
    ("unknown key, nothing close", lambda v: v.update(zzz=1), "zzz", "unknown key; remove it or check its spelling"),
    ("negative budget", lambda v: tenant(v).update(monthlyBudgetUsd=-5), "tenants[0].monthlyBudgetUsd", "greater than 0"),
    ("no data class", lambda v: tenant(v).update(dataClasses=[]), "tenants[0].dataClasses", "at least 1 item"),
    ("unknown data class", lambda v: tenant(v).update(dataClasses=["secret"]), "tenants[0].dataClasses[0]", "'public', 'internal'"),
    ("worker without scaling", lambda v: tenant(v)["services"][1].pop("scaling"), "tenants[0].services[1]", "a worker needs 'scaling'"),
    (
        "scaling max below min",
        lambda v: tenant(v)["services"][1]["scaling"].update(minReplicas=5, maxReplicas=2),
        "tenants[0].services[1].scaling",
        "maxReplicas (2) must be >= minReplicas (5)",
    ),
    (
        "public endpoint open to the world",
        lambda v: v["cluster"].update(publicAccessCidrs=["0.0.0.0/0"]),
        "cluster",
        "publicAccessCidrs must not contain 0.0.0.0/0",
    ),
    ("bad CIDR", lambda v: v["network"].update(cidr="10.0.0.1/16"), "network.cidr", "must be a CIDR block"),
    (
        "a retired retention key",
        lambda v: v["audit"].update(logRetentionDays=365),
        "audit.logRetentionDays",
        "retired: a log group keeps its data class's expiry; set dataLifecycle.<class>.expireAfterDays",
    ),
    (
        "a class minimum below its floor",
        lambda v: v["dataLifecycle"].update(pci={"minimumRetentionDays": 90}),
        "dataLifecycle.pci.minimumRetentionDays",
        "is 90; pci keeps at least 365: PCI DSS 10.5.1",
    ),
    (
        "pci's hot months shortened",
        lambda v: v["dataLifecycle"].update(pci={"warmAfterDays": 30}),
        "dataLifecycle.pci.warmAfterDays",
        "the last 3 months immediately available",
    ),
    (
        "erasure switched off for personal data",
        lambda v: v["dataLifecycle"].update(pii={"erasure": False}),
        "dataLifecycle.pii.erasure",
        "must be true for pii: GDPR art. 17",
    ),
    (
        "audit records given an expiry",
        lambda v: v["dataLifecycle"].update(audit={"expireAfterDays": 3650}),
        "dataLifecycle.audit.expireAfterDays",
        "must be never for audit",
    ),
    (
        "expiry before the minimum",
        lambda v: v["dataLifecycle"].update(internal={"expireAfterDays": 60, "coldAfterDays": "never", "minimumRetentionDays": 90}),
        "dataLifecycle.internal.expireAfterDays",
        "is 60, before minimumRetentionDays (90)",
    ),
    (
        "Glacier too soon after Standard-IA",
        lambda v: v["dataLifecycle"].update(confidential={"coldAfterDays": 45}),
        "dataLifecycle.confidential.coldAfterDays",
        "use at least 60",
    ),
    (
        "Standard-IA before S3 allows it",
        lambda v: v["dataLifecycle"].update(public={"warmAfterDays": 10}),
        "dataLifecycle.public.warmAfterDays",
        "after 30 days at the earliest",
    ),
    (
        "not a cold storage class",
        lambda v: v["dataLifecycle"].update(public={"coldStorageClass": "STANDARD"}),
        "dataLifecycle.public.coldStorageClass",
        "Input should be 'GLACIER_IR', 'GLACIER' or 'DEEP_ARCHIVE'",
    ),
    (
        "an unpinned erasure image",
        lambda v: v.update(erasure={"image": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/platform/eraser"}),
        "erasure.image",
        "is not pinned",
    ),
    (
        "an erasure image admission refuses",
        lambda v: v.update(erasure={"image": "docker.io/acme/eraser:1.0"}),
        "erasure.image",
        "is from no admitted registry",
    ),
    (
        "a tenant name PostgreSQL cannot take",
        lambda v: tenant(v).update(name="1bank"),
        "tenants[0].name",
        "starts with a digit: it names the tenant's PostgreSQL schema",
    ),
    # #28 item 6: a tenant's name is its PostgreSQL schema, written unquoted.
    *(
        (f"a tenant named {name!r}", lambda v, name=name: tenant(v).update(name=name), "tenants[0].name", message)
        for name, message in (
            ("order", "'order' is a PostgreSQL reserved key word"),
            ("user", "'user' is a PostgreSQL reserved key word"),
            ("select", "'select' is a PostgreSQL reserved key word"),
            ("grant", "'grant' is a PostgreSQL reserved key word"),
            ("null", "'null' is a PostgreSQL reserved key word"),
            ("current-user", "'current_user' is a PostgreSQL reserved key word"),
            ("pg-bank", "'pg_bank' starts with 'pg_'"),
            ("public", "names schema 'public', which already exists"),
            ("pooler", "names schema 'pooler', which already exists"),
            ("information-schema", "names schema 'information_schema', which already exists"),
        )
    ),
    (
        "Vault's login role is a key word",
        lambda v: v.setdefault("database", {}).update(vaultUsername="user"),
        "database.vaultUsername",
        "'user' is a PostgreSQL reserved key word",
    ),
    (
        "Vault's login role is a tenant's group",
        lambda v: v.setdefault("database", {}).update(vaultUsername="tenant_payments"),
        "database.vaultUsername",
        "is tenant 'payments''s own role",
    ),
    (
        "Vault's login role has the system prefix",
        lambda v: v.setdefault("database", {}).update(vaultUsername="pg_vault"),
        "database.vaultUsername",
        "starts with 'pg_'",
    ),
    # #28 item 6: e-mail addresses as mail systems take them (email-validator), not a home-made pattern.
    *(
        (f"owner e-mail {address!r}", lambda v, address=address: tenant(v).update(ownerEmail=address), "tenants[0].ownerEmail", message)
        for address, message in (
            ("a..b@x.com", "cannot have two periods in a row"),
            (".a@x.com", "cannot start with a period"),
            ("a@-x.com", "cannot have a hyphen immediately after the @-sign"),
            ("a@x_y.com", "invalid characters: '_'"),
            ("a\u200b@x.com", "unsafe characters: ZERO WIDTH SPACE"),
            ("<b>x</b>@x.com", "is not an e-mail address"),
        )
    ),
    (
        "an SLO that allows every request to fail",
        lambda v: tenant(v)["services"][0].update(slo={"errorRatePercent": 100}),
        "tenants[0].services[0].slo.errorRatePercent",
        "less than 100",
    ),
    # #28 item 6: a Vault address Vault's clients take, and networks that are Vault's, not the internet.
    *(
        (
            f"vault.address {address!r}",
            lambda v, address=address: v.setdefault("vault", {}).update(address=address),
            "vault.address",
            message,
        )
        for address, message in (
            ("https://vault.example:", "names an empty or zero port"),
            ("https://vault.example:8200:8201", "is not an https address"),
            ("https://vault.example:8200?x=1", "must be an origin"),
            ("https://vault.example:8200#top", "must be an origin"),
            ("https://vault.example/v1", "must be an origin"),
            ("https://vault.example:70000", "is not an https address"),
            ("https://user:pw@vault.example", "must name a host and nothing before it"),
            ("http://vault.example:8200", "must use https"),
        )
    ),
    (
        "vault.networkCidrs covering the internet in pieces",
        lambda v: v.setdefault("vault", {}).update(networkCidrs=["0.0.0.0/1", "128.0.0.0/1"]),
        "vault",
        "more than a /8: name the networks, not the internet in pieces",
    ),
    *(
        (f"cluster.adminRoleArns {arn!r}", lambda v, arn=arn: v["cluster"].update(adminRoleArns=[arn]), "cluster.adminRoleArns[0]", "match")
        for arn in (
            "arn:aws:iam::111111111111:role/*",
            "arn:aws:iam::111111111111:role/admin team",
            "arn:aws:iam::111111111111:role/" + "a" * 65,
            "arn:aws:iam::111111111111:role/ops/*",
        )
    ),
    # #28 item 6: the repository that runs the program is none the program creates.
    *(
        (
            f"github.infraRepository {repo!r}",
            lambda v, repo=repo: v.setdefault("github", {}).update(infraRepository=repo),
            "github.infraRepository",
            message,
        )
        for repo, message in (
            ("golden-service", "is the golden template"),
            ("payments-payments-api", "is a tenant's service repository"),
            ("Payments-Payments-API", "is a tenant's service repository"),
            ("db-manager", "is a platform repository"),
            ("..", "is not a repository name GitHub accepts"),
        )
    ),
    (
        "a service claiming another tenant's erasure job",
        lambda v: v["tenants"].extend(
            [
                {**tenant(v), "name": "pay", "services": [{"name": "ments-erasure", "kind": "api"}]},
                {**tenant(v), "name": "pay-ments", "services": [{"name": "api", "kind": "api"}]},
            ]
        ),
        "tenants[2].services[0].name",
        "'pay-ments-erasure' is also the name of tenant 'pay-ments''s erasure job",
    ),
    # #28 item 6: each cron in its own service's syntax.
    *(
        (f"erasure.schedule {expr!r}", lambda v, expr=expr: v.setdefault("erasure", {}).update(schedule=expr), "erasure.schedule", message)
        for expr, message in (
            ("61 2 * * *", "minute '61': '61' is not in 0-59"),
            ("0 24 * * *", "hour '24'"),
            ("0 2 * * 7", "day of week '7'"),
            ("0 2 * 13 *", "month '13'"),
            ("0 2 * * * *", "five fields"),
            ("@every 5m", "descriptors are"),
            ("TZ=UTC 0 2 * * *", "a time zone is the CronJob's timeZone"),
        )
    ),
    *(
        (f"backup.schedule {expr!r}", lambda v, expr=expr: v.setdefault("backup", {}).update(schedule=expr), "backup.schedule", message)
        for expr, message in (
            ("cron(0 3 * * * *)", "one of day-of-month and day-of-week must be '?'"),
            ("cron(0 25 * * ? *)", "hours '25'"),
            ("cron(*/5 * * * ? *)", "at most hourly"),
            ("cron(0 3 * * ? 2300)", "year '2300'"),
            ("rate(1 hour)", "write cron(Minutes Hours"),
            ("0 3 * * *", "write cron(Minutes Hours"),
        )
    ),
    # #28 item 6: what weakens a promise: evidence, erasure, chaos where customers are, a retention
    # Prometheus cannot hold.
    (
        "the ledger kept shorter than the audit floor",
        lambda v: v.setdefault("audit", {}).update(ledgerRetentionDays=90),
        "audit.ledgerRetentionDays",
        "the ledger holds pci tenants' audit evidence, kept at least 365 days (PCI DSS 10.5.1",
    ),
    (
        "pii kept forever",
        lambda v: v.setdefault("dataLifecycle", {}).update(pii={"expireAfterDays": "never"}),
        "dataLifecycle.pii.expireAfterDays",
        "erasure promises deletion",
    ),
    (
        "metrics retention past Prometheus's range",
        lambda v: v.setdefault("kubernetes", {}).update(metricsRetention="999999y"),
        "kubernetes.metricsRetention",
        "overflows",
    ),
    (
        "metrics retention below a block",
        lambda v: v.setdefault("kubernetes", {}).update(metricsRetention="1h"),
        "kubernetes.metricsRetention",
        "shorter than a TSDB block",
    ),
    (
        "metrics retention in minutes",
        lambda v: v.setdefault("kubernetes", {}).update(metricsRetention="90m"),
        "kubernetes.metricsRetention",
        "is not a Prometheus retention",
    ),
    (
        "x86 and Graviton nodes in one group",
        lambda v: v["cluster"].update(nodeInstanceTypes=["m6i.large", "m7g.large"]),
        "cluster.nodeInstanceTypes",
        "mixes architectures (m6i.large: x86_64, m7g.large: arm64)",
    ),
    (
        "tenant egress to the whole internet",
        lambda v: tenant(v).update(egress=[{"name": "psp-api", "cidrs": ["0.0.0.0/0"]}]),
        "tenants[0].egress[0]",
        "cidrs must name networks, not 0.0.0.0/0",
    ),
    (
        "tenant egress to the internet in pieces",
        lambda v: tenant(v).update(egress=[{"name": "psp-api", "cidrs": ["0.0.0.0/1", "128.0.0.0/1"]}]),
        "tenants[0].egress[0]",
        "more than a /16: name the networks, not the internet in pieces",
    ),
    (
        "tenant egress to instance metadata",
        lambda v: tenant(v).update(egress=[{"name": "imds", "cidrs": ["169.254.169.254/32"], "ports": [80]}]),
        "tenants[0].egress[0]",
        "is link-local (instance metadata, the Pod Identity agent)",
    ),
    (
        "tenant egress named twice",
        lambda v: tenant(v).update(egress=[{"name": "psp", "cidrs": ["198.51.100.0/24"]}, {"name": "psp", "cidrs": ["203.0.113.0/24"]}]),
        "tenants[0]",
        "egress names ['psp'] appear twice",
    ),
    (
        "tenant egress to port 0",
        lambda v: tenant(v).update(egress=[{"name": "psp", "cidrs": ["198.51.100.0/24"], "ports": [0]}]),
        "tenants[0].egress[0].ports[0]",
        "greater than or equal to 1",
    ),
    (
        "a GPU type on the standard AMI",
        lambda v: v["cluster"].update(nodeInstanceTypes=["g5.xlarge"]),
        "cluster.nodeInstanceTypes[0]",
        "'g5.xlarge': a GPU type needs EKS's NVIDIA AMI type",
    ),
    (
        "Graviton1 (a1), which AL2023 does not run",
        lambda v: v["cluster"].update(nodeInstanceTypes=["a1.large"]),
        "cluster.nodeInstanceTypes[0]",
        "a1 is Graviton1",
    ),
    (
        "a Mac instance",
        lambda v: v["cluster"].update(nodeInstanceTypes=["mac2.metal"]),
        "cluster.nodeInstanceTypes[0]",
        "Mac instances run no EKS AMI",
    ),
    (
        "a type the region does not offer",
        lambda v: v["cluster"].update(nodeInstanceTypes=["m6i.large", "hpc7g.4xlarge"]),
        "cluster.nodeInstanceTypes[1]",
        "'hpc7g.4xlarge' is not offered in eu-west-3",
    ),
    (
        "a tenant allow-list reaching another tenant's repositories",
        lambda v: tenant(v).update(allowedRegistries=["123456789012.dkr.ecr.eu-west-3.amazonaws.com/fraud"]),
        "tenants[0].allowedRegistries[0]",
        "is this stack's own registry (repositories under 'fraud')",
    ),
    (
        "a cluster-wide allow-list naming the platform registry",
        lambda v: v.setdefault("kubernetes", {}).update(allowedRegistries=["123456789012.dkr.ecr.eu-west-3.amazonaws.com/payments"]),
        "kubernetes.allowedRegistries[0]",
        "would admit more to every namespace",
    ),
    (
        "a service named default",
        lambda v: tenant(v)["services"].append({"name": "default", "kind": "api"}),
        "tenants[0].services[2].name",
        "'default' is the ServiceAccount every namespace has",
    ),
    (
        "a service name with a leading digit",
        lambda v: tenant(v)["services"].append({"name": "2fa", "kind": "api"}),
        "tenants[0].services[2].name",
        "starts with a digit: it names the service's Kubernetes Service, a DNS-1035 label",
    ),
    (
        "a service named like the erasure job",
        lambda v: tenant(v)["services"].append({"name": "erasure", "kind": "api"}),
        "tenants[0].services[2].name",
        "'erasure' is reserved",
    ),
    (
        "Vault TTL too long",
        lambda v: v.setdefault("vault", {}).update(defaultLeaseTtlSeconds=7200),
        "vault.defaultLeaseTtlSeconds",
        "less than or equal to 3600",
    ),
    (
        "unsupported Kubernetes",
        lambda v: v["cluster"].update(kubernetesVersion="1.12"),
        "cluster.kubernetesVersion",
        "'1.12' is not a Kubernetes version EKS runs (stacks/data/eks_versions.json: 1.32, 1.33, 1.34, 1.35)",
    ),
    (
        "node sizes out of order",
        lambda v: v["cluster"].update(nodeMin=3, nodeDesired=2, nodeMax=4),
        "cluster",
        "need nodeMin <= nodeDesired <= nodeMax, got 3/2/4",
    ),
    (
        "an autoscaled node group with no room to grow (#30 item 7)",
        lambda v: v["cluster"].update(nodeMin=2, nodeDesired=2, nodeMax=2),
        "cluster",
        "nodeMax is nodeDesired (2): the node autoscaler could add no node for scaled-out workers",
    ),
    (
        "a scale-down threshold out of the autoscaler's range",
        lambda v: v["cluster"].update(nodeAutoscaler={"scaleDownUtilizationThreshold": 1.5}),
        "cluster.nodeAutoscaler.scaleDownUtilizationThreshold",
        "less than 1",
    ),
    (
        "instance type typo",
        lambda v: v["cluster"].update(nodeInstanceTypes=["m6i.large", "m6i.larg"]),
        "cluster.nodeInstanceTypes[1]",
        "'m6i.larg' is not an EC2 instance type (pulumi_aws.ec2.InstanceType); did you mean 'm6i.large'",
    ),
    (
        "DB class typo",
        lambda v: v.setdefault("database", {}).update(instanceClass="db.r6g.lrge"),
        "database.instanceClass",
        "'db.r6g.lrge' is not an Aurora DB instance class",
    ),
    (
        "DB class is an EC2 type",
        lambda v: v.setdefault("database", {}).update(instanceClass="r6g.large"),
        "database.instanceClass",
        "did you mean 'db.r6g.large'",
    ),
    (
        "unknown engine version",
        lambda v: v.setdefault("database", {}).update(engineVersion="16.5"),
        "database.engineVersion",
        "'16.5' is not an Aurora PostgreSQL version this platform knows (stacks/data/aurora_postgresql.json: 16.1,",
    ),
    ("not an AWS region", lambda v: v.update(region="eu-west-9"), "region", "'eu-west-9' is not an AWS region (pulumi_aws.Region)"),
    (
        "region without zone data",
        lambda v: v.update(region="me-central-1"),
        "region",
        "'me-central-1' is not a region this platform knows the availability zones of",
    ),
    (
        "wildcard registry",
        lambda v: v["kubernetes"].update(allowedRegistries=["ghcr.io/*"]),
        "kubernetes.allowedRegistries[0]",
        "is a wildcard",
    ),
    ("empty registry", lambda v: tenant(v).update(allowedRegistries=[" "]), "tenants[0].allowedRegistries[0]", "is empty"),
    (
        "a whole public registry",
        lambda v: tenant(v).update(allowedRegistries=["docker.io"]),
        "tenants[0].allowedRegistries[0]",
        "admits every image of docker.io",
    ),
    (
        "registry with a scheme",
        lambda v: tenant(v).update(allowedRegistries=["https://ghcr.io/acme"]),
        "tenants[0].allowedRegistries[0]",
        "has a scheme",
    ),
]


@pytest.mark.parametrize("instance_class", ["db.r7g.large", "db.r8g.2xlarge", "db.serverless"])
def test_newer_aurora_classes_the_sdk_enum_lacks_are_accepted(instance_class: str, write_stack: Callable[..., Path]) -> None:
    values = mutate(lambda v: v.setdefault("database", {}).update(instanceClass=instance_class))
    _, config = load_stack_file(write_stack(as_document(values)))
    assert config.database.instance_class == instance_class


@pytest.mark.parametrize(("label", "change", "path", "message"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_config_names_the_field(
    label: str, change: Callable[[dict[str, Any]], None], path: str, message: str, write_stack: Callable[..., Path]
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(mutate(change))))
    problems = dict(raised.value.problems)
    assert path in problems, f"{label}: expected {path} in {problems}"
    assert message in problems[path]
    assert f"  {path}: " in str(raised.value)


def test_all_problems_are_reported_at_once(write_stack: Callable[..., Path]) -> None:
    def two(v: dict[str, Any]) -> None:
        tenant(v).update(tier="huge")
        tenant(v, 1).update(monthlyBudgetUsd=0)

    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(mutate(two))))
    assert {p for p, _ in raised.value.problems} == {"tenants[0].tier", "tenants[1].monthlyBudgetUsd"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("config: [1, 2]\n", "the file must be a mapping with a 'config:' mapping inside"),
        ("config:\n  a: [unclosed\n", "not valid YAML"),
        ("", "the file must be a mapping"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_stack_file(path)


def _set(values: dict, path: str, value: object) -> None:
    *parents, leaf = path.split(".")
    target = values
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
    target[leaf] = value


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("network.cidr", "fd00::/56", "network.cidr", "is IPv6"),
        ("network.cidr", "10.0.0.0/26", "network.cidr", "use /16 to /24"),
        ("network.cidr", "10.0.0.1/16", "network.cidr", "host bits set"),
        ("cluster.publicAccessCidrs", ["0.0.0.0/1", "128.0.0.0/1"], "cluster.publicAccessCidrs", "the whole internet"),
        ("cluster.publicAccessCidrs", ["2001:db8::/32"], "cluster.publicAccessCidrs[0]", "is IPv6"),
        ("cluster.publicAccessCidrs", ["203.0.113.0/24", "203.0.113.0/24"], "cluster.publicAccessCidrs[1]", "listed twice"),
        ("cluster.adminRoleArns", ["arn:aws:iam::123456789012:role/a"] * 2, "cluster.adminRoleArns[1]", "listed twice"),
        ("tenants.0.maintainers", ["a", "a"], "tenants[0].maintainers[1]", "listed twice"),
        ("outbox.dlqRetentionSeconds", 3600, "outbox.dlqRetentionSeconds", "shorter DLQ retention"),
        ("outbox.maxMessageAgeSeconds", 345600, "outbox.maxMessageAgeSeconds", "expires before its age alert fires"),
        ("githubOrg", "1password", "githubOrg", "must begin with a letter"),
        # The canary (#29 item 1): its weights reach 100, rise, start at most at 25%; each KPI has one bound.
        ("tenants.0.services.0.canary", {"steps": [{"weight": 10}, {"weight": 60}]}, "tenants[0].services[0].canary", "must send 100%"),
        ("tenants.0.services.0.canary", {"steps": [{"weight": 40}, {"weight": 100}]}, "tenants[0].services[0].canary", "at most 25%"),
        (
            "tenants.0.services.0.canary",
            {"steps": [{"weight": 20}, {"weight": 20}, {"weight": 100}]},
            "tenants[0].services[0].canary",
            "rise",
        ),
        (
            "tenants.0.services.0.canary",
            {"steps": [{"weight": 10}, {"weight": 100, "pauseSeconds": -1}]},
            "tenants[0].services[0].canary.steps[1].pauseSeconds",
            "",
        ),
        (
            "tenants.0.services.0.slo.kpis",
            [{"name": "auth", "query": "up"}],
            "tenants[0].services[0].slo.kpis[0]",
            "exactly one of atLeast or atMost",
        ),
        (
            "tenants.0.services.0.slo.kpis",
            [{"name": "auth", "query": "up", "atLeast": "nan"}],
            "tenants[0].services[0].slo.kpis[0].atLeast",
            "",
        ),
        # The edge (#29 items 2-3): WAF's rate limits, hosts in the zone, APIs only, one route per host and path.
        ("edge.rateLimitPer5Min", 9, "edge.rateLimitPer5Min", "take at least 10 in eu-west-3"),
        ("tenants.0.edge", {"rateLimitPer5Min": 5}, "tenants[0].edge.rateLimitPer5Min", "take at least 10 in eu-west-3"),
        ("tenants.0.edge", {"rateLimitPer5Min": 3_000_000_000}, "tenants[0].edge.rateLimitPer5Min", "less than or equal to 2000000000"),
        (
            "tenants.0.services.0.public",
            {"host": "api.payments.example.org"},
            "tenants[0].services[0].public.host",
            "outside the zone 'dev.fintech-blueprint.example'",
        ),
        (
            "tenants.0.services.0.public",
            {"host": "API_payments"},
            "tenants[0].services[0].public.host",
            "does not match the expected format",
        ),
        ("tenants.0.services.1.public", {}, "tenants[0].services[1]", "'public' applies to kind 'api' only"),
        (
            "tenants.1.services.0.public",
            {"host": "api.payments.dev.fintech-blueprint.example"},
            "tenants[1].services[0].public.host",
            "already routed by tenants[0].services[0].public",
        ),
        ("edge", None, "tenants[0].services[0].public", "needs the stack's edge"),
        ("edge.hostedZoneId", "dev.fintech-blueprint.example", "edge.hostedZoneId", "does not match the expected format"),
        ("edge.tlsPolicy", "ELBSecurityPolicy-2016-08", "edge.tlsPolicy", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"),
    ],
)
def test_deploy_time_mistakes_are_plan_time_errors(
    write_stack: Callable[..., Path], path: str, value: object, field: str, message: str
) -> None:
    values = project_values()
    _set(values, path, value)
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    assert any(p == field and message in m for p, m in raised.value.problems), raised.value.problems


@pytest.mark.parametrize("address", ["Payments@EXAMPLE.COM", "team@bank.xn--p1ai", "team@bank.рф"])
def test_addresses_mail_systems_take_are_accepted_as_written(address: str, write_stack: Callable[..., Path]) -> None:
    """Upper-case domains and IDN top-level domains are addresses (the old pattern refused them)."""
    _, config = load_stack_file(write_stack(as_document(mutate(lambda v: tenant(v).update(ownerEmail=address)))))
    assert config.tenants[0].owner_email == address


@pytest.mark.parametrize(
    ("address", "port"), [("https://[fd00::5]:8200", 8200), ("https://[fd00::5]", 443), ("https://10.0.0.5:8200/", 8200)]
)
def test_ipv6_and_ip_addresses_of_vault_are_taken_with_their_port(address: str, port: int, write_stack: Callable[..., Path]) -> None:
    values = mutate(lambda v: v.setdefault("vault", {}).update(address=address))
    _, config = load_stack_file(write_stack(as_document(values)))
    assert config.vault.port == port


@pytest.mark.parametrize(
    "arn", ["arn:aws:iam::111111111111:role/admin", "arn:aws:iam::111111111111:role/ops/platform/Admin+Team=1,a.b@c-d_e"]
)
def test_admin_roles_iam_accepts_are_accepted(arn: str, write_stack: Callable[..., Path]) -> None:
    _, config = load_stack_file(write_stack(as_document(mutate(lambda v: v["cluster"].update(adminRoleArns=[arn])))))
    assert config.cluster.admin_role_arns == [arn]


@pytest.mark.parametrize(
    ("key", "schedule"),
    [
        ("erasure", "@daily"),
        ("erasure", "*/15 2-4 * * MON-FRI"),
        ("backup", "cron(30 1 ? * SUN-SAT *)"),
        ("backup", "cron(0 */2 * JAN-DEC ? *)"),
    ],
)
def test_valid_schedules_of_each_syntax_are_accepted(key: str, schedule: str, write_stack: Callable[..., Path]) -> None:
    _, config = load_stack_file(write_stack(as_document(mutate(lambda v: v.setdefault(key, {}).update(schedule=schedule)))))
    assert getattr(config, key).schedule == schedule


def test_chaos_is_refused_in_prod_only(write_stack: Callable[..., Path]) -> None:
    values = project_values("prod")
    values.setdefault("kubernetes", {})["chaosEnabled"] = True
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    assert "never where customers are" in dict(raised.value.problems)["kubernetes.chaosEnabled"]
    _, dev = load_stack_file(write_stack(as_document(mutate(lambda v: v.setdefault("kubernetes", {}).update(chaosEnabled=True)))))
    assert dev.kubernetes.chaos_enabled


def test_the_default_node_type_runs_in_every_accepted_region() -> None:
    """The data behind the node-type checks covers every region the config accepts, and the default
    node type passes there (else a fresh stack in that region would be refused its own default)."""
    from components.aws import cluster
    from stacks import aws_values, regions

    for region in regions.known_regions():
        assert aws_values.offered_in(region) is not None, region
        for node_type in cluster.NODE_INSTANCE_TYPES:
            assert aws_values.node_type_problem(node_type, region, cluster.series(node_type)) is None, (region, node_type)


def test_staging_is_shaped_like_prod() -> None:
    """#26 item 2: staging runs with prod's enforcement (the same policy config), HA, a private
    endpoint and protected state, in an account, Vault and network of its own."""
    configs = {stack: load_stack_file(ROOT / f"Pulumi.{stack}.yaml")[1] for stack in ("dev", "staging", "prod")}
    staging, prod = configs["staging"], configs["prod"]
    assert (ROOT / "policy_pack/config.staging.json").read_text() == (ROOT / "policy_pack/config.prod.json").read_text()
    assert staging.kubernetes.gitops_ha and not staging.cluster.endpoint_public_access and staging.protect
    assert staging.network.nat_gateways == prod.network.nat_gateways == "perAz" and staging.network.az_count == prod.network.az_count
    assert staging.org.stack == prod.org.stack  # one organization, its reviews the org stack's (ADR-0031)
    assert len({c.aws_account_id for c in configs.values()}) == len({c.vault.address for c in configs.values()}) == 3
    assert len({c.network.cidr for c in configs.values()}) == 3


def test_platform_images_are_referenced_by_digest_from_config(write_stack: Callable[..., Path]) -> None:
    """#28 item 2, #27 item 4: the DB Manager's image (PgBouncer, migration, erasure) is configured by
    digest: a stack without the digest, or a tag-only erasure image, exits 2 naming the field."""
    values = project_values()
    values["database"] = {k: v for k, v in values.get("database", {}).items() if k != "managerImageDigest"}
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    assert "database.managerImageDigest" in dict(raised.value.problems)
    values = project_values()
    values["erasure"] = {"image": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/platform/db-manager:1.0.0"}
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    assert "is not pinned by digest" in dict(raised.value.problems)["erasure.image"]
    values = project_values()
    values["erasure"] = {"imageTag": "2.0.0"}
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values)))
    assert "the default erasure image is the DB Manager's" in dict(raised.value.problems)["erasure.imageTag"]


def test_the_pooler_has_a_replica_per_zone_in_ha_stacks(write_stack: Callable[..., Path]) -> None:
    """#27 item 5: an HA stack (kubernetes.gitopsHa) runs a pooler replica in each zone by default and
    refuses fewer; a non-HA stack keeps 2."""
    from stacks.config import pooler_replicas

    assert pooler_replicas(load_stack_file(ROOT / "Pulumi.prod.yaml")[1]) == 3
    assert pooler_replicas(load_stack_file(ROOT / "Pulumi.dev.yaml")[1]) == 2
    values = project_values("prod")
    values["database"] = {**values["database"], "poolerReplicas": 2}
    with pytest.raises(ConfigError) as raised:
        load_stack_file(write_stack(as_document(values), name="Pulumi.prod.yaml"))
    assert (
        "the pooler needs a replica in each to survive a zone's loss; use at least 3"
        in dict(raised.value.problems)["database.poolerReplicas"]
    )


def test_a_fixed_size_node_group_is_accepted_without_the_autoscaler(write_stack: Callable[..., Path]) -> None:
    values = mutate(lambda v: v["cluster"].update(nodeMin=2, nodeDesired=2, nodeMax=2, nodeAutoscaler={"enabled": False}))
    _, config = load_stack_file(write_stack(as_document(values)))
    assert not config.cluster.node_autoscaler.enabled and config.cluster.node_max == 2
