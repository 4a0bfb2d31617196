from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from mspboard.forms import VersionedForm
from mspboard.inputs import InputForm, optional_id
from mspboard.models import User


class MonthForm(InputForm):
    """The month a button opens or closes, as YYYY-MM."""

    month = StringField("Month", validators=[InputRequired("Say which month."), Length(max=7)])


class RunOwnerForm(VersionedForm):
    owner_id = SelectField(
        "Owner",
        coerce=optional_id,
        validate_choice=False,
        validators=[InputRequired("Pick a technician.")],
    )

    def fill_choices(self, technicians: list[User]) -> None:
        self.owner_id.choices = [SelectChoice(str(tech.id), tech.name) for tech in technicians]
