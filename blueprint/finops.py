"""FinOps reports (ADR-0007): the monthly estimate of a plan (``blueprint plan`` writes finops.json,
finops.csv, finops.md and finops.html; ``blueprint finops estimate`` prints it), from the priced
resources of the inventory (``policy_pack/policies/pricing.py``). The allocation of actual costs
from a FOCUS billing export is ``blueprint/focus.py``.

Amounts are decimal strings with two decimals; a month is the catalog's 730 hours.
"""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from blueprint.engine.inventory import tenant_of
from blueprint.engine.mocks import Registration
from blueprint.engine.run import run_stack_file
from policy_pack.policies import pricing
from policy_pack.policies.tagging import TAGGABLE_AWS_TYPES

#: finops.json's key for the platform-shared cost (the #18 contract), and what the plan summary keeps.
SHARED_KEY = "shared"
SUMMARY_KEYS = ("currency", "monthlyTotal", SHARED_KEY, "byTenant", "byTenantWithShared", "budgets", "catalogVersion")
LINE_COLUMNS = ["urn", "type", "tenant", "what", "monthly", "quantity", "unit", "unitPrice", "source", "verified"]


def money(amount: Decimal) -> str:
    return f"{pricing.cents(amount):.2f}"


def _number(value: Decimal) -> str:
    """A quantity as written, without exponent or trailing zeros (730, 1.5, 0.003)."""
    return format(value.normalize(), "f")


def estimate_registrations(registrations: list[Registration], region: str) -> pricing.Estimate:
    by_urn = {r.urn: r for r in registrations}
    resources = [
        pricing.Resource(urn=r.urn, type=r.type, name=r.name, props=r.inputs, parent=r.parent, tenant=tenant_of(r, by_urn))
        for r in registrations
    ]
    return pricing.estimate(resources, region, TAGGABLE_AWS_TYPES)


def estimate_stack(stack: str, config_file: Path) -> tuple[dict[str, Any], pricing.Estimate]:
    """Run the program offline (no pack) and estimate it: ``blueprint finops estimate``."""
    config, registrations = run_stack_file(stack, config_file)
    found = estimate_registrations(registrations, config.region)
    return document(stack, found), found


def document(stack: str, est: pricing.Estimate) -> dict[str, Any]:
    """finops.json: the contract of ``--json`` and of the plan's artifact."""
    with_share = est.with_share()
    budgets = est.profiles.budgets
    return {
        "stack": stack,
        "region": est.catalog.region,
        "currency": est.catalog.currency,
        "catalogVersion": est.catalog.version,
        "hoursPerMonth": int(est.catalog.hours),
        "monthlyTotal": money(est.total),
        "byTenant": {t: money(est.direct.get(t, Decimal(0))) for t in est.tenants},
        SHARED_KEY: money(est.shared),
        "sharedSplit": {
            "rule": est.profiles.rule,
            "weights": {t: _number(w) for t, w in sorted(est.profiles.weights.items())},
            "byTenant": {t: money(v) for t, v in est.share.items()},
        },
        "byTenantWithShared": {t: money(v) for t, v in with_share.items()},
        "budgets": {
            t: {
                "monthlyBudgetUsd": money(budgets[t]),
                "estimate": money(with_share.get(t, Decimal(0))),
                "over": with_share.get(t, Decimal(0)) > budgets[t],
            }
            for t in sorted(budgets)
        },
        "assumptions": {
            "platform": {k: _number(v) for k, v in est.profiles.platform.items()},
            "tenants": {t: {k: _number(v) for k, v in u.items()} for t, u in sorted(est.profiles.tenants.items())},
            "descriptions": {k: d for k, (_, d) in pricing.USAGE_DEFAULTS.items()},
        },
        "lines": [
            {
                "urn": line.urn,
                "type": line.type,
                "tenant": line.tenant,
                "what": line.what,
                "monthly": money(line.monthly),
                "quantity": _number(line.quantity),
                "unit": line.unit,
                "unitPrice": _number(line.unit_price),
                "source": line.source,
                "verified": line.verified,
            }
            for line in est.lines
        ],
        "unpriced": [{"urn": u.urn, "type": u.type, "reason": u.reason} for u in est.unpriced],
        "freeResources": est.free,
        "tagCoverage": {
            "byCount": money(est.tag_coverage["byCount"]),
            "byCost": money(est.tag_coverage["byCost"]),
            "untagged": est.tag_coverage["untagged"],
        },
    }


