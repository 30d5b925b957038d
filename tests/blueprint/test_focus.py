"""#18 item 4: allocation of actual costs from FOCUS exports built here (CSV and Parquet), against
hand-computed totals: negative credits, messy tag keys, NULL tags, currencies, the conservation identity."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from blueprint import focus
from blueprint.cli import main

COLUMNS = ["BillingPeriodStart", "ProviderName", "ChargeCategory", "EffectiveCost", "BilledCost", "BillingCurrency", "ServiceName", "Tags"]


def row(category: str, cost: str, tags: Any, currency: str = "USD", service: str = "Amazon EC2") -> dict[str, Any]:
    return {
        "BillingPeriodStart": "2026-11-01T00:00:00Z",
        "ProviderName": "AWS",
        "ChargeCategory": category,
        "EffectiveCost": cost,
        "BilledCost": cost,
        "BillingCurrency": currency,
        "ServiceName": service,
        "Tags": tags if tags is None or isinstance(tags, str) else json.dumps(tags),
    }


#: Hand-computed: payments 10.25 + 4.75 + 2.005 = 17.005; fraud 3.10; unallocated 1.40 + 0.60 = 2.00;
#: Credit -5.00, Tax 1.70, Purchase 30.00; total 48.805.
ROWS = [
    row("Usage", "10.25", {"tenant": "payments", "environment": "prod"}),
    row("Usage", "4.75", {"Tenant": "payments"}),  # the key's case differs
    row("Usage", "2.005", {" tenant ": "payments"}),  # and its spacing
    row("Usage", "3.10", {"tenant": "fraud"}),
    row("Usage", "1.40", {"tenant": None}),  # NULL value
    row("Usage", "0.60", None),  # no tags at all (NULL column)
    row("Credit", "-5.00", {"tenant": "payments"}),  # a credit is not usage, whatever its tags
    row("Tax", "1.70", {}),
    row("Purchase", "30.00", {}),
]


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("NULL" if v is None else v) for k, v in r.items()})
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    """As AWS writes FOCUS Parquet: costs as decimals, Tags as a map column."""
    maps = [None if r["Tags"] is None else list(json.loads(r["Tags"]).items()) for r in rows]
    table = pa.table(
        {
            "BillingPeriodStart": [r["BillingPeriodStart"] for r in rows],
            "ServiceProviderName": [r["ProviderName"] for r in rows],  # FOCUS 1.2's name for it
            "ChargeCategory": [r["ChargeCategory"] for r in rows],
            "EffectiveCost": pa.array([Decimal(r["EffectiveCost"]) for r in rows], type=pa.decimal128(18, 6)),
            "BillingCurrency": [r["BillingCurrency"] for r in rows],
            "Tags": pa.array(maps, type=pa.map_(pa.string(), pa.string())),
        }
    )
    pq.write_table(table, path)
    return path


def check(result: focus.Allocation) -> None:
    assert result.currency == "USD" and result.rows == 9
    assert result.allocated == {"payments": Decimal("17.005"), "fraud": Decimal("3.10")}
    assert result.unallocated == Decimal("2.00")
    assert result.non_usage == {"Credit": Decimal("-5.00"), "Tax": Decimal("1.70"), "Purchase": Decimal("30.00")}
    assert result.total == Decimal("48.805")
    assert result.total == sum(result.allocated.values()) + result.unallocated + sum(result.non_usage.values())


def test_a_csv_export_is_allocated_exactly(tmp_path: Path) -> None:
    check(focus.allocate(write_csv(tmp_path / "focus.csv", ROWS)))


def test_a_parquet_export_with_a_map_of_tags_is_allocated_exactly(tmp_path: Path) -> None:
    check(focus.allocate(write_parquet(tmp_path / "focus.parquet", ROWS)))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_the_cli_prints_exact_decimal_strings_and_compares_with_budgets(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "focus.csv", ROWS)
    result = run("finops", "allocate", str(path), "--budgets", "prod", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {k: document[k] for k in ("currency", "total", "allocated", "unallocated", "nonUsage")} == {
        "currency": "USD",
        "total": "48.805",
        "allocated": {"fraud": "3.10", "payments": "17.005"},
        "unallocated": "2.00",
        "nonUsage": {"Credit": "-5.00", "Purchase": "30.00", "Tax": "1.70"},
    }
    assert document["budgets"]["payments"] == {"monthlyBudgetUsd": "6000", "actual": "17.005", "over": False}
    table = run("finops", "allocate", str(path))
    assert table.exit_code == 0 and "17.005" in table.output and "(Credit)" in table.output


def test_split_cost_allocation_data_attributes_shared_node_cost_to_namespaces(tmp_path: Path) -> None:
    rows = [
        row("Usage", "7.00", {"tenant": "shared", "aws:eks:namespace": "payments"}),  # a pod's share of a shared node
        row("Usage", "3.00", {"aws:eks:namespace": "fraud"}),
        row("Usage", "5.00", {"tenant": "shared"}),  # the node's unused capacity stays shared
    ]
    result = focus.allocate(write_csv(tmp_path / "split.csv", rows))
    assert result.allocated == {"payments": Decimal("7.00"), "fraud": Decimal("3.00"), "shared": Decimal("5.00")}
    assert result.by_namespace == Decimal("10.00")


def test_several_currencies_are_refused_or_separated(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", [row("Usage", "1.00", {"tenant": "a"}), row("Usage", "2.50", {"tenant": "a"}, currency="EUR")])
    with pytest.raises(focus.FocusError, match=r"mixes currencies \(EUR, USD\); pass --currency"):
        focus.allocate(path)
    euro = focus.allocate(path, currency="EUR")
    assert (euro.total, euro.allocated, euro.other_currencies) == (Decimal("2.50"), {"a": Decimal("2.50")}, {"USD": Decimal("1.00")})
    assert run("finops", "allocate", str(path)).exit_code == 2


def test_a_file_that_is_not_focus_names_the_missing_columns(tmp_path: Path) -> None:
    legacy = write_csv(tmp_path / "cur.csv", ROWS, columns=["ProviderName", "BilledCost", "Tags"])
    result = run("finops", "allocate", str(legacy))
    assert result.exit_code == 2
    assert "not a FOCUS 1.0-1.2 export: missing column(s) ChargeCategory, EffectiveCost, BillingCurrency" in result.output
    assert "Traceback" not in result.output
    no_provider = write_csv(tmp_path / "np.csv", ROWS, columns=[c for c in COLUMNS if c != "ProviderName"])
    assert "ProviderName or ServiceProviderName" in run("finops", "allocate", str(no_provider)).output


@pytest.mark.parametrize(
    ("cost", "tags", "message"),
    [("NULL", {}, "EffectiveCost 'NULL' is not a number"), ("1.0", "{not json", "Tags is not a JSON object"), ("NaN", {}, "not a finite")],
)
def test_a_bad_row_is_named(tmp_path: Path, cost: str, tags: Any, message: str) -> None:
    path = write_csv(tmp_path / "bad.csv", [row("Usage", "1.00", {}), row("Usage", cost, tags)])
    result = run("finops", "allocate", str(path))
    assert result.exit_code == 2 and "bad.csv row 3" in result.output and message in result.output


def test_a_missing_or_binary_file_is_refused(tmp_path: Path) -> None:
    assert run("finops", "allocate", str(tmp_path / "absent.csv")).exit_code == 2
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert run("finops", "allocate", str(binary)).exit_code == 2


@pytest.mark.parametrize(
    ("cost", "currency", "tags", "message"),
    [
        # #28 item 7: what is not a FOCUS decimal, an ISO 4217 code or a tag map is refused, naming the row.
        ("1_000", "USD", {}, "EffectiveCost '1_000' is not a number"),
        ("\u0661\u0662", "USD", {}, "is not a number"),  # Arabic-Indic digits
        ("1.00", "usd", {}, "BillingCurrency 'usd' is not an ISO 4217 code"),
        ("1.00", "Dollars", {}, "BillingCurrency 'Dollars' is not an ISO 4217 code"),
        ("1e999999999", "USD", {}, "cannot be added exactly"),
        ("1234567890123456789012345678901234567890", "USD", {}, "cannot be added exactly"),
        ("1.00", "USD", '[["tenant", "a"]]', "Tags is not a JSON object of tag keys and values"),
        ("1.00", "USD", "[" * 20_000 + "]" * 20_000, "Tags is nested too deep"),
        ("1.00", "USD", '{"tenant": {"nested": "a"}}', "is not a tag key with a text value"),
        ("1.00", "USD", json.dumps({"tenant": "a" * 200_000}), "not readable as CSV (field larger than field limit"),
    ],
    ids=["underscores", "arabic-indic", "lower-case", "spelled-out", "past-context", "39-digits", "list", "deep", "nested", "long"],
)
def test_hostile_rows_are_refused_naming_the_row(tmp_path: Path, cost: str, currency: str, tags: Any, message: str) -> None:
    path = write_csv(tmp_path / "bad.csv", [row("Usage", "1.00", {}), row("Usage", cost, tags, currency=currency)])
    result = run("finops", "allocate", str(path))
    assert result.exit_code == 2, result.output
    assert "bad.csv row 3" in result.output and message in result.output and "Traceback" not in result.output


def test_28_digit_amounts_add_exactly_where_the_default_context_would_round(tmp_path: Path) -> None:
    big, small = "9999999999999999999999999999.99", "0.01"  # 30 significant digits: Python's default context keeps 28
    path = write_csv(tmp_path / "big.csv", [row("Usage", big, {"tenant": "a"}), row("Usage", small, {"tenant": "a"})])
    result = focus.allocate(path)
    assert result.allocated["a"] == Decimal("10000000000000000000000000000.00") and result.balanced()


def test_parquet_tags_of_another_type_are_refused(tmp_path: Path) -> None:
    table = pa.table(
        {
            "ServiceProviderName": ["AWS"],
            "ChargeCategory": ["Usage"],
            "EffectiveCost": pa.array([Decimal("1.00")], type=pa.decimal128(18, 6)),
            "BillingCurrency": ["USD"],
            "Tags": pa.array([7], type=pa.int64()),
        }
    )
    path = tmp_path / "odd.parquet"
    pq.write_table(table, path)
    result = run("finops", "allocate", str(path))
    assert result.exit_code == 2 and "odd.parquet row 1: Tags is not a key-value map (got int)" in result.output, result.output
