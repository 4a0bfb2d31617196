"""Maintenance runs on the planner: which runs still need time on someone's schedule, how
long to book for each, and whether a run may be placed at all.

A run is placed by giving it a schedule item (the planner's own add path, with the run's id);
deleting that item puts the run back among those to place. A run whose every item is ticked
needs no visit, and one of a closed month or an inactive client cannot be placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload

from mspboard.models import (
    ChecklistRun,
    ChecklistRunItem,
    Client,
    MaintenanceMonth,
    ScheduleItem,
    User,
    db,
    utcnow,
)
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance.months import add_months, month_label, this_month
from mspboard.services.time_weeks import local_date, week_start_of

# The planner books in quarter hours, and no site visit is shorter than half an hour.
BOOKING_STEP_MINUTES = 15
SHORTEST_VISIT_MINUTES = 30
SIDEBAR_LIMIT = 50
LAST_QUARTER = time(23, 45)
FIELD = "checklist_run_id"


def visit_minutes(estimates_total: int | None) -> int:
    """How long to book for a run whose items' estimates add up to `estimates_total`."""
    total = max(estimates_total or 0, 0)
    rounded = -(-total // BOOKING_STEP_MINUTES) * BOOKING_STEP_MINUTES
    return max(rounded, SHORTEST_VISIT_MINUTES)


def item_title(client_name: str) -> str:
    return f"Monthly maintenance: {client_name}"


@dataclass(frozen=True)
class RunToPlace:
    run_id: int
    client_name: str
    owner_id: int
    owner_name: str
    month: date
    due_on: date
    minutes: int
    items: int

    @property
    def label(self) -> str:
        return f"{self.client_name} · {self.month:%b %Y} · {self.owner_name}"

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:g} h"


@dataclass
class RunsToPlace:
    runs: list[RunToPlace]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.runs)


def _unplaced(months: list[date]) -> Select:
    """One row per run of `months` that is open, for an active client, not yet on the
    planner and not finished: the run, its client and owner, and its items' totals."""
    on_planner = exists().where(ScheduleItem.checklist_run_id == ChecklistRun.id)
    return (
        select(
            ChecklistRun.id.label("run_id"),
            Client.name.label("client_name"),
            User.id.label("owner_id"),
            User.name.label("owner_name"),
            MaintenanceMonth.month.label("month"),
            ChecklistRun.due_on.label("due_on"),
            func.sum(ChecklistRunItem.estimate_minutes).label("estimates"),
            func.count(ChecklistRunItem.id).label("items"),
        )
        .join(MaintenanceMonth, ChecklistRun.month_id == MaintenanceMonth.id)
        .join(Client, ChecklistRun.client_id == Client.id)
        .join(User, ChecklistRun.owner_id == User.id)
        .join(ChecklistRunItem, ChecklistRunItem.run_id == ChecklistRun.id)
        .where(
            MaintenanceMonth.month.in_(months),
            MaintenanceMonth.closed_at.is_(None),
            Client.active.is_(True),
            ~on_planner,
        )
        .group_by(
            ChecklistRun.id,
            Client.name,
            User.id,
            User.name,
            MaintenanceMonth.month,
            ChecklistRun.due_on,
        )
        .having(func.count(ChecklistRunItem.outcome) < func.count(ChecklistRunItem.id))
    )


def runs_to_place(now: datetime | None = None, limit: int = SIDEBAR_LIMIT) -> RunsToPlace:
    """This month's and next month's runs that are not on the planner, soonest due first,
    then by client, in one query; `total` counts them all."""
    current = this_month(now or utcnow())
    rows = _unplaced([current, add_months(current, 1)]).subquery()
    ranked = db.session.execute(
        select(rows, func.count().over().label("total"))
        .order_by(rows.c.due_on, rows.c.client_name, rows.c.run_id)
        .limit(limit)
    ).all()
    runs = [
        RunToPlace(
            run_id=row.run_id,
            client_name=row.client_name,
            owner_id=row.owner_id,
            owner_name=row.owner_name,
            month=row.month,
            due_on=row.due_on,
            minutes=visit_minutes(row.estimates),
            items=row.items,
        )
        for row in ranked
    ]
    return RunsToPlace(runs, ranked[0].total if ranked else 0)


@dataclass(frozen=True)
class OwnerRuns:
    owner_name: str
    runs: int
    first_due: date


@dataclass
class UnplacedThisMonth:
    month: date
    # The planner week to place them from: this one.
    week: date
    by_owner: list[OwnerRuns]

    @property
    def total(self) -> int:
        return sum(owner.runs for owner in self.by_owner)

    @property
    def next_week(self) -> date:
        return self.week + timedelta(days=7)


