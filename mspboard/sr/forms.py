from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from mspboard.board.forms import PRIORITY_CHOICES, STATUS_CHOICES
from mspboard.forms import VersionedForm
from mspboard.inputs import InputForm, optional_id
from mspboard.models import Client, ClientContact, ServiceRequest, User
from mspboard.models.service_requests import NOTE_MAX
from mspboard.services.invoicing import hours_hundredths
from mspboard.services.money import plain
from mspboard.services.service_requests import DESCRIPTION_MAX, SRFields
from mspboard.services.shop_settings import current_settings, shop_zone


class SRForm(VersionedForm):
    FIELD_FOR = {"due_at": "due_on", "estimate_minutes": "estimate_hours"}

    title = StringField(
        "Title", validators=[DataRequired(message="Give the SR a title."), Length(max=200)]
    )
    client_id = SelectField("Client", coerce=int, validate_choice=True)
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_MAX)])
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
    # One of the client's contacts; the rule that it is this client's is the service's.
    requester_id = SelectField("Requester", coerce=optional_id, validate_choice=False)
    # Asked for when the save closes the SR (status Done).
    resolution = TextAreaField("Resolution", validators=[Length(max=NOTE_MAX)])

    def fill_choices(
        self, clients: list[Client], people: list[User], contacts: list[ClientContact]
    ) -> None:
        """`contacts`: the SR's client's (a new SR: every listed client's, named with it)."""
        self.client_id.choices = [SelectChoice(c.id, c.name) for c in clients]
        self.assignee_id.choices = [
            SelectChoice("", "Unassigned"),
            *(SelectChoice(str(user.id), user.name) for user in people),
        ]
        clients_named = {c.id: c.name for c in clients}
        several = len({contact.client_id for contact in contacts}) > 1
        self.requester_id.choices = [SelectChoice(None, "Nobody named")]
        for contact in contacts:
            label = contact.name + (f" ({contact.role})" if contact.role else "")
            if several:
                label = f"{clients_named.get(contact.client_id, '')}: {label}"
            self.requester_id.choices.append(SelectChoice(contact.id, label))

    def load(self, sr: ServiceRequest) -> None:
        """Fill the form from a saved SR (on GET)."""
        self.priority.data = str(sr.priority)
        self.assignee_id.data = str(sr.assignee_id or "")
        self.due_on.data = _due_day(sr.due_at)
        self.estimate_hours.data = _hours(sr.estimate_minutes)

    def values(self, sr: ServiceRequest | None = None) -> SRFields:
        """The SR as the form describes it. A due day or estimate the form shows unchanged
        keeps the saved time and minutes, which the form can only show rounded."""
        due_at = None
        if sr is not None and sr.due_at and self.due_on.data == _due_day(sr.due_at):
            due_at = sr.due_at
        elif self.due_on.data:
            # Due by close of business on that day, in the shop's time zone.
            due_at = datetime.combine(
                self.due_on.data, current_settings().close_of_business, tzinfo=shop_zone()
            )
        estimate = self.estimate_hours.data
        estimate_minutes = None if estimate is None else int(estimate * 60)
        if sr is not None and estimate is not None and estimate == _hours(sr.estimate_minutes):
            estimate_minutes = sr.estimate_minutes
        return SRFields(
            client_id=self.client_id.data,
            title=self.title.data or "",
            description=(self.description.data or "").replace("\r\n", "\n"),
            priority=int(self.priority.data),
            status=self.status.data,
            assignee_id=int(self.assignee_id.data) if self.assignee_id.data else None,
            due_at=due_at,
            estimate_minutes=estimate_minutes,
            billable=bool(self.billable.data),
            requester_id=self.requester_id.data,
        )


def _due_day(due_at: datetime | None) -> date | None:
    return due_at.astimezone(shop_zone()).date() if due_at else None


def _hours(minutes: int | None) -> Decimal | None:
    """Minutes as the form shows them: hours to two places, half up, as invoices do."""
    return None if minutes is None else Decimal(plain(hours_hundredths(minutes)))


class NoteForm(InputForm):
    """A new note on an SR."""

    body = TextAreaField(
        "Note",
        validators=[DataRequired(message="Write the note first."), Length(max=NOTE_MAX)],
    )


class NoteEditForm(VersionedForm):
    """A correction of a note, by its author, in the minutes after writing it."""

    body = TextAreaField(
        "Note",
        validators=[DataRequired(message="Write the note first."), Length(max=NOTE_MAX)],
    )
