"""Alerts reach a person (#30 item 1): Alertmanager's configuration as it runs, checked and routed by
Alertmanager's own tool (``amtool``, Debian's ``prometheus-alertmanager``).

The configuration is the chart's ``alertmanager.config`` the program renders, with each tenant's
AlertmanagerConfig merged the way prometheus-operator v0.78.2 merges it (``pkg/alertmanager/amcfg.go``:
receivers named ``<namespace>/<name>/<receiver>``, the route given a ``namespace`` matcher and
``continue: true``, placed before the main routes). Then the AWS side: the topic, the platform team's
subscription and the tenants' each take only their own notifications, and Alertmanager's identity may
publish to the topic and nothing else.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.aws import alert_relay
from components.aws.alert_relay import AlertRelay, AlertRelayArgs
from components.tenant.delivery import alert_routing_spec, owner_receiver
from tests.components.harness import CONTEXT, build, resource_violations

TOPIC = alert_relay.topic_arn("eu-west-3", "111111111111", "fb-dev")
TENANTS = ("payments", "fraud")


def amtool() -> str:
    found = shutil.which("amtool")
    if found is None:
        pytest.fail("amtool is missing: `make servers` installs Debian's prometheus-alertmanager package")
    return found


def _snake(config: dict[str, Any]) -> dict[str, Any]:
    """A receiver's SNS config in the configuration file's shape (the operator's conversion)."""
    return {
        "topic_arn": config["topicARN"],
        "sigv4": config["sigv4"],
        "subject": config["subject"],
        "attributes": config["attributes"],
        "send_resolved": config["sendResolved"],
    }


def merged(tenants: tuple[str, ...] = TENANTS) -> dict[str, Any]:
    config = alert_relay.alertmanager_config(topic=TOPIC, region="eu-west-3")
    routes = []
    for tenant in tenants:
        spec = alert_routing_spec(tenant, topic=TOPIC, region="eu-west-3")
        prefix = f"{tenant}/{owner_receiver(tenant)}"
        route = spec["route"]
        matchers = [f'namespace="{tenant}"', *(f'{m["name"]}{m["matchType"]}"{m["value"]}"' for m in route["matchers"])]
        routes.append({"receiver": f"{prefix}/{route['receiver']}", "group_by": route["groupBy"], "matchers": matchers, "continue": True})
        for receiver in spec["receivers"]:
            config["receivers"].append({"name": f"{prefix}/{receiver['name']}", "sns_configs": [_snake(c) for c in receiver["snsConfigs"]]})
    config["route"]["routes"] = routes + config["route"]["routes"]
    return config


def write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([amtool(), "check-config", str(path)], capture_output=True, text=True, timeout=60, check=False)


def receivers_of(path: Path, **labels: str) -> str:
    done = subprocess.run(
        [amtool(), "config", "routes", "test", f"--config.file={path}", *(f"{k}={v}" for k, v in labels.items())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def test_the_running_configuration_passes_amtool(tmp_path: Path) -> None:
    done = check(write(tmp_path, merged()))
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr
    # null, the platform team's, and one per tenant.
    assert f"{2 + len(TENANTS)} receivers" in done.stdout, done.stdout


def test_amtool_refuses_an_sns_receiver_without_a_topic(tmp_path: Path) -> None:
    """Negative control: the check is Alertmanager's own, and it reads the SNS settings."""
    config = merged()
    del next(r for r in config["receivers"] if r["name"] == "platform")["sns_configs"][0]["topic_arn"]
    assert check(write(tmp_path, config)).returncode != 0


def test_each_alert_reaches_its_recipient_and_only_them(tmp_path: Path) -> None:
    path = write(tmp_path, merged())
    payments = "payments/payments-owner/payments-owner"
    # A tenant's SLO page: its owner, and not the platform team (a matched child route never falls back).
    slo = {"alertname": "SloLatencyP95", "namespace": "payments", "tenant": "payments", "severity": "page"}
    assert receivers_of(path, **slo) == payments
    # Another tenant's alert never reaches payments' owner.
    assert "payments/" not in receivers_of(path, **{**slo, "namespace": "fraud", "tenant": "fraud"})
    # A platform alert (Vault sealed) reaches the platform team; the dead man's switch reaches no one.
    assert receivers_of(path, alertname="VaultSealed", namespace="observability", severity="page") == "platform"
    assert receivers_of(path, alertname="Watchdog", namespace="observability") == "null"
    # Argo CD's alert on the tenant's application: its owner. A chart default rule in its namespace
    # (neither page nor ticket): the platform team.
    assert receivers_of(path, alertname="ArgoCdAppOutOfSync", namespace="payments", severity="ticket") == payments
    assert receivers_of(path, alertname="KubePodCrashLooping", namespace="payments", severity="warning") == "platform"


def test_each_subscription_takes_its_own_notifications_and_alertmanager_only_publishes() -> None:
    args = AlertRelayArgs(
        region="eu-west-3",
        account_id="111111111111",
        platform_email="platform-oncall@example.com",
        kms_key_arn="arn:aws:kms:eu-west-3:111111111111:key/data",
        cluster_name="fb-dev",
    )
    built = build(lambda: AlertRelay("alert-relay", args, CONTEXT))
    topic = built.one("aws:sns/topic:Topic").inputs
    assert topic["name"] == "fintech-blueprint-dev-alerts" and topic["kmsMasterKeyId"] == args.kms_key_arn
    subscription = built.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert subscription["topic"] == alert_relay.topic_arn("eu-west-3", "111111111111", CONTEXT.name_prefix)
    assert (
        json.loads(subscription["filterPolicy"]) == {"recipient": ["platform"]} and subscription["filterPolicyScope"] == "MessageAttributes"
    )
    association = built.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs
    assert (association["namespace"], association["serviceAccount"]) == ("observability", alert_relay.ALERTMANAGER_SERVICE_ACCOUNT)
    policy = json.loads(built.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    actions = sorted(a for s in policy["Statement"] for a in s["Action"])
    assert actions == ["kms:Decrypt", "kms:GenerateDataKey*", "sns:Publish"]
    key = next(s for s in policy["Statement"] if s["Sid"] == "EncryptAlerts")
    assert key["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/fintech-blueprint-dev-data"}}
    assert next(s for s in policy["Statement"] if s["Action"] == ["sns:Publish"])["Resource"] == subscription["topic"]
    assert resource_violations(built) == []
