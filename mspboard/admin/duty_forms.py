"""The form of a duty on the duty lists: its title, cadence and page."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from mspboard.forms import VersionedForm
from mspboard.models import DutyCadence
from mspboard.models.duties import DUTY_TITLE_MAX
from mspboard.services.people import duties

NO_PAGE = "(no page yet)"


class DutyForm(VersionedForm):
    title = StringField(
        "Duty",
        validators=[
            DataRequired("Say what the duty is."),
            Length(max=DUTY_TITLE_MAX, message=f"Keep it under {DUTY_TITLE_MAX} characters."),
        ],
    )
    cadence = SelectField(
        "When",
        choices=[SelectChoice(c.value, c.label) for c in DutyCadence],
        invalid_choice_message=duties.CADENCE_MESSAGE,
    )
    link = SelectField("Page that does it", invalid_choice_message=duties.LINK_MESSAGE)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.link.choices = [SelectChoice("", NO_PAGE)] + [
            SelectChoice(endpoint, label) for endpoint, label in duties.pages().items()
        ]

    def values(self) -> duties.DutyValues:
        return duties.DutyValues(
            title=self.title.data or "", cadence=self.cadence.data or "", link=self.link.data or ""
        )
