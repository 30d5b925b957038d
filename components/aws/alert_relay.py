"""Alerts reach a person (#30 item 1, ADR-0006): Alertmanager publishes every notification to one
encrypted SNS topic of the stack, with a ``recipient`` message attribute; each recipient (the platform
team, each tenant's owner) is an e-mail subscription whose filter policy takes its own notifications
only.

Why SNS, not SES SMTP: SES's SMTP interface authenticates with an IAM user's access key (the SMTP
password is derived from it), which the pack forbids (``iam-no-access-keys``); Alertmanager's SNS
notifier signs with the AWS SDK's default chain (``notify/sns/sns.go``, aws-sdk-go v1.50.8 in
Alertmanager v0.27.0), which takes EKS Pod Identity credentials (aws-sdk-go >= v1.47.11), so its
identity is a role like every operator's. A tenant's subscription is the tenant's own object: adding
one changes neither the topic nor Alertmanager's role.

Pure functions for what the chart values, the tenants' AlertmanagerConfigs, the tests and the pack
read; ``AlertRelay`` creates the topic, the platform team's subscription and Alertmanager's identity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import options
from components.aws import iam_documents
from components.aws.arns import Location
from components.aws.keys import data_key_alias
from components.context import StackContext
from components.kubernetes import charts
from components.naming import physical_name
from policy_pack.policies import contract

#: Alertmanager's ServiceAccount (set in the chart's values, so the Pod Identity association names it).
ALERTMANAGER_SERVICE_ACCOUNT = f"{charts.KUBE_PROMETHEUS_STACK.name}-alertmanager"
PLATFORM_RECIPIENT = "platform"
#: The subject line of every notification (Alertmanager's template language; SNS caps subjects at 100 characters).
SUBJECT = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} {{ .CommonLabels.namespace }} {{ .CommonLabels.service }}"


def topic_name(name_prefix: str) -> str:
    return f"{name_prefix}-alerts"


def topic_arn(region: str, account_id: str, name_prefix: str) -> str:
    """Known from config alone: the chart's values and every tenant's receiver name it at a first preview."""
    return f"arn:aws:sns:{region}:{account_id}:{topic_name(name_prefix)}"


def recipient_filter(recipient: str) -> str:
    """The subscription filter policy taking ``recipient``'s notifications only."""
    return json.dumps({contract.ALERT_RECIPIENT_ATTRIBUTE: [recipient]})


def sns_receiver(name: str, *, topic: str, region: str, recipient: str) -> dict[str, Any]:
    """An Alertmanager receiver (its configuration file's shape) publishing to ``topic`` for ``recipient``."""
    return {
        "name": name,
        "sns_configs": [
            {
                "topic_arn": topic,
                "sigv4": {"region": region},
                "subject": SUBJECT,
                "attributes": {contract.ALERT_RECIPIENT_ATTRIBUTE: recipient},
                "send_resolved": True,
            }
        ],
    }


