"""What the SR board shows: work by column in the order techs work it, with the facts each
card carries (age, due, stale, hours logged) and the filters a person applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import selectinload

from mspboard.inputs import id_or_none
from mspboard.models import (
    ServiceRequest,
    SRStatus,
    TimeEntry,
    User,
    db,
    parse_sr_number,
    utcnow,
)
from mspboard.services.shop_settings import current_settings
from mspboard.services.sql_time import seconds_between

DONE_VISIBLE_FOR = timedelta(days=7)
# A column shows its most urgent cards first; past this many, filters find the rest.
COLUMN_LIMIT = 50


@dataclass(frozen=True)
class BoardFilter:
    """Filters from the board's URL. `assignee_id` 0 means "unassigned"."""

    assignee_id: int | None = None
    client_id: int | None = None
    priority: int | None = None
    mine_of: int | None = None  # the signed-in user's id when "mine" is ticked
    text: str = ""

    @property
    def active(self) -> bool:
        return any(
            (self.assignee_id is not None, self.client_id, self.priority, self.mine_of, self.text)
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.assignee_id == 0:
            conditions.append(ServiceRequest.assignee_id.is_(None))
        elif self.assignee_id is not None:
            conditions.append(ServiceRequest.assignee_id == self.assignee_id)
        if self.mine_of is not None:
            conditions.append(ServiceRequest.assignee_id == self.mine_of)
        if self.client_id:
            conditions.append(ServiceRequest.client_id == self.client_id)
        if self.priority:
            conditions.append(ServiceRequest.priority == self.priority)
        text = self.text.strip()
        if text:
            number = id_or_none(parse_sr_number(text) or text)
            title_match = ServiceRequest.title.ilike(f"%{_escape_like(text)}%", escape="\\")
            conditions.append(
                or_(title_match, ServiceRequest.id == number) if number else title_match
            )
        return conditions


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Card:
    sr: ServiceRequest
    age: timedelta
    stale: bool
    overdue: bool
    logged_seconds: int = 0

    @property
    def age_label(self) -> str:
        return age_label(self.age)

    @property
    def logged_label(self) -> str:
        hours = self.logged_seconds / 3600
        return f"{hours:.1f} h" if hours else "0 h"


@dataclass
class Column:
    status: SRStatus
    cards: list[Card] = field(default_factory=list)
    count: int = 0  # every SR in the column, shown or not

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


def age_label(age: timedelta) -> str:
    """Short age for a card: "45 m", "5 h", "3 d"."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} m"
    if minutes < 60 * 24:
        return f"{minutes // 60} h"
    return f"{minutes // (60 * 24)} d"


def is_stale(sr: ServiceRequest, now: datetime, stale_after_days: int) -> bool:
    """Open, and nothing has happened to it for longer than the shop's threshold."""
    return sr.status != SRStatus.DONE and now - sr.updated_at > timedelta(days=stale_after_days)


def is_overdue(sr: ServiceRequest, now: datetime) -> bool:
    return sr.status != SRStatus.DONE and sr.due_at is not None and sr.due_at < now


def logged_seconds_by_sr(sr_ids: Sequence[int]) -> dict[int, int]:
    if not sr_ids:
        return {}
    rows = db.session.execute(
        select(TimeEntry.sr_id, func.sum(seconds_between(TimeEntry.started_at, TimeEntry.ended_at)))
        .where(TimeEntry.sr_id.in_(sr_ids), TimeEntry.ended_at.is_not(None))
        .group_by(TimeEntry.sr_id)
    )
    return {sr_id: round(seconds or 0) for sr_id, seconds in rows}


def visible_on_board(now: datetime) -> ColumnElement[bool]:
    return or_(
        ServiceRequest.status != SRStatus.DONE,
        ServiceRequest.closed_at >= now - DONE_VISIBLE_FOR,
    )


def board_columns(
    board_filter: BoardFilter | None = None,
    now: datetime | None = None,
    with_hours: bool = True,
    limit: int = COLUMN_LIMIT,
) -> list[Column]:
    """Every column, each ordered P1 first then oldest first, holding at most `limit` cards
    and the count of all. Done holds the last 7 days."""
    now = now or utcnow()
    stale_after = current_settings().stale_after_days
    conditions = [visible_on_board(now), *(board_filter or BoardFilter()).conditions()]
    ranked = (
        select(
            ServiceRequest.id,
            func.row_number()
            .over(partition_by=ServiceRequest.status, order_by=ServiceRequest.work_order())
            .label("rank"),
        )
        .where(*conditions)
        .subquery()
    )
    query = (
        select(ServiceRequest)
        .join(ranked, ranked.c.id == ServiceRequest.id)
        .where(ranked.c.rank <= limit)
        .options(selectinload(ServiceRequest.client), selectinload(ServiceRequest.assignee))
        .order_by(*ServiceRequest.work_order())
    )
    columns = {status: Column(status) for status in SRStatus}
    totals = db.session.execute(
        select(ServiceRequest.status, func.count())
        .where(*conditions)
        .group_by(ServiceRequest.status)
    )
    for status, total in totals:
        columns[SRStatus(status)].count = total
    cards = [
        Card(
            sr=sr,
            age=now - sr.created_at,
            stale=is_stale(sr, now, stale_after),
            overdue=is_overdue(sr, now),
        )
        for sr in db.session.scalars(query)
    ]
    if with_hours:
        logged = logged_seconds_by_sr([card.sr.id for card in cards])
        for card in cards:
            card.logged_seconds = logged.get(card.sr.id, 0)
    for card in cards:
        columns[card.sr.status_enum].cards.append(card)
    return list(columns.values())


def assignable_people() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active).order_by(User.name)))
