"""The year in figures: per month of a year in the shop's time zone, the hours logged and
billable, each tech's utilisation, the SRs opened and closed and how old they were when
closed, the time cards sent on time or late, the maintenance runs finished, and the goals met.

- Months are the shop's calendar months: each starts at local midnight on its first day
  (`local_midnight`, so a month with a clock change is as long as it really was).
- Hours and utilisation are `today.utilisation_by_period` over the twelve months: an entry
  counts in the month it starts in; utilisation is logged of scheduled (published items).
- An SR is opened in the month of its creation and closed in the month of its close; its
  age at close is from creation to close, in days (the median and the 90th percentile,
  nearest rank, of the SRs closed that month).
- A time card counts in the month its week starts in. It was on time when it was (last)
  sent by its deadline (`time_cards.submission_deadline`, the deadline itself on time), late
  when sent after it, and unsent when it was never sent and its deadline has passed.
- Maintenance: each month's runs, and of them the ones with every item ticked.
- Goals: the goals whose period (a quarter or the year) starts in the year; met of decided
  (met, missed or dropped), by quarter and for the whole year.

The cost is a fixed number of queries whatever the shop's size: each figure is one
statement grouped by month in the database (or, for the ages and the deadlines, one
statement returning one small row per SR or card). Nothing here writes.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from mspboard.models import (
    DECIDED_GOAL_STATUSES,
    ChecklistRun,
    ChecklistRunItem,
    Goal,
    GoalPeriod,
    GoalStatus,
    MaintenanceMonth,
    ServiceRequest,
    TimeCard,
    User,
    db,
    utcnow,
)
from mspboard.models.year_summaries import FIRST_YEAR, LAST_YEAR
from mspboard.services.sql_time import period_index, seconds_between
from mspboard.services.time_cards import sending, submission_deadline
from mspboard.services.time_weeks import local_date, local_midnight
from mspboard.services.today import Utilisation, utilisation_by_period

DAY_SECONDS = 86400


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def this_year(now: datetime | None = None) -> int:
    return local_date(now or utcnow()).year


def month_starts(year: int) -> list[date]:
    """The first days of the year's twelve months and of the next year's first month."""
    return [date(year, month, 1) for month in range(1, 13)] + [date(year + 1, 1, 1)]


def month_bounds(year: int) -> list[datetime]:
    """The instants the year's months start at, in the shop's zone, and the next year's."""
    return [local_midnight(day) for day in month_starts(year)]


def share(part: float, whole: float) -> int | None:
    """`part` of `whole` in whole percent; None when there is no whole to take a share of."""
    return round(100 * part / whole) if whole else None


