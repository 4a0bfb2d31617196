"""Weeks of time as the shop counts them: Monday to Sunday in the shop's time zone, and the
time card that may lock one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_, select

from mspboard.inputs import EARLIEST_DAY, LATEST_DAY
from mspboard.models import TimeCard, User, db, utcnow
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import at_wall
from mspboard.services.shop_settings import shop_zone

# How far from today a day named in a URL (a week, a planner day) may be: further out is a
# typo or an attack, and no page has anything to show there.
URL_DAYS_AROUND = timedelta(days=5 * 366)


def day_from_text(text: str | None) -> date | None:
    """An ISO date within five years of the shop's today (and always between EARLIEST_DAY
    and LATEST_DAY, so week arithmetic never overflows), else None."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        return None
    today = local_date(utcnow())
    return day if abs(day - today) <= URL_DAYS_AROUND else None


def local_date(moment: datetime) -> date:
    return moment.astimezone(shop_zone()).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_start_of(moment: datetime) -> date:
    return monday_of(local_date(moment))


def local_midnight(day: date) -> datetime:
    """Start of a shop-local calendar day, as an aware UTC datetime."""
    return at_wall(day, time(0, 0))


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    return local_midnight(week_start), local_midnight(week_start + timedelta(days=7))


def in_tech_weeks(
    tech_column: ColumnElement[int],
    moment_column: ColumnElement[datetime],
    pairs: Iterable[tuple[int, date]],
) -> ColumnElement[bool]:
    """Rows of each (tech id, week start) pair's tech within that week: one condition per
    week, so a page of cards is read in one query."""
    weeks: dict[date, set[int]] = {}
    for tech_id, week_start in pairs:
        weeks.setdefault(week_start, set()).add(tech_id)
    conditions = []
    for week_start, tech_ids in weeks.items():
        start, end = week_bounds(week_start)
        conditions.append(
            and_(tech_column.in_(tech_ids), moment_column >= start, moment_column < end)
        )
    return or_(*conditions)


def week_label(week_start: date) -> str:
    return f"the week of {week_start.strftime('%a %d %b %Y')}"


def card_for(tech: User, week_start: date) -> TimeCard | None:
    return db.session.scalar(
        select(TimeCard).where(TimeCard.tech_id == tech.id, TimeCard.week_start == week_start)
    )


def ensure_week_open(tech: User, moment: datetime, field: str | None = None) -> TimeCard | None:
    """Refuse any change to time in a week whose card is submitted or approved; the
    week's card otherwise (None when it has none), for the audit of the change."""
    week_start = week_start_of(moment)
    card = card_for(tech, week_start)
    if card is not None and card.is_locked:
        raise RuleViolation(
            f"Your time card for {week_label(week_start)} is {card.status}; "
            "time in that week can no longer change.",
            field,
        )
    return card
