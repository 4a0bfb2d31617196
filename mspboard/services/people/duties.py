"""Each role's duty list, kept by the shop: the standard duties of a technician and a
service manager (DOMAIN.md) to start from, edited by the admin, ticked by the people who do
them, and reviewed at least once a quarter.

- A duty's `link` is one of the pages in PAGES (an endpoint name the app really has), or
  empty where mspboard has no page for it. No free URLs.
- A tick belongs to one person and one period of the duty's cadence, counted in the shop's
  zone: the day, the week's Monday, the 1st of the month, of the quarter or of the year. The
  period is that of the moment the tick was made (the phone's, when it was made offline), so
  a daily duty ticked at 23:59 and synced at 00:01 counts for the day it was ticked.
  Ticking twice, or unticking what is not ticked, writes nothing.
- A technician ticks the technician's duties; a service manager or an admin the service
  manager's. Manager duties are the desk's: a tick by either manager shows for both.
- The lists are due a review when the last one is more than REVIEW_EVERY_DAYS (92) days
  old, counted in the shop's local days, or when there has never been one: on day 92 after
  a review the reminder is not shown yet, on day 93 it is. Marking them reviewed is audited.
- The standard duties are loaded only by an explicit step (`load_standard_duties`: the
  `flask duties seed` command, the demo, or the admin's button on an empty list), never by a
  page view, and only into a shop that has no duties at all.

Every function flushes and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from mspboard import inputs
from mspboard.models import (
    MANAGERS,
    Duty,
    DutyCadence,
    DutyListReview,
    DutyRole,
    DutyTick,
    Role,
    User,
    db,
    utcnow,
)
from mspboard.models.duties import DUTY_TITLE_MAX
from mspboard.services import edits
from mspboard.services.audit import record_about, record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.people.goals import quarter_start
from mspboard.services.time_weeks import local_date, monday_of

REVIEW_EVERY_DAYS = 92

# The pages a duty may link to: endpoint -> how the page is named. Only endpoints that take
# no arguments, and only those the app has (see `pages`).
PAGES: dict[str, str] = {
    "field.today": "Phone: My day",
    "field.queue": "Phone: My queue",
    "field.week": "Phone: My week (acknowledge)",
    "field.timecard_now": "Phone: Time card",
    "field.checkin": "Phone: End-of-day check-in",
    "field.timeoff": "Phone: Time off",
    "field.agenda_page": "Phone: Monday agenda",
    "field.maintenance_runs": "Phone: Monthly maintenance",
    "field.my_goals": "Phone: My goals and certifications",
    "field.my_review": "Phone: My quarterly review",
    "manage.today": "Desk: Today (utilisation, check-ins)",
    "board.index": "Desk: SR board",
    "manage.backlog": "Desk: Backlog review",
    "manage.planner": "Desk: Weekly planner",
    "manage.approvals_queue": "Desk: Approvals",
    "manage.timecards": "Desk: Time cards of the week",
    "manage.invoices_default": "Desk: Proposed invoices",
    "manage.maintenance": "Desk: Monthly maintenance sheet",
    "manage.checklist_templates": "Desk: Maintenance checklist templates",
    "manage.monday_meeting": "Desk: Monday Morning Meeting",
    "manage.training_list": "Desk: Training",
    "manage.people": "Desk: People (goals and certifications)",
    "manage.reviews_list": "Desk: Quarterly reviews",
    "manage.year_default": "Desk: The year in figures",
    "calendar.team": "Desk: Team calendar",
    "admin.users": "Admin: Users",
    "admin.duties_page": "Admin: Duty lists",
}

LINK_MESSAGE = "Pick a page from the list, or none."
ROLE_MESSAGE = "Pick technician or service manager."
CADENCE_MESSAGE = "Pick daily, weekly, monthly, quarterly or yearly."


def pages() -> dict[str, str]:
    """The pages a duty may link to in this app, in menu order."""
    known = current_app.view_functions
    return {endpoint: label for endpoint, label in PAGES.items() if endpoint in known}


# ---- the standard duties (DOMAIN.md) --------------------------------------------------------

T, M = DutyRole.TECHNICIAN, DutyRole.SERVICE_MANAGER
D, W, MO, Q, Y = (
    DutyCadence.DAILY,
    DutyCadence.WEEKLY,
    DutyCadence.MONTHLY,
    DutyCadence.QUARTERLY,
    DutyCadence.YEARLY,
)
STANDARD_DUTIES: list[tuple[DutyRole, DutyCadence, str, str]] = [
    (T, D, "Work SRs as assigned, highest priority first, then oldest first", "field.queue"),
    (T, D, "Keep the time card current in real time, billable or not", "field.timecard_now"),
    (T, D, "Report status and issues to the service manager at end of day", "field.checkin"),
    (T, W, "Preview next week's schedule and acknowledge every item", "field.week"),
    (T, W, "Request personal time and check it is on the schedule", "field.timeoff"),
    (T, W, "Coordinate out-of-town work with the service manager and the client", "field.week"),
    (T, W, "Note items to raise at the Monday Morning Meeting", "field.agenda_page"),
    (T, W, "Submit the time card by close of business on the last workday", "field.timecard_now"),
    (T, Q, "Quarterly review and goals; training schedule; certifications", "field.my_goals"),
    (M, D, "Track billable vs non-billable hours for the whole team", "manage.today"),
    (M, D, "Keep the backlog prioritised, scheduled and moving", "manage.backlog"),
    (M, D, "Schedule resources for SRs; know who is on what now", "manage.planner"),
    (M, D, "Check time cards are kept up to date in real time", "manage.today"),
    (M, D, "Check in with every tech at end of day; follow up issues", "manage.today"),
    (M, W, "Review, revise and annotate the proposed invoicing", "manage.invoices_default"),
    (M, W, "Review personal-time requests and put them on the schedule", "manage.approvals_queue"),
    (M, W, "Publish next week's schedule; make sure techs know of changes", "manage.planner"),
    (M, W, "Plan the Monday Morning Meeting and draft the agenda", "manage.monday_meeting"),
    (M, W, "Approve every time card by the end of the week", "manage.approvals_queue"),
    (M, W, "Monitor progress on technicians' quarterly goals", "manage.people"),
    (
        M,
        MO,
        "Monthly Maintenance Checklist: review, revise, monitor, create next month's",
        "manage.maintenance",
    ),
    (M, MO, "Plan and schedule Final Friday Training", "manage.training_list"),
    (M, Q, "Schedule quarterly reviews (second week) and set new goals", "manage.reviews_list"),
    (M, Y, "Year review, goals for the year ahead, department budget", "manage.year_default"),
]


def load_standard_duties(actor: User | None) -> int:
    """The standard duties into a shop that has none (0 otherwise): how many were added."""
    if db.session.scalar(select(func.count()).select_from(Duty)):
        return 0
    known = pages()
    positions: dict[str, int] = {}
    for role, cadence, title, link in STANDARD_DUTIES:
        position = positions.get(role.value, 0)
        positions[role.value] = position + 1
        db.session.add(
            Duty(
                role=role.value,
                cadence=cadence.value,
                title=title,
                link=link if link in known else "",
                position=position,
                created_by_id=actor.id if actor else None,
            )
        )
    db.session.flush()
    record_about(actor, "duties.loaded", "duties", None, None, {"duties": len(STANDARD_DUTIES)})
    return len(STANDARD_DUTIES)


# ---- editing the lists (admin) -------------------------------------------------------------


@dataclass(frozen=True)
class DutyValues:
    title: str
    cadence: str
    link: str


def _checked(values: DutyValues) -> DutyValues:
    title = inputs.text(values.title, "title", DUTY_TITLE_MAX, multi_line=False)
    if not title:
        raise RuleViolation("Say what the duty is.", "title")
    if values.cadence not in {c.value for c in DutyCadence}:
        raise RuleViolation(CADENCE_MESSAGE, "cadence")
    link = values.link or ""
    if link and link not in pages():
        raise RuleViolation(LINK_MESSAGE, "link")
    return DutyValues(title, values.cadence, link)


def add_duty(actor: User, role: str, values: DutyValues) -> Duty:
    """A new duty at the end of the role's list."""
    if role not in {r.value for r in DutyRole}:
        raise RuleViolation(ROLE_MESSAGE, "role")
    checked = _checked(values)
    last = db.session.scalar(select(func.max(Duty.position)).where(Duty.role == role))
    duty = Duty(
        role=role,
        cadence=checked.cadence,
        title=checked.title,
        link=checked.link,
        position=0 if last is None else last + 1,
        created_by_id=actor.id,
    )
    db.session.add(duty)
    db.session.flush()
    record_event(
        actor,
        "duty.added",
        duty,
        None,
        {"role": role, "title": duty.title, "cadence": duty.cadence, "link": duty.link},
    )
    return duty


