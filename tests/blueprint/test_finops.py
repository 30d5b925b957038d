"""#18: the estimate as `blueprint plan` writes it and `blueprint finops estimate` prints it, over the
real dev and prod plans; the HTML report rendered by headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from blueprint import finops
from blueprint.cli import main
from blueprint.engine.mocks import Registration
from tests.conftest import as_document, project_values

AMOUNT = r"^-?\d+\.\d{2}$"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_type_of_the_plans_is_priced_free_or_usage(stack_plans: dict[str, list[Registration]], stack: str) -> None:
    estimate = finops.estimate_registrations(stack_plans[stack], "eu-west-3")
    assert estimate.unpriced == []
    document = finops.document(stack, estimate)
    # Totals are sums of the lines, the split adds up to the shared cost, and with the share to the total.
    assert Decimal(document["monthlyTotal"]) == sum(Decimal(line["monthly"]) for line in document["lines"])
    assert Decimal(document["shared"]) == sum(Decimal(v) for v in document["sharedSplit"]["byTenant"].values())
    assert sum(Decimal(v) for v in document["byTenantWithShared"].values()) == Decimal(document["monthlyTotal"])
    assert document["tagCoverage"] == {"byCount": "100.00", "byCost": "100.00", "untagged": []}
    assert set(document["byTenant"]) == {"payments", "fraud"}
    amounts = [document["monthlyTotal"], document["shared"], *document["byTenant"].values(), *(x["monthly"] for x in document["lines"])]
    assert all(re.match(AMOUNT, a) for a in amounts)
    assert {line["type"] for line in document["lines"]} >= {
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:ec2/natGateway:NatGateway",
    }
    eks = next(line for line in document["lines"] if line["type"] == "aws:eks/cluster:Cluster")
    assert (eks["monthly"], eks["quantity"], eks["unit"], eks["unitPrice"]) == ("73.00", "730", "hour", "0.1")


def test_prod_pays_a_nat_gateway_per_zone_and_dev_one(stack_plans: dict[str, list[Registration]]) -> None:
    def nat_hours(stack: str) -> list[str]:
        lines = finops.estimate_registrations(stack_plans[stack], "eu-west-3").lines
        return [f"{line.monthly:.2f}" for line in lines if line.type == "aws:ec2/natGateway:NatGateway" and line.what == "gateway"]

    assert nat_hours("dev") == ["35.04"] and nat_hours("prod") == ["35.04"] * 3


@pytest.mark.plan
def test_finops_estimate_json_contract_and_markdown() -> None:
    result = run("finops", "estimate", "dev", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert {"stack", "currency", "monthlyTotal", "byTenant", "shared", "lines", "unpriced", "tagCoverage"} <= set(document)
    assert document["currency"] == "USD" and document["stack"] == "dev"
    assert set(document["lines"][0]) >= {"urn", "type", "tenant", "monthly", "quantity", "unit", "unitPrice", "source"}
    assert set(document["tagCoverage"]) == {"byCount", "byCost", "untagged"}
    assert set(document["assumptions"]["platform"]) == set(document["assumptions"]["descriptions"])
    text = run("finops", "estimate", "dev")
    assert text.exit_code == 0 and "| payments |" in text.output and "requestsPerMonth" in text.output
    assert run("finops", "estimate", "nope").exit_code == 2


@pytest.mark.plan
def test_a_tenant_usage_override_and_the_split_rule_reach_the_estimate(write_stack) -> None:  # type: ignore[no-untyped-def]
    values = project_values()
    values["finops"] = {**values.get("finops", {}), "sharedCostSplit": "weights", "sharedCostWeights": {"payments": 3, "fraud": 1}}
    values["tenants"][0]["usage"] = {"requestsPerMonth": 50000000}
    path = write_stack(as_document(values))
    document = json.loads(run("finops", "estimate", "dev", "--config-file", str(path), "--json").stdout)
    assert document["sharedSplit"]["rule"] == "weights" and document["sharedSplit"]["weights"] == {"fraud": "1", "payments": "3"}
    shared = Decimal(document["shared"])
    payments, fraud = (Decimal(document["sharedSplit"]["byTenant"][t]) for t in ("payments", "fraud"))
    assert payments + fraud == shared and abs(payments - shared * 3 / 4) < Decimal("0.01")
    assert document["assumptions"]["tenants"][values["tenants"][0]["name"]]["requestsPerMonth"] == "50000000"
    queue = [line for line in document["lines"] if line["type"] == "aws:sqs/queue:Queue" and line["tenant"] == values["tenants"][0]["name"]]
    # The outbox: 50M x 3 requests x 0.40/M; the erasure queue (pci): 100 requests x 3, a cent rounded.
    assert sorted((line["what"], line["quantity"], line["monthly"]) for line in queue) == [
        ("erasure requests (send, receive, delete)", "0.0003", "0.00"),
        ("outbox messages (send, receive, delete)", "150", "60.00"),
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"usage": {"requestPerMonth": 5}}, "finops.usage.requestPerMonth", "did you mean 'requestsPerMonth'"),
        ({"sharedCostSplit": "weights"}, "finops.sharedCostWeights", "give every tenant a weight"),
        ({"sharedCostWeights": {"payments": 1}}, "finops.sharedCostWeights", "set only with sharedCostSplit: weights"),
        (
            {"sharedCostSplit": "weights", "sharedCostWeights": {"payments": 1, "fraud": 1, "ghost": 1}},
            "finops.sharedCostWeights.ghost",
            "not a tenant",
        ),
    ],
)
def test_bad_finops_config_names_the_field(write_stack, change: dict, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    values = project_values()
    values["finops"] = {**values.get("finops", {}), **change}
    result = run("finops", "estimate", "dev", "--config-file", str(write_stack(as_document(values))))
    assert result.exit_code == 2
    assert field in result.output and message in result.output and "Traceback" not in result.output


@pytest.mark.plan
def test_the_plan_writes_the_four_reports_and_shows_cost_per_tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("plan", "dev")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "dev"
    document = json.loads((out / "finops.json").read_text())
    csv_lines = (out / "finops.csv").read_text().splitlines()
    assert csv_lines[0] == ",".join(finops.LINE_COLUMNS) and len(csv_lines) == len(document["lines"]) + 1
    assert f"**{document['monthlyTotal']} USD/month**" in (out / "finops.md").read_text()
    assert "Monthly cost estimate" in result.output and document["byTenantWithShared"]["payments"] in result.output
    summary = json.loads(run("plan", "dev", "--json").stdout)
    assert summary["finops"]["monthlyTotal"] == document["monthlyTotal"] and summary["finops"]["unpriced"] == 0


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is a test dependency (`make test` installs Debian's chromium)"
    return found


HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
]


def test_the_html_report_is_self_contained_and_its_chart_renders(stack_plans: dict[str, list[Registration]], tmp_path: Path) -> None:
    document = finops.document("dev", finops.estimate_registrations(stack_plans["dev"], "eu-west-3"))
    page = tmp_path / "finops.html"
    page.write_text(finops.html_page(document))
    text = page.read_text()
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text and "<script" not in text
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [chromium(), *HEADLESS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('class="direct"') == 2 and dom.stdout.count('class="share"') == 2
    shot = tmp_path / "shot.png"
    taken = subprocess.run(
        [chromium(), *HEADLESS, f"--user-data-dir={profile}", "--window-size=900,600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    # The page is not blank, and the chart's two bar colours are on it.
    assert len(colours) > 10
    present = {rgb for _, rgb in colours}
    assert (0x1F, 0x6F, 0xEB) in present and (0xF0, 0x88, 0x3E) in present
