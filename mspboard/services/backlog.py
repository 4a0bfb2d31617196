"""Backlog review: the open SRs that need a manager's decision, list by list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import selectinload

from mspboard.models import ScheduleItem, ServiceRequest, SRStatus, User, db, utcnow
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
            "urgent": "P1/P2 not in progress",
        }[self.value]

    @property
    def short_label(self) -> str:
        return {"unscheduled": "Unscheduled", "urgent": "P1/P2 waiting"}.get(self.value, self.label)


def list_conditions(now: datetime, stale_after_days: int) -> dict[BacklogList, ColumnElement[bool]]:
    scheduled_soon = exists().where(
        ScheduleItem.sr_id == ServiceRequest.id,
        ScheduleItem.ends_at >= now,
        ScheduleItem.starts_at < now + SCHEDULE_HORIZON,
    )
    return {
        BacklogList.UNASSIGNED: ServiceRequest.assignee_id.is_(None),
        BacklogList.UNSCHEDULED: ~scheduled_soon,
        BacklogList.STALE: ServiceRequest.updated_at < now - timedelta(days=stale_after_days),
        BacklogList.OVERDUE: and_(ServiceRequest.due_at.is_not(None), ServiceRequest.due_at < now),
        BacklogList.URGENT_NOT_STARTED: and_(
            ServiceRequest.priority <= 2, ServiceRequest.status != SRStatus.IN_PROGRESS
        ),
    }


def _open() -> ColumnElement[bool]:
    return ServiceRequest.status != SRStatus.DONE


def backlog_counts(now: datetime | None = None) -> dict[BacklogList, int]:
    """How many open SRs are on each list, in one query."""
    conditions = list_conditions(now or utcnow(), current_settings().stale_after_days)
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

    def count(self, name: BacklogList) -> int:
        return self.counts[name]

    def hidden(self, name: BacklogList) -> int:
        return self.counts[name] - len(self.lists[name])


def backlog(now: datetime | None = None, limit: int = LIST_LIMIT) -> Backlog:
    now = now or utcnow()
    conditions = list_conditions(now, current_settings().stale_after_days)
    lists = {}
    for name, condition in conditions.items():
        lists[name] = list(
            db.session.scalars(
                select(ServiceRequest)
                .where(_open(), condition)
                .options(selectinload(ServiceRequest.client), selectinload(ServiceRequest.assignee))
                .order_by(*ServiceRequest.work_order())
                .limit(limit)
            )
        )
    return Backlog(lists, backlog_counts(now), unplaced_this_month(now))


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