def alertmanager_config(*, topic: str, region: str) -> dict[str, Any]:
    """Alertmanager's own configuration (the chart's ``alertmanager.config``): the chart's defaults
    (Watchdog and InfoInhibitor to nobody, severity inhibition) with the platform team as the default
    receiver instead of the chart's ``null``. Tenants' AlertmanagerConfigs add their routes before it."""
    return {
        "global": {"resolve_timeout": "5m"},
        "inhibit_rules": [
            {
                "source_matchers": ["severity = critical"],
                "target_matchers": ["severity =~ warning|info"],
                "equal": ["namespace", "alertname"],
            },
            {"source_matchers": ["severity = warning"], "target_matchers": ["severity = info"], "equal": ["namespace", "alertname"]},
            {"source_matchers": ["alertname = InfoInhibitor"], "target_matchers": ["severity = info"], "equal": ["namespace"]},
        ],
        "route": {
            "receiver": PLATFORM_RECIPIENT,
            "group_by": ["namespace", "alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            # The operator puts each tenant's AlertmanagerConfig route before these, with `continue:
            # true` (prometheus-operator v0.78.2, pkg/alertmanager/amcfg.go); an alert a child route
            # matched never falls back to this route's receiver, so the platform team gets only what no
            # tenant route took (tests/components/aws/test_alert_relay.py routes them with amtool).
            "routes": [
                {"receiver": "null", "matchers": ['alertname = "Watchdog"']},
                {"receiver": "null", "matchers": ['alertname = "InfoInhibitor"']},
            ],
        },
        "receivers": [{"name": "null"}, sns_receiver(PLATFORM_RECIPIENT, topic=topic, region=region, recipient=PLATFORM_RECIPIENT)],
        "templates": ["/etc/alertmanager/config/*.tmpl"],
    }


def tenant_sns_config(*, topic: str, region: str, tenant: str) -> dict[str, Any]:
    """A tenant's receiver in its AlertmanagerConfig (the CRD's camelCase shape)."""
    return {
        "topicARN": topic,
        "sigv4": {"region": region},
        "subject": SUBJECT,
        "attributes": {contract.ALERT_RECIPIENT_ATTRIBUTE: tenant},
        "sendResolved": True,
    }


def publish_access(topic: str, *, keys_arn: str, data_alias: str) -> dict[str, Any]:
    """Publish to the alert topic, and the data key's use that publishing to an encrypted topic needs
    (the key named by its alias: the document is known at a first preview)."""
    return iam_documents.document(
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": topic},
        iam_documents.key_grant("EncryptAlerts", ["kms:GenerateDataKey*", "kms:Decrypt"], keys_arn, data_alias),
    )


@dataclass(frozen=True)
class AlertRelayArgs:
    """Attributes:
    region / account_id: Where the topic is (its ARN is computed, known at a first preview).
    platform_email: Who receives the platform's alerts (an SNS e-mail subscription its owner confirms once).
    kms_key_arn: Encrypts the topic (the platform data key: SNS is among the services it serves).
    cluster_name: The cluster whose Alertmanager publishes.
    """

    region: str
    account_id: str
    platform_email: str
    kms_key_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]


class AlertRelay(pulumi.ComponentResource):
    topic: aws.sns.Topic

    def __init__(self, name: str, args: AlertRelayArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fintech:aws:AlertRelay", name, None, opts)
        # Here, not at the top: scaler_identity reads the log shipper's settings, which read the
        # tenant's log group name, and TenantAws subscribes its owner with this module's helpers.
        from components.aws.scaler_identity import operator_role

        child = options.child(self, opts)
        arn = topic_arn(args.region, args.account_id, ctx.name_prefix)
        self.topic = aws.sns.Topic(f"{name}-topic", name=topic_name(ctx.name_prefix), kms_master_key_id=args.kms_key_arn, opts=child)
        aws.sns.TopicSubscription(
            f"{name}-platform",
            topic=arn,
            protocol="email",
            endpoint=args.platform_email,
            filter_policy=recipient_filter(PLATFORM_RECIPIENT),
            filter_policy_scope="MessageAttributes",
            opts=options.child(self, opts, after=[self.topic]),
        )
        operator_role(
            name,
            parent=self,
            role_name=physical_name(ctx.name_prefix, "alertmanager", max_length=64),
            cluster_name=args.cluster_name,
            service_account=(charts.KUBE_PROMETHEUS_STACK.namespace, ALERTMANAGER_SERVICE_ACCOUNT),
            policy=(
                "publish",
                Location.of(self)
                .kms_keys()
                .apply(lambda keys: json.dumps(publish_access(arn, keys_arn=keys, data_alias=data_key_alias(ctx.name_prefix)))),
            ),
        )
        self.register_outputs({"topic": arn})


def tenant_subscription(
    name: str, *, tenant: str, owner_email: str, topic: str, opts: pulumi.ResourceOptions | None = None
) -> aws.sns.TopicSubscription:
    """The tenant owner's subscription to the alert topic, taking the tenant's notifications only."""
    return aws.sns.TopicSubscription(
        name,
        topic=topic,
        protocol="email",
        endpoint=owner_email,
        filter_policy=recipient_filter(tenant),
        filter_policy_scope="MessageAttributes",
        opts=opts,
    )
