"""Quarterly reviews: when they happen, the slot the app proposes for each tech, accepting it
onto the planner, the figures a review is prepared from, the manager's notes and goals, and
the tech's review of the service manager. Services flush; callers commit.

A review belongs to the quarter it opens (`quarter_start`) and looks back on the quarter
before. Its time is a planner item titled "Quarterly review" (a draft until the week is
published, then acknowledged by the tech like any other item); proposing slots is computed
and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from mspboard.models import (
    Certification,
    CheckIn,
    ChecklistRun,
    ChecklistRunItem,
    Goal,
    GoalKind,
    GoalNote,
    GoalPeriod,
    MaintenanceMonth,
    QuarterlyReview,
    ScheduleItem,
    ServiceRequest,
    SRStatus,
    TimeCard,
    User,
    db,
    utcnow,
)
from mspboard.services import edits, planner
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.people.goals import add_goal, next_quarter_start, quarter_start
from mspboard.services.shop_settings import current_settings
from mspboard.services.staff import active_technician, active_technicians
from mspboard.services.time_cards import sending, submission_deadline
from mspboard.services.time_off import approved_between
from mspboard.services.time_weeks import local_date, local_midnight, monday_of
from mspboard.services.today import Utilisation, away_on, utilisation_between, working_hours
from mspboard.workweek import from_mask

ITEM_TITLE = "Quarterly review"
REVIEW_LENGTH = timedelta(hours=1)
# Proposed slots start on the hour or the half hour.
SLOT_STEP = timedelta(minutes=30)
NOTES_MAX = 10_000
MANAGER_REVIEW_MAX = 4_000
# A certification expiring within this many days of the review counts as expiring.
EXPIRING_WITHIN = timedelta(days=90)
TECH_FIELDS = ("manager_helps", "manager_hinders")


# ---- when ----------------------------------------------------------------------------------


def previous_quarter_start(start: date) -> date:
    """The first day of the quarter before the one starting `start`."""
    return quarter_start(start - timedelta(days=1))


def quarter_label(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def review_week(start: date) -> date:
    """The Monday of the quarter's second week, the week its reviews are held in.

    The quarter's first week is the Monday-to-Sunday week containing its first day (so a
    quarter starting on a Saturday has a first week of two days of it); the second week is
    the one after. Reviews are held on the shop's workdays of that week: for 1 April 2024
    (a Monday) 8 to 12 April; for 1 July 2023 (a Saturday) 3 to 7 July; for 1 January 2026
    (a Thursday) 5 to 9 January. The week always lies inside the quarter.
    """
    return monday_of(start) + timedelta(days=7)


def review_days(start: date) -> list[date]:
    """The shop's workdays of the quarter's review week."""
    monday = review_week(start)
    return [monday + timedelta(days=day - 1) for day in from_mask(current_settings().workdays)]


def round_quarter(now: datetime | None = None) -> date:
    """The quarter whose reviews the manager is working on: this quarter until its review
    week has ended, then the next one."""
    today = local_date(now or utcnow())
    current = quarter_start(today)
    if today < review_week(current) + timedelta(days=7):
        return current
    return next_quarter_start(today)


# ---- proposals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    tech: User
    starts_at: datetime
    ends_at: datetime


@dataclass
class RoundRow:
    tech: User
    review: QuarterlyReview | None
    proposal: Proposal | None

    @property
    def state(self) -> str:
        if self.review is not None and self.review.state != "to schedule":
            return self.review.state
        return "proposed" if self.proposal else "no free hour"


@dataclass
class ReviewRound:
    quarter: date
    days: list[date]
    rows: list[RoundRow] = field(default_factory=list)

    @property
    def week(self) -> date:
        return review_week(self.quarter)

    @property
    def label(self) -> str:
        return quarter_label(self.quarter)

    @property
    def proposals(self) -> list[Proposal]:
        return [row.proposal for row in self.rows if row.proposal and row.state == "proposed"]


def _clear(span: tuple[datetime, datetime], taken: list[tuple[datetime, datetime]]) -> bool:
    return all(span[1] <= start or span[0] >= end for start, end in taken)


def _first_free(
    tech: User,
    days: list[date],
    time_off: list,
    taken: list[tuple[datetime, datetime]],
    not_before: datetime,
) -> tuple[datetime, datetime] | None:
    for day in days:
        hours = working_hours(tech, day, time_off)
        if hours is None:
            continue
        start = hours[0]
        while start < not_before:
            start += SLOT_STEP
        while start + REVIEW_LENGTH <= hours[1]:
            span = (start, start + REVIEW_LENGTH)
            if _clear(span, taken):
                return span
            start += SLOT_STEP
    return None


def review_round(quarter: date, now: datetime | None = None) -> ReviewRound:
    """Every active tech's review of `quarter`: held, scheduled, or a proposed hour in the
    review week, in a constant number of queries.

    A proposed hour lies in the tech's working hours less approved time off, clashes with
    none of their schedule items, and with no other tech's review (held, scheduled or
    proposed before it): the manager attends them all. Techs are served in name order, each
    the first free hour from the start of the week; nothing is written.
    """
    now = now or utcnow()
    days = review_days(quarter)
    found = ReviewRound(quarter, days)
    techs = active_technicians()
    if not days:
        return found
    reviews = {
        review.tech_id: review
        for review in db.session.scalars(
            select(QuarterlyReview)
            .where(QuarterlyReview.quarter_start == quarter)
            .options(selectinload(QuarterlyReview.schedule_item))
        )
    }
    first, after = local_midnight(days[0]), local_midnight(days[-1] + timedelta(days=1))
    items = list(
        db.session.scalars(
            select(ScheduleItem).where(ScheduleItem.starts_at < after, ScheduleItem.ends_at > first)
        )
    )
    time_off = approved_between([tech.id for tech in techs], days[0], days[-1])
    # Reviews already on the planner take the manager's time, whoever they are with.
    manager_busy = [
        (review.schedule_item.starts_at, review.schedule_item.ends_at)
        for review in reviews.values()
        if review.schedule_item is not None
    ]
    for tech in techs:
        review = reviews.get(tech.id)
        proposal = None
        if review is None or review.state == "to schedule":
            taken = [(i.starts_at, i.ends_at) for i in items if i.tech_id == tech.id]
            span = _first_free(tech, days, time_off, [*taken, *manager_busy], now)
            if span is not None:
                proposal = Proposal(tech, *span)
                manager_busy.append(span)
        found.rows.append(RoundRow(tech, review, proposal))
    return found


def planner_round(week_start: date, now: datetime | None = None) -> ReviewRound | None:
    """The round whose review week the planner shows, with its proposals; None otherwise."""
    quarter = quarter_start(week_start)
    return review_round(quarter, now) if review_week(quarter) == week_start else None


def _review_for(tech: User, quarter: date, actor: User) -> QuarterlyReview:
    review = db.session.scalar(
        select(QuarterlyReview).where(
            QuarterlyReview.tech_id == tech.id, QuarterlyReview.quarter_start == quarter
        )
    )
    if review is None:
        review = QuarterlyReview(tech=tech, quarter_start=quarter, created_by_id=actor.id)
        db.session.add(review)
        db.session.flush()
    return review


def accept_proposal(
    actor: User,
    tech_id: int | None,
    quarter: date,
    starts_at: datetime,
    now: datetime | None = None,
) -> QuarterlyReview:
    """Put a tech's review on the planner at `starts_at` (a proposed hour, still free): a
    draft "Quarterly review" item, published with its week like any other, linked to the
    review. Refused when the tech's review already has its time, or the hour is no longer
    the tech's proposal (the planner changed since the page was shown)."""
    tech = active_technician(tech_id)
    if tech is None:
        raise RuleViolation("Pick an active technician.", "tech_id")
    if quarter != quarter_start(quarter):
        raise RuleViolation("That is not the first day of a quarter.", "quarter")
    row = next((r for r in review_round(quarter, now).rows if r.tech.id == tech.id), None)
    if row is not None and row.review is not None and row.review.state != "to schedule":
        raise RuleViolation(
            f"{tech.name}'s {quarter_label(quarter)} review is already {row.review.state}."
        )
    if row is None or row.proposal is None or row.proposal.starts_at != starts_at:
        raise RuleViolation(
            "That hour is no longer free for this review; the proposals have been updated.",
            "starts_at",
        )
    saved = planner.add_item(
        actor,
        planner.ItemFields(
            tech_id=tech.id,
            starts_at=row.proposal.starts_at,
            ends_at=row.proposal.ends_at,
            title=f"{ITEM_TITLE} ({quarter_label(quarter)})",
        ),
    )
    review = _review_for(tech, quarter, actor)
    review.schedule_item_id = saved.item.id
    review.schedule_item = saved.item
    record_event(
        actor,
        "review.scheduled",
        review,
        None,
        {"schedule_item_id": saved.item.id, "starts_at": saved.item.starts_at.isoformat()},
    )
    db.session.flush()
    return review


