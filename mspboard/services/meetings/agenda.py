"""A Monday's agenda as the manager and the techs read it.

An item is on the agenda of Monday M when it was raised for M or earlier, was not discussed
at a meeting before M, and was not taken off an agenda before M: what a meeting does not
discuss carries over, and a past meeting still shows what it had. The generated sections
are read from live data each time the agenda is looked at (never stored by a GET); closing
a meeting keeps a copy of them, so a held meeting reads as it ended.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from mspboard.models import (
    AgendaItem,
    Meeting,
    ScheduleItem,
    ServiceRequest,
    TimeCard,
    TimeCardStatus,
    db,
    utcnow,
)
from mspboard.services import today
from mspboard.services.backlog import BacklogList, backlog_counts, backlog_lists
from mspboard.services.local_time import wall_label
from mspboard.services.maintenance import months, sheet
from mspboard.services.meetings.notes import next_meeting
from mspboard.services.schedule_acknowledgements import not_acknowledged
from mspboard.services.shop_settings import current_settings
from mspboard.services.staff import card_keepers
from mspboard.services.time_cards import AWAITING_SUBMISSION
from mspboard.services.time_off import approved_between
from mspboard.services.time_weeks import local_date, local_midnight, monday_of

# Each section reads out its first lines; the count says how many there are in all.
SECTION_LINES = 8
# How far from this week a meeting's address may be (a bad one is a 404, not a query).
WEEKS_AROUND = 520
# A tech's phone lists what the meetings of the last weeks gave them to do.
ACTIONS_WEEKS = 4


@dataclass(frozen=True)
class Line:
    """One line of a generated section: `label` (an SR number, a person, a client), what it
    is about, and what it links to (`kind` and `ref`, made into an address by the page)."""

    label: str
    text: str
    meta: str = ""
    kind: str = ""
    ref: str | int | None = None


@dataclass
class Section:
    key: str
    title: str
    definition: str
    lines: list[Line]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.lines)

    def jsonable(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Section:
        lines = [Line(**line) for line in data.get("lines", [])]
        return cls(data["key"], data["title"], data["definition"], lines, data["total"])


@dataclass
class Agenda:
    monday: date
    meeting: Meeting | None
    items: list[AgendaItem]
    removed: list[AgendaItem]
    sections: list[Section]
    now: datetime
    # False for a held meeting: its sections are the copy kept when it ended.
    live: bool = True
    earlier: list[Meeting] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return self.meeting is not None and self.meeting.is_held

    @property
    def editable(self) -> bool:
        """Its agenda can still change: not held, and not a Monday of a past week."""
        return not self.held and self.monday >= monday_of(local_date(self.now))

    @property
    def version(self) -> int:
        return self.meeting.version if self.meeting else 0

    @property
    def discussed(self) -> list[AgendaItem]:
        return [item for item in self.items if item.discussed_on == self.monday]

    @property
    def to_discuss(self) -> list[AgendaItem]:
        """Still open at this meeting: not discussed here (nor, for a past one, later)."""
        return [item for item in self.items if item.discussed_on != self.monday]


def is_meeting_day(day: date | None, now: datetime | None = None) -> bool:
    """A Monday within the years a meeting can be looked at."""
    if day is None or day.weekday() != 0:
        return False
    this_week = monday_of(local_date(now or utcnow()))
    return abs((day - this_week).days) <= 7 * WEEKS_AROUND


def find_meeting(monday: date) -> Meeting | None:
    return db.session.scalar(select(Meeting).where(Meeting.monday == monday))


def current_meeting_day(now: datetime | None = None) -> date:
    """The meeting the desk opens on: the next one not yet held (this Monday's until it is
    held, if it is still morning)."""
    now = now or utcnow()
    monday = next_meeting(now)
    meeting = find_meeting(monday)
    return monday + timedelta(days=7) if meeting is not None and meeting.is_held else monday


def on_agenda(monday: date):
    """The condition for an item to be on Monday `monday`'s agenda (removed ones included:
    `removed_on == monday` says it was taken off this one)."""
    return and_(
        AgendaItem.meeting_on <= monday,
        or_(AgendaItem.discussed_on.is_(None), AgendaItem.discussed_on >= monday),
        or_(AgendaItem.removed_on.is_(None), AgendaItem.removed_on >= monday),
    )


def agenda_items(monday: date) -> tuple[list[AgendaItem], list[AgendaItem]]:
    """The items of Monday `monday`'s agenda in their order, and those taken off it."""
    items = list(
        db.session.scalars(
            select(AgendaItem)
            .where(on_agenda(monday))
            .options(
                selectinload(AgendaItem.author),
                selectinload(AgendaItem.discussed_by),
                selectinload(AgendaItem.outcome_assignee),
                selectinload(AgendaItem.outcome_sr),
                selectinload(AgendaItem.removed_by),
            )
            .order_by(AgendaItem.position, AgendaItem.created_at, AgendaItem.id)
        )
    )
    removed = [item for item in items if item.removed_on is not None]
    return [item for item in items if item.removed_on is None], removed