def edit_duty(actor: User, duty: Duty, values: DutyValues, expected_version: int | None) -> dict:
    """Change a duty's title, cadence or page; from an older form, EditConflict."""
    edits.expect_version(duty, expected_version)
    checked = _checked(values)
    return edits.write_changes(
        actor,
        duty,
        {"title": checked.title, "cadence": checked.cadence, "link": checked.link},
        "duty.edited",
    )


def set_retired(actor: User, duty: Duty, retired: bool, expected_version: int | None) -> dict:
    """Take a duty off its list (its ticks stay), or bring it back."""
    edits.expect_version(duty, expected_version)
    if retired == (duty.retired_at is not None):
        return {}
    return edits.write_changes(
        actor,
        duty,
        {"retired_at": utcnow() if retired else None},
        "duty.retired" if retired else "duty.restored",
    )


def move_duty(actor: User, duty: Duty, step: int) -> bool:
    """Swap the duty with its neighbour above (step -1) or below (+1) in its role's list.
    Only the order changes, so an open edit form of either duty stays valid."""
    neighbours = list_of(duty.role, include_retired=True)
    index = next(i for i, other in enumerate(neighbours) if other.id == duty.id)
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(neighbours):
        return False
    # Renumbered whole, so positions that were equal (or had gaps) end up in a clean order.
    neighbours[index], neighbours[target] = neighbours[target], neighbours[index]
    before = duty.position
    for position, other in enumerate(neighbours):
        if other.position != position:
            other.position = position
    db.session.flush()
    record_event(actor, "duty.moved", duty, {"position": before}, {"position": duty.position})
    return True


