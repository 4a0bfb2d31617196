"""Backlog review: the open SRs that need a manager's decision, list by list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from mspboard.models import ScheduleItem, ServiceRequest, SRStatus, TimeEntry, User, db, utcnow
from mspboard.services import service_requests
from mspboard.services.maintenance.placing import UnplacedThisMonth, unplaced_this_month
from mspboard.services.shop_settings import current_settings

SCHEDULE_HORIZON = timedelta(days=14)
# Each list shows its most urgent SRs; the count says how many there are in all.
LIST_LIMIT = 100


class BacklogList(StrEnum):
    UNASSIGNED = "unassigned"
    UNSCHEDULED = "unscheduled"
    STALE = "stale"
    OVERDUE = "overdue"
    URGENT_NOT_STARTED = "urgent"

    @property
    def label(self) -> str:
        return {
            "unassigned": "Unassigned",
            "unscheduled": "Not scheduled in the next two weeks",
            "stale": "Stale",
            "overdue": "Overdue",
            "urgent": "P1/P2 not started",
        }[self.value]

    @property
    def short_label(self) -> str:
        return {"unscheduled": "Unscheduled"}.get(self.value, self.label)

    def definition(self, stale_after_days: int) -> str:
        """The list in one sentence; `list_conditions` is this sentence as a query."""
        days = f"{stale_after_days} day{'s' if stale_after_days != 1 else ''}"
        return {
            "unassigned": "Open SRs nobody is assigned to.",
            "unscheduled": "Open SRs with no schedule item running now or starting in the "
            "next 14 days.",
            "stale": f"Open SRs with no change and no time logged for {days} or more.",
            "overdue": "Open SRs whose due time has passed.",
            "urgent": "Open P1 and P2 SRs nobody has started: New or Scheduled (not In "
            "progress, and not Waiting on the client or a supplier).",
        }[self.value]


def stale_condition(now: datetime, stale_after_days: int) -> ColumnElement[bool]:
    """Open, with no change to the SR and no time logged on it for `stale_after_days` or
    more: its last change is at least that long ago, and so is the end of every time entry
    on it (a running timer is time being logged now). Exactly that long ago is stale."""
    cutoff = now - timedelta(days=stale_after_days)
    logged_since = exists().where(
        TimeEntry.sr_id == ServiceRequest.id,
        or_(TimeEntry.ended_at.is_(None), TimeEntry.ended_at > cutoff),
    )
    return and_(_open(), ServiceRequest.updated_at <= cutoff, ~logged_since)


def list_conditions(now: datetime, stale_after_days: int) -> dict[BacklogList, ColumnElement[bool]]:
    """Each list's condition on an open SR, as its `definition` says it."""
    scheduled_soon = exists().where(
        ScheduleItem.sr_id == ServiceRequest.id,
        ScheduleItem.ends_at >= now,
        ScheduleItem.starts_at < now + SCHEDULE_HORIZON,
    )
    return {
        BacklogList.UNASSIGNED: ServiceRequest.assignee_id.is_(None),
        BacklogList.UNSCHEDULED: ~scheduled_soon,
        BacklogList.STALE: stale_condition(now, stale_after_days),
        BacklogList.OVERDUE: and_(ServiceRequest.due_at.is_not(None), ServiceRequest.due_at < now),
        BacklogList.URGENT_NOT_STARTED: and_(
            ServiceRequest.priority <= 2,
            ServiceRequest.status.in_([SRStatus.NEW.value, SRStatus.SCHEDULED.value]),
        ),
    }


def _open() -> ColumnElement[bool]:
    return ServiceRequest.status != SRStatus.DONE


def backlog_counts(
    now: datetime | None = None, names: list[BacklogList] | None = None
) -> dict[BacklogList, int]:
    """How many open SRs are on each list (or on the lists named), in one query."""
    every = list_conditions(now or utcnow(), current_settings().stale_after_days)
    conditions = {name: every[name] for name in names or list(every)}
    row = db.session.execute(
        select(
            *(func.coalesce(func.sum(case((cond, 1), else_=0)), 0) for cond in conditions.values())
        )
        .select_from(ServiceRequest)
        .where(_open())
    ).one()
    return dict(zip(conditions, (int(value) for value in row), strict=True))


@dataclass
class Backlog:
    lists: dict[BacklogList, list[ServiceRequest]]
    counts: dict[BacklogList, int]
    maintenance: UnplacedThisMonth
    now: datetime  # the moment the lists were read, which the SRs' ages count to
    stale_after_days: int

    def count(self, name: BacklogList) -> int:
        return self.counts[name]

    def hidden(self, name: BacklogList) -> int:
        return self.counts[name] - len(self.lists[name])


def backlog_lists(
    names: list[BacklogList], now: datetime, limit: int = LIST_LIMIT
) -> dict[BacklogList, list[ServiceRequest]]:
    """The most urgent `limit` SRs of each named list, in work order, with their clients
    and assignees: one query a list, however many SRs there are."""
    conditions = list_conditions(now, current_settings().stale_after_days)
    return {
        name: list(
            db.session.scalars(
                select(ServiceRequest)
                .where(_open(), conditions[name])
                .options(joinedload(ServiceRequest.client), joinedload(ServiceRequest.assignee))
                .order_by(*ServiceRequest.work_order())
                .limit(limit)
            )
        )
        for name in names
    }


def backlog(now: datetime | None = None, limit: int = LIST_LIMIT) -> Backlog:
    now = now or utcnow()
    lists = backlog_lists(list(BacklogList), now, limit)
    stale_after_days = current_settings().stale_after_days
    return Backlog(lists, backlog_counts(now), unplaced_this_month(now), now, stale_after_days)


def bulk_update(
    actor: User, sr_ids: list[int], action: str, assignee_id: int | None, priority: int
) -> int:
    """Assign, or set the priority of, the ticked SRs; returns how many were changed."""
    chosen = list(db.session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_(sr_ids))))
    if action == "assign":
        service_requests.assign(actor, chosen, assignee_id)
    else:
        service_requests.set_priority(actor, chosen, priority)
    return len(chosen)
