"""What the SR board shows: work by column in the order techs work it, with the facts each
card carries (age, due, stale, hours logged) and the filters a person applied."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, ScalarSelect, func, literal, or_, select, union_all

from mspboard.models import (
    Client,
    Priority,
    ServiceRequest,
    SRStatus,
    TimeEntry,
    User,
    db,
    format_sr_number,
    utcnow,
)
from mspboard.models.people import initials_of
from mspboard.services.backlog import stale_condition
from mspboard.services.durations import age as age_text
from mspboard.services.local_time import wall_label
from mspboard.services.service_requests import text_match
from mspboard.services.shop_settings import current_settings, shop_zone
from mspboard.services.sql_time import seconds_between
from mspboard.services.sr_notes import note_count_of_sr

DONE_VISIBLE_FOR = timedelta(days=7)
# Where the number goes in the SR page's address a board is given (see `make_card`).
SR_NUMBER = "SR-NUMBER"
SR_LINK = f"/sr/{SR_NUMBER}"
PRIORITY_LABELS = {priority.value: priority.label for priority in Priority}
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
        text = text_match(self.text)
        if text is not None:
            conditions.append(text)
        return conditions


@dataclass(frozen=True, slots=True)
class Named:
    """A client or a person as a card names them."""

    name: str
    initials: str = ""


@dataclass(frozen=True, slots=True)
class CardSR:
    """An SR's fields as the board reads them, in one plain query: what its card (and the
    wall TV's) shows, without loading the whole SR, its client and its assignee."""

    id: int
    version: int
    title: str
    priority: int
    status: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    client: Named
    assignee: Named | None

    @property
    def number(self) -> str:
        return format_sr_number(self.id)

    @property
    def status_enum(self) -> SRStatus:
        return SRStatus(self.status)


@dataclass(slots=True)
class Card:
    """One SR as a card shows it. Every string the card prints is made here once, so drawing
    a board of hundreds of cards is only putting them in place."""

    sr: CardSR
    age: timedelta
    stale: bool
    overdue: bool
    logged_seconds: int = 0
    notes: int = 0
    id: int = 0
    version: int = 0
    priority: int = 0
    title: str = ""
    client_name: str = ""
    href: str = ""
    number: str = ""
    age_label: str = ""
    opened: str = ""  # "Opened Mon 07 Dec 09:30", the age's title
    priority_label: str = ""
    assignee_name: str = ""
    initials: str = ""
    due_flag: str = ""  # "⚠ Overdue since 07 Dec", "Due 07 Dec" or nothing
    classes: str = ""  # the card's CSS classes after "card"

    @property
    def notes_label(self) -> str:
        return f"{self.notes} note{'' if self.notes == 1 else 's'}"

    @property
    def logged_label(self) -> str:
        hours = self.logged_seconds / 3600
        return f"{hours:.1f} h" if hours else "0 h"


def make_card(
    sr: CardSR | ServiceRequest,
    now: datetime,
    stale: bool,
    zone: ZoneInfo,
    sr_link: str = SR_LINK,
) -> Card:
    """The card for an SR; `stale` as backlog.stale_condition decided it. `sr_link` is the
    SR page's address with `SR_NUMBER` where the number goes (one url_for for the whole
    board)."""
    overdue = is_overdue(sr, now)
    sr_id, priority, created_at, due_at = sr.id, sr.priority, sr.created_at, sr.due_at
    number = format_sr_number(sr_id)
    assignee = sr.assignee
    due_flag = ""
    if overdue:
        due_flag = f"⚠ Overdue since {wall_label(due_at, '%d %b', zone)}"  # type: ignore[arg-type]
    elif due_at is not None and sr.status != SRStatus.DONE:
        due_flag = f"Due {wall_label(due_at, '%d %b', zone)}"
    age = now - created_at
    return Card(
        sr,
        age,
        stale,
        overdue,
        id=sr_id,
        version=sr.version,
        priority=priority,
        title=sr.title,
        client_name=sr.client.name,
        href=sr_link.replace(SR_NUMBER, number),
        number=number,
        age_label=age_text(age),
        opened=f"Opened {wall_label(created_at, '%a %d %b %H:%M', zone)}",
        priority_label=PRIORITY_LABELS[priority],
        assignee_name=assignee.name if assignee else "",
        initials=assignee.initials if assignee else "",
        due_flag=due_flag,
        classes=f"p{priority}{' stale' if stale else ''}{' overdue' if overdue else ''}",
    )


@dataclass
class Column:
    status: SRStatus
    cards: list[Card] = field(default_factory=list)
    count: int = 0  # every SR in the column, shown or not

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


def is_overdue(sr: ServiceRequest, now: datetime) -> bool:
    return sr.status != SRStatus.DONE and sr.due_at is not None and sr.due_at < now


