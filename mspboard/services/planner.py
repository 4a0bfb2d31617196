"""The weekly planner: technicians down, the shop's workdays across; scheduling items,
publishing a week, and the rules for changing what a tech has already been shown.

Times come in as shop-local days and clock times and are stored in UTC. Approved time off
blocks whole days, or half days split at midday (the afternoon of its first day, the
morning of its last).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from mspboard import events
from mspboard.models import (
    ChecklistRun,
    ScheduleItem,
    ServiceRequest,
    SRStatus,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from mspboard.services import edits, service_requests
from mspboard.services.audit import record_event
from mspboard.services.backlog import BacklogList, list_conditions
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import MIDDAY, at_wall, typed_instant, wall_label
from mspboard.services.maintenance import placing
from mspboard.services.shop_settings import current_settings, shop_zone
from mspboard.services.staff import card_keeper, card_keepers
from mspboard.services.time_off import approved_between
from mspboard.services.time_weeks import local_date, local_midnight, monday_of, week_bounds
from mspboard.workweek import from_mask

TITLE_MAX = 200
TRAVEL_NOTES_MAX = 2000
BACKLOG_LIMIT = 50
# A search for an SR to schedule lists at most this many, most urgent first.
SEARCH_LIMIT = 20
# What the tech's phone shows of an item: a change to any of these asks for a new acknowledgement.


@dataclass
class ItemFields:
    tech_id: int | None
    starts_at: datetime
    ends_at: datetime
    sr_id: int | None = None
    title: str = ""
    out_of_town: bool = False
    travel_notes: str = ""
    # The month's maintenance run this visit is for.
    checklist_run_id: int | None = None


@dataclass
class Saved:
    item: ScheduleItem
    warnings: list[str]


# ---- time ----------------------------------------------------------------------------------


def next_week_start(now: datetime | None = None) -> date:
    return monday_of(local_date(now or utcnow())) + timedelta(days=7)


def item_times(
    day: date, start: time, end: time, start_fold: int | None = None, end_fold: int | None = None
) -> tuple[datetime, datetime]:
    """A shop-local day and clock times as aware datetimes (stored as UTC). A time that does
    not exist that night is refused next to its field; one that happens twice needs its
    fold (0 the first, 1 an hour later), as on the phone."""
    return (
        typed_instant(day, start, "start", start_fold),
        typed_instant(day, end, "end", end_fold),
    )


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> timedelta:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return max(end - start, timedelta())


def time_off_span(request: TimeOffRequest, day: date) -> tuple[datetime, datetime] | None:
    """The part of `day` an approved request takes: all of it, the morning or the afternoon."""
    if not request.start_date <= day <= request.end_date:
        return None
    start = local_midnight(day)
    end = local_midnight(day + timedelta(days=1))
    if day == request.start_date and request.starts_midday:
        start = at_wall(day, MIDDAY)
    if day == request.end_date and request.ends_midday:
        end = at_wall(day, MIDDAY)
    return (start, end) if end > start else None


def time_off_label(request: TimeOffRequest, day: date) -> str:
    afternoon = day == request.start_date and request.starts_midday
    morning = day == request.end_date and request.ends_midday
    part = "afternoon" if afternoon else "morning" if morning else "all day"
    return f"Time off ({request.kind}), {part}"


def usual_hours(tech: User, day: date) -> tuple[datetime, datetime] | None:
    """The tech's own working hours on `day`, or None on a day they do not work."""
    if day.isoweekday() not in from_mask(tech.workdays):
        return None
    return (
        at_wall(day, tech.day_start),
        at_wall(day, tech.day_end),
    )


# ---- the grid ------------------------------------------------------------------------------


@dataclass
class TimeOffBlock:
    request: TimeOffRequest
    label: str
    span: tuple[datetime, datetime]