def agenda_of(monday: date, now: datetime | None = None, with_sections: bool = True) -> Agenda:
    now = now or utcnow()
    meeting = find_meeting(monday)
    items, removed = agenda_items(monday)
    held = meeting is not None and meeting.is_held
    if held:
        kept = (meeting.sections if meeting else None) or []
        sections = [Section.from_json(data) for data in kept]
    else:
        sections = generated_sections(monday, now) if with_sections else []
    earlier = list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.monday < monday, Meeting.status == "held")
            .order_by(Meeting.monday.desc())
            .limit(6)
        )
    )
    return Agenda(monday, meeting, items, removed, sections, now, not held, earlier)


# ---- the sections read live ---------------------------------------------------------------


def _day(day: date) -> str:
    return day.strftime("%a %d %b")


def _sr_line(sr: ServiceRequest, extra: str = "") -> Line:
    who = sr.assignee.name if sr.assignee else "unassigned"
    meta = f"{sr.client.name} · P{sr.priority} · {who}{extra}"
    return Line(sr.number, sr.title, meta, "sr", sr.id)


def _sr_sections(now: datetime) -> list[Section]:
    names = [BacklogList.STALE, BacklogList.OVERDUE, BacklogList.URGENT_NOT_STARTED]
    lists = backlog_lists(names, now, SECTION_LINES)
    counts = backlog_counts(now, names)
    stale_days = current_settings().stale_after_days
    sections = []
    for name in names:
        lines = []
        for sr in lists[name]:
            extra = ""
            if name == BacklogList.OVERDUE and sr.due_at:
                extra = f" · due {wall_label(sr.due_at, '%a %d %b %H:%M')}"
            lines.append(_sr_line(sr, extra))
        title = {"urgent": "Urgent SRs not started"}.get(name.value, f"{name.label} SRs")
        sections.append(
            Section(name.value, title, name.definition(stale_days), lines, counts[name])
        )
    return sections


def _time_card_section(monday: date) -> Section:
    """The week before the meeting: everyone who keeps a card, and its state (no card yet
    is a draft), in two queries."""
    week = monday - timedelta(days=7)
    cards = {
        card.tech_id: card
        for card in db.session.scalars(select(TimeCard).where(TimeCard.week_start == week))
    }
    lines = []
    for tech in card_keepers():
        card = cards.get(tech.id)
        status = card.status_enum if card else TimeCardStatus.DRAFT
        if status not in AWAITING_SUBMISSION:
            continue
        if card is not None and status == TimeCardStatus.REJECTED:
            text = f"Rejected: {card.reason}" if card.reason else "Rejected"
        else:
            text = "Not submitted"
        lines.append(Line(tech.name, text, "", "card", week.isoformat()))
    return Section(
        "timecards",
        "Time cards not submitted or rejected",
        f"Cards of the week of {_day(week)} still waiting for their tech: not yet "
        "submitted, or rejected and not yet submitted again.",
        lines[:SECTION_LINES],
        len(lines),
    )


