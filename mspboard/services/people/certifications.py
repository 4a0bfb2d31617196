"""The certifications each tech holds: name, issuer, earned, expires; and the ones to renew.

- Expiring: a certification whose expiry day is at most EXPIRY_WARNING_DAYS (60) days after
  today, in the shop's calendar, day 60 included (day 61 is not yet). Expired: its expiry
  day has passed (on the day itself it "expires today", still expiring). Both are flagged on
  the tech's page and on /manage/today.
- A certification planned as a goal (a goal of kind certification) is recorded as earned
  from the goal: one call creates the Certification linked to the goal and marks the goal
  met, audited together.
- Adds, edits and removals are audited; an edit or removal carries the version the form
  showed (services.edits). Services flush; callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mspboard import inputs
from mspboard.models import Certification, Goal, GoalKind, GoalStatus, User, db, utcnow
from mspboard.services import edits
from mspboard.services.audit import jsonable, record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.time_weeks import local_date

EXPIRY_WARNING_DAYS = 60
NAME_MAX = 200
ISSUER_MAX = 200
# How long a certification may be valid: renewals are yearly to a few years; ten is a typo.
LONGEST_VALIDITY_YEARS = 10


@dataclass(frozen=True)
class CertificationFields:
    name: str
    issuer: str
    earned_on: date | None
    expires_on: date | None


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _values(fields: CertificationFields) -> dict[str, object]:
    name = inputs.text(fields.name, "name", NAME_MAX, multi_line=False)
    if not name:
        raise RuleViolation("Name the certification.", "name")
    issuer = inputs.text(fields.issuer, "issuer", ISSUER_MAX, multi_line=False)
    if fields.earned_on is None:
        raise RuleViolation("Give the day it was earned.", "earned_on")
    today = local_date(utcnow())
    if fields.earned_on > today:
        raise RuleViolation("It cannot be earned after today.", "earned_on")
    expires_on = fields.expires_on
    if expires_on is not None:
        if expires_on <= fields.earned_on:
            raise RuleViolation("It must expire after the day it was earned.", "expires_on")
        latest = _years_after(fields.earned_on, LONGEST_VALIDITY_YEARS)
        if expires_on > latest:
            raise RuleViolation(
                f"Pick an expiry within {LONGEST_VALIDITY_YEARS} years of the day it was earned.",
                "expires_on",
            )
    return {"name": name, "issuer": issuer, "earned_on": fields.earned_on, "expires_on": expires_on}


def _audited(actor: User, action: str, cert: Certification) -> None:
    record_event(
        actor,
        action,
        cert,
        None,
        {
            "user_id": cert.user_id,
            "name": cert.name,
            "issuer": cert.issuer,
            "earned_on": jsonable(cert.earned_on),
            "expires_on": jsonable(cert.expires_on),
            "goal_id": cert.goal_id,
        },
    )


def add_certification(
    actor: User, user: User, fields: CertificationFields, goal: Goal | None = None
) -> Certification:
    cert = Certification(user=user, goal=goal, created_by_id=actor.id, **_values(fields))
    db.session.add(cert)
    db.session.flush()
    _audited(actor, "certification.added", cert)
    return cert


def edit_certification(
    actor: User, cert: Certification, fields: CertificationFields, *, expected_version: int | None
) -> dict[str, tuple[object, object]]:
    values = _values(fields)
    edits.expect_version(cert, expected_version)
    changed = edits.write_changes(actor, cert, values, "certification.edited")
    db.session.flush()
    return changed


def remove_certification(actor: User, cert: Certification, *, expected_version: int | None) -> None:
    edits.expect_version(cert, expected_version)
    record_event(
        actor,
        "certification.removed",
        cert,
        {"user_id": cert.user_id, "name": cert.name, "expires_on": jsonable(cert.expires_on)},
        None,
    )
    db.session.delete(cert)
    db.session.flush()


def earn_from_goal(actor: User, goal: Goal, fields: CertificationFields) -> Certification:
    """The certification a goal planned, now earned: recorded for the goal's tech, linked to
    the goal, and the goal marked met. Once only: a goal that already has its certification
    is refused."""
    if goal.kind != GoalKind.CERTIFICATION:
        raise RuleViolation("Only a goal planned as a certification records one.")
    if db.session.scalar(select(Certification.id).where(Certification.goal_id == goal.id)):
        raise RuleViolation("This goal's certification is already recorded.")
    cert = add_certification(actor, goal.user, fields, goal=goal)
    if goal.status != GoalStatus.MET:
        edits.write_changes(
            actor,
            goal,
            {"status": GoalStatus.MET.value, "decided_at": utcnow()},
            "goal.certification_earned",
        )
    db.session.flush()
    return cert


# ---- reading ---------------------------------------------------------------------------


def days_left(cert: Certification, today: date) -> int | None:
    return None if cert.expires_on is None else (cert.expires_on - today).days


def flag(cert: Certification, today: date) -> str | None:
    """ "expired", "expiring" (within EXPIRY_WARNING_DAYS, day 60 included) or None."""
    left = days_left(cert, today)
    if left is None or left > EXPIRY_WARNING_DAYS:
        return None
    return "expired" if left < 0 else "expiring"


def flag_words(cert: Certification, today: date) -> str:
    left = days_left(cert, today)
    if left is None:
        return ""
    if left < 0:
        return f"Expired {-left} day{'' if left == -1 else 's'} ago"
    if left == 0:
        return "Expires today"
    return f"Expires in {left} day{'' if left == 1 else 's'}"


def expiring(today: date) -> list[Certification]:
    """Active people's certifications expired or expiring within EXPIRY_WARNING_DAYS of
    `today`, soonest first, with their holder."""
    horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    return list(
        db.session.scalars(
            select(Certification)
            .join(Certification.user)
            .where(Certification.expires_on <= horizon, User.active)
            .options(joinedload(Certification.user))
            .order_by(Certification.expires_on, User.name, Certification.id)
        )
    )


def held_by(user: User) -> list[Certification]:
    """The user's certifications, the soonest to expire first (never-expiring ones last)."""
    return list(
        db.session.scalars(
            select(Certification)
            .where(Certification.user_id == user.id)
            .order_by(
                Certification.expires_on.is_(None),
                Certification.expires_on,
                Certification.name,
                Certification.id,
            )
        )
    )
