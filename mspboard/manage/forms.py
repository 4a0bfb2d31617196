from __future__ import annotations

from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from mspboard.board.forms import PRIORITY_CHOICES
from mspboard.inputs import InputForm
from mspboard.models import User


class BulkActionForm(InputForm):
    sr_ids = SelectMultipleField(
        "Service requests",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message="Tick at least one SR.")],
    )
    # Set by whichever of the two submit buttons was pressed.
    action = SelectField(
        "Action",
        choices=[SelectChoice("assign", "Assign"), SelectChoice("priority", "Set priority")],
    )
    assignee_id = SelectField("Assign to")
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="3")

    def fill_choices(self, people: list[User]) -> None:
        self.assignee_id.choices = [
            SelectChoice("", "Unassigned"),
            *(SelectChoice(str(user.id), user.name) for user in people),
        ]
