from __future__ import annotations

from datetime import datetime

from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from mspboard.board.forms import PRIORITY_CHOICES, STATUS_CHOICES
from mspboard.inputs import InputForm
from mspboard.models import Client, ServiceRequest, User
from mspboard.services.service_requests import SRFields
from mspboard.services.shop_settings import current_settings, shop_zone


class SRForm(InputForm):
    title = StringField(
        "Title", validators=[DataRequired(message="Give the SR a title."), Length(max=200)]
    )
    client_id = SelectField("Client", coerce=int, validate_choice=True)
    description = TextAreaField("Description", validators=[Length(max=20000)])
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="3")
    status = SelectField("Status", choices=STATUS_CHOICES, default="new")
    assignee_id = SelectField("Assignee")
    due_on = DateField("Due", validators=[Optional()])
    estimate_hours = DecimalField(
        "Estimate (hours)",
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=1000, message="Enter hours between 0 and 1,000."),
        ],
    )
    billable = BooleanField("Billable", default=True)

    def fill_choices(self, clients: list[Client], people: list[User]) -> None:
        self.client_id.choices = [SelectChoice(c.id, c.name) for c in clients]
        self.assignee_id.choices = [
            SelectChoice("", "Unassigned"),
            *(SelectChoice(str(user.id), user.name) for user in people),
        ]

    def load(self, sr: ServiceRequest) -> None:
        """Fill the form from a saved SR (on GET)."""
        self.priority.data = str(sr.priority)
        self.assignee_id.data = str(sr.assignee_id or "")
        self.due_on.data = sr.due_at.astimezone(shop_zone()).date() if sr.due_at else None
        self.estimate_hours.data = (
            None if sr.estimate_minutes is None else round(sr.estimate_minutes / 60, 2)
        )

    def values(self) -> SRFields:
        due_at = None
        if self.due_on.data:
            # Due by close of business on that day, in the shop's time zone.
            due_at = datetime.combine(
                self.due_on.data, current_settings().close_of_business, tzinfo=shop_zone()
            )
        estimate = self.estimate_hours.data
        return SRFields(
            client_id=self.client_id.data,
            title=self.title.data or "",
            description=self.description.data or "",
            priority=int(self.priority.data),
            status=self.status.data,
            assignee_id=int(self.assignee_id.data) if self.assignee_id.data else None,
            due_at=due_at,
            estimate_minutes=None if estimate is None else int(estimate * 60),
            billable=bool(self.billable.data),
        )
