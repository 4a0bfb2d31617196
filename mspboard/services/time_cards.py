"""A tech's weekly time card: what the phone shows (entries by day, totals, warnings), the
submission deadline, and submitting or resubmitting it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mspboard import events
from mspboard.models import TimeCard, TimeCardStatus, TimeEntry, User, db, utcnow
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import at_wall, wall_label
from mspboard.services.shop_settings import current_settings
from mspboard.services.time_weeks import (
    card_for,
    in_tech_weeks,
    local_date,
    week_bounds,
    week_label,
)
from mspboard.services.worked_time import Worked, overlapping_pairs, worked_in_day
from mspboard.workweek import from_mask

LONG_DAY = timedelta(hours=10)
NOTABLE_GAP = timedelta(minutes=30)
# The states in which the card still waits for the tech to submit it.
AWAITING_SUBMISSION = frozenset({TimeCardStatus.DRAFT, TimeCardStatus.REJECTED})


@dataclass
class CardDay:
    day: date
    entries: list[TimeEntry]
    worked: Worked = field(default_factory=Worked)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> timedelta:
        return timedelta(minutes=self.worked.minutes)

    @property
    def billable(self) -> timedelta:
        return timedelta(minutes=self.worked.billable)

    @property
    def non_billable(self) -> timedelta:
        return self.total - self.billable


@dataclass
class CardView:
    tech: User
    week_start: date
    card: TimeCard | None
    days: list[CardDay]
    deadline: datetime
    running: TimeEntry | None
    now: datetime

    @property
    def status(self) -> TimeCardStatus:
        return self.card.status_enum if self.card else TimeCardStatus.DRAFT

    @property
    def locked(self) -> bool:
        return self.card is not None and self.card.is_locked

    @property
    def reopened(self) -> bool:
        """A manager unlocked the approved card; the tech fixes it and submits it again."""
        return self.card is not None and resubmission_of(self.card) == "reopen"

    @property
    def status_label(self) -> str:
        return "Reopened" if self.reopened else self.status.label

    @property
    def overdue(self) -> bool:
        """Not sent for approval (a draft, reopened or sent back) once its deadline has
        passed; a card sent at the deadline itself is on time."""
        return self.status in AWAITING_SUBMISSION and self.now > self.deadline

    @property
    def total(self) -> timedelta:
        return sum((d.total for d in self.days), timedelta())

    @property
    def billable(self) -> timedelta:
        return sum((d.billable for d in self.days), timedelta())

    @property
    def non_billable(self) -> timedelta:
        return self.total - self.billable

    @property
    def warnings(self) -> list[str]:
        found = [w for d in self.days for w in d.warnings]
        if self.running is not None:
            found.insert(0, "A timer is still running.")
        return found


def submission_deadline(week_start: date) -> datetime:
    """Close of business on the last workday of the shop's work week."""
    settings = current_settings()
    last = max(from_mask(settings.workdays))
    day = week_start + timedelta(days=last - 1)
    return at_wall(day, settings.close_of_business)


def sending(submitted_at: datetime | None, deadline: datetime, now: datetime) -> str | None:
    """How a card was sent against its deadline: "on_time" (the deadline itself included),
    "late", or "unsent" once the deadline has passed; None while it can still be on time."""
    if submitted_at is None:
        return "unsent" if now > deadline else None
    return "on_time" if submitted_at <= deadline else "late"


def _hm(moment: datetime) -> str:
    return wall_label(moment, "%H:%M")


def _day_warnings(tech: User, day: CardDay, now: datetime) -> None:
    label = day.day.strftime("%a")
    for before, after in overlapping_pairs(day.entries):
        day.warnings.append(
            f"{label}: {_hm(before.started_at)} to {_hm(before.ended_at)} overlaps "  # type: ignore[arg-type]
            f"{_hm(after.started_at)} to {_hm(after.ended_at)}; the overlap counts once."  # type: ignore[arg-type]
        )
    if day.total > LONG_DAY:
        day.warnings.append(f"{label}: over 10 hours logged.")
    if day.day.isoweekday() not in from_mask(tech.workdays):
        return
    work_start = at_wall(day.day, tech.day_start)
    work_end = min(at_wall(day.day, tech.day_end), now)
    if work_end <= work_start:
        return
    cursor = work_start
    for entry in sorted(day.entries, key=lambda e: e.started_at):
        if entry.started_at - cursor >= NOTABLE_GAP and entry.started_at <= work_end:
            gap = f"{_hm(cursor)} to {_hm(entry.started_at)}"
            day.warnings.append(f"{label}: nothing logged {gap}.")
        cursor = max(cursor, entry.ended_at or now)
    if work_end - cursor >= NOTABLE_GAP:
        if not day.entries:
            day.warnings.append(f"{label}: nothing logged in working hours.")
        else:
            day.warnings.append(f"{label}: nothing logged {_hm(cursor)} to {_hm(work_end)}.")


