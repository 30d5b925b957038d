"""Recovery objectives per data class (``data/lifecycle.json`` ``recovery``), and what a backup schedule
can promise against them. Pure; read by the program (config errors) and the pack (``backups-meet-rpo``).

An RPO is the most data a restore may lose. A store meets its class's RPO by the longest gap between two
recovery points: an AWS Backup rule's schedule (the longest gap between two runs of its cron), or
Aurora's continuous backup (point-in-time restore, recovery points about every 5 minutes, while
``backupRetentionPeriod`` ≥ 1: RDS User Guide, "Restoring a DB cluster to a specified time").
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

_RAW = json.loads((Path(__file__).parent / "data" / "lifecycle.json").read_text())["recovery"]

#: How far behind Aurora's latest restorable time may be (the continuous backup's RPO).
POINT_IN_TIME_MINUTES: int = int(_RAW["pointInTimeMinutes"])


@dataclass(frozen=True)
class Objectives:
    rpo_minutes: int
    rto_hours: int
    #: Its recovery points are copied to a second region too (a regional outage is a scenario it covers).
    region_copy: bool = False


#: Class -> its objectives; a class absent has none (nothing to restore is promised).
OBJECTIVES: dict[str, Objectives] = {
    name: Objectives(int(entry["rpoMinutes"]), int(entry["rtoHours"]), bool(entry["regionCopy"]))
    for name, entry in _RAW["classes"].items()
    if entry
}

_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
#: EventBridge's day of week: 1 = SUN … 7 = SAT.
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
#: The window scanned for the longest gap: two years covers every month, weekday and leap rule but a
#: year list (a schedule that stops firing has an unbounded gap).
_START = datetime.date(2027, 1, 1)
_DAYS_SCANNED = 2 * 366


def _values(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    result: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _one(a, names), _one(b, names)
        else:
            first = _one(base, names)
            last = high if step else first
        result.update(range(first, last + 1, int(step) if step else 1))
    return result


def _one(text: str, names: dict[str, int] | None) -> int:
    return (names or {}).get(text.upper()) or int(text)


def _day_matches(day: datetime.date, dom: str, dow: str) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    weekday = (day.weekday() + 1) % 7 + 1  # Monday=0 -> 2 … Sunday=6 -> 1
    if dom != "?":
        if dom == "L":
            return day.day == last
        if dom.endswith("W"):
            target = last if dom == "LW" else min(int(dom[:-1]), last)
            nearest = datetime.date(day.year, day.month, target)
            if nearest.weekday() == 5:
                nearest -= datetime.timedelta(days=1) if target > 1 else datetime.timedelta(days=-2)
            elif nearest.weekday() == 6:
                nearest += datetime.timedelta(days=1) if target < last else datetime.timedelta(days=-2)
            return day == nearest
        return day.day in _values(dom, 1, 31)
    if "#" in dow:
        wanted, nth = dow.split("#")
        return weekday == _one(wanted, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
    if dow.endswith("L"):
        wanted = dow[:-1]
        return (not wanted or weekday == _one(wanted, _DAYS)) and day.day + 7 > last
    return weekday in _values(dow, 1, 7, _DAYS)


_CRON = re.compile(r"^cron\((.*)\)$")


def longest_gap_minutes(expression: str) -> int | None:
    """The longest time between two runs of an AWS Backup ``cron(…)`` schedule, in minutes (None: it
    stops firing). Expects an expression AWS Backup accepts (``stacks.cron.aws_problem``)."""
    match = _CRON.match(expression.strip())
    if not match:
        raise ValueError(f"{expression!r} is not cron(...)")
    minutes, hours, dom, month, dow, year = match.group(1).split()
    minute = int(minutes)
    hour_set = sorted(_values(hours, 0, 23))
    month_set = _values(month, 1, 12, _MONTHS)
    years = None if year == "*" else _values(year, 1970, 2199)
    runs: list[datetime.datetime] = []
    for offset in range(_DAYS_SCANNED):
        day = _START + datetime.timedelta(days=offset)
        if day.month in month_set and (years is None or day.year in years) and _day_matches(day, dom, dow):
            runs += [datetime.datetime(day.year, day.month, day.day, h, minute) for h in hour_set]
    if years is not None or len(runs) < 2:
        return None
    gaps = [int((b - a).total_seconds() // 60) for a, b in itertools.pairwise(runs)]
    return max(gaps)


def rpo_problem(data_class: str, gap_minutes: int | None) -> str | None:
    """Why recovery points ``gap_minutes`` apart miss ``data_class``'s RPO, or None."""
    objectives = OBJECTIVES.get(data_class)
    if objectives is None:
        return None
    if gap_minutes is None:
        return f"{data_class} data has an RPO of {objectives.rpo_minutes} minutes but the schedule stops taking recovery points"
    if gap_minutes > objectives.rpo_minutes:
        return f"{data_class} data has an RPO of {objectives.rpo_minutes} minutes but recovery points are up to {gap_minutes} minutes apart"
    return None
