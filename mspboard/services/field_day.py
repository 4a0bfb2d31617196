"""A technician's day as the phone shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import selectinload

from mspboard.inputs import id_or_none
from mspboard.models import (
    ChecklistRun,
    Client,
    MaintenanceMonth,
    ScheduleItem,
    ServiceRequest,
    SRStatus,
    TimeEntry,
    User,
    db,
    utcnow,
)
from mspboard.services.maintenance.months import this_month
from mspboard.services.schedule_acknowledgements import published_items
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_entries import running_timer
from mspboard.services.time_weeks import local_midnight, week_start_of


@dataclass
class Day:
    schedule: list[ScheduleItem]
    running_timer: TimeEntry | None
    queue: list[ServiceRequest]
    total: timedelta
    billable: timedelta

    @property
    def open_assigned(self) -> int:
        return len(self.queue)

    @property
    def non_billable(self) -> timedelta:
        return self.total - self.billable

    @property
    def next_sr(self) -> ServiceRequest | None:
        """The first SR in my queue that is not the one I am already timing."""
        timing = self.running_timer.sr_id if self.running_timer else None
        return next((sr for sr in self.queue if sr.id != timing), None)


def _mine_open(tech: User) -> tuple[ColumnElement[bool], ...]:
    return (ServiceRequest.assignee_id == tech.id, ServiceRequest.status != SRStatus.DONE)


def _my_queue_in_order(tech: User) -> Select[tuple[ServiceRequest]]:
    return (
        select(ServiceRequest)
        .where(*_mine_open(tech))
        .options(selectinload(ServiceRequest.client))
        .order_by(*ServiceRequest.work_order())
    )


def my_queue(tech: User) -> list[ServiceRequest]:
    """My assigned open SRs in work order (P1 first, then oldest), with their clients."""
    return list(db.session.scalars(_my_queue_in_order(tech)))


# The phone's queue comes a page at a time, so a tech with hundreds of SRs still gets a
# small first page (the one the phone keeps for offline reading).
QUEUE_PAGE_SIZE = 25


@dataclass
class QueuePage:
    srs: list[ServiceRequest]
    number: int
    total: int

    @property
    def first_position(self) -> int:
        return (self.number - 1) * QUEUE_PAGE_SIZE + 1

    @property
    def left_after(self) -> int:
        return max(self.total - self.number * QUEUE_PAGE_SIZE, 0)


def my_queue_page(tech: User, number: int = 1) -> QueuePage:
    """One page of my queue, in the same order as the whole of it."""
    total = (
        db.session.scalar(select(func.count()).select_from(ServiceRequest).where(*_mine_open(tech)))
        or 0
    )
    srs = db.session.scalars(
        _my_queue_in_order(tech).limit(QUEUE_PAGE_SIZE).offset((number - 1) * QUEUE_PAGE_SIZE)
    )
    return QueuePage(list(srs), number, total)


def local_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the shop-local calendar day containing `now`."""
    start = now.astimezone(shop_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def my_day(tech: User, now: datetime | None = None) -> Day:
    now = now or utcnow()
    start, end = local_day_bounds(now)
    schedule = published_items(tech, start, end)
    entries = db.session.scalars(
        select(TimeEntry).where(
            TimeEntry.tech_id == tech.id,
            TimeEntry.started_at >= start,
            TimeEntry.started_at < end,
        )
    ).all()
    total = sum((e.duration(now) for e in entries), timedelta())
    billable = sum((e.duration(now) for e in entries if e.billable), timedelta())
    return Day(
        schedule=list(schedule),
        running_timer=running_timer(tech),
        queue=my_queue(tech),
        total=total,
        billable=billable,
    )


def active_clients() -> list[Client]:
    return list(db.session.scalars(select(Client).where(Client.active).order_by(Client.name)))


def active_client_named(client_id: int | None) -> list[Client]:
    """The one choice a form that only checks a sent client id needs: that client, if it
    is active (an id outside the column's range is no client)."""
    number = id_or_none(client_id)
    client = db.session.get(Client, number) if number is not None else None
    return [client] if client is not None and client.active else []


@dataclass
class OfflineReading:
    """What the phone keeps so it can be read and worked with no signal."""

    sr_ids: list[int]
    entry_ids: list[int]
    last_week: date
    run_ids: list[int]


# Enough for a busy fortnight; a phone should not fetch hundreds of pages after each sync.
OFFLINE_SRS_MAX = 40
OFFLINE_ENTRIES_MAX = 80
OFFLINE_RUNS_MAX = 40


def offline_reading(tech: User, now: datetime | None = None) -> OfflineReading:
    """The SRs on the first page of my queue and on my schedule this week and next, the
    entries on this week's and last week's time card (the ones a tech may still fix), and
    my maintenance runs of the month (to tick with no signal)."""
    now = now or utcnow()
    this_week = week_start_of(now)
    last_week = this_week - timedelta(weeks=1)
    queue_ids = [sr.id for sr in my_queue_page(tech).srs]
    scheduled = published_items(
        tech, local_midnight(this_week), local_midnight(this_week + timedelta(weeks=2))
    )
    sr_ids = list(dict.fromkeys(queue_ids + [i.sr_id for i in scheduled if i.sr_id]))
    entry_ids = db.session.scalars(
        select(TimeEntry.id)
        .where(
            TimeEntry.tech_id == tech.id,
            TimeEntry.started_at >= local_midnight(last_week),
            TimeEntry.started_at < local_midnight(this_week + timedelta(weeks=1)),
        )
        .order_by(TimeEntry.started_at.desc())
        .limit(OFFLINE_ENTRIES_MAX)
    ).all()
    run_ids = db.session.scalars(
        select(ChecklistRun.id)
        .join(MaintenanceMonth, ChecklistRun.month_id == MaintenanceMonth.id)
        .where(ChecklistRun.owner_id == tech.id, MaintenanceMonth.month == this_month(now))
        .order_by(ChecklistRun.due_on, ChecklistRun.client_id)
        .limit(OFFLINE_RUNS_MAX)
    ).all()
    return OfflineReading(sr_ids[:OFFLINE_SRS_MAX], list(entry_ids), last_week, list(run_ids))
