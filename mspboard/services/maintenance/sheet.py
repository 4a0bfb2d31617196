"""The Monthly Tracking Sheet: every client's run of a month with its progress, the detail
of one run, and a preview of the runs next month will get.

The sheet costs the same few queries for 4 clients as for 400: the month, then the runs with
their client, owner, item counts and earliest schedule item in one statement (the counts and
the scheduled day are grouped subqueries joined to the runs). Sorting and filtering happen on
those rows, by whitelisted keys: an unknown sort falls back to the client, an unknown filter
is ignored. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import joinedload

from mspboard.models import (
    ChecklistRun,
    ChecklistRunItem,
    MaintenanceMonth,
    Outcome,
    ScheduleItem,
    TimeEntry,
    User,
    db,
    utcnow,
)
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months
from mspboard.services.time_weeks import local_date
from mspboard.services.worked_time import whole_minutes


class RunState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"not_started": "Not started", "in_progress": "In progress", "done": "Done"}[
            self.value
        ]


def run_state(ticked: int, total: int) -> RunState:
    if ticked >= total:
        return RunState.DONE
    return RunState.IN_PROGRESS if ticked else RunState.NOT_STARTED


def is_overdue(state: RunState, due_on: date, today: date) -> bool:
    """Not done and past its due day; the due day itself is still on time."""
    return state != RunState.DONE and today > due_on


@dataclass(frozen=True)
class SheetRow:
    run: ChecklistRun
    total: int
    ticked: int
    problems: int
    srs_raised: int
    scheduled_at: datetime | None
    state: RunState
    overdue: bool

    @property
    def progress(self) -> str:
        return f"{self.ticked}/{self.total}"

    @property
    def share_done(self) -> float:
        return self.ticked / self.total if self.total else 1.0

    @property
    def scheduled_on(self) -> date | None:
        return local_date(self.scheduled_at) if self.scheduled_at else None


DEFAULT_SORT = "client"
# "overdue" filters across states: a run in progress or not started may be overdue.
STATE_FILTERS = (*(state.value for state in RunState), "overdue")


def _by_client(row: SheetRow) -> tuple[str, int]:
    return row.run.client.name.casefold(), row.run.client_id


# The sheet's sorts, each one way (the most problems first), ties broken by the client.
SORTS = {
    "client": _by_client,
    "owner": lambda row: (row.run.owner.name.casefold(), *_by_client(row)),
    "progress": lambda row: (row.share_done, *_by_client(row)),
    "scheduled": lambda row: (
        row.scheduled_at is None,
        row.scheduled_at or datetime.min,
        *_by_client(row),
    ),
    "due": lambda row: (row.run.due_on, *_by_client(row)),
    "problems": lambda row: (-row.problems, *_by_client(row)),
}


@dataclass(frozen=True)
class Summary:
    runs: int
    done: int
    problems: int
    overdue: int


@dataclass
class Sheet:
    month: date
    record: MaintenanceMonth | None
    rows: list[SheetRow]
    summary: Summary
    owners: list[User]
    sort: str = DEFAULT_SORT
    owner_id: int | None = None
    state: str | None = None
    filtered: bool = False
    # The buttons the month offers: a month not yet opened that can be, an ended open one.
    can_open: bool = False
    can_close: bool = False

    @property
    def is_closed(self) -> bool:
        return self.record is not None and self.record.is_closed


def _rows(where: ColumnElement[bool], today: date) -> list[SheetRow]:
    """The runs matching `where` with their counts and scheduled moment, in one statement."""
    run_ids = select(ChecklistRun.id).where(where)
    counts = (
        select(
            ChecklistRunItem.run_id.label("run_id"),
            func.count().label("total"),
            func.count(ChecklistRunItem.outcome).label("ticked"),
            func.count(case((ChecklistRunItem.outcome == Outcome.PROBLEM.value, 1))).label(
                "problems"
            ),
            func.count(ChecklistRunItem.sr_id).label("srs"),
        )
        .where(ChecklistRunItem.run_id.in_(run_ids))
        .group_by(ChecklistRunItem.run_id)
        .subquery()
    )
    scheduled = (
        select(
            ScheduleItem.checklist_run_id.label("run_id"),
            func.min(ScheduleItem.starts_at).label("starts_at"),
        )
        .where(ScheduleItem.checklist_run_id.in_(run_ids))
        .group_by(ScheduleItem.checklist_run_id)
        .subquery()
    )
    statement = (
        select(
            ChecklistRun,
            func.coalesce(counts.c.total, 0),
            func.coalesce(counts.c.ticked, 0),
            func.coalesce(counts.c.problems, 0),
            func.coalesce(counts.c.srs, 0),
            scheduled.c.starts_at,
        )
        .outerjoin(counts, counts.c.run_id == ChecklistRun.id)
        .outerjoin(scheduled, scheduled.c.run_id == ChecklistRun.id)
        .where(where)
        .options(joinedload(ChecklistRun.client), joinedload(ChecklistRun.owner))
    )
    rows = []
    for run, total, ticked, problems, srs, starts_at in db.session.execute(statement):
        state = run_state(ticked, total)
        rows.append(
            SheetRow(
                run=run,
                total=total,
                ticked=ticked,
                problems=problems,
                srs_raised=srs,
                scheduled_at=starts_at,
                state=state,
                overdue=is_overdue(state, run.due_on, today),
            )
        )
    return rows


def tracking_sheet(
    month: date,
    sort: str | None = None,
    owner_id: int | None = None,
    state: str | None = None,
    now: datetime | None = None,
) -> Sheet:
    """The month's runs, sorted by `sort` and filtered by owner and state (see SORTS and
    STATE_FILTERS; anything else is ignored), with the whole month's summary."""
    now = now or utcnow()
    record = months.find_month(month)
    if record is None:
        empty = Summary(0, 0, 0, 0)
        return Sheet(month, None, [], empty, [], can_open=months.is_openable(month, now))
    every = _rows(ChecklistRun.month_id == record.id, local_date(now))
    summary = Summary(
        runs=len(every),
        done=sum(row.state == RunState.DONE for row in every),
        problems=sum(row.problems for row in every),
        overdue=sum(row.overdue for row in every),
    )
    owners = sorted(
        {row.run.owner_id: row.run.owner for row in every}.values(),
        key=lambda user: (user.name.casefold(), user.id),
    )
    sort = sort if sort in SORTS else DEFAULT_SORT
    owner_id = owner_id if owner_id in {owner.id for owner in owners} else None
    state = state if state in STATE_FILTERS else None
    rows = [
        row
        for row in every
        if (owner_id is None or row.run.owner_id == owner_id)
        and (state is None or (row.overdue if state == "overdue" else row.state == state))
    ]
    rows.sort(key=SORTS[sort])
    filtered = owner_id is not None or state is not None
    can_close = not record.is_closed and months.has_ended(month, now)
    return Sheet(
        month, record, rows, summary, owners, sort, owner_id, state, filtered, can_close=can_close
    )


