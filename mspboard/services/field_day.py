"""A technician's day as the phone shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from mspboard.models import ScheduleItem, ServiceRequest, SRStatus, TimeEntry, User, db, utcnow
from mspboard.services.shop_settings import shop_zone


@dataclass
class Day:
    schedule: list[ScheduleItem]
    running_timer: TimeEntry | None
    open_assigned: int


def local_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the shop-local calendar day containing `now`."""
    start = now.astimezone(shop_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def my_day(tech: User, now: datetime | None = None) -> Day:
    start, end = local_day_bounds(now or utcnow())
    schedule = db.session.scalars(
        select(ScheduleItem)
        .where(
            ScheduleItem.tech_id == tech.id,
            ScheduleItem.published_at.is_not(None),
            ScheduleItem.starts_at < end,
            ScheduleItem.ends_at > start,
        )
        .options(selectinload(ScheduleItem.service_request))
        .order_by(ScheduleItem.starts_at)
    ).all()
    running = db.session.scalar(
        select(TimeEntry)
        .where(TimeEntry.tech_id == tech.id, TimeEntry.ended_at.is_(None))
        .options(selectinload(TimeEntry.service_request), selectinload(TimeEntry.client))
    )
    open_assigned = db.session.scalar(
        select(func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.assignee_id == tech.id, ServiceRequest.status != SRStatus.DONE)
    )
    return Day(schedule=list(schedule), running_timer=running, open_assigned=open_assigned or 0)
