"""A tech's written goals: one per line of intent, for a quarter or a year, with a measure and
a status that moves as progress notes come in. Services flush; callers commit.

- A goal's title (1 to 200 characters), measure and target date are checked here: the target
  falls inside the goal's own quarter or year.
- A desk edit carries the goal's version (`expect_version`); its changes are audited with
  before and after (services.edits). A save that changes nothing writes nothing.
- A status that becomes met, missed or dropped writes `decided_at` (when it was decided);
  moving back to open, on track or at risk clears it.
- From the phone the tech adds a note and moves the status of their own goals, possibly
  offline and several times in a row: such a move carries the phone's moment, not a form
  version (the outbox sends them in the order they were made). A move made before the goal
  was decided by someone else is refused, so a late sync never undoes a decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mspboard import inputs
from mspboard.models import (
    DECIDED_GOAL_STATUSES,
    Goal,
    GoalKind,
    GoalNote,
    GoalPeriod,
    GoalStatus,
    User,
    db,
    utcnow,
)
from mspboard.services import edits
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label

TITLE_MAX = 200
MEASURE_MAX = 2000
NOTE_MAX = 2000

STATUS_LABELS = {
    GoalStatus.OPEN: "Open",
    GoalStatus.ON_TRACK: "On track",
    GoalStatus.AT_RISK: "At risk",
    GoalStatus.MET: "Met",
    GoalStatus.MISSED: "Missed",
    GoalStatus.DROPPED: "Dropped",
}


def status_label(status: str) -> str:
    return STATUS_LABELS[GoalStatus(status)]


# ---- periods ---------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter `day` falls in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter_start(day: date) -> date:
    start = quarter_start(day)
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def previous_quarter_start(day: date) -> date:
    start = quarter_start(day)
    return date(start.year - 1, 10, 1) if start.month == 1 else date(start.year, start.month - 3, 1)


def period_start(period: GoalPeriod, day: date) -> date:
    """The first day of the quarter or the year `day` falls in."""
    return quarter_start(day) if period is GoalPeriod.QUARTER else date(day.year, 1, 1)


def period_end(period: GoalPeriod, start: date) -> date:
    """The last day of the quarter or year that starts on `start`."""
    if period is GoalPeriod.QUARTER:
        return next_quarter_start(start) - timedelta(days=1)
    return date(start.year, 12, 31)


def quarter_label(start: date) -> str:
    """ "Q4 2026"."""
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def quarter_text(start: date) -> str:
    """The quarter as the address names it: "2026-Q4"."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def quarter_from_text(text: str | None) -> date | None:
    """The first day of the quarter "YYYY-Qn" names, inside the input window; else None."""
    text = (text or "").strip()
    if len(text) != 7 or text[4:6] != "-Q" or not text[:4].isdigit() or text[6] not in "1234":
        return None
    start = date(int(text[:4]), 3 * (int(text[6]) - 1) + 1, 1)
    return start if inputs.EARLIEST_DAY <= start <= inputs.LATEST_DAY else None


def goal_period_label(goal: Goal) -> str:
    if goal.period == GoalPeriod.YEAR:
        return str(goal.period_start.year)
    return quarter_label(goal.period_start)


# ---- checks ----------------------------------------------------------------------------


def _title(title: str) -> str:
    title = inputs.text(title, "title", TITLE_MAX, multi_line=False)
    if not title:
        raise RuleViolation("Give the goal a title.", "title")
    return title


def _target(period: GoalPeriod, start: date, target_on: date | None) -> date | None:
    if target_on is None:
        return None
    end = period_end(period, start)
    if not start <= target_on <= end:
        span = "quarter" if period is GoalPeriod.QUARTER else "year"
        raise RuleViolation(
            f"Pick a target date within the goal's {span}: {start:%d %b %Y} to {end:%d %b %Y}.",
            "target_on",
        )
    return target_on


def _status(status: str) -> GoalStatus:
    try:
        return GoalStatus(status)
    except ValueError:
        raise RuleViolation("Pick one of the statuses listed.", "status") from None


def _decided_at(goal: Goal, status: GoalStatus, moment: datetime) -> datetime | None:
    if status not in DECIDED_GOAL_STATUSES:
        return None
    # Still decided the same way: it keeps the moment it was decided.
    return goal.decided_at if goal.status == status.value and goal.decided_at else moment


# ---- writing ---------------------------------------------------------------------------


def add_goal(
    user: User,
    *,
    period: GoalPeriod,
    starts: date,
    title: str,
    by: User,
    measure: str = "",
    target_on: date | None = None,
    kind: GoalKind = GoalKind.WORK,
) -> Goal:
    """Write a new goal for `user` for the quarter or year that `starts` falls in."""
    start = period_start(period, starts)
    goal = Goal(
        user=user,
        period=period.value,
        period_start=start,
        kind=kind.value,
        title=_title(title),
        measure=inputs.text(measure, "measure", MEASURE_MAX),
        target_on=_target(period, start, target_on),
        status=GoalStatus.OPEN.value,
        created_by=by,
    )
    db.session.add(goal)
    db.session.flush()
    record_event(
        by,
        "goal.added",
        goal,
        None,
        {"user_id": user.id, "title": goal.title, "period": goal.period, "kind": goal.kind},
    )
    return goal


