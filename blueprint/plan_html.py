"""``plan.html``: what a plan holds, to look at rather than read.

The platform's layers and each tenant as a tree of components (their resource counts), each resource
marked with what the diff does to it (add, change, delete, replace), and each policy finding beside the
resource it names. Self-contained: no script, no stylesheet, font or image fetched; ``<details>``
folds the trees, so a 200-tenant plan stays one page a person can open.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_DIFF_LABELS = {"added": "to add", "changed": "to change", "removed": "to delete", "replaced": "to replace"}
#: Diff marks, as `pulumi preview` shows them, and their CSS class.
MARKS = {"+": "add", "~": "change", "-": "delete", "+-": "replace"}

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:24px 0 8px}
.counts{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0 16px}
.count{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px}
details{margin-left:16px}summary{cursor:pointer}
.type{color:#57606a;font-size:12px}.n{color:#57606a}
ul{list-style:none;margin:2px 0 2px 16px;padding:0}
li{margin:1px 0}
.add{background:#dafbe1}.change{background:#fff8c5}.delete{background:#ffebe9;text-decoration:line-through}
.replace{background:#fbefff}.mark{font-family:monospace;font-weight:bold;display:inline-block;width:2em}
.finding{display:block;margin-left:2.4em;color:#cf222e;font-size:13px}
.finding.advisory{color:#9a6700}
.legend span{padding:1px 6px;border-radius:4px;margin-right:6px}
"""


@dataclass
class _Node:
    urn: str
    type: str
    name: str
    custom: bool
    children: list[_Node] = field(default_factory=list)

    def resources(self) -> int:
        return sum(1 if c.custom else c.resources() for c in self.children)


def _mark(urn: str, marks: Mapping[str, str]) -> str:
    sign = marks.get(urn, "")
    return f'<span class="mark {MARKS[sign]}">{html.escape(sign)}</span>' if sign else '<span class="mark"></span>'


def _findings(urn: str, findings: Mapping[str, list[dict[str, Any]]]) -> str:
    return "".join(
        f'<span class="finding {html.escape(f["enforcementLevel"])}">{html.escape(f["enforcementLevel"])} '
        f"{html.escape(f['policy'])}: {html.escape(str(f['message']).splitlines()[-1] if f['message'] else '')}</span>"
        for f in findings.get(urn, [])
    )


def _render(node: _Node, marks: Mapping[str, str], findings: Mapping[str, list[dict[str, Any]]], open_: bool = False) -> str:
    if node.custom:
        css = MARKS.get(marks.get(node.urn, ""), "")
        return (
            f'<li class="{css}" id="{html.escape(node.urn)}">{_mark(node.urn, marks)}{html.escape(node.name)} '
            f'<span class="type">{html.escape(node.type)}</span>{_findings(node.urn, findings)}</li>'
        )
    inner = "".join(_render(c, marks, findings) for c in sorted(node.children, key=lambda c: (c.custom, c.type, c.name)))
    signs = Counter(marks[c.urn] for c in _walk(node.children) if c.custom and c.urn in marks)
    found = sum(len(findings.get(u, [])) for u in _urns(node))
    notes = "".join(f" {sign}{signs[sign]}" for sign in MARKS if signs[sign]) + (f" · {found} finding(s)" if found else "")
    return (
        f"<li><details{' open' if open_ or found else ''}><summary>{_mark(node.urn, marks)}<strong>{html.escape(node.name)}</strong> "
        f'<span class="type">{html.escape(node.type)}</span> <span class="n">{node.resources()} resources{notes}</span>'
        f"{_findings(node.urn, findings)}</summary><ul>{inner}</ul></details></li>"
    )


def _urns(node: _Node) -> Iterable[str]:
    yield node.urn
    for child in node.children:
        yield from _urns(child)


def page(
    stack: str,
    inventory: Mapping[str, Any],
    violations: list[dict[str, Any]],
    diff_document: Mapping[str, Any],
    removed: Iterable[Mapping[str, Any]] = (),
) -> str:
    """The page of one plan: ``inventory`` and ``diff_document`` as written to inventory.json and
    diff.json, ``violations`` as policy-report.json lists them, ``removed`` the previous plan's records
    of the resources the diff deletes (they are no longer in the inventory)."""
    resources = list(inventory.get("resources", []))
    nodes = {r["urn"]: _Node(r["urn"], r["type"], r["name"], bool(r.get("custom"))) for r in resources}
    roots: list[_Node] = []
    for r in resources:
        parent = nodes.get(r.get("parent") or "")
        (parent.children if parent else roots).append(nodes[r["urn"]])
    marks: dict[str, str] = {}
    for sign, key in (("+", "added"), ("-", "removed"), ("+-", "replaced")):
        marks.update({urn: sign for urn in diff_document.get(key, [])})
    marks.update({c["urn"]: "~" for c in diff_document.get("changed", [])})
    findings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in violations:
        findings[v.get("urn") or ""].append(v)

    tenants = sorted((n for n in _walk(roots) if n.type == "fintech:platform:Tenant"), key=lambda n: n.name)
    platform = [n for n in roots if not n.custom and n.type != "fintech:platform:Tenant"]
    providers = [n for n in roots if n.custom]
    custom = sum(1 for r in resources if r.get("custom") and not r["type"].startswith("pulumi:providers:"))
    components = sum(1 for r in resources if not r.get("custom"))
    mandatory = sum(1 for v in violations if v.get("enforcementLevel") == "mandatory")
    advisory = sum(1 for v in violations if v.get("enforcementLevel") == "advisory")
    diff_counts = {key: len(diff_document.get(key, [])) for key in ("added", "changed", "removed", "replaced")}
    counts = [
        ("registrations", len(resources)),
        ("resources", custom),
        ("components", components),
        ("providers", len(resources) - custom - components),
        ("tenants", len(tenants)),
        ("mandatory findings", mandatory),
        ("advisory findings", advisory),
        *((_DIFF_LABELS[k], n) for k, n in diff_counts.items()),
    ]
    stack_findings = _findings("", findings)
    removed_rows = "".join(
        f'<li class="delete">{_mark(r["urn"], {r["urn"]: "-"})}{html.escape(r["name"])} '
        f'<span class="type">{html.escape(r["type"])}</span></li>'
        for r in removed
    )
    body = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Plan — {html.escape(stack)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Offline plan of stack {html.escape(stack)}</h1>",
        '<p class="legend">Diff: <span class="add">+ add</span><span class="change">~ change</span>'
        '<span class="delete">- delete</span><span class="replace">+- replace</span> · findings in red (mandatory) or amber (advisory) '
        "beside their resource.</p>",
        '<div class="counts">'
        + "".join(f'<div class="count"><strong>{n}</strong> {html.escape(label)}</div>' for label, n in counts)
        + "</div>",
        f"<p>{stack_findings}</p>" if stack_findings else "",
        "<h2>Platform</h2><ul>",
        *(_render(n, marks, findings, open_=True) for n in platform),
        *(_render(n, marks, findings) for n in providers),
        "</ul>",
        f"<h2>Tenants ({len(tenants)})</h2><ul>",
        *(_render(n, marks, findings) for n in tenants),
        "</ul>",
        f"<h2>Deleted since the previous plan ({diff_counts['removed']})</h2><ul>{removed_rows}</ul>" if removed_rows else "",
        "</body></html>\n",
    ]
    return "".join(body)


def _walk(nodes: list[_Node]) -> Iterable[_Node]:
    for node in nodes:
        yield node
        yield from _walk(node.children)