@dataclass
class Cell:
    tech: User
    day: date
    items: list[ScheduleItem]
    time_off: list[TimeOffBlock]
    available: float
    booked: float
    works: bool
    clashes: dict[int, list[str]] = field(default_factory=dict)

    @property
    def dom_id(self) -> str:
        return f"cell-{self.tech.id}-{self.day.isoformat()}"

    @property
    def over(self) -> bool:
        return self.booked > self.available + 1e-9

    @property
    def load_percent(self) -> int:
        if self.available <= 0:
            return 100 if self.booked > 0 else 0
        return min(100, round(100 * self.booked / self.available))


@dataclass
class TechRow:
    tech: User
    cells: list[Cell]

    @property
    def dom_id(self) -> str:
        return f"tech-{self.tech.id}"

    @property
    def items(self) -> list[ScheduleItem]:
        return [item for cell in self.cells for item in cell.items]

    @property
    def not_acknowledged(self) -> int:
        return sum(1 for item in self.items if item.is_published and not item.is_acknowledged)

    @property
    def changed(self) -> int:
        return sum(1 for item in self.items if item.changed_since_acknowledged)

    @property
    def drafts(self) -> int:
        return sum(1 for item in self.items if not item.is_published)

    @property
    def booked(self) -> float:
        return sum(cell.booked for cell in self.cells)

    @property
    def available(self) -> float:
        return sum(cell.available for cell in self.cells)


@dataclass
class PlannerWeek:
    week_start: date
    days: list[date]
    rows: list[TechRow]
    next_week: date | None = None

    @property
    def previous(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def following(self) -> date:
        return self.week_start + timedelta(days=7)

    @property
    def drafts(self) -> int:
        return sum(row.drafts for row in self.rows)

    @property
    def not_acknowledged(self) -> int:
        return sum(row.not_acknowledged for row in self.rows)

    def row(self, tech_id: int) -> TechRow | None:
        return next((row for row in self.rows if row.tech.id == tech_id), None)

    def cell(self, tech_id: int, day: date) -> Cell | None:
        row = self.row(tech_id)
        return next((c for c in row.cells if c.day == day), None) if row else None


def _week_items(week_start: date, tech_ids: list[int]) -> list[ScheduleItem]:
    if not tech_ids:
        return []
    start, end = week_bounds(week_start)
    return list(
        db.session.scalars(
            select(ScheduleItem)
            .where(
                ScheduleItem.tech_id.in_(tech_ids),
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


def _clashes(items: list[ScheduleItem], blocks: list[TimeOffBlock]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for item in items:
        span = (item.starts_at, item.ends_at)
        notes = [
            f"Overlaps {block.label.lower()}" for block in blocks if _overlap(span, block.span)
        ]
        notes += [
            f"Overlaps “{other.title}”"
            for other in items
            if other.id != item.id and _overlap(span, (other.starts_at, other.ends_at))
        ]
        if notes:
            found[item.id] = notes
    return found


def _cell(tech: User, day: date, items: list[ScheduleItem], time_off: list[TimeOffRequest]) -> Cell:
    blocks = [
        TimeOffBlock(request, time_off_label(request, day), span)
        for request in time_off
        if (span := time_off_span(request, day)) is not None
    ]
    hours = usual_hours(tech, day)
    available = 0.0
    if hours is not None:
        lost = sum((_overlap(hours, block.span) for block in blocks), timedelta())
        available = max(_hours(hours[1] - hours[0] - lost), 0.0)
    day_span = (local_midnight(day), local_midnight(day + timedelta(days=1)))
    booked = sum((_overlap(day_span, (i.starts_at, i.ends_at)) for i in items), timedelta())
    return Cell(
        tech=tech,
        day=day,
        items=items,
        time_off=blocks,
        available=available,
        booked=_hours(booked),
        works=hours is not None,
        clashes=_clashes(items, blocks),
    )


def planner_week(week_start: date) -> PlannerWeek:
    """The grid for one week: every active technician, the shop's workdays (and any other
    day of the week that has items), each cell with its items, time off and capacity."""
    techs = card_keepers()
    tech_ids = [tech.id for tech in techs]
    items = _week_items(week_start, tech_ids)
    time_off = approved_between(tech_ids, week_start, week_start + timedelta(days=6))
    zone = shop_zone()
    item_days = {item.starts_at.astimezone(zone).date() for item in items}
    shop_days = from_mask(current_settings().workdays)
    days = [
        week_start + timedelta(days=offset)
        for offset in range(7)
        if offset + 1 in shop_days or week_start + timedelta(days=offset) in item_days
    ]
    rows = []
    for tech in techs:
        mine = [item for item in items if item.tech_id == tech.id]
        off = [request for request in time_off if request.tech_id == tech.id]
        cells = [
            _cell(
                tech,
                day,
                [item for item in mine if item.starts_at.astimezone(zone).date() == day],
                off,
            )
            for day in days
        ]
        rows.append(TechRow(tech, cells))
    return PlannerWeek(week_start=week_start, days=days, rows=rows, next_week=next_week_start())


def unscheduled_srs(
    now: datetime | None = None, limit: int = BACKLOG_LIMIT
) -> list[ServiceRequest]:
    """Open SRs with nothing scheduled in the next two weeks, in the order they are worked."""
    now = now or utcnow()
    condition = list_conditions(now, current_settings().stale_after_days)[BacklogList.UNSCHEDULED]
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.status != SRStatus.DONE, condition)
            .options(selectinload(ServiceRequest.client))
            .order_by(*ServiceRequest.work_order())
            .limit(limit)
        )
    )


def find_srs(text: str, limit: int = SEARCH_LIMIT) -> list[ServiceRequest]:
    """Open SRs the search names (service_requests.text_match: number, title words, client),
    scheduled or not: the SR whose number was typed first, then the order they are worked
    (priority, then oldest); at most `limit`, in two queries whatever the number of SRs."""
    match = service_requests.text_match(text)
    if match is None:
        return []
    number = service_requests.searched_number(text)
    named_first = [case((ServiceRequest.id == number, 0), else_=1)] if number else []
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.status != SRStatus.DONE, match)
            .options(selectinload(ServiceRequest.client))
            .order_by(*named_first, *ServiceRequest.work_order())
            .limit(limit)
        )
    )


