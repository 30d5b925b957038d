"""Where container logs go (#30 item 2, #27 item 3, ADR-0006): Fluent Bit on every node.

Each container's stdout and stderr (``/var/log/containers``) goes to one CloudWatch log group, chosen
per record from the labels of the pod's namespace: a tenant's namespace carries
``fintech-blueprint.io/tenant: <tenant>`` (its own object, created with the tenant), and its logs go to
``/<prefix>/tenants/<tenant>``; any other namespace has no such label, the template cannot be
resolved, and Fluent Bit falls back to the platform's group (``log_group_template`` /
``log_group_name``). The shipper's configuration and identity therefore name no tenant: onboarding
one changes nothing here.

Fluent Bit's behaviour this relies on, read in its source (fluent/fluent-bit v5.1.1):
``plugins/out_cloudwatch_logs`` (template translated with the record accessor; on a missing key the
record goes to ``log_group_name``; ``auto_create_group`` off by default; calls only PutLogEvents and
CreateLogStream then), ``plugins/filter_kubernetes`` (``namespace_labels On`` since v3.0.0 puts them
under the record's ``kubernetes_namespace`` key) and ``src/aws/flb_aws_credentials_http.c`` (EKS Pod
Identity credentials since v4.0.0 / v3.2.10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.kubernetes import charts
from components.tenant.aws import log_group_name
from policy_pack.policies.contract import TENANT_LABEL, parse_sections, resolve_group

__all__ = ["TENANT_LABEL", "ShipperSettings", "chart_values", "parse_sections", "resolve_group", "shipper_config"]

SHIPPER = charts.FLUENT_BIT
#: The chart's ServiceAccount (the release's name), which the shipper's Pod Identity role binds.
SHIPPER_SERVICE_ACCOUNT = SHIPPER.name
#: How Fluent Bit's record accessor reads that label of a record's namespace.
TENANT_ACCESSOR = f"$kubernetes_namespace['labels']['{TENANT_LABEL}']"
#: Fluent Bit's AWS calls when the group exists (no CreateLogGroup: the program creates every group,
#: with its key and retention).
SHIPPER_LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
#: Where Fluent Bit keeps its read offsets (the chart mounts the node's /var/log read-write).
OFFSETS_DB = "/var/log/fluent-bit-containers.db"


@dataclass(frozen=True)
class ShipperSettings:
    """Attributes:
    region: Of CloudWatch Logs.
    name_prefix: The stack's prefix: tenant groups are ``log_group_name(name_prefix, tenant)``.
    platform_log_group: Where logs of every namespace that is not a tenant's go.
    """

    region: str
    name_prefix: str
    platform_log_group: str

    @property
    def tenant_group_template(self) -> str:
        return log_group_name(self.name_prefix, TENANT_ACCESSOR)

    @property
    def tenant_group_pattern(self) -> str:
        """Every tenant's group (what the shipper's identity may write besides the platform's)."""
        return log_group_name(self.name_prefix, "*")


def _section(kind: str, settings: dict[str, str]) -> str:
    width = max(len(key) for key in settings)
    lines = [f"[{kind}]", *(f"    {key.ljust(width)} {value}" for key, value in settings.items())]
    return "\n".join(lines) + "\n"


def shipper_config(settings: ShipperSettings) -> dict[str, str]:
    """The chart's classic-mode ``config`` sections (``service``, ``inputs``, ``filters``, ``outputs``)."""
    return {
        "service": _section(
            "SERVICE",
            {
                "Daemon": "Off",
                "Flush": "5",
                "Log_Level": "info",
                "Parsers_File": "/fluent-bit/etc/parsers.conf",
                "HTTP_Server": "On",
                "HTTP_Listen": "0.0.0.0",
                "HTTP_Port": "2020",
                "Health_Check": "On",
            },
        ),
        "inputs": _section(
            "INPUT",
            {
                "Name": "tail",
                "Path": "/var/log/containers/*.log",
                "multiline.parser": "cri",
                "Tag": "kube.*",
                "DB": OFFSETS_DB,
                "Mem_Buf_Limit": "50MB",
                "Skip_Long_Lines": "On",
            },
        ),
        "filters": _section(
            "FILTER",
            {
                "Name": "kubernetes",
                "Match": "kube.*",
                "Kube_Tag_Prefix": "kube.var.log.containers.",
                "Merge_Log": "On",
                "Keep_Log": "Off",
                "Labels": "On",
                "Annotations": "Off",
                "Namespace_Labels": "On",
                "K8S-Logging.Exclude": "On",
            },
        ),
        "outputs": _section(
            "OUTPUT",
            {
                "Name": "cloudwatch_logs",
                "Match": "kube.*",
                "region": settings.region,
                "log_group_name": settings.platform_log_group,
                "log_group_template": settings.tenant_group_template,
                "log_stream_prefix": "node-",
                "log_stream_template": "$kubernetes['pod_name'].$kubernetes['container_name']",
                "auto_create_group": "Off",
            },
        ),
    }


def chart_values(settings: ShipperSettings, priority_class: str) -> dict[str, Any]:
    """Fluent Bit's chart values: a DaemonSet on every node (tolerating any taint), its own
    ServiceAccount (Pod Identity), containers that drop every capability on a read-only root."""
    return {
        "kind": "DaemonSet",
        "serviceAccount": {"create": True, "name": SHIPPER_SERVICE_ACCOUNT},
        "rbac": {"create": True},
        "priorityClassName": priority_class,
        "tolerations": [{"operator": "Exists"}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "config": shipper_config(settings),
    }
