"""The year page's form: the manager's written review of the year."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from mspboard.forms import VersionedForm
from mspboard.models.year_summaries import SUMMARY_TEXT_MAX

TOO_LONG = f"Keep this under {SUMMARY_TEXT_MAX:,} characters."


class YearSummaryForm(VersionedForm):
    successes = TextAreaField(
        "Successes", validators=[Length(max=SUMMARY_TEXT_MAX, message=TOO_LONG)]
    )
    fails = TextAreaField("Fails", validators=[Length(max=SUMMARY_TEXT_MAX, message=TOO_LONG)])
    next_year_goals = TextAreaField(
        "Next year's goals for the department",
        validators=[Length(max=SUMMARY_TEXT_MAX, message=TOO_LONG)],
    )
