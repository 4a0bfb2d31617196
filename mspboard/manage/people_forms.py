"""The forms of the people pages: a tech's goals, progress notes and certifications. They
only read values; the rules (lengths, the target inside the goal's period, expiry after
earning) are the services' (services/people)."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from mspboard.forms import VersionedForm
from mspboard.inputs import InputForm
from mspboard.models import GoalKind, GoalPeriod
from mspboard.services.people.certifications import CertificationFields
from mspboard.services.people.goals import (
    MEASURE_MAX,
    NOTE_MAX,
    STATUS_LABELS,
    TITLE_MAX,
    GoalFields,
)

STATUS_CHOICES = [SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()]
PERIOD_CHOICES = [
    SelectChoice(GoalPeriod.QUARTER.value, "This quarter"),
    SelectChoice(GoalPeriod.YEAR.value, "This year"),
]
KIND_CHOICES = [
    SelectChoice(GoalKind.WORK.value, "Work goal"),
    SelectChoice(GoalKind.CERTIFICATION.value, "Certification to earn"),
]
# Long enough for the service's own message, short enough that nothing huge is read.
TEXT_SLACK = 10


class NewGoalForm(InputForm):
    period = SelectField("For", choices=PERIOD_CHOICES, default=GoalPeriod.QUARTER.value)
    kind = SelectField("Kind", choices=KIND_CHOICES, default=GoalKind.WORK.value)
    title = StringField("Goal", validators=[Length(max=TITLE_MAX + TEXT_SLACK)])
    measure = TextAreaField("Measure", validators=[Length(max=MEASURE_MAX + TEXT_SLACK)])
    target_on = DateField("Target date", validators=[Optional()])


class GoalForm(VersionedForm):
    """A goal as the manager edits it, with the version it was shown at."""

    title = StringField("Goal", validators=[Length(max=TITLE_MAX + TEXT_SLACK)])
    measure = TextAreaField("Measure", validators=[Length(max=MEASURE_MAX + TEXT_SLACK)])
    target_on = DateField("Target date", validators=[Optional()])
    status = SelectField("Status", choices=STATUS_CHOICES)

    def fields(self) -> GoalFields:
        return GoalFields(
            title=self.title.data or "",
            measure=self.measure.data or "",
            target_on=self.target_on.data,
            status=self.status.data or "",
        )


class GoalNoteForm(InputForm):
    body = TextAreaField("Progress note", validators=[Length(max=NOTE_MAX + TEXT_SLACK)])


class CertificationForm(VersionedForm):
    name = StringField("Certification", validators=[Length(max=TITLE_MAX + TEXT_SLACK)])
    issuer = StringField("Issuer", validators=[Length(max=TITLE_MAX + TEXT_SLACK)])
    earned_on = DateField("Earned", validators=[Optional()])
    expires_on = DateField("Expires", validators=[Optional()])

    def fields(self) -> CertificationFields:
        return CertificationFields(
            name=self.name.data or "",
            issuer=self.issuer.data or "",
            earned_on=self.earned_on.data,
            expires_on=self.expires_on.data,
        )


class RemoveForm(VersionedForm):
    """Remove a record as it was shown."""