def _time_off_section(monday: date) -> Section:
    techs = {tech.id: tech for tech in card_keepers()}
    last = monday + timedelta(days=6)
    requests = approved_between(list(techs), monday, last)
    lines = []
    for request in requests:
        span = _day(request.start_date)
        if request.end_date != request.start_date:
            span += f" to {_day(request.end_date)}"
        halves = []
        if request.starts_midday:
            halves.append("from midday")
        if request.ends_midday:
            halves.append("until midday")
        meta = " · ".join([request.kind.replace("_", " ").capitalize(), *halves])
        name = techs[request.tech_id].name
        lines.append(Line(name, span, meta, "planner", monday.isoformat()))
    return Section(
        "timeoff",
        "Time off this week",
        f"Approved time off in the week of {_day(monday)}.",
        lines[:SECTION_LINES],
        len(lines),
    )


def _acknowledgement_section(monday: date) -> Section:
    start, end = local_midnight(monday), local_midnight(monday + timedelta(days=7))
    items = list(
        db.session.scalars(
            select(ScheduleItem)
            .where(
                ScheduleItem.published_at.is_not(None),
                not_acknowledged(),
                ScheduleItem.starts_at < end,
                ScheduleItem.ends_at > start,
            )
            .options(selectinload(ScheduleItem.tech))
            .order_by(ScheduleItem.starts_at, ScheduleItem.id)
        )
    )
    lines = [
        Line(
            item.tech.name,
            item.title,
            wall_label(item.starts_at, "%a %d %b %H:%M")
            + (" · changed since acknowledged" if item.changed_since_acknowledged else ""),
            "planner",
            monday.isoformat(),
        )
        for item in items
    ]
    return Section(
        "acknowledgements",
        "Schedule not acknowledged",
        f"Published schedule items in the week of {_day(monday)} that their tech has not "
        "acknowledged, or not since they changed.",
        lines[:SECTION_LINES],
        len(lines),
    )


def _issue_section(now: datetime) -> Section:
    issues = today.open_issues(now)
    lines = [
        Line(
            issue.checkin.tech.name,
            issue.text,
            ("Urgent · " if issue.urgent else "") + f"check-in {_day(issue.checkin.day)}",
            "issues",
            None,
        )
        for issue in issues
    ]
    return Section(
        "issues",
        "Open check-in issues",
        "Issues raised at end-of-day check-ins in the last two weeks that nobody has "
        "handled yet, urgent first.",
        lines[:SECTION_LINES],
        len(lines),
    )


def _maintenance_section(now: datetime) -> Section:
    month = months.this_month(now)
    rows = [row for row in sheet.tracking_sheet(month, "problems", now=now).rows if row.problems]
    lines = [
        Line(
            row.run.client.name,
            f"{row.problems} problem{'s' if row.problems != 1 else ''}",
            f"{row.run.owner.name} · {row.progress} checked · "
            f"{row.srs_raised} SR{'s' if row.srs_raised != 1 else ''} raised",
            "run",
            row.run.id,
        )
        for row in rows
    ]
    return Section(
        "maintenance",
        "Maintenance problems this month",
        f"{months.month_label(month)}'s checklist runs with an item ticked Problem.",
        lines[:SECTION_LINES],
        len(lines),
    )


def generated_sections(monday: date, now: datetime) -> list[Section]:
    """Every generated section, read now: a fixed number of queries whatever the shop's size."""
    return [
        *_sr_sections(now),
        _time_card_section(monday),
        _time_off_section(monday),
        _acknowledgement_section(monday),
        _issue_section(now),
        _maintenance_section(now),
    ]


# ---- what the techs see ----------------------------------------------------------------------


def actions_for(user_id: int, since: date) -> list[AgendaItem]:
    """Items a meeting since `since` gave to this person, newest meeting first."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.outcome_assignee_id == user_id, AgendaItem.discussed_on >= since)
            .options(selectinload(AgendaItem.author))
            .order_by(AgendaItem.discussed_on.desc(), AgendaItem.position, AgendaItem.id)
        )
    )