def nearest_rank(values: list[float], fraction: float) -> float | None:
    """The value at or below which `fraction` of the values lie (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class MonthFigures:
    month: date
    logged: float = 0.0  # hours
    billable: float = 0.0
    scheduled: float = 0.0
    srs_opened: int = 0
    srs_closed: int = 0
    age_median: float | None = None  # days, of the SRs closed this month
    age_p90: float | None = None
    cards_on_time: int = 0
    cards_late: int = 0
    cards_unsent: int = 0
    runs: int = 0
    runs_done: int = 0

    @property
    def billable_share(self) -> int | None:
        return share(self.billable, self.logged)

    @property
    def utilisation(self) -> int | None:
        """Logged of scheduled hours (as each tech's, on the Today page)."""
        return share(self.logged, self.scheduled)

    @property
    def cards(self) -> int:
        return self.cards_on_time + self.cards_late + self.cards_unsent

    @property
    def on_time_share(self) -> int | None:
        return share(self.cards_on_time, self.cards)

    @property
    def completion(self) -> int | None:
        return share(self.runs_done, self.runs)


@dataclass(frozen=True)
class GoalTally:
    """The goals of one period: how many, how many decided, how many met."""

    label: str
    total: int = 0
    decided: int = 0
    met: int = 0

    @property
    def met_share(self) -> int | None:
        return share(self.met, self.decided)


@dataclass(frozen=True)
class TechYear:
    tech: User
    # One per month, January first; a month the tech logged and was scheduled nothing is None.
    months: list[Utilisation | None]

    @property
    def logged(self) -> float:
        return sum(m.logged for m in self.months if m)

    @property
    def billable(self) -> float:
        return sum(m.billable for m in self.months if m)

    @property
    def billable_share(self) -> int | None:
        return share(self.billable, self.logged)


@dataclass
class YearFigures:
    year: int
    months: list[MonthFigures]
    # The year as one period: its sums, with the ages of every SR closed in it.
    whole: MonthFigures
    techs: list[TechYear]
    goals: list[GoalTally]

    @property
    def has_data(self) -> bool:
        whole = self.whole
        return any((whole.logged, whole.srs_opened, whole.srs_closed, whole.cards, whole.runs))


def year_figures(year: int, now: datetime | None = None) -> YearFigures:
    """Every figure of `year` (see the module's docstring), in a fixed number of queries."""
    now = now or utcnow()
    days = month_starts(year)
    bounds = month_bounds(year)
    per_month = utilisation_by_period(bounds)
    opened = _srs_opened(bounds)
    ages = _ages_at_close(bounds)
    cards = _cards(days, now)
    runs = _maintenance(days)
    months = []
    for index, first in enumerate(days[:-1]):
        techs = per_month[index].values()
        closed = ages.get(index, [])
        months.append(
            MonthFigures(
                month=first,
                logged=sum(u.logged for u in techs),
                billable=sum(u.billable for u in techs),
                scheduled=sum(u.scheduled for u in techs),
                srs_opened=opened.get(index, 0),
                srs_closed=len(closed),
                age_median=statistics.median(closed) if closed else None,
                age_p90=nearest_rank(closed, 0.9),
                cards_on_time=cards[index]["on_time"],
                cards_late=cards[index]["late"],
                cards_unsent=cards[index]["unsent"],
                runs=runs.get(index, (0, 0))[0],
                runs_done=runs.get(index, (0, 0))[1],
            )
        )
    every_tech = {u.tech.id: u.tech for period in per_month for u in period.values()}
    tech_years = [
        TechYear(tech, [per_month[index].get(tech.id) for index in range(12)])
        for tech in sorted(every_tech.values(), key=lambda t: (t.name.casefold(), t.id))
    ]
    every_age = [age for closed in ages.values() for age in closed]
    whole = MonthFigures(
        month=days[0],
        logged=sum(m.logged for m in months),
        billable=sum(m.billable for m in months),
        scheduled=sum(m.scheduled for m in months),
        srs_opened=sum(m.srs_opened for m in months),
        srs_closed=len(every_age),
        age_median=statistics.median(every_age) if every_age else None,
        age_p90=nearest_rank(every_age, 0.9),
        cards_on_time=sum(m.cards_on_time for m in months),
        cards_late=sum(m.cards_late for m in months),
        cards_unsent=sum(m.cards_unsent for m in months),
        runs=sum(m.runs for m in months),
        runs_done=sum(m.runs_done for m in months),
    )
    return YearFigures(year, months, whole, tech_years, _goals(year))


def _srs_opened(bounds: list[datetime]) -> dict[int, int]:
    rows = (
        select(period_index(ServiceRequest.created_at, bounds).label("period"))
        .where(ServiceRequest.created_at >= bounds[0], ServiceRequest.created_at < bounds[-1])
        .subquery()
    )
    return dict(
        db.session.execute(select(rows.c.period, func.count()).group_by(rows.c.period)).all()
    )


def _ages_at_close(bounds: list[datetime]) -> dict[int, list[float]]:
    """The age in days of each SR closed in the year, by the month it was closed in."""
    ages: dict[int, list[float]] = defaultdict(list)
    for period, seconds in db.session.execute(
        select(
            period_index(ServiceRequest.closed_at, bounds),
            seconds_between(ServiceRequest.created_at, ServiceRequest.closed_at),
        ).where(ServiceRequest.closed_at >= bounds[0], ServiceRequest.closed_at < bounds[-1])
    ):
        ages[period].append(max(float(seconds or 0), 0.0) / DAY_SECONDS)
    return ages


def _cards(days: list[date], now: datetime) -> list[Counter]:
    """On time, late and unsent cards of each month (by the month the week starts in)."""
    found = [Counter(on_time=0, late=0, unsent=0) for _ in days[:-1]]
    deadlines: dict[date, datetime] = {}
    for week_start, submitted_at in db.session.execute(
        select(TimeCard.week_start, TimeCard.submitted_at).where(
            TimeCard.week_start >= days[0], TimeCard.week_start < days[-1]
        )
    ):
        if week_start not in deadlines:
            deadlines[week_start] = submission_deadline(week_start)
        deadline = deadlines[week_start]
        state = sending(submitted_at, deadline, now)
        if state is not None:
            found[week_start.month - 1][state] += 1
    return found


def _maintenance(days: list[date]) -> dict[int, tuple[int, int]]:
    """Each month's runs and, of them, the runs with every item ticked."""
    per_run = (
        select(
            ChecklistRunItem.run_id.label("run_id"),
            func.count().label("total"),
            func.count(ChecklistRunItem.outcome).label("ticked"),
        )
        .group_by(ChecklistRunItem.run_id)
        .subquery()
    )
    done = case((func.coalesce(per_run.c.ticked, 0) >= func.coalesce(per_run.c.total, 0), 1))
    rows = db.session.execute(
        select(MaintenanceMonth.month, func.count(ChecklistRun.id), func.count(done))
        .join(ChecklistRun, ChecklistRun.month_id == MaintenanceMonth.id)
        .outerjoin(per_run, per_run.c.run_id == ChecklistRun.id)
        .where(MaintenanceMonth.month >= days[0], MaintenanceMonth.month < days[-1])
        .group_by(MaintenanceMonth.month)
    )
    return {month.month - 1: (runs, finished) for month, runs, finished in rows}


QUARTERS = ["Q1", "Q2", "Q3", "Q4"]


def _goals(year: int) -> list[GoalTally]:
    """Goals met of decided for each quarter of the year and for the year's own goals."""
    counts: dict[str, Counter] = {label: Counter() for label in [*QUARTERS, "Year"]}
    for period, start, status, how_many in db.session.execute(
        select(Goal.period, Goal.period_start, Goal.status, func.count())
        .where(Goal.period_start >= date(year, 1, 1), Goal.period_start < date(year + 1, 1, 1))
        .group_by(Goal.period, Goal.period_start, Goal.status)
    ):
        label = "Year" if period == GoalPeriod.YEAR else QUARTERS[(start.month - 1) // 3]
        counts[label]["total"] += how_many
        if status in DECIDED_GOAL_STATUSES:
            counts[label]["decided"] += how_many
        if status == GoalStatus.MET:
            counts[label]["met"] += how_many
    return [GoalTally(label, c["total"], c["decided"], c["met"]) for label, c in counts.items()]
