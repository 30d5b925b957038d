"""Is Vault there, unsealed, and is its certificate far from expiry (#30 item 3)? The Prometheus
blackbox exporter probes Vault's health endpoint from inside the cluster, where the tenants' pods
reach it from; one PrometheusRule alerts on the answers.

``GET /v1/sys/health`` answers 200 (active), 429 (unsealed standby), 473 (performance standby), 501
(not initialised) and 503 (sealed) by default (developer.hashicorp.com/vault/api-docs/system/health;
OpenBao documents 200, 429, 501 and 503: openbao.org/api-docs/system/health). A probe counts the first
three as success; anything else, or no answer, is a failure. Metrics relied on (blackbox_exporter
v0.28 ``prober/http.go``, ``prober/prober.go``): ``probe_success``, ``probe_http_status_code``,
``probe_ssl_earliest_cert_expiry``; the chart's ServiceMonitor per target labels each series with the
target's ``name`` as ``target`` (prometheus-community/helm-charts, chart prometheus-blackbox-exporter).
"""

from __future__ import annotations

from typing import Any

from components.kubernetes import charts

PROBER = charts.BLACKBOX_EXPORTER
VAULT_MODULE = "vault_health"
VAULT_TARGET = "vault"
RULE_NAME = "platform-endpoints"
UNAVAILABLE_ALERT = "VaultUnavailable"
SEALED_ALERT = "VaultSealed"
CERTIFICATE_ALERT = "CertificateExpiresSoon"
#: Vault's health answers that mean it serves (active, unsealed standby, performance standby).
HEALTHY_CODES = [200, 429, 473]
SEALED_CODE = 503
#: (severity, days left): a ticket three weeks ahead, a page one week ahead.
CERTIFICATE_WARNINGS = (("ticket", 21), ("page", 7))


def vault_health_url(address: str) -> str:
    return f"{address.rstrip('/')}/v1/sys/health"


def chart_values(vault_address: str) -> dict[str, Any]:
    """One module (HTTPS required, the healthy codes) and one target, with its ServiceMonitor."""
    return {
        "config": {
            "modules": {
                VAULT_MODULE: {
                    "prober": "http",
                    "timeout": "5s",
                    "http": {"method": "GET", "valid_status_codes": HEALTHY_CODES, "fail_if_not_ssl": True, "preferred_ip_protocol": "ip4"},
                }
            }
        },
        "serviceMonitor": {
            "enabled": True,
            "targets": [{"name": VAULT_TARGET, "url": vault_health_url(vault_address), "module": VAULT_MODULE, "interval": "30s"}],
        },
    }


def endpoint_rules_spec() -> dict[str, Any]:
    selector = f'{{target="{VAULT_TARGET}"}}'
    certificate = [
        {
            "alert": CERTIFICATE_ALERT,
            "expr": f"(min by (target) (probe_ssl_earliest_cert_expiry{selector}) - time()) / 86400 < {days}",
            "labels": {"severity": severity, "window": f"{days}d"},
            "annotations": {"summary": f"Vault's certificate expires in less than {days} days: renew it"},
        }
        for severity, days in CERTIFICATE_WARNINGS
    ]
    return {
        "groups": [
            {
                "name": RULE_NAME,
                "rules": [
                    {
                        "alert": UNAVAILABLE_ALERT,
                        "for": "2m",
                        # No series at all (the prober itself is gone) is as blind as a failed probe.
                        "expr": f"max by (target) (probe_success{selector}) == 0 or absent(probe_success{selector})",
                        "labels": {"severity": "page"},
                        "annotations": {
                            "summary": "Vault does not answer its health check as active or standby: tenants get no new "
                            "credentials, and theirs expire within the hour"
                        },
                    },
                    {
                        "alert": SEALED_ALERT,
                        "for": "1m",
                        "expr": f"max by (target) (probe_http_status_code{selector}) == {SEALED_CODE}",
                        "labels": {"severity": "page"},
                        "annotations": {"summary": "Vault is sealed: unseal it (its unseal keys or auto-unseal KMS key)"},
                    },
                    *certificate,
                ],
            }
        ]
    }