def list_of(role: str, include_retired: bool = False) -> list[Duty]:
    query = select(Duty).where(Duty.role == role)
    if not include_retired:
        query = query.where(Duty.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Duty.position, Duty.id)))


def lists() -> dict[DutyRole, list[Duty]]:
    """Both roles' lists, retired duties included (last in their list), in one query."""
    found: dict[DutyRole, list[Duty]] = {role: [] for role in DutyRole}
    for duty in db.session.scalars(select(Duty).order_by(Duty.position, Duty.id)):
        found[duty.role_enum].append(duty)
    for duties in found.values():
        duties.sort(key=lambda d: d.retired_at is not None)
    return found


# ---- reviews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewState:
    last: DutyListReview | None
    reviewed_on: date | None
    due: bool
    # Days since the last review (None: never reviewed).
    days: int | None


def review_state(now: datetime | None = None) -> ReviewState:
    last = db.session.scalars(
        select(DutyListReview)
        .options(joinedload(DutyListReview.reviewed_by))
        .order_by(DutyListReview.reviewed_at.desc(), DutyListReview.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return ReviewState(None, None, True, None)
    reviewed_on = local_date(last.reviewed_at)
    days = (local_date(now or utcnow()) - reviewed_on).days
    return ReviewState(last, reviewed_on, days > REVIEW_EVERY_DAYS, days)


def mark_reviewed(actor: User, now: datetime | None = None) -> DutyListReview:
    was = review_state(now)
    review = DutyListReview(reviewed_by_id=actor.id, reviewed_at=now or utcnow())
    db.session.add(review)
    db.session.flush()
    record_event(
        actor,
        "duty_lists.reviewed",
        review,
        {"last_reviewed": was.reviewed_on.isoformat() if was.reviewed_on else None},
        {"last_reviewed": local_date(review.reviewed_at).isoformat()},
    )
    return review


# ---- periods and ticks ---------------------------------------------------------------------


def period_start(cadence: str, day: date) -> date:
    """The first day of the period of `cadence` that holds `day`."""
    if cadence == DutyCadence.DAILY:
        return day
    if cadence == DutyCadence.WEEKLY:
        return monday_of(day)
    if cadence == DutyCadence.MONTHLY:
        return day.replace(day=1)
    if cadence == DutyCadence.QUARTERLY:
        return quarter_start(day)
    if cadence == DutyCadence.YEARLY:
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown cadence {cadence!r}")


def role_for(person: User) -> DutyRole | None:
    """Whose duties a person ticks: a technician's, or (managers and admins) the desk's."""
    if person.role == Role.TECHNICIAN:
        return DutyRole.TECHNICIAN
    if person.role in MANAGERS:
        return DutyRole.SERVICE_MANAGER
    return None


def _shared(role: str) -> bool:
    """The desk's duties are ticked for the desk: any manager's tick counts for all."""
    return role == DutyRole.SERVICE_MANAGER


def tick(actor: User, duty: Duty, done: bool, moment: datetime) -> DutyTick | None:
    """Tick (or untick) `duty` for the period holding `moment`. Returns the tick that now
    stands, None when the duty is not ticked for that period."""
    if role_for(actor) != duty.role_enum:
        raise RuleViolation(f"This is on the {duty.role_enum.label.lower()}'s list, not yours.")
    if duty.retired_at is not None:
        raise RuleViolation("This duty was taken off the list; it cannot be ticked.")
    period = period_start(duty.cadence, local_date(moment))
    query = select(DutyTick).where(DutyTick.duty_id == duty.id, DutyTick.period_start == period)
    if not _shared(duty.role):
        query = query.where(DutyTick.user_id == actor.id)
    standing = db.session.scalars(query.options(joinedload(DutyTick.user))).first()
    if done:
        if standing is not None:
            return standing
        standing = DutyTick(
            duty_id=duty.id, user_id=actor.id, period_start=period, ticked_at=moment
        )
        db.session.add(standing)
        db.session.flush()
        return standing
    if standing is not None:
        db.session.delete(standing)
        db.session.flush()
    return None


@dataclass(frozen=True)
class ChecklistRow:
    duty: Duty
    period_start: date
    tick: DutyTick | None

    @property
    def done(self) -> bool:
        return self.tick is not None


def checklist(
    person: User, cadences: Iterable[DutyCadence], now: datetime | None = None
) -> list[ChecklistRow]:
    """The person's duties of these cadences for the periods holding today, each with its
    tick: two queries, however long the list."""
    role = role_for(person)
    if role is None:
        return []
    today = local_date(now or utcnow())
    wanted = [c.value for c in cadences]
    duties = list(
        db.session.scalars(
            select(Duty)
            .where(Duty.role == role.value, Duty.retired_at.is_(None), Duty.cadence.in_(wanted))
            .order_by(Duty.position, Duty.id)
        )
    )
    if not duties:
        return []
    periods = {c: period_start(c, today) for c in wanted}
    query = (
        select(DutyTick)
        .where(
            DutyTick.duty_id.in_([d.id for d in duties]),
            DutyTick.period_start.in_(set(periods.values())),
        )
        .options(joinedload(DutyTick.user))
        .order_by(DutyTick.ticked_at)
    )
    if not _shared(role.value):
        query = query.where(DutyTick.user_id == person.id)
    ticks: dict[tuple[int, date], DutyTick] = {}
    for found in db.session.scalars(query):
        ticks.setdefault((found.duty_id, found.period_start), found)
    rows = [
        ChecklistRow(duty, periods[duty.cadence], ticks.get((duty.id, periods[duty.cadence])))
        for duty in duties
    ]
    order = {c: i for i, c in enumerate(wanted)}
    return sorted(rows, key=lambda row: order[row.duty.cadence])


TODAY_AND_THIS_WEEK = (DutyCadence.DAILY, DutyCadence.WEEKLY)
