"""The service manager's day: who works on what now, who has logged nothing for too long,
end-of-day check-ins and the issues they raised, and each tech's utilisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from mspboard.models import (
    CheckIn,
    CheckInIssue,
    Priority,
    ScheduleItem,
    ServiceRequest,
    TimeEntry,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from mspboard.services import service_requests
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import MIDDAY, at_wall
from mspboard.services.shop_settings import current_settings
from mspboard.services.sql_time import period_index, seconds_between
from mspboard.services.staff import card_keepers
from mspboard.services.time_off import approved_between
from mspboard.services.time_weeks import local_date, monday_of, week_bounds
from mspboard.workweek import from_mask

ISSUES_LOOK_BACK = timedelta(days=14)


@dataclass
class QuietTech:
    tech: User
    since: datetime


def quiet_techs(now: datetime | None = None) -> list[QuietTech]:
    """Techs on shift with no timer running and nothing logged for longer than the shop's
    threshold: their time card is not being kept up to date in real time."""
    now = now or utcnow()
    today = local_date(now)
    threshold = timedelta(minutes=current_settings().idle_alert_minutes)
    start_of_day = at_wall(today, datetime.min.time())
    last_logged = dict(
        db.session.execute(
            select(TimeEntry.tech_id, func.max(TimeEntry.ended_at))
            .where(TimeEntry.started_at >= start_of_day)
            .group_by(TimeEntry.tech_id)
        ).all()
    )
    running = set(db.session.scalars(select(TimeEntry.tech_id).where(TimeEntry.ended_at.is_(None))))
    techs = card_keepers()
    time_off = approved_between([tech.id for tech in techs], today, today)
    quiet = []
    for tech in techs:
        shift = working_hours(tech, today, time_off)
        if shift is None or tech.id in running:
            continue
        shift_start, shift_end = shift
        if not shift_start <= now <= shift_end:
            continue
        logged = last_logged.get(tech.id)
        since = max(shift_start, logged) if logged else shift_start
        if now - since >= threshold:
            quiet.append(QuietTech(tech, since))
    return quiet


def working_hours(
    tech: User, day: date, time_off: list[TimeOffRequest]
) -> tuple[datetime, datetime] | None:
    """When `tech` works on `day`: their working day less approved time off, a half day
    off taking the morning (until midday) or the afternoon (from midday); None when they do
    not work that day at all."""
    if day.isoweekday() not in from_mask(tech.workdays):
        return None
    start, end = at_wall(day, tech.day_start), at_wall(day, tech.day_end)
    midday = at_wall(day, MIDDAY)
    for request in time_off:
        if request.tech_id != tech.id or not request.start_date <= day <= request.end_date:
            continue
        off_afternoon = request.start_date == day and request.starts_midday
        off_morning = request.end_date == day and request.ends_midday
        if not (off_afternoon or off_morning):
            return None
        if off_afternoon:
            end = min(end, midday)
        if off_morning:
            start = max(start, midday)
    return (start, end) if start < end else None


NOT_WORKING = "Not working today"
ON_TIME_OFF = "On time off"
OFF_FROM_MIDDAY = "On time off from midday"


@dataclass
class TechCheckIn:
    tech: User
    checkin: CheckIn | None
    # Why no check-in is expected from this tech today (NOT_WORKING, ON_TIME_OFF...), or None.
    away: str | None = None

    @property
    def missing(self) -> bool:
        """Expected to check in at the end of the day and has not yet."""
        return self.checkin is None and self.away is None


def away_on(tech: User, day: date, time_off: list[TimeOffRequest]) -> str | None:
    """Why `tech` owes no end-of-day check-in on `day`: not one of their workdays, or
    approved time off that covers the end of that day (time off ending at midday leaves the
    afternoon, and its check-in, to work). None when a check-in is expected."""
    if day.isoweekday() not in from_mask(tech.workdays):
        return NOT_WORKING
    for request in time_off:
        if request.tech_id != tech.id or not request.start_date <= day <= request.end_date:
            continue
        if request.end_date == day and request.ends_midday:
            continue
        starts_midday = request.start_date == day and request.starts_midday
        return OFF_FROM_MIDDAY if starts_midday else ON_TIME_OFF
    return None


def checkins_on(day: date) -> list[TechCheckIn]:
    """Every active tech's check-in of `day`, or why none is expected (a day they do not
    work, approved time off), or None and missing."""
    found = {
        c.tech_id: c
        for c in db.session.scalars(
            select(CheckIn).where(CheckIn.day == day).options(selectinload(CheckIn.issues))
        )
    }
    techs = card_keepers()
    time_off = approved_between([tech.id for tech in techs], day, day)
    return [TechCheckIn(tech, found.get(tech.id), away_on(tech, day, time_off)) for tech in techs]


def open_issues(now: datetime | None = None) -> list[CheckInIssue]:
    """Issues from recent check-ins nobody has handled yet, urgent first, then oldest."""
    since = local_date((now or utcnow()) - ISSUES_LOOK_BACK)
    return list(
        db.session.scalars(
            select(CheckInIssue)
            .join(CheckIn)
            .where(CheckInIssue.handled_at.is_(None), CheckIn.day >= since)
            .options(selectinload(CheckInIssue.checkin).selectinload(CheckIn.tech))
            .order_by(CheckInIssue.urgent.desc(), CheckIn.day, CheckInIssue.id)
        )
    )


def handle_issue(manager: User, issue: CheckInIssue) -> None:
    if issue.handled_at is None:
        issue.handled_at = utcnow()
        issue.handled_by_id = manager.id
        record_event(manager, "checkin_issue.handled", issue, {"handled": False}, {"handled": True})
        db.session.flush()


def issue_to_sr(
    manager: User, issue: CheckInIssue, client_id: int, priority: int
) -> ServiceRequest:
    """Turn a check-in issue into an SR in one step; the issue counts as handled."""
    if issue.sr_id is not None:
        raise RuleViolation("This issue already became an SR.")
    checkin = issue.checkin
    title = issue.text if len(issue.text) <= 200 else issue.text[:197] + "…"
    sr = service_requests.create_sr(
        manager,
        service_requests.SRFields(
            client_id=client_id,
            title=title,
            description=(
                f"{issue.text}\n\nRaised by {checkin.tech.name} "
                f"at check-in on {checkin.day:%a %d %b}."
            ),
            priority=priority if priority in {p.value for p in Priority} else Priority.P3.value,
            assignee_id=checkin.tech_id,
        ),
    )
    issue.sr_id = sr.id
    handle_issue(manager, issue)
    return sr


@dataclass
class Utilisation:
    tech: User
    logged: float  # hours
    billable: float
    scheduled: float

    @property
    def billable_share(self) -> int:
        return round(100 * self.billable / self.logged) if self.logged else 0

    @property
    def logged_share(self) -> int:
        """Logged hours against scheduled hours (can pass 100)."""
        return round(100 * self.logged / self.scheduled) if self.scheduled else 0


def utilisation(week_start: date) -> list[Utilisation]:
    """Every card keeper's week: hours logged, of them billable, and hours scheduled."""
    techs = card_keepers()
    [week] = utilisation_by_period(list(week_bounds(week_start)), techs)
    return [week.get(tech.id) or Utilisation(tech, 0, 0, 0) for tech in techs]