def unplaced_this_month(now: datetime | None = None) -> UnplacedThisMonth:
    """This month's unfinished runs not on the planner, counted per owner, in one query."""
    now = now or utcnow()
    current = this_month(now)
    rows = _unplaced([current]).subquery()
    counted = db.session.execute(
        select(rows.c.owner_name, func.count(), func.min(rows.c.due_on))
        .group_by(rows.c.owner_id, rows.c.owner_name)
        .order_by(rows.c.owner_name, rows.c.owner_id)
    )
    return UnplacedThisMonth(
        current,
        week_start_of(now),
        [OwnerRuns(name, runs, first_due) for name, runs, first_due in counted],
    )


@dataclass(frozen=True)
class RunSummary:
    client_name: str
    items: int

    @property
    def description(self) -> str:
        checks = f"{self.items} check{'s' if self.items != 1 else ''}"
        return f"Monthly maintenance for {self.client_name}: {checks} on its checklist."


def run_summaries(run_ids: set[int]) -> dict[int, RunSummary]:
    """Each run's client and how many items it has, in one query (none for no runs)."""
    if not run_ids:
        return {}
    rows = db.session.execute(
        select(ChecklistRun.id, Client.name, func.count(ChecklistRunItem.id))
        .join(Client, ChecklistRun.client_id == Client.id)
        .outerjoin(ChecklistRunItem, ChecklistRunItem.run_id == ChecklistRun.id)
        .where(ChecklistRun.id.in_(run_ids))
        .group_by(ChecklistRun.id, Client.name)
    )
    return {run_id: RunSummary(name, items) for run_id, name, items in rows}


def placeable_run(run_id: int, kept_run_id: int | None = None) -> ChecklistRun:
    """The run a schedule item is to be for, or a refusal next to the field. An item keeps
    the run it already has whatever happened to it since (the month closed, the client
    left); a run newly placed must be of an open month, for an active client, and not on
    the planner already."""
    run = db.session.get(ChecklistRun, run_id)
    if run is None:
        raise RuleViolation("That maintenance run does not exist.", FIELD)
    if run.id == kept_run_id:
        return run
    if run.month.is_closed:
        raise RuleViolation(
            f"{month_label(run.month.month)} is closed; its runs cannot be scheduled.", FIELD
        )
    if not run.client.active:
        raise RuleViolation(
            f"{run.client.name} is inactive; its maintenance run cannot be scheduled.", FIELD
        )
    placed = db.session.scalar(
        select(ScheduleItem).where(ScheduleItem.checklist_run_id == run.id).limit(1)
    )
    if placed is not None:
        raise RuleViolation(
            f"{run.client.name}'s run is already on the planner for {placed.tech.name} "
            f"on {local_date(placed.starts_at):%a %d %b}.",
            FIELD,
        )
    return run


def run_minutes(run: ChecklistRun) -> int:
    total = db.session.scalar(
        select(func.sum(ChecklistRunItem.estimate_minutes)).where(ChecklistRunItem.run_id == run.id)
    )
    return visit_minutes(total)


def run_label(run: ChecklistRun) -> str:
    return f"{run.client.name} · {run.month.month:%b %Y} · {run.owner.name}"


def run_choices(also: set[int], now: datetime | None = None) -> list[tuple[int, str]]:
    """The runs the planner's editor offers (id, label): those to place, then any named in
    `also` (the run an item already has, or the one asked for) that still exist."""
    offered = [(run.run_id, run.label) for run in runs_to_place(now).runs]
    extra = also - {run_id for run_id, _ in offered}
    if extra:
        offered += [
            (run.id, run_label(run))
            for run in db.session.scalars(
                select(ChecklistRun)
                .where(ChecklistRun.id.in_(extra))
                .options(
                    joinedload(ChecklistRun.client),
                    joinedload(ChecklistRun.owner),
                    joinedload(ChecklistRun.month),
                )
                .order_by(ChecklistRun.id)
            )
        ]
    return offered


def suggested_visit(run: ChecklistRun) -> tuple[time, time]:
    """Clock times for a run's visit: from the owner's day start, as long as its items take
    (ending at the last quarter hour of the day if it would run past midnight)."""
    start = run.owner.day_start
    ends = datetime.combine(date.min, start) + timedelta(minutes=run_minutes(run))
    return start, ends.time() if ends.date() == date.min else LAST_QUARTER