def sr_choices(week: PlannerWeek, also: set[int]) -> list[ServiceRequest]:
    """The SRs the editor offers: the unscheduled ones in work order, then those already on
    this week's grid (a job may need another visit) and any named in `also`."""
    srs = unscheduled_srs()
    extra = {item.sr_id for row in week.rows for item in row.items if item.sr_id} | also
    extra -= {sr.id for sr in srs}
    if extra:
        srs += db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.id.in_(extra))
            .order_by(*ServiceRequest.work_order())
        ).all()
    return srs


# ---- rules ---------------------------------------------------------------------------------


@dataclass
class Checked:
    tech: User
    sr: ServiceRequest | None
    run: ChecklistRun | None
    title: str
    travel_notes: str


def _check(
    fields: ItemFields, kept_sr_id: int | None = None, kept_run_id: int | None = None
) -> Checked:
    """The tech, SR, maintenance run, title and travel notes to store, or a refusal. An item
    may keep the SR or run it already has after the SR closed or the run's month did; a
    closed SR or a run that cannot be placed (placing.placeable_run) is refused."""
    tech = card_keeper(fields.tech_id)
    if tech is None:
        raise RuleViolation("Pick an active technician.", "tech_id")
    if fields.starts_at.tzinfo is None or fields.ends_at.tzinfo is None:
        raise ValueError("schedule times must carry a timezone")
    if fields.ends_at <= fields.starts_at:
        raise RuleViolation("The end must be after the start.", "end")
    start_day = local_date(fields.starts_at)
    if fields.ends_at > local_midnight(start_day + timedelta(days=1)):
        raise RuleViolation("An item starts and ends on the same day; add one per day.", "end")
    sr = None
    if fields.sr_id is not None:
        sr = db.session.get(ServiceRequest, fields.sr_id)
        if sr is None:
            raise RuleViolation("That service request does not exist.", "sr_id")
        if sr.status == SRStatus.DONE and sr.id != kept_sr_id:
            raise RuleViolation(f"{sr.number} is closed; reopen it to schedule it.", "sr_id")
    run = None
    if fields.checklist_run_id is not None:
        if sr is not None:
            raise RuleViolation(
                "A visit is for a service request or a maintenance run, not both.",
                placing.FIELD,
            )
        run = placing.placeable_run(fields.checklist_run_id, kept_run_id)
    default_title = sr.title if sr else placing.item_title(run.client.name) if run else ""
    title = fields.title.strip() or default_title
    if not title:
        raise RuleViolation("Give the task a title, or pick a service request.", "title")
    if len(title) > TITLE_MAX:
        raise RuleViolation(f"Keep the title under {TITLE_MAX} characters.", "title")
    notes = fields.travel_notes.strip()
    if len(notes) > TRAVEL_NOTES_MAX:
        raise RuleViolation(
            f"Keep the travel notes under {TRAVEL_NOTES_MAX} characters.", "travel_notes"
        )
    return Checked(tech, sr, run, title, notes)


