"""What the SR board shows: open work by column, in the order techs work it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from mspboard.models import ServiceRequest, SRStatus, db, utcnow

DONE_VISIBLE_FOR = timedelta(days=7)


def board_columns(now: datetime | None = None) -> dict[SRStatus, list[ServiceRequest]]:
    now = now or utcnow()
    query = (
        select(ServiceRequest)
        .where(
            or_(
                ServiceRequest.status != SRStatus.DONE,
                ServiceRequest.closed_at >= now - DONE_VISIBLE_FOR,
            )
        )
        .options(selectinload(ServiceRequest.client), selectinload(ServiceRequest.assignee))
        .order_by(*ServiceRequest.work_order())
    )
    columns: dict[SRStatus, list[ServiceRequest]] = {status: [] for status in SRStatus}
    for sr in db.session.scalars(query):
        columns[sr.status_enum].append(sr)
    return columns
