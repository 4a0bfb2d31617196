"""The forms of the quarterly reviews: accepting a proposed hour, the manager's notes, a new
goal, and marking a review held."""

from __future__ import annotations

from datetime import UTC, datetime

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from mspboard.forms import VersionedForm
from mspboard.inputs import EARLIEST_DAY, LATEST_DAY, InputForm, optional_id
from mspboard.services.people.reviews import NOTES_MAX

INSTANT_MAX = 40


class AcceptReviewForm(InputForm):
    """One proposed hour, as the page showed it: the tech, the quarter and the UTC start."""

    tech_id = SelectField(
        "Technician",
        coerce=optional_id,
        validate_choice=False,
        validators=[InputRequired("Pick a technician.")],
    )
    quarter = DateField("Quarter", validators=[InputRequired("Say which quarter.")])
    starts_at = StringField(
        "Start", validators=[InputRequired("Say when."), Length(max=INSTANT_MAX)]
    )
    # Where to go back to: the planner's week or the reviews page.
    back = SelectField(
        choices=[SelectChoice("reviews", "reviews"), SelectChoice("planner", "planner")],
        default="reviews",
        validators=[Optional()],
    )

    def validate_starts_at(self, field: StringField) -> None:
        try:
            moment = datetime.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError("That time could not be read; reload the page.") from None
        if moment.tzinfo is None or not EARLIEST_DAY <= moment.date() <= LATEST_DAY:
            raise ValidationError("That time could not be read; reload the page.")
        self.instant = moment.astimezone(UTC)


class ReviewNotesForm(VersionedForm):
    manager_notes = TextAreaField(
        "Notes on this review", validators=[Length(max=NOTES_MAX)], render_kw={"rows": 6}
    )


class ReviewGoalForm(InputForm):
    title = StringField(
        "Goal", validators=[InputRequired("Give the goal a title."), Length(max=200)]
    )
    measure = TextAreaField(
        "How we will know it is met", validators=[Length(max=2000)], render_kw={"rows": 2}
    )
    target_on = DateField("Target day", validators=[Optional()])


class ReviewHeldForm(VersionedForm):
    """Mark a review held, as it was shown."""
