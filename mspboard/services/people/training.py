"""Training events: Final Friday Training (the last Friday of each month, in the shop's zone)
and short-notice training, on the schedule like any other work.

An event gives each attendee one published schedule item linked to it, so the planner
blocks their time, the phone's week asks them to acknowledge it and the calendar feeds
carry it through the code that already does so. Editing the event (time, place, title,
attendees) changes the linked items; a change a tech has already acknowledged is a new
version of their item, which asks again. Cancelling takes the items off every schedule and
keeps the event, which any logged time still points at. Services flush; callers commit.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from mspboard import events
from mspboard.models import (
    ScheduleItem,
    TimeEntry,
    TrainingEvent,
    TrainingKind,
    User,
    db,
    utcnow,
)
from mspboard.models.training import MATERIALS_MAX, PLACE_MAX, TITLE_MAX
from mspboard.services import edits
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.staff import card_keepers
from mspboard.services.time_weeks import local_date, local_midnight

FRIDAY = 4
# The prompt to plan the next Final Friday appears this many days before the month's end.
PLANNING_DAYS = 14
# Past events the training page lists, newest first.
PAST_LIMIT = 12
# How far back a tech may log time against a training they attended.
LOGGABLE_FOR = timedelta(days=35)
DEFAULT_TITLE = "Final Friday Training"


# ---- the calendar ---------------------------------------------------------------------------


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def final_friday(year: int, month: int) -> date:
    """The last Friday of the month: Final Friday Training day."""
    end = last_day(year, month)
    return end - timedelta(days=(end.weekday() - FRIDAY) % 7)


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def planning_opens(year: int, month: int) -> date:
    """The first day of "the last two weeks" of the month: 14 days before its last day (the
    17th of a 31-day month, the 14th of a 28-day February). From 00:00 shop time that day
    to the month's end, /manage/today asks for the next Final Friday if none is planned."""
    return last_day(year, month) - timedelta(days=PLANNING_DAYS)


def next_final_friday(today: date) -> date:
    """This month's Final Friday, or next month's once this month's is past (on the day
    itself it is still this month's)."""
    this = final_friday(today.year, today.month)
    return this if today <= this else final_friday(*_next_month(today))


def final_friday_planned(day: date) -> TrainingEvent | None:
    """The Final Friday Training that is on the schedule for `day`, if any."""
    start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
    return db.session.scalar(
        select(TrainingEvent)
        .where(
            TrainingEvent.kind == TrainingKind.FINAL_FRIDAY.value,
            TrainingEvent.cancelled_at.is_(None),
            TrainingEvent.starts_at >= start,
            TrainingEvent.starts_at < end,
        )
        .limit(1)
    )


def first_unplanned_final_friday(today: date) -> date:
    """The next Final Friday with no Final Friday Training on it, from this month's (next
    month's once it is past) on: what "Plan Final Friday Training" offers. One query."""
    first = next_final_friday(today)
    fridays = [first]
    for _ in range(12):
        fridays.append(final_friday(*_next_month(fridays[-1])))
    planned = {
        local_date(starts)
        for starts in db.session.scalars(
            select(TrainingEvent.starts_at).where(
                TrainingEvent.kind == TrainingKind.FINAL_FRIDAY.value,
                TrainingEvent.cancelled_at.is_(None),
                TrainingEvent.starts_at >= local_midnight(first),
                TrainingEvent.starts_at < local_midnight(fridays[-1] + timedelta(days=1)),
            )
        )
    }
    return next((day for day in fridays if day not in planned), fridays[-1])


def plan_prompt(now: datetime | None = None) -> date | None:
    """The Final Friday to plan, when /manage/today should ask for it: in the last two weeks
    of the month (planning_opens) while no Final Friday Training is scheduled for this
    month's last Friday, or, once that is past, for next month's."""
    today = local_date(now or utcnow())
    if today < planning_opens(today.year, today.month):
        return None
    day = next_final_friday(today)
    return None if final_friday_planned(day) else day


