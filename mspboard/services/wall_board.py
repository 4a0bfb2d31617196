"""What the office TV shows: the board without anything private, sized for the room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mspboard.models import Priority, SRStatus, utcnow
from mspboard.services.board import Card, Column, board_columns
from mspboard.services.now_working import TechNow, who_is_working

# How many cards fit a column at 1080 px: full cards up to FULL, then compact ones up to
# COMPACT; the rest collapse into "+N more".
FULL_CARDS_FIT = 6
COMPACT_CARDS_FIT = 16


@dataclass
class WallColumn:
    column: Column
    compact: bool
    shown: list[Card]
    more: int


@dataclass
class WallBoard:
    columns: list[WallColumn]
    techs: list[TechNow]
    oldest_p1_age: timedelta | None
    now: datetime


def fit_column(column: Column) -> WallColumn:
    compact = column.count > FULL_CARDS_FIT
    shown = column.cards[: COMPACT_CARDS_FIT if compact else FULL_CARDS_FIT]
    return WallColumn(column, compact, shown, column.count - len(shown))


def wall_board(now: datetime | None = None) -> WallBoard:
    now = now or utcnow()
    columns = board_columns(now=now, with_hours=False, limit=COMPACT_CARDS_FIT)
    # Columns list P1s first and oldest first, so a column's oldest P1 is its first card.
    open_p1 = [
        column.cards[0].age
        for column in columns
        if column.status != SRStatus.DONE
        and column.cards
        and column.cards[0].sr.priority == Priority.P1
    ]
    return WallBoard(
        columns=[fit_column(column) for column in columns],
        techs=who_is_working(),
        oldest_p1_age=max(open_p1) if open_p1 else None,
        now=now,
    )