def warnings_for(item: ScheduleItem) -> list[str]:
    """What the manager should look at twice: approved time off or another item at the same
    time. Saved anyway: the manager may be planning around it."""
    day = local_date(item.starts_at)
    span = (item.starts_at, item.ends_at)
    found = []
    for request in approved_between([item.tech_id], day, day):
        off = time_off_span(request, day)
        if off and _overlap(span, off):
            found.append(
                f"This overlaps {item.tech.name}'s {time_off_label(request, day).lower()}."
            )
    others = db.session.scalars(
        select(ScheduleItem)
        .where(
            ScheduleItem.tech_id == item.tech_id,
            ScheduleItem.id != item.id,
            ScheduleItem.starts_at < item.ends_at,
            ScheduleItem.ends_at > item.starts_at,
        )
        .order_by(ScheduleItem.starts_at)
    )
    for other in others:
        found.append(
            f"This overlaps “{other.title}” "
            f"({wall_label(other.starts_at)} to {wall_label(other.ends_at)})."
        )
    return found


def _seen(item: ScheduleItem) -> dict[str, Any]:
    return {
        "tech_id": item.tech_id,
        "sr_id": item.sr_id,
        "checklist_run_id": item.checklist_run_id,
        "title": item.title,
        "starts_at": item.starts_at.astimezone(UTC).isoformat(),
        "ends_at": item.ends_at.astimezone(UTC).isoformat(),
        "out_of_town": item.out_of_town,
        "travel_notes": item.travel_notes,
        "version": item.version,
        "published_at": item.published_at.isoformat() if item.published_at else None,
    }


def _announce_run(*run_ids: int | None) -> None:
    """The tracking sheet shows when each run is scheduled; tell it when that changes."""
    if any(run_ids):
        events.announce(db.session, events.MAINTENANCE)


def _mark_scheduled(actor: User, sr: ServiceRequest | None) -> None:
    """A new SR that gets time on someone's schedule moves to the board's Scheduled column."""
    if sr is not None and sr.status == SRStatus.NEW:
        service_requests.change_status(actor, sr, SRStatus.SCHEDULED)