# ---- the review page -----------------------------------------------------------------------


@dataclass
class CertificationFigures:
    held: list[Certification]
    earned: list[Certification]
    expiring: list[Certification]


@dataclass
class Figures:
    """What the tech's quarter looked like, from [first, after)."""

    first: date
    after: date
    use: Utilisation
    srs_closed: int
    cards_due: int
    cards_on_time: int
    checkins: int
    checkins_expected: int
    runs_done: int
    runs_owned: int
    certifications: CertificationFigures

    @property
    def last_day(self) -> date:
        return self.after - timedelta(days=1)


def _counted_days(first: date, after: date, today: date) -> list[date]:
    last = min(after - timedelta(days=1), today)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def quarter_figures(tech: User, first: date, now: datetime | None = None) -> Figures:
    """The reviewed quarter's figures in a constant number of queries:

    - hours logged, billable share and scheduled hours: the Today page's utilisation, over
      the quarter (entries starting in it);
    - SRs closed: SRs assigned to the tech that were closed in the quarter;
    - time cards on time: of the weeks whose Monday is in the quarter and whose deadline has
      passed, those whose card was sent by close of business on the last workday
      (time_cards.submission_deadline; a card resent after a rejection counts its last send);
    - check-ins made against the days one was owed (the Today page's rule: a workday not on
      time off), up to today;
    - maintenance runs of the quarter's months the tech owns, and of those every item ticked;
    - certifications held at the quarter's end, earned in it, and expiring by 90 days after.
    """
    now = now or utcnow()
    today = local_date(now)
    after = next_quarter_start(first)
    start, end = local_midnight(first), local_midnight(after)
    use = utilisation_between(start, end, [tech])[0]
    srs_closed = db.session.scalar(
        select(func.count(ServiceRequest.id)).where(
            ServiceRequest.assignee_id == tech.id,
            ServiceRequest.status == SRStatus.DONE.value,
            ServiceRequest.closed_at >= start,
            ServiceRequest.closed_at < end,
        )
    )
    mondays = [
        monday
        for monday in (monday_of(first) + timedelta(weeks=n) for n in range(15))
        if first <= monday < after and submission_deadline(monday) < now
    ]
    sent = dict(
        db.session.execute(
            select(TimeCard.week_start, TimeCard.submitted_at).where(
                TimeCard.tech_id == tech.id,
                TimeCard.week_start >= first,
                TimeCard.week_start < after,
            )
        ).all()
    )
    on_time = sum(
        1
        for monday in mondays
        if sending(sent.get(monday), submission_deadline(monday), now) == "on_time"
    )
    days = _counted_days(first, after, today)
    time_off = approved_between([tech.id], first, after - timedelta(days=1))
    expected = sum(1 for day in days if away_on(tech, day, time_off) is None)
    checkins = db.session.scalar(
        select(func.count(CheckIn.id)).where(
            CheckIn.tech_id == tech.id, CheckIn.day >= first, CheckIn.day < after
        )
    )
    run_rows = (
        select(
            ChecklistRun.id,
            case(
                (func.count(ChecklistRunItem.outcome) == func.count(ChecklistRunItem.id), 1),
                else_=0,
            ).label("done"),
        )
        .join(MaintenanceMonth, ChecklistRun.month_id == MaintenanceMonth.id)
        .outerjoin(ChecklistRunItem, ChecklistRunItem.run_id == ChecklistRun.id)
        .where(
            ChecklistRun.owner_id == tech.id,
            MaintenanceMonth.month >= first,
            MaintenanceMonth.month < after,
        )
        .group_by(ChecklistRun.id)
        .subquery()
    )
    runs_owned, runs_done = db.session.execute(
        select(func.count(run_rows.c.id), func.coalesce(func.sum(run_rows.c.done), 0))
    ).one()
    certs = list(
        db.session.scalars(
            select(Certification)
            .where(Certification.user_id == tech.id, Certification.earned_on < after)
            .order_by(Certification.earned_on, Certification.id)
        )
    )
    last = after - timedelta(days=1)
    held = [c for c in certs if c.expires_on is None or c.expires_on > last]
    return Figures(
        first=first,
        after=after,
        use=use,
        srs_closed=srs_closed or 0,
        cards_due=len(mondays),
        cards_on_time=on_time,
        checkins=checkins or 0,
        checkins_expected=expected,
        runs_done=int(runs_done or 0),
        runs_owned=runs_owned or 0,
        certifications=CertificationFigures(
            held=held,
            earned=[c for c in certs if c.earned_on >= first],
            expiring=[
                c
                for c in held
                if c.expires_on is not None and c.expires_on <= last + EXPIRING_WITHIN
            ],
        ),
    )