def utilisation_between(start: datetime, end: datetime, techs: list[User]) -> list[Utilisation]:
    """Each of `techs`' utilisation in one span, such as a quarter under review."""
    [span] = utilisation_by_period([start, end], techs)
    return [span.get(tech.id) or Utilisation(tech, 0, 0, 0) for tech in techs]


def utilisation_by_period(
    bounds: list[datetime], techs: list[User] | None = None
) -> list[dict[int, Utilisation]]:
    """For each period `bounds[i]..bounds[i + 1]` (weeks, the months of a year), each tech's
    utilisation in it, by tech id: the one definition of utilisation. Time counts in the
    period its entry starts in; scheduled time is published schedule items, by their start.
    Only techs who logged or were scheduled anything appear, of `techs` when given (else
    whoever did, active or not). Two or three queries for any number of periods and techs
    (every row grouped by period and tech in the database)."""
    seconds = seconds_between(TimeEntry.started_at, TimeEntry.ended_at)
    logged_rows = (
        select(
            period_index(TimeEntry.started_at, bounds).label("period"),
            TimeEntry.tech_id.label("tech_id"),
            seconds.label("seconds"),
            case((TimeEntry.billable, seconds), else_=0).label("billable"),
        )
        .where(
            TimeEntry.started_at >= bounds[0],
            TimeEntry.started_at < bounds[-1],
            TimeEntry.ended_at.is_not(None),
            *([] if techs is None else [TimeEntry.tech_id.in_([tech.id for tech in techs])]),
        )
        .subquery()
    )
    logged = {
        (period, tech_id): (round(total or 0), round(billable or 0))
        for period, tech_id, total, billable in db.session.execute(
            select(
                logged_rows.c.period,
                logged_rows.c.tech_id,
                func.sum(logged_rows.c.seconds),
                func.sum(logged_rows.c.billable),
            ).group_by(logged_rows.c.period, logged_rows.c.tech_id)
        )
    }
    scheduled_rows = (
        select(
            period_index(ScheduleItem.starts_at, bounds).label("period"),
            ScheduleItem.tech_id.label("tech_id"),
            seconds_between(ScheduleItem.starts_at, ScheduleItem.ends_at).label("seconds"),
        )
        .where(
            ScheduleItem.published_at.is_not(None),
            ScheduleItem.starts_at >= bounds[0],
            ScheduleItem.starts_at < bounds[-1],
            *([] if techs is None else [ScheduleItem.tech_id.in_([tech.id for tech in techs])]),
        )
        .subquery()
    )
    scheduled = {
        (period, tech_id): round(total or 0)
        for period, tech_id, total in db.session.execute(
            select(
                scheduled_rows.c.period,
                scheduled_rows.c.tech_id,
                func.sum(scheduled_rows.c.seconds),
            ).group_by(scheduled_rows.c.period, scheduled_rows.c.tech_id)
        )
    }
    keys = logged.keys() | scheduled.keys()
    if techs is None:
        ids = {tech_id for _, tech_id in keys}
        techs = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    by_id = {tech.id: tech for tech in techs}
    periods: list[dict[int, Utilisation]] = [{} for _ in bounds[1:]]
    for period, tech_id in keys:
        if tech_id not in by_id:
            continue
        total, billable = logged.get((period, tech_id), (0, 0))
        planned = scheduled.get((period, tech_id), 0)
        periods[period][tech_id] = Utilisation(
            by_id[tech_id], total / 3600, billable / 3600, planned / 3600
        )
    return periods


def this_and_last_week(now: datetime | None = None) -> tuple[date, date]:
    this_week = monday_of(local_date(now or utcnow()))
    return this_week, this_week - timedelta(weeks=1)
