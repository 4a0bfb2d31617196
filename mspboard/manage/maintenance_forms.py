"""The forms of the maintenance pages: the checklist templates, the decisions on proposed
items, and the tracking sheet's month buttons and run owner."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from mspboard.forms import VersionedForm
from mspboard.inputs import InputForm, optional_id
from mspboard.models import Cadence, User
from mspboard.services.maintenance.templates import ItemValues

CADENCE_CHOICES = [SelectChoice(cadence.value, cadence.label) for cadence in Cadence]


class WholeNumberField(IntegerField):
    """An optional whole number, with a message that says what to type when it is not one."""

    def __init__(self, label: str, message: str, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(label, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.message) from None


class ChecklistItemForm(VersionedForm):
    """A template item. The rules (a title, the cadence's month, the estimate's range) are
    the service's; this form only reads the values."""

    title = StringField("Title")
    instruction = TextAreaField("Instruction")
    estimate_minutes = WholeNumberField(
        "Estimate (minutes)", "Enter whole minutes, e.g. 15.", validators=[Optional()]
    )
    billable = BooleanField("Billable", default=True)
    cadence = SelectField("Cadence", choices=CADENCE_CHOICES, default=Cadence.MONTHLY.value)
    cadence_month = WholeNumberField(
        "Month", "Enter the month as a number, e.g. 2.", validators=[Optional()]
    )

    def values(self) -> ItemValues:
        return ItemValues(
            title=self.title.data or "",
            instruction=self.instruction.data or "",
            estimate_minutes=self.estimate_minutes.data,
            billable=bool(self.billable.data),
            cadence=self.cadence.data or "",
            cadence_month=self.cadence_month.data,
        )


class OwnerForm(VersionedForm):
    """Who owns a client's runs; versioned with the client."""

    FIELD_FOR = {"maintenance_owner_id": "owner_id"}

    owner_id = SelectField(
        "Maintenance owner", coerce=optional_id, validate_choice=False, validators=[Optional()]
    )

    def fill_choices(self, technicians: list[User]) -> None:
        self.owner_id.choices = [
            SelectChoice("", "Automatic: last month's owner, else the least loaded"),
            *(SelectChoice(str(tech.id), tech.name) for tech in technicians),
        ]

    def load(self, client) -> None:
        self.owner_id.data = client.maintenance_owner_id


class RetireForm(VersionedForm):
    """Retire a template item, as it was shown."""


class MoveForm(VersionedForm):
    """Move a template item one place up or down its list, as it was shown."""

    direction = SelectField(
        "Direction", choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")], default="up"
    )


class ProposalDecisionForm(InputForm):
    """Accept or reject one proposal, as the manager saw it."""

    version = IntegerField("Version", validators=[InputRequired()])
    reason = StringField("Note (optional)", validators=[Length(max=1000)])
    # The page to go back to once decided (the tracking sheet, next month's review).
    next = HiddenField(validators=[Length(max=500)])


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
