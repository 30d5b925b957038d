"""The canary's SLO analysis (#29 item 1) judged as Argo Rollouts judges it, against a real Prometheus.

Debian's Prometheus starts on loopback over a TSDB backfilled (``promtool tsdb create-blocks-from
openmetrics``) with ten minutes of synthetic series ending now: a stable ReplicaSet that fails badly,
and canaries that are healthy, slow, failing, idle or below a business KPI. The rendered
AnalysisTemplate's metrics, unchanged but for the Prometheus address, are measured by Argo Rollouts'
own code (``engine/argo-analysis``: its argument resolution, Prometheus provider and condition
evaluator, v1.9.0) with the canary's pod-template hash as the controller passes it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from components.tenant import canary
from components.tenant.canary import Kpi
from policy_pack.policies import contract
from tests.components.vault.openbao.conftest import free_port, stop_process

pytestmark = pytest.mark.realserver

ROOT = Path(__file__).resolve().parents[2]
ANALYSIS = ROOT / ".tools" / "bin" / "argo-analysis"
TENANT, SERVICE = "payments", "payments-api"
LATENCY_MS, ERROR_PERCENT = 300, Decimal("1.0")
KPI = Kpi(
    name="authorisation-rate",
    query=(
        f'sum(rate(payment_authorisations_total{{result="approved",{canary.HASH_SERIES_LABEL}="{{{{args.canary-hash}}}}"}}[2m])) / '
        f'sum(rate(payment_authorisations_total{{{canary.HASH_SERIES_LABEL}="{{{{args.canary-hash}}}}"}}[2m]))'
    ),
    at_least=0.95,
)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: pod-template hash -> (requests/s, share of 5xx, request duration in seconds, share of authorisations approved)
REPLICA_SETS = {
    "stable0": (20.0, 0.5, 2.0, 0.5),  # the stable pods fail badly: the canary's verdict must not read them
    "healthy1": (10.0, 0.002, 0.04, 0.99),
    "slow2": (10.0, 0.002, 0.8, 0.99),
    "failing3": (10.0, 0.05, 0.04, 0.99),
    "declining4": (10.0, 0.002, 0.04, 0.80),
}
STEP_SECONDS, SPAN_SECONDS = 15, 600


def _openmetrics(end: float) -> str:
    """Counters of each ReplicaSet every ``STEP_SECONDS`` over the last ``SPAN_SECONDS``, as the
    ServiceMonitor labels the template's histogram (namespace, service, the pod-template hash)."""
    lines: list[str] = []
    start = end - SPAN_SECONDS
    for pod_hash, (rps, errors, seconds, approved) in REPLICA_SETS.items():
        base = f'namespace="{TENANT}",service="{SERVICE}",{canary.HASH_SERIES_LABEL}="{pod_hash}",http_route="/pay"'
        t = start
        while t <= end:
            total = rps * (t - start)
            for status, share in (("200", 1 - errors), ("500", errors)):
                labels = f'{base},http_response_status_code="{status}"'
                count = total * share
                for bound in BUCKETS:
                    lines.append(
                        f'http_server_request_duration_seconds_bucket{{{labels},le="{bound}"}} {count if seconds <= bound else 0} {t:.3f}'
                    )
                lines.append(f'http_server_request_duration_seconds_bucket{{{labels},le="+Inf"}} {count} {t:.3f}')
                lines.append(f"http_server_request_duration_seconds_count{{{labels}}} {count} {t:.3f}")
            for result, share in (("approved", approved), ("declined", 1 - approved)):
                lines.append(
                    f'payment_authorisations_total{{{canary.HASH_SERIES_LABEL}="{pod_hash}",result="{result}"}} {total * share} {t:.3f}'
                )
            t += STEP_SECONDS
    # OpenMetrics wants each series' samples together, in time order.
    lines.sort(key=lambda line: (line.rsplit(" ", 2)[0], float(line.rsplit(" ", 1)[1])))
    return "\n".join(lines) + "\n# EOF\n"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: `make servers` installs Debian's prometheus package")
    if not ANALYSIS.is_file():
        pytest.fail(f"{ANALYSIS} is missing: `make engine` builds it (engine/argo-analysis)")
    directory = tmp_path_factory.mktemp("prometheus")
    series = directory / "series.om"
    series.write_text(_openmetrics(time.time() - 15))
    data = directory / "data"
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(series), str(data)], check=True, capture_output=True)
    (directory / "prometheus.yml").write_text("global: {}\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(directory / "prometheus.log").open("wb"),
    )
    try:
        deadline = time.monotonic() + 60
        while not _ready(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Prometheus did not become ready: " + (directory / "prometheus.log").read_text()[-2000:])
            time.sleep(0.2)  # polling readiness: the condition is awaited, not slept on
        yield url
    finally:
        stop_process(process)


def _measure(url: str, pod_hash: str, kpis: tuple[Kpi, ...] = ()) -> dict[str, dict[str, str]]:
    spec = canary.analysis_template_spec(TENANT, SERVICE, latency_p95_ms=LATENCY_MS, error_rate_percent=ERROR_PERCENT, kpis=kpis)
    request = {"metrics": spec["metrics"], "args": [{"name": canary.CANARY_HASH_ARG, "value": pod_hash}]}
    done = subprocess.run(
        [str(ANALYSIS), "-address", url], input=json.dumps(request), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    measured = [json.loads(line) for line in done.stdout.splitlines()]
    return {m["name"]: m for m in measured}


ERRORS, LATENCY = contract.CANARY_ERROR_RATE_METRIC, contract.CANARY_LATENCY_METRIC


def test_a_healthy_canary_passes_although_the_stable_pods_fail(prometheus: str) -> None:
    measured = _measure(prometheus, "healthy1", (KPI,))
    assert {name: m["phase"] for name, m in measured.items()} == {
        ERRORS: "Successful",
        LATENCY: "Successful",
        "kpi-authorisation-rate": "Successful",
    }
    assert float(measured[ERRORS]["value"].strip("[]")) == pytest.approx(0.002, rel=0.05)
    assert float(measured[LATENCY]["value"].strip("[]")) <= 0.05


def test_a_canary_above_the_latency_slo_fails(prometheus: str) -> None:
    measured = _measure(prometheus, "slow2")
    assert (measured[ERRORS]["phase"], measured[LATENCY]["phase"]) == ("Successful", "Failed")
    assert float(measured[LATENCY]["value"].strip("[]")) > LATENCY_MS / 1000


def test_a_canary_above_the_error_rate_slo_fails(prometheus: str) -> None:
    measured = _measure(prometheus, "failing3")
    assert (measured[ERRORS]["phase"], measured[LATENCY]["phase"]) == ("Failed", "Successful")
    assert float(measured[ERRORS]["value"].strip("[]")) == pytest.approx(0.05, rel=0.05)


def test_a_canary_below_its_business_kpi_fails(prometheus: str) -> None:
    measured = _measure(prometheus, "declining4", (KPI,))
    assert {name: m["phase"] for name, m in measured.items()} == {
        ERRORS: "Successful",
        LATENCY: "Successful",
        "kpi-authorisation-rate": "Failed",
    }


def test_a_canary_that_served_nothing_is_inconclusive_never_a_pass(prometheus: str) -> None:
    """No request reached it: both SLO queries return NaN, which satisfies neither condition; Argo
    pauses the rollout for a person after ``inconclusiveLimit`` such measurements."""
    measured = _measure(prometheus, "absent9")
    assert (measured[ERRORS]["phase"], measured[LATENCY]["phase"]) == ("Inconclusive", "Inconclusive")
