"""Recovery objectives (data/lifecycle.json ``recovery``) and the longest gap of an AWS Backup schedule."""

from __future__ import annotations

import pytest

from policy_pack.policies import lifecycle, recovery


@pytest.mark.parametrize(
    ("schedule", "minutes"),
    [
        ("cron(0 3 * * ? *)", 24 * 60),
        ("cron(0 */6 * * ? *)", 6 * 60),
        ("cron(30 1,13 * * ? *)", 12 * 60),
        # Friday 03:00 to Monday 03:00.
        ("cron(0 3 ? * MON-FRI *)", 3 * 24 * 60),
        ("cron(0 3 ? * SUN *)", 7 * 24 * 60),
        # The longest month: 31 days.
        ("cron(0 3 1 * ? *)", 31 * 24 * 60),
        ("cron(0 3 L * ? *)", 31 * 24 * 60),
        # Third Friday to third Friday: five weeks at most.
        ("cron(0 3 ? * 6#3 *)", 35 * 24 * 60),
        # The weekday nearest the 15th moves by up to two days each side.
        ("cron(0 3 15W * ? *)", 32 * 24 * 60),
        # Quarterly.
        ("cron(0 3 1 JAN,APR,JUL,OCT ? *)", 92 * 24 * 60),
    ],
)
def test_the_longest_gap_of_a_schedule(schedule: str, minutes: int) -> None:
    assert recovery.longest_gap_minutes(schedule) == minutes


def test_a_schedule_limited_to_some_years_stops_taking_recovery_points() -> None:
    assert recovery.longest_gap_minutes("cron(0 3 * * ? 2027)") is None
    assert recovery.rpo_problem("audit", None) is not None


def test_every_class_has_objectives_or_says_it_has_none() -> None:
    assert set(recovery.OBJECTIVES) | {"public"} == set(lifecycle.RETENTION_CLASSES)
    # The classes a restore must bring back within minutes are those Aurora's point-in-time restore serves.
    assert {c for c, o in recovery.OBJECTIVES.items() if o.rpo_minutes < 24 * 60} == {"pii", "pci"}
    assert all(o.rpo_minutes >= recovery.POINT_IN_TIME_MINUTES for o in recovery.OBJECTIVES.values())


def test_an_rpo_is_missed_only_past_its_minutes() -> None:
    assert recovery.rpo_problem("pci", 15) is None
    assert "RPO of 15 minutes" in str(recovery.rpo_problem("pci", 16))
    assert recovery.rpo_problem("public", 10**6) is None