# ---- what a manager types -------------------------------------------------------------------


@dataclass
class TrainingFields:
    kind: TrainingKind
    title: str
    starts_at: datetime
    ends_at: datetime
    attendee_ids: list[int] = field(default_factory=list)
    place_or_link: str = ""
    materials: str = ""


@dataclass
class Checked:
    title: str
    attendees: list[User]
    place_or_link: str
    materials: str


def _check(fields: TrainingFields) -> Checked:
    title = fields.title.strip()
    if not title:
        raise RuleViolation("Give the training a title.", "title")
    if len(title) > TITLE_MAX:
        raise RuleViolation(f"Keep the title under {TITLE_MAX} characters.", "title")
    if fields.starts_at.tzinfo is None or fields.ends_at.tzinfo is None:
        raise ValueError("training times must carry a timezone")
    if fields.ends_at <= fields.starts_at:
        raise RuleViolation("The end must be after the start.", "end")
    day = local_date(fields.starts_at)
    if fields.ends_at > local_midnight(day + timedelta(days=1)):
        raise RuleViolation("A training starts and ends on the same day.", "end")
    if fields.kind is TrainingKind.FINAL_FRIDAY:
        friday = final_friday(day.year, day.month)
        if day != friday:
            raise RuleViolation(
                f"Final Friday Training is on the month's last Friday "
                f"({friday.strftime('%a %d %b')}); pick short-notice training for another day.",
                "day",
            )
    place = fields.place_or_link.strip()
    if len(place) > PLACE_MAX:
        raise RuleViolation(f"Keep the place or link under {PLACE_MAX} characters.", "place")
    materials = fields.materials.strip()
    if len(materials) > MATERIALS_MAX:
        raise RuleViolation(f"Keep the materials under {MATERIALS_MAX} characters.", "materials")
    wanted = set(fields.attendee_ids)
    attendees = [tech for tech in card_keepers() if tech.id in wanted]
    if not attendees or len(attendees) != len(wanted):
        raise RuleViolation("Pick who attends, from the active technicians.", "attendees")
    return Checked(title, attendees, place, materials)


def _item_for(event: TrainingEvent, tech: User, actor: User, now: datetime) -> ScheduleItem:
    """An attendee's place at the training, published at once: the tech sees it now."""
    item = ScheduleItem(
        tech_id=tech.id,
        tech=tech,
        training_event=event,
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        version=1,
        published_at=now,
        created_by_id=actor.id,
    )
    db.session.add(item)
    return item


def _names(items: list[ScheduleItem]) -> list[str]:
    return sorted(item.tech.name for item in items)


def _announce() -> None:
    events.announce(db.session, events.SCHEDULE)


def create_event(actor: User, fields: TrainingFields, now: datetime | None = None) -> TrainingEvent:
    now = now or utcnow()
    checked = _check(fields)
    event = TrainingEvent(
        kind=fields.kind.value,
        title=checked.title,
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        place_or_link=checked.place_or_link,
        materials=checked.materials,
        created_by_id=actor.id,
    )
    db.session.add(event)
    db.session.flush()
    items = [_item_for(event, tech, actor, now) for tech in checked.attendees]
    db.session.flush()
    record_event(
        actor,
        "training.created",
        event,
        None,
        {**_seen(event), "attendees": _names(items)},
    )
    _announce()
    return event


def _seen(event: TrainingEvent) -> dict[str, object]:
    return {
        "kind": event.kind,
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "place_or_link": event.place_or_link,
    }


def items_of(event: TrainingEvent) -> list[ScheduleItem]:
    return list(
        db.session.scalars(
            select(ScheduleItem)
            .where(ScheduleItem.training_event_id == event.id)
            .options(selectinload(ScheduleItem.tech))
            .order_by(ScheduleItem.id)
        )
    )


