"""Cron expressions as the services that run them read them. Pure.

- Kubernetes CronJob ``spec.schedule``: the standard five fields of robfig/cron (minute 0-59, hour 0-23,
  day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT; ``*``, ``?``, ranges, steps and
  lists), or a descriptor (``@hourly``, ``@daily``…). No ``TZ=``: the CronJob's ``timeZone`` says it.
  Kubernetes documentation, "CronJob", Schedule syntax.
- AWS Backup ``ScheduleExpression``: ``cron(Minutes Hours Day-of-month Month Day-of-week Year)`` as
  EventBridge reads it (minutes 0-59, hours 0-23, day of month 1-31 with ``L`` and ``W``, month 1-12 or
  JAN-DEC, day of week 1-7 or SUN-SAT with ``L`` and ``#``, year 1970-2199), one of the two day fields
  ``?``, and no more often than hourly. EventBridge User Guide, "Cron expressions"; AWS Backup API
  reference, BackupRule ScheduleExpression.
"""

from __future__ import annotations

import re

MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def _days(first: int) -> dict[str, int]:
    return {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=first)}


def _value(text: str, low: int, high: int, names: dict[str, int]) -> int:
    value = names.get(text.upper()) if text.isalpha() else (int(text) if text.isdigit() else None)
    if value is None or not low <= value <= high:
        raise ValueError(f"{text!r} is not in {low}-{high}" + (f" or {'-'.join(list(names)[:: len(names) - 1])}" if names else ""))
    return value


def _field(text: str, name: str, low: int, high: int, names: dict[str, int] | None = None, wildcards: str = "*") -> None:
    """One field: a list of ``*``, values, ranges ``a-b`` and steps ``x/n``."""
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0 or int(step) > high):
            raise ValueError(f"{name} {text!r}: step {step!r} must be 1-{high}")
        if base in wildcards:
            continue
        start, _, end = base.partition("-")
        try:
            first = _value(start, low, high, names or {})
            if end and _value(end, low, high, names or {}) < first:
                raise ValueError(f"range {base!r} runs backwards")
        except ValueError as exc:
            raise ValueError(f"{name} {text!r}: {exc}") from None


def kubernetes_problem(expression: str) -> str | None:
    """Why a CronJob would refuse ``expression``, or None."""
    text = expression.strip()
    if text.startswith(("TZ=", "CRON_TZ=")):
        return f"{expression!r}: a time zone is the CronJob's timeZone, not part of the schedule"
    if text.startswith("@"):
        return None if text in DESCRIPTORS else f"{expression!r}: descriptors are {', '.join(DESCRIPTORS)}"
    fields = text.split()
    if len(fields) != 5:
        return f"{expression!r}: five fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    try:
        _field(fields[0], "minute", 0, 59)
        _field(fields[1], "hour", 0, 23)
        _field(fields[2], "day of month", 1, 31, wildcards="*?")
        _field(fields[3], "month", 1, 12, MONTHS)
        _field(fields[4], "day of week", 0, 6, _days(0), wildcards="*?")
    except ValueError as exc:
        return str(exc)
    return None


_AWS = re.compile(r"^cron\((.*)\)$")


def aws_problem(expression: str) -> str | None:
    """Why AWS Backup would refuse ``expression`` as a rule's schedule, or None."""
    match = _AWS.match(expression.strip())
    if not match:
        return f"{expression!r}: write cron(Minutes Hours Day-of-month Month Day-of-week Year)"
    fields = match.group(1).split()
    if len(fields) != 6:
        return f"{expression!r}: six fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    minutes, hours, dom, month, dow, year = fields
    if any(c in minutes for c in "*/,-"):
        return f"{expression!r}: a backup rule runs at most hourly: give minutes a single value"
    try:
        _field(minutes, "minutes", 0, 59, wildcards="")
        _field(hours, "hours", 0, 23)
        if dom not in ("?", "L") and not re.fullmatch(r"\d{1,2}W", dom):
            _field(dom, "day of month", 1, 31)
        _field(month, "month", 1, 12, MONTHS)
        if dow != "?" and not re.fullmatch(r"[1-7]#[1-5]|[1-7]?L", dow):
            _field(dow, "day of week", 1, 7, _days(1))
        _field(year, "year", 1970, 2199)
    except ValueError as exc:
        return str(exc)
    if (dom == "?") == (dow == "?"):
        return f"{expression!r}: one of day-of-month and day-of-week must be '?', and only one"
    return None