def week_entries(
    pairs: list[tuple[int, date]], with_work: bool = True
) -> dict[tuple[int, date], list[TimeEntry]]:
    """The entries of each (tech id, week start) pair, in time order, with their SR and
    client unless `with_work` is off (a page of totals only): one query for all the pairs
    (a page of cards), grouped by week."""
    found: dict[tuple[int, date], list[TimeEntry]] = {pair: [] for pair in pairs}
    if not pairs:
        return found
    query = select(TimeEntry).where(in_tech_weeks(TimeEntry.tech_id, TimeEntry.started_at, pairs))
    if with_work:
        query = query.options(
            selectinload(TimeEntry.service_request), selectinload(TimeEntry.client)
        )
    entries = db.session.scalars(query.order_by(TimeEntry.started_at)).all()
    starts = {week_start: week_bounds(week_start) for _tech_id, week_start in pairs}
    for entry in entries:
        for week_start, (start, end) in starts.items():
            if start <= entry.started_at < end and (entry.tech_id, week_start) in found:
                found[(entry.tech_id, week_start)].append(entry)
    return found


def card_view(tech: User, week_start: date, now: datetime | None = None) -> CardView:
    entries = week_entries([(tech.id, week_start)])[(tech.id, week_start)]
    return card_view_of(tech, week_start, entries, card_for(tech, week_start), now)


def card_view_of(
    tech: User,
    week_start: date,
    entries: list[TimeEntry],
    card: TimeCard | None,
    now: datetime | None = None,
) -> CardView:
    """The card view from the week's entries (in time order) and its card, already loaded."""
    now = now or utcnow()
    days = [CardDay(week_start + timedelta(days=n), []) for n in range(7)]
    for entry in entries:
        days[(local_date(entry.started_at) - week_start).days].entries.append(entry)
    running = None
    deadline = submission_deadline(week_start)
    for day in days:
        day.worked = worked_in_day(day.entries, now)
        for entry in day.entries:
            if entry.is_running:
                running = entry
        if day.day <= local_date(now):
            _day_warnings(tech, day, now)
    return CardView(
        tech=tech,
        week_start=week_start,
        card=card,
        days=days,
        deadline=deadline,
        running=running,
        now=now,
    )


def resubmission_of(card: TimeCard) -> str | None:
    """What a submission follows: "rejection" for a card sent back, "reopen" for an
    approved card a manager reopened (a draft that was submitted before); None for a first
    submission."""
    if card.status == TimeCardStatus.REJECTED:
        return "rejection"
    if card.status == TimeCardStatus.DRAFT and card.submitted_at is not None:
        return "reopen"
    return None


def submit_card(
    tech: User, week_start: date, now: datetime | None = None, at: datetime | None = None
) -> TimeCard:
    """Send the week for approval; a rejected card goes back the same way once fixed.
    `now` is the server's clock, which decides whether the week has started; `at`, when the
    tech submitted it (the phone's moment), is what is recorded."""
    now = now or utcnow()
    at = at or now
    view = card_view(tech, week_start, now)
    if view.running is not None:
        raise RuleViolation("Stop the running timer before submitting this week.")
    card = view.card
    if week_start > local_date(now):
        raise RuleViolation("This week has not started yet.")
    if card is not None and card.is_locked:
        raise RuleViolation(
            f"Your time card for {week_label(week_start)} is already {card.status}."
        )
    if card is None:
        card = TimeCard(tech_id=tech.id, week_start=week_start)
        db.session.add(card)
    resubmitted_after = resubmission_of(card)
    before = {"status": card.status} if card.id is not None else None
    card.status = TimeCardStatus.SUBMITTED.value
    card.submitted_at = at
    db.session.flush()
    after = {
        "status": card.status,
        "week_start": week_start.isoformat(),
        "total_minutes": view.total // timedelta(minutes=1),
    }
    if resubmitted_after:
        after["after"] = resubmitted_after
    record_event(
        tech,
        "timecard.resubmitted" if resubmitted_after else "timecard.submitted",
        card,
        before=before,
        after=after,
    )
    db.session.flush()
    events.announce(db.session, events.APPROVALS)  # it waits in the managers' queue now
    return card