def csv_text(doc: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LINE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in doc["lines"]:
        writer.writerow(line)
    return buffer.getvalue()


def _assumption_rows(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, value for the platform, tenants that differ) for every usage assumption."""
    rows = []
    for key, value in doc["assumptions"]["platform"].items():
        differ = [f"{t}: {u[key]}" for t, u in doc["assumptions"]["tenants"].items() if u[key] != value]
        rows.append((key, value, ", ".join(differ)))
    return rows


def markdown(doc: dict[str, Any]) -> str:
    """A PR comment: totals per tenant (direct and with the shared split), budgets, assumptions."""
    out = [
        f"### Monthly cost estimate — stack `{doc['stack']}` ({doc['region']})",
        "",
        f"**{doc['monthlyTotal']} {doc['currency']}/month** at list prices (catalog {doc['catalogVersion']}, "
        f"{doc['hoursPerMonth']} h/month); shared platform cost {doc['shared']} split by **{doc['sharedSplit']['rule']}**.",
        "",
        "| tenant | direct | share of platform | total | budget |",
        "|---|---:|---:|---:|---:|",
    ]
    for tenant, total in doc["byTenantWithShared"].items():
        budget = doc["budgets"].get(tenant)
        flag = f"{budget['monthlyBudgetUsd']}{' ⚠ over' if budget['over'] else ''}" if budget else "—"
        out.append(f"| {tenant} | {doc['byTenant'][tenant]} | {doc['sharedSplit']['byTenant'].get(tenant, '0.00')} | {total} | {flag} |")
    out += [
        "",
        f"Tag coverage: {doc['tagCoverage']['byCount']}% of taggable resources, {doc['tagCoverage']['byCost']}% of cost.",
        f"Unpriced resources: {len(doc['unpriced'])}; free resources: {doc['freeResources']}.",
        "",
        "<details><summary>Usage assumptions</summary>",
        "",
        "| assumption | value | tenants that differ |",
        "|---|---:|---|",
        *[f"| {k} | {v} | {d} |" for k, v, d in _assumption_rows(doc)],
        "",
        "</details>",
        "",
    ]
    return "\n".join(out)


def _bars(doc: dict[str, Any]) -> str:
    """An inline SVG bar chart: per tenant, its direct cost and its share of the platform, stacked."""
    tenants = list(doc["byTenantWithShared"])
    width, row, left = 720, 34, 140
    top = max((Decimal(doc["byTenantWithShared"][t]) for t in tenants), default=Decimal(1)) or Decimal(1)
    scale = Decimal(width - left - 120) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="tenant-chart" width="{width}" height="{row * len(tenants) + 40}" '
        'role="img" aria-label="Monthly cost per tenant: direct and share of the platform">'
    ]
    for i, tenant in enumerate(tenants):
        y = 10 + i * row
        direct = Decimal(doc["byTenant"][tenant]) * scale
        share = Decimal(doc["sharedSplit"]["byTenant"].get(tenant, "0")) * scale
        parts += [
            f'<text x="0" y="{y + 18}" font-size="13">{html.escape(tenant)}</text>',
            f'<rect class="direct" x="{left}" y="{y}" width="{direct:.1f}" height="24" fill="#1f6feb">'
            f"<title>direct {doc['byTenant'][tenant]}</title></rect>",
            f'<rect class="share" x="{left + float(direct):.1f}" y="{y}" width="{share:.1f}" height="24" fill="#f0883e">'
            f"<title>share {doc['sharedSplit']['byTenant'].get(tenant, '0.00')}</title></rect>",
            f'<text x="{left + float(direct + share) + 6:.1f}" y="{y + 18}" font-size="13">{doc["byTenantWithShared"][tenant]}</text>',
        ]
    y = 20 + len(tenants) * row
    parts += [
        f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="#1f6feb"/><text x="{left + 18}" y="{y}" font-size="12">direct</text>',
        f'<rect x="{left + 90}" y="{y - 10}" width="12" height="12" fill="#f0883e"/>'
        f'<text x="{left + 108}" y="{y}" font-size="12">share of the platform</text>',
        "</svg>",
    ]
    return "".join(parts)


def html_page(doc: dict[str, Any]) -> str:
    """finops.html: self-contained (no script, no stylesheet or font fetched), the chart as inline SVG."""
    rows = "".join(
        f"<tr><td>{html.escape(t)}</td><td>{doc['byTenant'][t]}</td><td>{doc['sharedSplit']['byTenant'].get(t, '0.00')}</td>"
        f"<td>{total}</td><td>{doc['budgets'][t]['monthlyBudgetUsd'] if t in doc['budgets'] else '—'}</td></tr>"
        for t, total in doc["byTenantWithShared"].items()
    )
    assumptions = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td><td>{html.escape(d)}</td></tr>" for k, v, d in _assumption_rows(doc)
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Cost estimate — {html.escape(doc['stack'])}</title>"
        "<style>body{font-family:sans-serif;margin:24px;color:#1f2328}table{border-collapse:collapse;margin:12px 0}"
        "td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>"
        "</head><body>"
        f"<h1>Monthly cost estimate — stack {html.escape(doc['stack'])} ({html.escape(doc['region'])})</h1>"
        f"<p><strong>{doc['monthlyTotal']} {doc['currency']}/month</strong> at list prices, catalog {html.escape(doc['catalogVersion'])}, "
        f"{doc['hoursPerMonth']} h/month. Shared platform cost {doc['shared']}, split by {html.escape(doc['sharedSplit']['rule'])}.</p>"
        f"{_bars(doc)}"
        "<table><tr><th>tenant</th><th>direct</th><th>share of platform</th><th>total</th><th>budget</th></tr>"
        f"{rows}</table>"
        "<h2>Usage assumptions</h2><table><tr><th>assumption</th><th>value</th><th>tenants that differ</th></tr>"
        f"{assumptions}</table>"
        f"<p>Tag coverage: {doc['tagCoverage']['byCount']}% of taggable resources, {doc['tagCoverage']['byCost']}% of cost. "
        f"Unpriced resources: {len(doc['unpriced'])}.</p></body></html>\n"
    )


def write_reports(directory: Path, doc: dict[str, Any], dumps: Any) -> None:
    (directory / "finops.json").write_text(dumps(doc), encoding="utf-8")
    (directory / "finops.csv").write_text(csv_text(doc), encoding="utf-8")
    (directory / "finops.md").write_text(markdown(doc), encoding="utf-8")
    (directory / "finops.html").write_text(html_page(doc), encoding="utf-8")