def add_item(actor: User, fields: ItemFields) -> Saved:
    checked = _check(fields)
    _mark_scheduled(actor, checked.sr)
    item = ScheduleItem(
        tech_id=checked.tech.id,
        tech=checked.tech,
        sr_id=checked.sr.id if checked.sr else None,
        service_request=checked.sr,
        checklist_run_id=checked.run.id if checked.run else None,
        checklist_run=checked.run,
        title=checked.title,
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        out_of_town=fields.out_of_town,
        travel_notes=checked.travel_notes,
        version=1,
        created_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    _announce_run(item.checklist_run_id)
    return Saved(item, warnings_for(item))


def update_item(
    actor: User, item: ScheduleItem, fields: ItemFields, *, expected_version: int | None
) -> Saved:
    """Change an item, as shown at `expected_version` (a stale form is refused with
    EditConflict). Only what changes is written and audited. Once published, a change the
    tech can see is a new version that the tech acknowledges again; moved to another tech,
    it is new to that tech, who has never acknowledged it."""
    _not_training(item)
    checked = _check(fields, kept_sr_id=item.sr_id, kept_run_id=item.checklist_run_id)
    tech, sr, run = checked.tech, checked.sr, checked.run
    edits.expect_version(item, expected_version)
    wanted: dict[str, Any] = {
        "tech_id": tech.id,
        "sr_id": sr.id if sr else None,
        "checklist_run_id": run.id if run else None,
        "title": checked.title,
        "starts_at": fields.starts_at,
        "ends_at": fields.ends_at,
        "out_of_town": fields.out_of_town,
        "travel_notes": checked.travel_notes,
    }
    changed = edits.changed_values(item, wanted)
    if not changed:
        return Saved(item, warnings_for(item))
    _mark_scheduled(actor, sr)
    action = "schedule_item.edited"
    if item.is_published:
        wanted["version"] = item.version + 1
        action = "schedule_item.changed"
        if "tech_id" in changed:
            wanted |= {"acknowledged_version": None, "acknowledged_at": None}
            wanted["acknowledged_snapshot"] = None
            action = "schedule_item.reassigned"
    with db.session.no_autoflush:
        edits.write_changes(actor, item, wanted, action)
        item.tech, item.service_request, item.checklist_run = tech, sr, run
    db.session.flush()
    _announce_run(*changed.get("checklist_run_id", (item.checklist_run_id,)))
    return Saved(item, warnings_for(item))


def move_item(
    actor: User, item: ScheduleItem, tech_id: int | None, day: date, *, expected_version: int | None
) -> Saved:
    """Drag and drop: the same clock times on another day, for the same or another tech."""
    zone = shop_zone()
    starts, ends = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
    return update_item(
        actor,
        item,
        ItemFields(
            tech_id=tech_id,
            starts_at=typed_instant(day, starts.time(), "day", fold=starts.fold),
            ends_at=typed_instant(day, ends.time(), "day", fold=ends.fold),
            sr_id=item.sr_id,
            title=item.title,
            out_of_town=item.out_of_town,
            travel_notes=item.travel_notes,
            checklist_run_id=item.checklist_run_id,
        ),
        expected_version=expected_version,
    )


def _not_training(item: ScheduleItem) -> None:
    """An attendee's place at a training follows the event (services.people.training)."""
    if item.training_event_id is not None:
        raise RuleViolation(
            f"“{item.title}” is a training; change or cancel it on the Training page."
        )


def delete_item(actor: User, item: ScheduleItem, *, expected_version: int | None) -> None:
    _not_training(item)
    edits.expect_version(item, expected_version)
    if item.is_published:
        record_event(actor, "schedule_item.deleted", item, _seen(item), None)
    run_id = item.checklist_run_id
    db.session.delete(item)
    db.session.flush()
    _announce_run(run_id)


def publish_week(actor: User, week_start: date, now: datetime | None = None) -> list[ScheduleItem]:
    """Publish every draft that starts in the week: from now on the techs' phones show them."""
    now = now or utcnow()
    start, end = week_bounds(week_start)
    drafts = list(
        db.session.scalars(
            select(ScheduleItem)
            .where(
                ScheduleItem.published_at.is_(None),
                ScheduleItem.starts_at >= start,
                ScheduleItem.starts_at < end,
            )
            .order_by(ScheduleItem.starts_at, ScheduleItem.id)
        )
    )
    if not drafts:
        raise RuleViolation("Nothing new to publish in this week.")
    for item in drafts:
        item.published_at = now
        record_event(actor, "schedule_item.published", item, None, _seen(item))
    db.session.flush()
    return drafts