def update_event(
    actor: User,
    event: TrainingEvent,
    fields: TrainingFields,
    *,
    expected_version: int | None,
    now: datetime | None = None,
) -> bool:
    """Change the event as shown at `expected_version` (an older form is refused with
    EditConflict). Each attendee's item follows: a published item whose time, title or
    place changed is a new version the tech acknowledges again; a new attendee gets an
    item, a removed one loses theirs. Returns whether anything changed (nothing is written
    when nothing did)."""
    now = now or utcnow()
    if event.is_cancelled:
        raise RuleViolation("This training was cancelled; plan a new one instead.")
    checked = _check(fields)
    edits.expect_version(event, expected_version)
    items = items_of(event)
    place_changed = event.place_or_link != checked.place_or_link
    changed = edits.write_changes(
        actor,
        event,
        {
            "kind": fields.kind.value,
            "title": checked.title,
            "starts_at": fields.starts_at,
            "ends_at": fields.ends_at,
            "place_or_link": checked.place_or_link,
            "materials": checked.materials,
        },
        "training.edited",
    )
    wanted = {tech.id: tech for tech in checked.attendees}
    kept = [item for item in items if item.tech_id in wanted]
    gone = [item for item in items if item.tech_id not in wanted]
    have = {item.tech_id for item in items}
    added = [_item_for(event, tech, actor, now) for tid, tech in wanted.items() if tid not in have]
    for item in kept:
        _follow(item, event, tell=place_changed or "materials" in changed)
    for item in gone:
        db.session.delete(item)
    if gone or added:
        if not changed:
            edits.bump_version(event)
        record_event(
            actor,
            "training.attendees_changed",
            event,
            {"attendees": _names(items)},
            {"attendees": _names([*kept, *added]), "version": event.version},
        )
    db.session.flush()
    if changed or gone or added:
        _announce()
    return bool(changed or gone or added)


def _follow(item: ScheduleItem, event: TrainingEvent, tell: bool) -> None:
    """Bring an attendee's item in line with the event; what they acknowledged changed
    (time, title, or where and what, `tell`) makes a new version to acknowledge."""
    moved = (item.title, item.starts_at, item.ends_at) != (
        event.title,
        event.starts_at,
        event.ends_at,
    )
    if not (moved or tell):
        return
    item.title, item.starts_at, item.ends_at = event.title, event.starts_at, event.ends_at
    if item.is_published:
        item.version += 1


def cancel_event(
    actor: User, event: TrainingEvent, *, expected_version: int | None, now: datetime | None = None
) -> None:
    """Call the training off: off every attendee's schedule (phones and feeds drop it);
    the event stays, with any time logged against it."""
    now = now or utcnow()
    if event.is_cancelled:
        return
    edits.expect_version(event, expected_version)
    items = items_of(event)
    was = event.version
    event.cancelled_at = now
    edits.bump_version(event)
    for item in items:
        db.session.delete(item)
    record_event(
        actor,
        "training.cancelled",
        event,
        {"attendees": _names(items), "version": was},
        {"cancelled": True, "version": event.version},
    )
    db.session.flush()
    _announce()


# ---- reading ---------------------------------------------------------------------------------


@dataclass
class EventRow:
    event: TrainingEvent
    items: list[ScheduleItem]

    @property
    def acknowledged(self) -> int:
        return sum(1 for item in self.items if item.is_acknowledged)


@dataclass
class TrainingList:
    upcoming: list[EventRow]
    past: list[EventRow]
    cancelled: list[EventRow]
    logged_minutes: dict[int, int]


def _rows(found: list[TrainingEvent]) -> list[EventRow]:
    by_event: dict[int, list[ScheduleItem]] = defaultdict(list)
    if found:
        for item in db.session.scalars(
            select(ScheduleItem)
            .where(ScheduleItem.training_event_id.in_([e.id for e in found]))
            .options(selectinload(ScheduleItem.tech))
        ):
            by_event[item.training_event_id].append(item)  # type: ignore[index]
    return [
        EventRow(event, sorted(by_event[event.id], key=lambda i: (i.tech.name, i.tech_id)))
        for event in found
    ]