@dataclass
class ReviewSheet:
    review: QuarterlyReview
    reviewed: date
    figures: Figures
    last_goals: list[Goal]
    new_goals: list[Goal]

    @property
    def reviewed_label(self) -> str:
        return quarter_label(self.reviewed)

    @property
    def label(self) -> str:
        return quarter_label(self.review.quarter_start)


def review_sheet(review: QuarterlyReview, now: datetime | None = None) -> ReviewSheet:
    """Everything the review page shows, in a constant number of queries."""
    reviewed = previous_quarter_start(review.quarter_start)
    goals = list(
        db.session.scalars(
            select(Goal)
            .where(
                Goal.user_id == review.tech_id,
                Goal.period == GoalPeriod.QUARTER.value,
                Goal.period_start.in_([reviewed, review.quarter_start]),
            )
            .options(selectinload(Goal.notes).selectinload(GoalNote.author))
            .order_by(Goal.created_at, Goal.id)
        )
    )
    return ReviewSheet(
        review=review,
        reviewed=reviewed,
        figures=quarter_figures(review.tech, reviewed, now),
        last_goals=[g for g in goals if g.period_start == reviewed],
        new_goals=[g for g in goals if g.period_start == review.quarter_start],
    )


def reviews_before(quarter: date, limit: int = 40) -> list[QuarterlyReview]:
    """Reviews of earlier quarters, newest first, with their tech and item."""
    return list(
        db.session.scalars(
            select(QuarterlyReview)
            .where(QuarterlyReview.quarter_start < quarter)
            .options(
                selectinload(QuarterlyReview.tech),
                selectinload(QuarterlyReview.schedule_item),
                selectinload(QuarterlyReview.held_by),
            )
            .order_by(QuarterlyReview.quarter_start.desc(), QuarterlyReview.id)
            .limit(limit)
        )
    )


