"""What the office TV shows: the board without anything private, sized for the room.

Two parts that change for different reasons, fetched and swapped apart: the columns (an SR
changed) and who is working on what (a timer started or stopped). Every string a card shows
is made once here, so the template only places them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mspboard.models import Priority, SRStatus, utcnow
from mspboard.services.board import Card, Column, board_columns
from mspboard.services.durations import age, spent
from mspboard.services.now_working import who_is_working

# A column of more than FULL_CARDS_FIT cards shows them compact (no client line, the title
# on one line), to fit more. The page shows as many of its first WALL_CARDS as fit the
# column's height on the screen at hand (tv.css wraps the rest out of view, tv.js counts
# them into "+N more"), so a tall screen is filled and none shows half a card.
FULL_CARDS_FIT = 6
WALL_CARDS = 30
UNASSIGNED = "\u2013"  # an en dash


@dataclass(frozen=True)
class WallCard:
    dom_id: str
    css: str  # "tv-card p1 stale"
    priority: str  # "p1"
    badge: str  # "P1"
    number: str
    age: str
    flag: str  # "⚠ overdue", "stale" or ""
    who: str
    title: str
    client: str  # empty on a compact card


@dataclass
class WallColumn:
    status: str  # the column's id: "in_progress"
    label: str
    count: int
    compact: bool
    cards: list[WallCard]
    more: int


@dataclass
class WallColumns:
    columns: list[WallColumn]
    oldest_p1_age: str  # "" when no P1 is open


@dataclass(frozen=True)
class WallTech:
    name: str
    idle: bool
    work: str
    since: str  # ISO moment the running timer started, for the page's own clock
    since_label: str


def _card(card: Card, compact: bool) -> WallCard:
    """The board card's own strings (made once in services.board), set out for the TV."""
    priority = f"p{card.priority}"
    flag = "⚠ overdue" if card.overdue else "stale" if card.stale else ""
    marks = [mark for mark, on in (("stale", card.stale), ("overdue", card.overdue)) if on]
    css = " ".join(["tv-card", priority, *marks])
    return WallCard(
        dom_id=f"tv-sr-{card.id}",
        css=css,
        priority=priority,
        badge=f"P{card.priority}",
        number=card.number,
        age=card.age_label,
        flag=flag,
        who=card.initials if card.assignee_name else UNASSIGNED,
        title=card.title,
        client="" if compact else card.client_name,
    )


def fit_column(column: Column) -> WallColumn:
    compact = column.count > FULL_CARDS_FIT
    shown = column.cards[:WALL_CARDS]
    return WallColumn(
        status=column.status.value,
        label=column.status.label,
        count=column.count,
        compact=compact,
        cards=[_card(card, compact) for card in shown],
        more=column.count - len(shown),
    )


def wall_columns(now: datetime | None = None) -> WallColumns:
    now = now or utcnow()
    columns = board_columns(now=now, with_hours=False, limit=WALL_CARDS)
    # Columns list P1s first and oldest first, so a column's oldest P1 is its first card.
    open_p1: list[timedelta] = [
        column.cards[0].age
        for column in columns
        if column.status != SRStatus.DONE
        and column.cards
        and column.cards[0].priority == Priority.P1
    ]
    return WallColumns(
        columns=[fit_column(column) for column in columns],
        oldest_p1_age=age(max(open_p1)) if open_p1 else "",
    )


def wall_techs(now: datetime | None = None) -> list[WallTech]:
    now = now or utcnow()
    techs = []
    for row in who_is_working():
        timer = row.timer
        if timer is None:
            techs.append(WallTech(row.tech.name, True, "idle", "", ""))
            continue
        sr = timer.service_request
        work = f"{sr.number} {sr.title}" if sr else timer.client.name
        since = timer.started_at
        techs.append(WallTech(row.tech.name, False, work, since.isoformat(), spent(now - since)))
    return techs
