"""Builders for the technician's phone view tests. Call inside an app context; they flush."""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime, timedelta

from mspboard.models import (
    Client,
    ScheduleItem,
    ServiceRequest,
    TimeCard,
    TimeEntry,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from tests.factories import make_client


def new_uuid() -> str:
    return str(uuid_module.uuid4())


def make_entry(
    tech: User,
    started_at: datetime,
    minutes: int | None = 60,
    sr: ServiceRequest | None = None,
    client: Client | None = None,
    billable: bool = True,
    notes: str = "",
) -> TimeEntry:
    """A finished entry lasting `minutes`, or a running timer when `minutes` is None."""
    entry = TimeEntry(
        uuid=new_uuid(),
        tech_id=tech.id,
        sr_id=sr.id if sr else None,
        client_id=sr.client_id if sr else (client or make_client()).id,
        started_at=started_at,
        ended_at=None if minutes is None else started_at + timedelta(minutes=minutes),
        billable=billable,
        notes=notes,
        created_at=started_at,
        synced_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def make_card(tech: User, week_start: date, status: str = "draft", reason: str = "") -> TimeCard:
    now = utcnow()
    card = TimeCard(
        tech_id=tech.id,
        week_start=week_start,
        status=status,
        submitted_at=None if status == "draft" else now,
        decided_at=now if status in ("approved", "rejected") else None,
        reason=reason,
    )
    db.session.add(card)
    db.session.flush()
    return card


def make_schedule_item(
    tech: User,
    starts_at: datetime,
    hours: int = 2,
    title: str = "Server patching",
    published: bool = True,
    sr: ServiceRequest | None = None,
) -> ScheduleItem:
    item = ScheduleItem(
        tech_id=tech.id,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        published_at=starts_at - timedelta(days=7) if published else None,
        sr_id=sr.id if sr else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def make_time_off(
    tech: User, start: date, end: date, status: str = "approved", kind: str = "vacation"
) -> TimeOffRequest:
    request = TimeOffRequest(
        tech_id=tech.id, start_date=start, end_date=end, status=status, kind=kind
    )
    db.session.add(request)
    db.session.flush()
    return request
