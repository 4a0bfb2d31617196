from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from mspboard.inputs import InputForm, id_pairs, optional_id
from mspboard.models import Outcome, TimeOffKind
from mspboard.models.maintenance import INSTRUCTION_MAX, NOTE_MAX, TITLE_MAX
from mspboard.models.service_requests import NOTE_MAX as SR_NOTE_MAX

BILLABLE_CHOICES = [
    SelectChoice("", "As the SR says"),
    SelectChoice("1", "Billable"),
    SelectChoice("0", "Not billable"),
]
KIND_CHOICES = [SelectChoice(k.value, k.value.capitalize()) for k in TimeOffKind]
OUTCOME_CHOICES = [SelectChoice(o.value, o.label) for o in Outcome]


def billable_choice(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


class PhoneForm(InputForm):
    """Every phone form carries the outbox's UUID and the moment on the phone."""

    uuid = HiddenField()
    at = HiddenField()


class StartTimerForm(PhoneForm):
    sr_id = IntegerField("Service request", validators=[Optional()])
    run_id = IntegerField("Maintenance run", validators=[Optional()])
    client_id = SelectField("Client", coerce=optional_id, validators=[Optional()])


class StopTimerForm(PhoneForm):
    entry = HiddenField()
    notes = TextAreaField("Notes", validators=[Length(max=2000)])
    billable = BooleanField("Billable")


class EntryForm(PhoneForm):
    day = DateField("Date", validators=[InputRequired("Pick the date.")])
    start = TimeField("Start", validators=[InputRequired("Give the start time.")])
    end = TimeField("End", validators=[Optional()])
    # Offered only when a typed time happens twice that night (the clocks go back).
    start_fold = SelectField("Which start?", choices=[], validate_choice=False)
    end_fold = SelectField("Which end?", choices=[], validate_choice=False)
    duration = IntegerField(
        "Or duration (minutes)",
        validators=[Optional(), NumberRange(min=1, max=1440, message="1 to 1440 minutes.")],
    )
    sr_id = SelectField("Service request", coerce=optional_id, validators=[Optional()])
    run_id = SelectField("Or a maintenance run", coerce=optional_id, validators=[Optional()])
    training_id = SelectField(
        "Or training (no client, not billable)", coerce=optional_id, validators=[Optional()]
    )
    client_id = SelectField(
        "Client (when there is no SR)", coerce=optional_id, validators=[Optional()]
    )
    billable = SelectField("Billable", choices=BILLABLE_CHOICES)
    notes = TextAreaField("Notes", validators=[Length(max=2000)])


class CheckInForm(PhoneForm):
    # Required for the day's first check-in only; the service knows which one this is.
    how_it_went = TextAreaField("How did the day go?", validators=[Length(max=4000)])
    issue_1 = StringField("Issue needing attention", validators=[Length(max=500)])
    urgent_1 = BooleanField("Urgent (first issue)")
    issue_2 = StringField("Second issue", validators=[Length(max=500)])
    urgent_2 = BooleanField("Urgent (second issue)")
    issue_3 = StringField("Third issue", validators=[Length(max=500)])
    urgent_3 = BooleanField("Urgent (third issue)")
    plan_for_tomorrow = TextAreaField("Plan for tomorrow", validators=[Length(max=4000)])

    def issue_rows(self):
        return [(self[f"issue_{n}"], self[f"urgent_{n}"]) for n in (1, 2, 3)]


class TimeOffForm(PhoneForm):
    start_date = DateField("First day", validators=[InputRequired("Pick the first day.")])
    starts_midday = BooleanField("Starting at midday (afternoon only)")
    end_date = DateField("Last day", validators=[InputRequired("Pick the last day.")])
    ends_midday = BooleanField("Ending at midday (morning only)")
    kind = SelectField("Kind", choices=KIND_CHOICES)
    note = TextAreaField("Note for the manager", validators=[Length(max=1000)])


class AgendaForm(PhoneForm):
    text = TextAreaField(
        "Note for the Monday meeting",
        validators=[DataRequired("Write the note."), Length(max=500)],
    )


class SRNoteForm(PhoneForm):
    body = TextAreaField(
        "Add a note",
        validators=[DataRequired("Write the note first."), Length(max=SR_NOTE_MAX)],
    )


class AcknowledgeForm(PhoneForm):
    item = IntegerField(validators=[InputRequired()])
    version = IntegerField(validators=[InputRequired()])


class AcknowledgeAllForm(PhoneForm):
    # "id:version,id:version": exactly the items the phone showed.
    items = HiddenField(validators=[DataRequired()])

    def seen(self) -> dict[int, int]:
        return id_pairs((self.items.data or "").split(","))


class TickForm(PhoneForm):
    # Which button was tapped: Done, N/A or Problem.
    outcome = SelectField("Outcome", choices=OUTCOME_CHOICES, validate_choice=False)
    note = TextAreaField("Note", validators=[Length(max=NOTE_MAX)])


class ProposeForm(PhoneForm):
    title = StringField(
        "Item to add", validators=[DataRequired("Give the item a title."), Length(max=TITLE_MAX)]
    )
    instruction = TextAreaField("How to check it", validators=[Length(max=INSTRUCTION_MAX)])
    for_all_clients = BooleanField("For every client (not only this one)")


class ManagerReviewForm(PhoneForm):
    """The tech's review of the service manager, on their own quarterly review."""

    manager_helps = TextAreaField("What helps you", validators=[Length(max=4000)])
    manager_hinders = TextAreaField("What does not help", validators=[Length(max=4000)])
    version = IntegerField(validators=[Optional()])


class GoalProgressForm(PhoneForm):
    """A progress note on one of the tech's goals, a status move, or both."""

    body = TextAreaField("Progress note", validators=[Length(max=2010)])
    status = SelectField("Status", choices=[], validate_choice=False)
