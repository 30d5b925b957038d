"""Allocation of actual costs from a FOCUS billing export (``blueprint finops allocate``, ADR-0007).

FOCUS (FinOps Open Cost and Usage Specification) 1.0 to 1.2, as CSV or Parquet (AWS Data Exports
write either). Usage rows (``ChargeCategory`` Usage) are allocated by a tag (``tenant`` by default,
its key matched case- and whitespace-insensitively); rows whose tag is NULL or empty are
unallocated, unless EKS split cost allocation data names the Kubernetes namespace the cost ran in
(``aws:eks:namespace``): a tenant's namespace is its name. Other rows (purchases, taxes, credits,
adjustments) are kept apart by ``ChargeCategory``. Every amount is an exact Decimal, and
``total == sum(allocated) + unallocated + sum(nonUsage)`` holds exactly.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal, DecimalException, DivisionByZero, Inexact, InvalidOperation, Overflow, Rounded, localcontext
from pathlib import Path
from typing import Any

from policy_pack.policies.contract import SHARED_TENANT

#: Columns every FOCUS version from 1.0 to 1.2 has that the allocation reads.
REQUIRED = ("ChargeCategory", "EffectiveCost", "BillingCurrency", "Tags")
#: FOCUS 1.2 renamed ProviderName to ServiceProviderName (and kept the old one deprecated).
PROVIDER_COLUMNS = ("ProviderName", "ServiceProviderName")
#: The tag EKS split cost allocation data puts on a pod's share of its node.
NAMESPACE_TAG = "aws:eks:namespace"
NULLS = ("", "null", "NULL")


class FocusError(ValueError):
    """The file is not a FOCUS export this can read; the message names what is missing and where."""


#: A FOCUS decimal: ASCII digits, an optional sign, fraction and exponent (no ``1_000``, no other digits).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
#: ISO 4217 alphabetic codes, as FOCUS's BillingCurrency has them.
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
#: What is added exactly: amounts of at most 38 significant digits (a Parquet decimal128's) within
#: 10^±60, summed in a context wide enough that no sum of a month's rows rounds; a rounding is refused.
MAX_DIGITS, MAX_EXPONENT = 38, 60
_EXACT = Context(prec=120, Emax=999, Emin=-999, traps=[Inexact, Rounded, Overflow, InvalidOperation, DivisionByZero])


def _amount(raw: Any, where: str) -> Decimal:
    text = str(raw).strip() if raw is not None else ""
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, float):
        text = repr(raw)
    if text.lower() in ("nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "snan"):
        raise FocusError(f"{where}: EffectiveCost {raw!r} is not a finite number")
    if not _NUMBER.fullmatch(text):
        raise FocusError(f"{where}: EffectiveCost {raw!r} is not a number (FOCUS: a decimal in ASCII digits, never null)")
    value = Decimal(text)
    digits = len(value.as_tuple().digits)
    if digits > MAX_DIGITS or abs(value.adjusted()) > MAX_EXPONENT:
        raise FocusError(
            f"{where}: EffectiveCost {raw!r} cannot be added exactly (at most {MAX_DIGITS} significant digits, "
            f"magnitude within 10^±{MAX_EXPONENT})"
        )
    return value


def _add(a: Decimal, b: Decimal, where: str) -> Decimal:
    try:
        return _EXACT.add(a, b)
    except DecimalException:
        raise FocusError(f"{where}: the running total cannot be kept exactly: split the export") from None


def _norm(key: str) -> str:
    return "".join(key.split()).lower()


def exact(amount: Decimal) -> str:
    """An exact decimal string (no exponent): 1E+1 -> '10', 0.10 stays '0.10'."""
    return format(amount, "f")


def _tags(value: Any, where: str) -> dict[str, str | None]:
    """FOCUS Tags: a JSON object of string values (CSV) or a map of strings (Parquet)."""
    if value is None or (isinstance(value, str) and value.strip() in NULLS):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise FocusError(f"{where}: Tags is not a JSON object ({error.msg})") from None
        except RecursionError:
            raise FocusError(f"{where}: Tags is nested too deep to be a tag map") from None
        if not isinstance(value, Mapping):
            raise FocusError(f"{where}: Tags is not a JSON object of tag keys and values (got {type(value).__name__})")
    elif isinstance(value, list):  # a Parquet map: [(key, value), …]
        if not all(isinstance(pair, tuple | list) and len(pair) == 2 for pair in value):
            raise FocusError(f"{where}: Tags is not a map of tag keys and values")
        value = dict(value)
    if not isinstance(value, Mapping):
        raise FocusError(f"{where}: Tags is not a key-value map (got {type(value).__name__})")
    tags: dict[str, str | None] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not (v is None or isinstance(v, str | int | float | bool)):
            raise FocusError(f"{where}: Tags {k!r} is not a tag key with a text value (got {type(v).__name__})")
        tags[k] = None if v is None else str(v)
    return tags


def _rows_csv(path: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.DictReader(handle)
    columns = list(reader.fieldnames or [])

    def rows() -> Iterator[dict[str, Any]]:
        read = 0
        with handle:
            try:
                for read, found in enumerate(reader, start=1):  # noqa: B007 (read names the row on an error)
                    yield found
            except csv.Error as error:  # e.g. a field past the reader's 131,072-character limit
                raise FocusError(f"{path.name} row {read + 2}: not readable as CSV ({error})") from None

    return columns, rows()


def _rows_parquet(path: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    import pyarrow.parquet as pq  # the one reader of Parquet; CSV needs nothing

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own error types for a damaged file
        raise FocusError(f"{path}: not a readable Parquet file ({error})") from None

    def rows() -> Iterator[dict[str, Any]]:
        # Batch by batch: a month of hourly FOCUS data runs to millions of rows.
        for batch in parquet.iter_batches(batch_size=65536):
            yield from batch.to_pylist()

    return list(parquet.schema_arrow.names), rows()


def read_rows(path: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    if not path.is_file():
        raise FocusError(f"{path}: no such file")
    with path.open("rb") as handle:
        parquet = handle.read(4) == b"PAR1"
    if parquet:
        return _rows_parquet(path)
    try:
        return _rows_csv(path)
    except UnicodeDecodeError:
        raise FocusError(f"{path}: neither Parquet nor UTF-8 CSV") from None


@dataclass
class Allocation:
    currency: str
    tag_key: str
    total: Decimal = Decimal(0)
    allocated: dict[str, Decimal] = field(default_factory=dict)
    unallocated: Decimal = Decimal(0)
    non_usage: dict[str, Decimal] = field(default_factory=dict)
    by_namespace: Decimal = Decimal(0)
    rows: int = 0
    other_currencies: dict[str, Decimal] = field(default_factory=dict)

    def balanced(self) -> bool:
        with localcontext(_EXACT):
            return self.total == sum(self.allocated.values(), Decimal(0)) + self.unallocated + sum(self.non_usage.values(), Decimal(0))

    def document(self, budgets: Mapping[str, Decimal] | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "currency": self.currency,
            "tagKey": self.tag_key,
            "rows": self.rows,
            "total": exact(self.total),
            "allocated": {k: exact(v) for k, v in sorted(self.allocated.items())},
            "unallocated": exact(self.unallocated),
            "nonUsage": {k: exact(v) for k, v in sorted(self.non_usage.items())},
            "allocatedByNamespace": exact(self.by_namespace),
        }
        if self.other_currencies:
            doc["otherCurrencies"] = {k: exact(v) for k, v in sorted(self.other_currencies.items())}
        if budgets is not None:
            doc["budgets"] = {
                tenant: {
                    "monthlyBudgetUsd": exact(budget),
                    "actual": exact(self.allocated.get(tenant, Decimal(0))),
                    "over": self.allocated.get(tenant, Decimal(0)) > budget,
                }
                for tenant, budget in sorted(budgets.items())
            }
        return doc


def allocate(path: Path, tag_key: str = "tenant", currency: str | None = None) -> Allocation:
    columns, rows = read_rows(path)
    missing = [c for c in REQUIRED if c not in columns]
    if not any(c in columns for c in PROVIDER_COLUMNS):
        missing.append(" or ".join(PROVIDER_COLUMNS))
    if missing:
        raise FocusError(f"{path}: not a FOCUS 1.0-1.2 export: missing column(s) {', '.join(missing)}")
    wanted = _norm(tag_key)
    by_currency: dict[str, Allocation] = {}
    for index, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
        where = f"{path.name} row {index}"
        cost = _amount(row.get("EffectiveCost"), where)
        row_currency = str(row.get("BillingCurrency") or "").strip()
        if not row_currency:
            raise FocusError(f"{where}: BillingCurrency is empty")
        if not _CURRENCY.fullmatch(row_currency):
            raise FocusError(f"{where}: BillingCurrency {row_currency!r} is not an ISO 4217 code (three capital letters, e.g. USD)")
        current = by_currency.setdefault(row_currency, Allocation(row_currency, tag_key))
        current.rows += 1
        current.total = _add(current.total, cost, where)
        category = str(row.get("ChargeCategory") or "").strip() or "(none)"
        if category != "Usage":
            current.non_usage[category] = _add(current.non_usage.get(category, Decimal(0)), cost, where)
            continue
        tags = _tags(row.get("Tags"), where)
        value = next((v for k, v in tags.items() if _norm(k) == wanted), None)
        value = value.strip() if isinstance(value, str) else None
        namespace = (tags.get(NAMESPACE_TAG) or "").strip()
        tagged = bool(value) and str(value).upper() != "NULL"
        if namespace and (not tagged or value == SHARED_TENANT):
            # Split cost allocation data: a pod's share of a shared node goes to its namespace.
            current.allocated[namespace] = _add(current.allocated.get(namespace, Decimal(0)), cost, where)
            current.by_namespace = _add(current.by_namespace, cost, where)
        elif tagged:
            current.allocated[str(value)] = _add(current.allocated.get(str(value), Decimal(0)), cost, where)
        else:
            current.unallocated = _add(current.unallocated, cost, where)
    if not by_currency:
        return Allocation(currency or "USD", tag_key)
    if currency is None and len(by_currency) > 1:
        raise FocusError(f"{path}: the export mixes currencies ({', '.join(sorted(by_currency))}); pass --currency to allocate one of them")
    chosen = currency or next(iter(by_currency))
    if chosen not in by_currency:
        raise FocusError(f"{path}: no row in {chosen} (currencies: {', '.join(sorted(by_currency))})")
    result = by_currency[chosen]
    result.other_currencies = {c: a.total for c, a in by_currency.items() if c != chosen}
    assert result.balanced()
    return result
