"""The audit page's filters: read from the query string, every value bounded before it
reaches a query (a record id in the column's range, dates in the sane window, choices only
from what the log holds)."""

from __future__ import annotations

from flask import request
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from mspboard.inputs import InputForm
from mspboard.models import User
from mspboard.services.audit_trail import AuditQuery, record_type_label
from mspboard.services.time_weeks import EARLIEST_DAY, LATEST_DAY

ID_MAX = 2**31 - 1
PAGE_MAX = 100_000


def _in_window(_form: InputForm, field: DateField) -> None:
    if field.data is not None and not EARLIEST_DAY <= field.data <= LATEST_DAY:
        raise ValidationError(f"Pick a date between {EARLIEST_DAY.year} and {LATEST_DAY.year}.")


class AuditFilterForm(InputForm):
    class Meta(InputForm.Meta):
        csrf = False  # a GET that only reads

    actor = SelectField("Who", default="")
    action = SelectField("What", default="")
    record_type = SelectField("Record type", default="")
    record_id = IntegerField(
        "Record number",
        validators=[Optional(), NumberRange(1, ID_MAX, "A record number is a whole number.")],
    )
    since = DateField("From", validators=[Optional(), _in_window])
    until = DateField("To", validators=[Optional(), _in_window])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(1, PAGE_MAX)])

    def __init__(self, actors: list[User], actions: list[str], record_types: list[str]) -> None:
        super().__init__(formdata=request.args)
        self.actor.choices = [
            SelectChoice("", "Anyone"),
            *(SelectChoice(str(user.id), user.name) for user in actors),
        ]
        self.action.choices = [SelectChoice("", "Any action"), *map(_choice, actions)]
        self.record_type.choices = [
            SelectChoice("", "Any record"),
            *(SelectChoice(kind, record_type_label(kind)) for kind in record_types),
        ]

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end of the range comes before its start.")

    def query(self) -> AuditQuery:
        return AuditQuery(
            actor_id=int(self.actor.data) if self.actor.data else None,
            action=self.action.data or None,
            entity_type=self.record_type.data or None,
            entity_id=self.record_id.data,
            since=self.since.data,
            until=self.until.data,
        )

    def page_number(self) -> int:
        return self.page.data or 1


def _choice(action: str) -> SelectChoice:
    return SelectChoice(action, action.replace("_", " ").replace(".", ": ", 1))
