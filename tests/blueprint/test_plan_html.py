"""plan.html: the platform and each tenant as trees of components, the diff highlighted, each finding
beside its resource; self-contained, and checked as a person would see it, in headless Chromium."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

from PIL import Image

from blueprint import plan_html
from blueprint.engine.inventory import inventory_document
from blueprint.engine.mocks import Registration
from tests.blueprint.test_finops import HEADLESS, chromium

ADD, CHANGE, DELETE = (0xDA, 0xFB, 0xE1), (0xFF, 0xF8, 0xC5), (0xFF, 0xEB, 0xE9)


def render(registrations: list[Registration], tmp_path: Path) -> tuple[str, str, dict[str, str]]:
    inventory = inventory_document("dev", registrations)
    resources = [r for r in inventory["resources"] if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    queue = next(r for r in resources if r["type"] == "aws:sqs/queue:Queue" and "payments" in r["urn"])
    bucket = next(r for r in resources if r["type"] == "aws:s3/bucket:Bucket")
    gone = {
        "urn": "urn:pulumi:dev::fintech-blueprint::aws:s3/bucket:Bucket::old-bucket",
        "type": "aws:s3/bucket:Bucket",
        "name": "old-bucket",
    }
    diff = {"added": [queue["urn"]], "changed": [{"urn": bucket["urn"], "paths": ["tags.owner"]}], "removed": [gone["urn"]], "replaced": []}
    violations = [
        {"policy": "sqs-encrypted", "enforcementLevel": "mandatory", "urn": queue["urn"], "message": "queue is not encrypted"},
        {"policy": "tenant-budget", "enforcementLevel": "advisory", "urn": None, "message": "a stack-wide finding"},
    ]
    page = tmp_path / "plan.html"
    page.write_text(plan_html.page("dev", inventory, violations, diff, [gone]))
    dom = subprocess.run(
        [chromium(), *HEADLESS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    return page.read_text(), dom.stdout, {"queue": queue["urn"], "bucket": bucket["urn"], "gone": gone["urn"]}


def element(dom: str, urn: str) -> str:
    found = re.search(rf'<li class="([^"]*)" id="{re.escape(html.escape(urn))}">(.*?)</li>', dom, re.S)
    assert found, f"no element for {urn}"
    return f"{found.group(1)}|{found.group(2)}"


def test_the_page_shows_the_trees_the_diff_and_each_finding_beside_its_resource(
    stack_plans: dict[str, list[Registration]], tmp_path: Path
) -> None:
    text, dom, urns = render(stack_plans["dev"], tmp_path)
    assert "http://" not in text and "https://" not in text and "<script" not in text and "<link" not in text
    # Every tenant and every platform component is a node of a tree, with its resource count.
    for tenant in ("payments", "fraud"):
        assert re.search(
            rf"<strong>{tenant}</strong> <span class=\"type\">fintech:platform:Tenant</span> <span class=\"n\">\d+ resources", dom
        )
    assert "<h2>Tenants (2)</h2>" in dom and "fintech:kubernetes:KubernetesPlatform" in dom
    # The finding stands in its resource's element, which the diff highlights; the stack-wide one on top.
    queue = element(dom, urns["queue"])
    assert queue.startswith("add|") and "sqs-encrypted: queue is not encrypted" in queue
    assert element(dom, urns["bucket"]).startswith("change|")
    assert "old-bucket" in dom and "Deleted since the previous plan (1)" in dom
    assert "tenant-budget: a stack-wide finding" in dom
    # The payments tenant, holding the finding, is open; a clean one is folded.
    assert re.search(r"<details open=\"\"><summary><span class=\"mark\"></span><strong>payments</strong>", dom)
    assert re.search(r"<details><summary><span class=\"mark\"></span><strong>fraud</strong>", dom)


def test_the_page_renders_with_its_highlights(stack_plans: dict[str, list[Registration]], tmp_path: Path) -> None:
    render(stack_plans["dev"], tmp_path)
    shot = tmp_path / "shot.png"
    taken = subprocess.run(
        [
            chromium(),
            *HEADLESS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,1600",
            f"--screenshot={shot}",
            (tmp_path / "plan.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    present = {rgb for _, rgb in Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert len(present) > 10
    # The removed bucket's row is on the page as drawn (the payments tree, open, shows the added queue too).
    assert DELETE in present and ADD in present