def logged_seconds_of_sr() -> ScalarSelect:
    """Finished time logged on the row's SR, in seconds, as a correlated subquery, so the
    cards and their hours come in one query."""
    return (
        select(func.sum(seconds_between(TimeEntry.started_at, TimeEntry.ended_at)))
        .where(TimeEntry.sr_id == ServiceRequest.id, TimeEntry.ended_at.is_not(None))
        .scalar_subquery()
    )


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
    sr_link: str = SR_LINK,
    statuses: Collection[SRStatus] | None = None,
) -> list[Column]:
    """Every column (or those of `statuses`), each ordered P1 first then oldest first,
    holding at most `limit` cards and the count of all. Done holds the last 7 days."""
    now = now or utcnow()
    stale_after = current_settings().stale_after_days
    zone = shop_zone()
    conditions = [visible_on_board(now), *(board_filter or BoardFilter()).conditions()]
    shown = [status for status in SRStatus if statuses is None or status in statuses]
    if statuses is not None:
        conditions.append(ServiceRequest.status.in_([status.value for status in shown]))
    # Each column's first `limit` cards, read along the board-order index one column at a
    # time: far cheaper than ranking every open SR.
    firsts = union_all(
        *(
            select(first.c.id)
            for first in (
                select(ServiceRequest.id)
                .where(*conditions, ServiceRequest.status == status.value)
                .order_by(*ServiceRequest.work_order())
                .limit(limit)
                .subquery()
                for status in shown
            )
        )
    ).subquery()
    query = (
        select(
            ServiceRequest.id,
            ServiceRequest.version,
            ServiceRequest.title,
            ServiceRequest.priority,
            ServiceRequest.status,
            ServiceRequest.created_at,
            ServiceRequest.updated_at,
            ServiceRequest.due_at,
            Client.name,
            User.name,
            logged_seconds_of_sr() if with_hours else literal(0),
            note_count_of_sr() if with_hours else literal(0),
            stale_condition(now, stale_after),
        )
        .join(firsts, firsts.c.id == ServiceRequest.id)
        .join(Client, Client.id == ServiceRequest.client_id)
        .outerjoin(User, User.id == ServiceRequest.assignee_id)
        .order_by(*ServiceRequest.work_order())
    )
    columns = {status: Column(status) for status in shown}
    totals = db.session.execute(
        select(ServiceRequest.status, func.count())
        .where(*conditions)
        .group_by(ServiceRequest.status)
    )
    for status, total in totals:
        columns[SRStatus(status)].count = total
    clients: dict[str, Named] = {}
    people: dict[str, Named] = {}
    cards = []
    for *fields, client_name, assignee_name, logged, notes, stale in db.session.execute(query):
        client = clients.get(client_name) or clients.setdefault(client_name, Named(client_name))
        assignee = None
        if assignee_name is not None:
            assignee = people.get(assignee_name) or people.setdefault(
                assignee_name, Named(assignee_name, initials_of(assignee_name))
            )
        sr = CardSR(*fields, client=client, assignee=assignee)
        card = make_card(sr, now, bool(stale), zone, sr_link)
        card.logged_seconds = round(logged or 0)
        card.notes = notes or 0
        cards.append(card)
    for card in cards:
        columns[card.sr.status_enum].cards.append(card)
    return list(columns.values())


@dataclass
class Move:
    """What a move changes on a board that showed the SR in its old column: the card leaves
    its old place, takes its place in the new column (in front of `before`, or last when
    `before` is None; not at all when the column's limit leaves it out), may push the new
    column's last shown card out (`pushed_out`), and may let the old column's first hidden
    card in at its end (`pulled_in`). `old` and `new` carry the counts after the move."""

    sr_id: int
    old: Column
    new: Column
    card: Card | None = None
    before: int | None = None
    pushed_out: int | None = None
    pulled_in: Card | None = None

    @property
    def announcement(self) -> str:
        """What a screen reader says once the move landed: "SR-000049 moved to Waiting"."""
        return f"{format_sr_number(self.sr_id)} moved to {self.new.status.label}"


def place_move(sr_id: int, old: Column, new: Column, limit: int = COLUMN_LIMIT) -> Move:
    """The move of `sr_id` from `old` to `new`, given both columns as they are after it,
    each holding up to `limit` + 1 cards (one past what a board shows)."""
    shown_new = new.cards[:limit]
    move = Move(
        sr_id,
        old=Column(old.status, old.cards[:limit], old.count),
        new=Column(new.status, shown_new, new.count),
    )
    ids = [card.id for card in new.cards]
    if sr_id in ids[:limit]:
        at = ids.index(sr_id)
        move.card = new.cards[at]
        move.before = ids[at + 1] if at + 1 < len(shown_new) else None
        if len(new.cards) > limit and old.status != new.status:
            move.pushed_out = ids[limit]
    # Before the move the board showed the card and the old column's first limit - 1 others.
    if len(old.cards) >= limit and old.status != new.status:
        move.pulled_in = old.cards[limit - 1]
    return move


def move_on_board(
    sr: ServiceRequest,
    moved_from: SRStatus,
    board_filter: BoardFilter | None = None,
    sr_link: str = SR_LINK,
    limit: int = COLUMN_LIMIT,
) -> Move:
    """What moving `sr` (already moved) out of `moved_from` changes on a board showing it."""
    moved_to = SRStatus(sr.status)
    columns = {
        column.status: column
        for column in board_columns(
            board_filter, limit=limit + 1, sr_link=sr_link, statuses={moved_from, moved_to}
        )
    }
    return place_move(sr.id, columns[moved_from], columns[moved_to], limit)


def assignable_people() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active).order_by(User.name)))
