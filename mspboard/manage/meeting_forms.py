"""The forms of the Monday Morning Meeting's agenda. The agenda's forms carry the meeting's
version; an item's outcome form carries the item's."""

from __future__ import annotations

from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from mspboard.board.forms import PRIORITY_CHOICES
from mspboard.forms import VersionedForm
from mspboard.inputs import optional_id
from mspboard.services.meetings.changes import NOTE_MAX, Action
from mspboard.services.meetings.notes import TEXT_MAX


class AgendaForm(VersionedForm):
    """A change to the agenda's shape (close, remove, put back): only the version."""


class AddItemForm(VersionedForm):
    text = TextAreaField(
        "Add an item",
        validators=[
            InputRequired("Write the item."),
            Length(max=TEXT_MAX, message=f"Keep the item under {TEXT_MAX} characters."),
        ],
        render_kw={"rows": 2, "maxlength": TEXT_MAX},
    )


class MoveForm(VersionedForm):
    direction = SelectField(
        "Move", choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")]
    )


class OutcomeForm(VersionedForm):
    """What a discussed item came to; `action` is the button pressed."""

    outcome_note = TextAreaField(
        "Note",
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"Keep the note under {NOTE_MAX} characters."),
        ],
    )
    action = SelectField(
        "Action",
        choices=[SelectChoice(a, a) for a in Action.ALL],
        default=Action.NOTE,
    )
    client_id = SelectField(
        "Client", coerce=optional_id, validate_choice=False, validators=[Optional()]
    )
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="3")
    outcome_assignee_id = SelectField(
        "Assign to", coerce=optional_id, validate_choice=False, validators=[Optional()]
    )
