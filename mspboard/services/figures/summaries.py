"""The service manager's written review of a year (successes, fails, next year's goals for
the department), edited like every desk record: from a form that carries the version it
showed, only what changes written and audited, a save that changes nothing writing nothing.

A year nobody has written about has no row: reading it gives an unsaved, empty review
(version 1), and its first save with something in it creates the row. Two first saves at
once meet at the unique year: the later one is refused as a conflict with the earlier, like
any save from a form older than the record. Services flush; callers commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mspboard.inputs import text
from mspboard.models import User, YearSummary, db, utcnow
from mspboard.models.year_summaries import SUMMARY_TEXT_MAX
from mspboard.services import edits
from mspboard.services.errors import RuleViolation
from mspboard.services.figures.year import year_in_range

SUMMARY_FIELDS = ("successes", "fails", "next_year_goals")


def stored_summary(year: int) -> YearSummary | None:
    return db.session.scalar(select(YearSummary).where(YearSummary.year == year))


def summary_of(year: int) -> YearSummary:
    """The year's review as saved, or an unsaved empty one (never added to the session)."""
    return stored_summary(year) or YearSummary(
        year=year, version=1, successes="", fails="", next_year_goals=""
    )


def save_summary(
    actor: User,
    summary: YearSummary,
    *,
    successes: str,
    fails: str,
    next_year_goals: str,
    expected_version: int | None,
) -> dict[str, tuple[object, object]]:
    """Save the review from a form filled from `expected_version`; returns what changed."""
    if not year_in_range(summary.year):
        raise RuleViolation("Pick a year between 2000 and 2099.")
    wanted = {
        name: text(value, name, SUMMARY_TEXT_MAX)
        for name, value in zip(SUMMARY_FIELDS, (successes, fails, next_year_goals), strict=True)
    }
    edits.expect_version(summary, expected_version)
    if not edits.changed_values(summary, wanted):
        return {}
    if summary.id is None:
        _insert(summary, expected_version)
    summary.updated_by_id = actor.id
    summary.updated_at = utcnow()
    changed = edits.write_changes(actor, summary, wanted, "year_summary.updated")
    db.session.flush()
    return changed


def _insert(summary: YearSummary, expected_version: int | None) -> None:
    """Store a year's first review; if another first save got there first, refuse this
    one as a conflict with it."""
    try:
        with db.session.begin_nested():
            db.session.add(summary)
            db.session.flush()
    except IntegrityError:
        db.session.expunge(summary)
        stored = stored_summary(summary.year)
        if stored is None:
            raise
        raise edits.conflict_since(stored, expected_version) from None
