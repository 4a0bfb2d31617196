"""A tech's published schedule for this week and next, and acknowledging it.

A phone acknowledges the version of an item it showed. If the manager changed the item
since (the phone may have been offline), that acknowledgement no longer fits and is
refused for that item, which then asks again with what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import joinedload, selectinload

from mspboard import events
from mspboard.models import (
    ScheduleItem,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_off import approved_between
from mspboard.services.time_weeks import local_midnight

FUTURE_SLACK = timedelta(minutes=5)
SNAPSHOT_FIELDS = ("title", "starts_at", "ends_at", "out_of_town", "travel_notes", "sr_id")


def snapshot(item: ScheduleItem) -> dict[str, Any]:
    seen = {
        "title": item.title,
        "starts_at": item.starts_at.astimezone(UTC).isoformat(),
        "ends_at": item.ends_at.astimezone(UTC).isoformat(),
        "out_of_town": item.out_of_town,
        "travel_notes": item.travel_notes,
        "sr_id": item.sr_id,
    }
    if item.training_event is not None:  # where the training is, as the week shows it
        seen["place"] = item.training_event.place_or_link
    return seen


def _when(iso: str) -> str:
    return wall_label(datetime.fromisoformat(iso), "%a %d %b %H:%M")


def _same_moment(iso: str | None, moment: datetime) -> bool:
    """Snapshots hold instants as text, with whatever offset they were written in."""
    return iso is not None and datetime.fromisoformat(iso) == moment


def what_changed(item: ScheduleItem) -> list[str]:
    """Plain sentences saying how the item differs from what the tech acknowledged."""
    seen = item.acknowledged_snapshot
    if not item.changed_since_acknowledged:
        return []
    if not seen:
        return ["Details changed since you acknowledged."]
    now = snapshot(item)
    changes = []
    if seen.get("title") != now["title"]:
        changes.append(f"Title was “{seen.get('title')}”.")
    if not _same_moment(seen.get("starts_at"), item.starts_at):
        changes.append(f"Start was {_when(seen['starts_at'])}.")
    if not _same_moment(seen.get("ends_at"), item.ends_at):
        changes.append(f"End was {_when(seen['ends_at'])}.")
    if seen.get("out_of_town") != now["out_of_town"]:
        changes.append("Now out of town." if now["out_of_town"] else "No longer out of town.")
    if seen.get("travel_notes") != now["travel_notes"]:
        changes.append("Travel notes changed.")
    if seen.get("sr_id") != now["sr_id"]:
        changes.append("The service request changed.")
    if seen.get("place") != now.get("place"):
        changes.append(f"The place was “{seen.get('place') or 'not given'}”.")
    return changes or ["Details changed since you acknowledged."]


@dataclass
class ScheduleDay:
    day: date
    items: list[ScheduleItem]
    time_off: list[TimeOffRequest]


@dataclass
class ScheduleWeek:
    week_start: date
    days: list[ScheduleDay]

    @property
    def items(self) -> list[ScheduleItem]:
        return [item for day in self.days for item in day.items]

    @property
    def waiting(self) -> list[ScheduleItem]:
        return [item for item in self.items if not item.is_acknowledged]


def not_acknowledged() -> ColumnElement[bool]:
    """`not ScheduleItem.is_acknowledged` as a query: never acknowledged, or changed since."""
    return or_(
        ScheduleItem.acknowledged_version.is_(None),
        ScheduleItem.acknowledged_version != ScheduleItem.version,
    )


def published_items(tech: User, start: datetime, end: datetime) -> list[ScheduleItem]:
    """The tech's published schedule items that overlap `start`..`end`, in time order."""
    return list(
        db.session.scalars(
            select(ScheduleItem)
            .where(
                ScheduleItem.tech_id == tech.id,
                ScheduleItem.published_at.is_not(None),
                ScheduleItem.starts_at < end,
                ScheduleItem.ends_at > start,
            )
            .options(
                selectinload(ScheduleItem.service_request),
                joinedload(ScheduleItem.training_event),
            )
            .order_by(ScheduleItem.starts_at, ScheduleItem.id)
        )
    )


def schedule_week(tech: User, week_start: date) -> ScheduleWeek:
    start, end = local_midnight(week_start), local_midnight(week_start + timedelta(days=7))
    items = published_items(tech, start, end)
    time_off = approved_between([tech.id], week_start, week_start + timedelta(days=6))
    zone = shop_zone()
    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        days.append(
            ScheduleDay(
                day=day,
                items=[i for i in items if i.starts_at.astimezone(zone).date() == day],
                time_off=[t for t in time_off if t.start_date <= day <= t.end_date],
            )
        )
    return ScheduleWeek(week_start=week_start, days=days)


def weeks_ahead(tech: User, this_week: date) -> list[ScheduleWeek]:
    """This week and next, the one with items still to acknowledge first (this week first
    when both or neither have any): the tech opens "My week" on what asks for a tap."""
    weeks = [schedule_week(tech, this_week + timedelta(days=7 * n)) for n in (0, 1)]
    return sorted(weeks, key=lambda week: not week.waiting)


def _my_published_item(tech: User, item_id: int) -> ScheduleItem:
    item = db.session.get(ScheduleItem, item_id)
    if item is None or item.tech_id != tech.id or not item.is_published:
        raise RuleViolation("That schedule item is no longer on your schedule.")
    return item


def acknowledge(
    tech: User, item_id: int, version: int, at: datetime, now: datetime | None = None
) -> ScheduleItem:
    """Acknowledge the version of the item the phone showed, at the moment it was tapped."""
    now = now or utcnow()
    if at > now + FUTURE_SLACK:
        raise RuleViolation("That moment is in the future; check the phone's clock.")
    item = _my_published_item(tech, item_id)
    if item.version != version:
        raise RuleViolation(
            f"“{item.title}” changed after you saw it; look at it again and acknowledge it."
        )
    if item.is_acknowledged:
        return item
    item.acknowledged_version = item.version
    item.acknowledged_at = max(at, item.published_at)  # type: ignore[type-var]
    item.acknowledged_snapshot = snapshot(item)
    db.session.flush()
    events.announce(db.session, events.SCHEDULE)  # the manager's planner shows it at once
    return item


def acknowledge_all(
    tech: User, seen: dict[int, int], at: datetime, now: datetime | None = None
) -> tuple[list[ScheduleItem], list[str]]:
    """Acknowledge every item the phone showed (id -> version). Items changed since, or taken
    off my schedule, are left for another look and reported."""
    if not seen:
        raise RuleViolation("Nothing to acknowledge.")
    done: list[ScheduleItem] = []
    skipped: list[str] = []
    for item_id, version in seen.items():
        try:
            done.append(acknowledge(tech, item_id, version, at, now))
        except RuleViolation as refusal:
            skipped.append(refusal.message)
    return done, skipped
