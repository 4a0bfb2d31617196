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
# A later check-in the same day adds its words on the day as a paragraph of their own.
PART_BREAK = "\n\n"


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
    """Check in for the shop-local day of `at` (when the phone made it). Checking in again
    that day adds to the report and never takes anything away: its words on the day are
    added after the first ones, its issues join the earlier ones (handled or not), and a
    plan for tomorrow, if given, replaces the earlier plan."""
    how_it_went, plan_for_tomorrow = how_it_went.strip(), plan_for_tomorrow.strip()
    day = local_date(at)
    checkin = checkin_for(tech, day)
    if not how_it_went and checkin is None:
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
    if checkin is None:
        checkin = CheckIn(tech_id=tech.id, day=day, created_at=at, how_it_went="")
        db.session.add(checkin)
    said = [part for part in checkin.how_it_went.split(PART_BREAK) if part]
    if how_it_went and how_it_went not in said:
        checkin.how_it_went = PART_BREAK.join([*said, how_it_went])
    if plan_for_tomorrow:
        checkin.plan_for_tomorrow = plan_for_tomorrow
    checkin.issues.extend(CheckInIssue(text=n.text, urgent=n.urgent, reported_at=at) for n in notes)
    checkin.updated_at = max(at, checkin.updated_at or at)
    db.session.flush()
    return checkin