def _logged_minutes(event_ids: list[int]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    if not event_ids:
        return totals
    for entry in db.session.scalars(
        select(TimeEntry).where(
            TimeEntry.training_event_id.in_(event_ids), TimeEntry.ended_at.is_not(None)
        )
    ):
        totals[entry.training_event_id] += round(entry.duration().total_seconds() / 60)  # type: ignore[index]
    return totals


def training_list(now: datetime | None = None) -> TrainingList:
    """Upcoming training (soonest first), the last PAST_LIMIT held (newest first) with the
    time logged against each, and cancelled ones still ahead; in four queries."""
    now = now or utcnow()
    live = TrainingEvent.cancelled_at.is_(None)
    upcoming = db.session.scalars(
        select(TrainingEvent)
        .where(live, TrainingEvent.ends_at > now)
        .order_by(TrainingEvent.starts_at, TrainingEvent.id)
    ).all()
    past = db.session.scalars(
        select(TrainingEvent)
        .where(live, TrainingEvent.ends_at <= now)
        .order_by(TrainingEvent.starts_at.desc(), TrainingEvent.id.desc())
        .limit(PAST_LIMIT)
    ).all()
    cancelled = db.session.scalars(
        select(TrainingEvent)
        .where(TrainingEvent.cancelled_at.is_not(None), TrainingEvent.ends_at > now)
        .order_by(TrainingEvent.starts_at)
    ).all()
    rows = _rows([*upcoming, *past, *cancelled])
    split = len(upcoming), len(upcoming) + len(past)
    return TrainingList(
        upcoming=rows[: split[0]],
        past=rows[split[0] : split[1]],
        cancelled=rows[split[1] :],
        logged_minutes=_logged_minutes([e.id for e in past]),
    )


def loggable_for(
    tech: User, keep: int | None = None, now: datetime | None = None
) -> list[TrainingEvent]:
    """The training a tech can log time against: sessions on their schedule that started in
    the last LOGGABLE_FOR and not later than today, soonest first, plus `keep` (the one an
    entry being edited already has)."""
    now = now or utcnow()
    tomorrow = local_midnight(local_date(now) + timedelta(days=1))
    mine = select(ScheduleItem.training_event_id).where(ScheduleItem.tech_id == tech.id)
    condition = (
        TrainingEvent.id.in_(mine)
        & TrainingEvent.cancelled_at.is_(None)
        & (TrainingEvent.starts_at >= now - LOGGABLE_FOR)
        & (TrainingEvent.starts_at < tomorrow)
    )
    if keep is not None:
        condition = or_(condition, TrainingEvent.id == keep)
    return list(
        db.session.scalars(
            select(TrainingEvent).where(condition).order_by(TrainingEvent.starts_at.desc())
        )
    )


def attending(tech: User, event_id: int) -> TrainingEvent:
    """The training `tech` can log time against, or a refusal naming why not."""
    event = db.session.get(TrainingEvent, event_id)
    if event is None:
        raise RuleViolation("That training no longer exists.", "training_id")
    logged = db.session.scalar(
        select(TimeEntry.id)
        .where(TimeEntry.training_event_id == event.id, TimeEntry.tech_id == tech.id)
        .limit(1)
    )
    if logged is None:
        if event.is_cancelled:
            raise RuleViolation(f"“{event.title}” was cancelled.", "training_id")
        listed = db.session.scalar(
            select(ScheduleItem.id)
            .where(ScheduleItem.training_event_id == event.id, ScheduleItem.tech_id == tech.id)
            .limit(1)
        )
        if listed is None:
            raise RuleViolation(f"You are not on the list for “{event.title}”.", "training_id")
    return event
