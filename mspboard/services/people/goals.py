"""A tech's written goals: one per line of intent, for a quarter or a year, with a measure and
a status that moves as progress notes come in. Services flush; callers commit."""

from __future__ import annotations

from datetime import date

from mspboard.models import Goal, GoalKind, GoalPeriod, GoalStatus, User, db


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter `day` falls in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter_start(day: date) -> date:
    start = quarter_start(day)
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def period_start(period: GoalPeriod, day: date) -> date:
    """The first day of the quarter or the year `day` falls in."""
    return quarter_start(day) if period is GoalPeriod.QUARTER else date(day.year, 1, 1)


def add_goal(
    user: User,
    *,
    period: GoalPeriod,
    starts: date,
    title: str,
    by: User,
    measure: str = "",
    target_on: date | None = None,
    kind: GoalKind = GoalKind.WORK,
) -> Goal:
    """Write a new goal for `user` for the quarter or year that `starts` falls in."""
    goal = Goal(
        user=user,
        period=period.value,
        period_start=period_start(period, starts),
        kind=kind.value,
        title=title,
        measure=measure,
        target_on=target_on,
        status=GoalStatus.OPEN.value,
        created_by=by,
    )
    db.session.add(goal)
    db.session.flush()
    return goal