def reviews_of(tech: User, limit: int = 8) -> list[QuarterlyReview]:
    """One tech's reviews, newest quarter first, with their item and who held them."""
    return list(
        db.session.scalars(
            select(QuarterlyReview)
            .where(QuarterlyReview.tech_id == tech.id)
            .options(
                selectinload(QuarterlyReview.schedule_item),
                selectinload(QuarterlyReview.held_by),
            )
            .order_by(QuarterlyReview.quarter_start.desc())
            .limit(limit)
        )
    )


# ---- the manager's writes ------------------------------------------------------------------


def save_notes(
    actor: User, review: QuarterlyReview, notes: str, *, expected_version: int | None
) -> bool:
    """The manager's notes, as shown at `expected_version`; False when nothing changed."""
    edits.expect_version(review, expected_version)
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise RuleViolation(f"Keep the notes under {NOTES_MAX:,} characters.", "manager_notes")
    return bool(edits.write_changes(actor, review, {"manager_notes": notes}, "review.notes"))


def mark_held(
    actor: User,
    review: QuarterlyReview,
    *,
    expected_version: int | None,
    now: datetime | None = None,
) -> None:
    edits.expect_version(review, expected_version)
    if review.is_held:
        raise RuleViolation("This review is already marked held.")
    edits.write_changes(
        actor, review, {"held_at": now or utcnow(), "held_by_id": actor.id}, "review.held"
    )
    db.session.flush()