@dataclass(frozen=True)
class GoalFields:
    title: str
    measure: str
    target_on: date | None
    status: str


def edit_goal(
    actor: User, goal: Goal, fields: GoalFields, *, expected_version: int | None
) -> dict[str, tuple[object, object]]:
    """Save a desk edit of the goal as the form showed it; returns what changed."""
    period = GoalPeriod(goal.period)
    status = _status(fields.status)
    values = {
        "title": _title(fields.title),
        "measure": inputs.text(fields.measure, "measure", MEASURE_MAX),
        "target_on": _target(period, goal.period_start, fields.target_on),
        "status": status.value,
    }
    edits.expect_version(goal, expected_version)
    if values["status"] != goal.status:
        values["decided_at"] = _decided_at(goal, status, utcnow())
    changed = edits.write_changes(actor, goal, values, "goal.edited")
    db.session.flush()
    return changed


def add_note(author: User, goal: Goal, body: str, at: datetime) -> GoalNote:
    """A progress note on the goal, written at `at` (the phone's moment, or now)."""
    body = inputs.text(body, "body", NOTE_MAX)
    if not body:
        raise RuleViolation("Write the note first.", "body")
    note = GoalNote(goal=goal, author=author, body=body, created_at=at, stored_at=utcnow())
    db.session.add(note)
    db.session.flush()
    return note


class NotYourGoal(RuleViolation):
    def __init__(self) -> None:
        super().__init__("That goal is not one of yours.")


def update_from_phone(
    tech: User, goal: Goal, *, body: str, status: str, moment: datetime
) -> tuple[GoalNote | None, bool]:
    """The tech's progress on one of their goals: a note, a status move, or both, made at
    `moment`. Returns the note (if any) and whether the status moved."""
    if goal.user_id != tech.id:
        raise NotYourGoal()
    wanted = _status(status) if status else GoalStatus(goal.status)
    body = inputs.text(body, "body", NOTE_MAX)
    moves = wanted.value != goal.status
    if not body and not moves:
        raise RuleViolation("Write a note or pick another status.", "body")
    if moves and goal.decided_at is not None and moment < goal.decided_at:
        raise RuleViolation(
            f"This goal was marked {status_label(goal.status).lower()} at "
            f"{wall_label(goal.decided_at, '%H:%M on %a %d %b')}, after you did this; "
            "your status was not saved.",
            "status",
        )
    note = add_note(tech, goal, body, moment) if body else None
    if moves:
        edits.write_changes(
            tech,
            goal,
            {"status": wanted.value, "decided_at": _decided_at(goal, wanted, moment)},
            "goal.status_moved",
        )
        db.session.flush()
    return note, moves


# ---- reading ---------------------------------------------------------------------------


def goals_for(users: list[User], quarter: date) -> dict[int, list[Goal]]:
    """Each user's goals of the quarter starting `quarter` and of its year, in one query:
    year goals first, then by target date and title, with their notes and authors."""
    year = date(quarter.year, 1, 1)
    rows = db.session.scalars(
        select(Goal)
        .where(
            Goal.user_id.in_([u.id for u in users]),
            (
                ((Goal.period == GoalPeriod.QUARTER.value) & (Goal.period_start == quarter))
                | ((Goal.period == GoalPeriod.YEAR.value) & (Goal.period_start == year))
            ),
        )
        .options(selectinload(Goal.notes).joinedload(GoalNote.author))
        .order_by(Goal.period.desc(), Goal.target_on.is_(None), Goal.target_on, Goal.title, Goal.id)
    )
    found: dict[int, list[Goal]] = defaultdict(list)
    for goal in rows:
        found[goal.user_id].append(goal)
    return found


@dataclass
class TechGoals:
    """One tech's row at a glance."""

    tech: User
    quarter: list[Goal] = field(default_factory=list)
    year: list[Goal] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def at_a_glance(techs: list[User], quarter: date) -> list[TechGoals]:
    """Every tech's goals of the quarter and of its year, with counts by status."""
    found = goals_for(techs, quarter)
    rows = []
    for tech in techs:
        row = TechGoals(tech)
        for goal in found.get(tech.id, []):
            (row.year if goal.period == GoalPeriod.YEAR else row.quarter).append(goal)
            row.counts[goal.status] += 1
        rows.append(row)
    return rows


def last_note_at(goal: Goal) -> datetime | None:
    return max((note.created_at for note in goal.notes), default=None)
