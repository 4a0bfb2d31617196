"""Everything that happened on one SR: its activity log, time entries and schedule items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mspboard.models import ScheduleItem, ServiceRequest, SRActivity, TimeEntry, db


@dataclass
class SRHistory:
    activities: list[SRActivity]
    time_entries: list[TimeEntry]
    schedule_items: list[ScheduleItem]

    @property
    def logged_seconds(self) -> int:
        return sum(int(e.duration().total_seconds()) for e in self.time_entries if e.ended_at)


def sr_history(sr: ServiceRequest) -> SRHistory:
    activities = db.session.scalars(
        select(SRActivity)
        .where(SRActivity.sr_id == sr.id)
        .options(selectinload(SRActivity.actor))
        .order_by(SRActivity.at.desc(), SRActivity.id.desc())
    ).all()
    entries = db.session.scalars(
        select(TimeEntry)
        .where(TimeEntry.sr_id == sr.id)
        .options(selectinload(TimeEntry.tech))
        .order_by(TimeEntry.started_at.desc())
    ).all()
    items = db.session.scalars(
        select(ScheduleItem)
        .where(ScheduleItem.sr_id == sr.id)
        .options(selectinload(ScheduleItem.tech))
        .order_by(ScheduleItem.starts_at)
    ).all()
    return SRHistory(list(activities), list(entries), list(items))