def known_months(now: datetime | None = None) -> list[date]:
    """The months a manager can look at: every opened month, this month and next, newest
    first."""
    current = months.this_month(now)
    opened = set(db.session.scalars(select(MaintenanceMonth.month)))
    return sorted(opened | {current, months.add_months(current, 1)}, reverse=True)


# ---- one run ---------------------------------------------------------------------------


@dataclass
class RunDetail:
    row: SheetRow
    items: list[ChecklistRunItem]
    minutes_logged: int

    @property
    def run(self) -> ChecklistRun:
        return self.row.run

    @property
    def found(self) -> list[ChecklistRunItem]:
        """The items ticked as a Problem."""
        return [item for item in self.items if item.outcome == Outcome.PROBLEM]


def minutes_logged(run: ChecklistRun) -> int:
    """Finished time logged against the run, in whole minutes."""
    spans = db.session.execute(
        select(TimeEntry.started_at, TimeEntry.ended_at).where(
            TimeEntry.checklist_run_id == run.id, TimeEntry.ended_at.is_not(None)
        )
    )
    return whole_minutes(sum((end - start for start, end in spans), timedelta()))


def run_detail(run: ChecklistRun, now: datetime | None = None) -> RunDetail:
    """Every item of the run with its outcome, note, who ticked it and when, and its SR."""
    (row,) = _rows(ChecklistRun.id == run.id, local_date(now or utcnow()))
    items = list(
        db.session.scalars(
            select(ChecklistRunItem)
            .where(ChecklistRunItem.run_id == run.id)
            .order_by(ChecklistRunItem.position, ChecklistRunItem.id)
            .options(
                joinedload(ChecklistRunItem.ticked_by),
                joinedload(ChecklistRunItem.service_request),
            )
        )
    )
    return RunDetail(row, items, minutes_logged(run))


# ---- next month ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRun:
    client_name: str
    owner: User
    titles: list[str]


@dataclass
class Preview:
    month: date
    record: MaintenanceMonth | None
    runs: list[PreviewRun]
    refused: str = ""

    @property
    def is_open(self) -> bool:
        return self.record is not None


def next_month_preview(now: datetime | None = None) -> Preview:
    """The runs opening next month would create from today's templates (all of them, or,
    once it is open, those of clients added since), with the owner each would get."""
    month = months.add_months(months.this_month(now), 1)
    record = months.find_month(month)
    try:
        planned = months.plan_runs(month, record)
    except RuleViolation as violation:
        return Preview(month, record, [], violation.message)
    if not planned:
        return Preview(month, record, [])
    owner_ids = {plan.owner_id for plan in planned}
    owners = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(owner_ids)))
    }
    runs = [
        PreviewRun(plan.client.name, owners[plan.owner_id], [item.title for item in plan.items])
        for plan in planned
    ]
    return Preview(month, record, runs)
