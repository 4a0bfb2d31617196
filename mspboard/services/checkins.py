"""The end-of-day check-in: how the day went, issues needing attention, plan for tomorrow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from mspboard.models import CheckIn, CheckInIssue, User, db
from mspboard.services.errors import RuleViolation
from mspboard.services.time_weeks import local_date

TEXT_MAX = 4000
ISSUE_MAX = 500
ISSUES_MAX = 10


@dataclass
class IssueNote:
    text: str
    urgent: bool = False


def checkin_for(tech: User, day: date) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.tech_id == tech.id, CheckIn.day == day))


def submit_checkin(
    tech: User,
    *,
    how_it_went: str,
    plan_for_tomorrow: str,
    issues: list[IssueNote],
    at: datetime,
) -> CheckIn:
    """Check in for the shop-local day of `at`. Checking in again that day updates the
    report; issues the manager already handled stay as they were."""
    how_it_went, plan_for_tomorrow = how_it_went.strip(), plan_for_tomorrow.strip()
    if not how_it_went:
        raise RuleViolation("Say in a few words how the day went.", "how_it_went")
    if len(how_it_went) > TEXT_MAX:
        raise RuleViolation(f"Keep it under {TEXT_MAX} characters.", "how_it_went")
    if len(plan_for_tomorrow) > TEXT_MAX:
        raise RuleViolation(f"Keep it under {TEXT_MAX} characters.", "plan_for_tomorrow")
    notes = [IssueNote(i.text.strip(), i.urgent) for i in issues if i.text.strip()]
    if len(notes) > ISSUES_MAX:
        raise RuleViolation(f"List at most {ISSUES_MAX} issues.", "issues")
    if any(len(n.text) > ISSUE_MAX for n in notes):
        raise RuleViolation(f"Keep each issue under {ISSUE_MAX} characters.", "issues")
    day = local_date(at)
    checkin = checkin_for(tech, day)
    if checkin is None:
        checkin = CheckIn(tech_id=tech.id, day=day, created_at=at)
        db.session.add(checkin)
    checkin.how_it_went = how_it_went
    checkin.plan_for_tomorrow = plan_for_tomorrow
    checkin.issues = [i for i in checkin.issues if i.handled_at is not None] + [
        CheckInIssue(text=n.text, urgent=n.urgent) for n in notes
    ]
    db.session.flush()
    return checkin
