"""Time-off requests from a tech: whole or half days, waiting for the manager's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from mspboard import events
from mspboard.models import TimeOffKind, TimeOffRequest, TimeOffStatus, User, db, utcnow
from mspboard.services.audit import record_event, snapshot
from mspboard.services.errors import RuleViolation
from mspboard.services.time_weeks import local_date

NOTE_MAX = 1000
REQUEST_FIELDS = ["start_date", "end_date", "starts_midday", "ends_midday", "kind", "note"]
AHEAD_MAX_DAYS = 730
LIVE = (TimeOffStatus.PENDING.value, TimeOffStatus.APPROVED.value)


@dataclass
class TimeOffFields:
    start_date: date
    end_date: date
    starts_midday: bool = False
    ends_midday: bool = False
    kind: str = TimeOffKind.VACATION.value
    note: str = ""


def my_requests(tech: User) -> list[TimeOffRequest]:
    return list(
        db.session.scalars(
            select(TimeOffRequest)
            .where(TimeOffRequest.tech_id == tech.id)
            .order_by(TimeOffRequest.start_date.desc(), TimeOffRequest.id.desc())
        )
    )


def request_time_off(
    tech: User, values: TimeOffFields, at: datetime, now: datetime | None = None
) -> TimeOffRequest:
    """Ask for time off; `at` is when the tech asked (the phone's moment). Whether the days
    can still be asked for is decided by the server's clock, `now`: "today" is the shop's
    today, not the phone's."""
    if values.end_date < values.start_date:
        raise RuleViolation("The last day must be on or after the first day.", "end_date")
    if values.start_date == values.end_date and values.starts_midday and values.ends_midday:
        raise RuleViolation(
            "Starting at midday and ending at midday on the same day leaves no time off.",
            "ends_midday",
        )
    today = local_date(now or utcnow())
    if values.start_date < today:
        raise RuleViolation("Time off starts today or later.", "start_date")
    if values.start_date > today + timedelta(days=AHEAD_MAX_DAYS):
        raise RuleViolation("Ask for time off at most two years ahead.", "start_date")
    if (values.end_date - values.start_date).days > 60:
        raise RuleViolation("Ask for at most 60 days at a time.", "end_date")
    if values.kind not in {k.value for k in TimeOffKind}:
        raise RuleViolation("Pick a kind of time off.", "kind")
    note = values.note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", "note")
    clash = db.session.scalar(
        select(TimeOffRequest).where(
            TimeOffRequest.tech_id == tech.id,
            TimeOffRequest.status.in_(LIVE),
            TimeOffRequest.start_date <= values.end_date,
            TimeOffRequest.end_date >= values.start_date,
        )
    )
    if clash is not None:
        raise RuleViolation(
            f"You already asked for {clash.start_date:%a %d %b} to {clash.end_date:%a %d %b} "
            f"({clash.status}).",
            "start_date",
        )
    request = TimeOffRequest(
        tech_id=tech.id,
        start_date=values.start_date,
        end_date=values.end_date,
        starts_midday=values.starts_midday,
        ends_midday=values.ends_midday,
        kind=values.kind,
        note=note,
        status=TimeOffStatus.PENDING.value,
        created_at=at,
    )
    db.session.add(request)
    db.session.flush()
    record_event(tech, "time_off.requested", request, None, snapshot(request, REQUEST_FIELDS))
    events.announce(db.session, events.APPROVALS)  # it waits in the managers' queue now
    return request


def approved_between(tech_ids: list[int], first: date, last: date) -> list[TimeOffRequest]:
    """Approved time off of these techs that touches the days `first` to `last`."""
    if not tech_ids:
        return []
    return list(
        db.session.scalars(
            select(TimeOffRequest)
            .where(
                TimeOffRequest.tech_id.in_(tech_ids),
                TimeOffRequest.status == TimeOffStatus.APPROVED.value,
                TimeOffRequest.start_date <= last,
                TimeOffRequest.end_date >= first,
            )
            .order_by(TimeOffRequest.start_date, TimeOffRequest.id)
        )
    )