def add_review_goal(
    actor: User,
    review: QuarterlyReview,
    *,
    title: str,
    measure: str = "",
    target_on: date | None = None,
) -> Goal:
    """A goal for the quarter the review opens, written at the review (goals.add_goal)."""
    title = title.strip()
    if not title:
        raise RuleViolation("Give the goal a title.", "title")
    if target_on is not None and not (
        review.quarter_start <= target_on < next_quarter_start(review.quarter_start)
    ):
        raise RuleViolation(
            f"Pick a target day in {quarter_label(review.quarter_start)}.", "target_on"
        )
    goal = add_goal(
        review.tech,
        period=GoalPeriod.QUARTER,
        starts=review.quarter_start,
        title=title,
        by=actor,
        measure=measure.strip(),
        target_on=target_on,
        kind=GoalKind.WORK,
    )
    record_event(actor, "goal.added", goal, None, {"title": goal.title, "review_id": review.id})
    return goal


# ---- the tech's side -----------------------------------------------------------------------


def my_review(tech: User, now: datetime | None = None) -> QuarterlyReview | None:
    """The tech's review of the current round, else their latest one."""
    return db.session.scalar(
        select(QuarterlyReview)
        .where(
            QuarterlyReview.tech_id == tech.id,
            QuarterlyReview.quarter_start <= round_quarter(now),
        )
        .options(selectinload(QuarterlyReview.schedule_item))
        .order_by(QuarterlyReview.quarter_start.desc())
        .limit(1)
    )


def review_the_manager(
    tech: User,
    review: QuarterlyReview,
    *,
    helps: str,
    hinders: str,
    shown_version: int | None,
    at: datetime,
) -> bool:
    """The tech's review of the service manager on their own review; False when nothing
    changed. Only the review's own tech writes it. A form older than the review is refused
    only when the tech's own words changed since (from another phone): the manager's notes
    and the scheduling are not the tech's to see or to collide with."""
    if review.tech_id != tech.id:
        raise NotYourReview()
    helps, hinders = helps.strip(), hinders.strip()
    for name, text in (("manager_helps", helps), ("manager_hinders", hinders)):
        if len(text) > MANAGER_REVIEW_MAX:
            raise RuleViolation(f"Keep this under {MANAGER_REVIEW_MAX:,} characters.", name)
    if not (helps or hinders):
        raise RuleViolation("Write what helps, what does not, or both.", "manager_helps")
    if shown_version != review.version:
        since = edits.changes_since(review, shown_version or 0)
        if any(set(change.values) & set(TECH_FIELDS) for change in since):
            raise RuleViolation(
                "You changed this review from another device since this form was shown; "
                "reload it to see what is saved."
            )
    values = {"manager_helps": helps, "manager_hinders": hinders}
    if not edits.changed_values(review, values):
        return False
    edits.write_changes(
        tech,
        review,
        {**values, "manager_review_at": at, "manager_review_by_id": tech.id},
        "review.manager_reviewed",
    )
    db.session.flush()
    return True


class NotYourReview(Exception):
    message = "This review is someone else's; you can only write your own."
