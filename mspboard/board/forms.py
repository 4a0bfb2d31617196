from __future__ import annotations

from wtforms import BooleanField, Form, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from mspboard.forms import VersionField
from mspboard.inputs import BoundedFields, InputForm
from mspboard.models import Client, Priority, SRStatus, User
from mspboard.models.service_requests import NOTE_MAX
from mspboard.services.board import BoardFilter

STATUS_CHOICES = [SelectChoice(status.value, status.label) for status in SRStatus]
PRIORITY_CHOICES = [SelectChoice(str(p.value), p.label) for p in Priority]


class BoardFilterForm(Form):
    """The board's filters, read from the URL so a filtered board can be bookmarked."""

    class Meta(BoundedFields):
        pass

    assignee = SelectField("Assignee", default="")
    client = SelectField("Client", default="")
    priority = SelectField(
        "Priority", choices=[SelectChoice("", "Any priority"), *PRIORITY_CHOICES], default=""
    )
    mine = BooleanField("Mine only")
    q = SearchField("Search number, title or client", validators=[Length(max=100)])

    def fill_choices(self, people: list[User], clients: list[Client]) -> None:
        self.assignee.choices = [
            SelectChoice("", "Anyone"),
            SelectChoice("0", "Unassigned"),
            *(SelectChoice(str(user.id), user.name) for user in people),
        ]
        self.client.choices = [
            SelectChoice("", "Any client"),
            *(SelectChoice(str(client.id), client.name) for client in clients),
        ]

    def to_filter(self, user_id: int) -> BoardFilter:
        """The filter for the fields that validated; a bad field is simply not applied."""

        def number(field: SelectField) -> int | None:
            return int(field.data) if field.data not in (None, "") and not field.errors else None

        return BoardFilter(
            assignee_id=number(self.assignee),
            client_id=number(self.client),
            priority=number(self.priority),
            mine_of=user_id if self.mine.data else None,
            text="" if self.q.errors else (self.q.data or ""),
        )


class MoveForm(InputForm):
    status = SelectField("Move to", choices=STATUS_CHOICES)
    version = VersionField()
    # Asked for only when the move closes the SR.
    resolution = TextAreaField("Resolution", validators=[Length(max=NOTE_MAX)])


class TvLinkForm(InputForm):
    name = StringField(
        "Screen name",
        validators=[DataRequired(message="Name the screen, e.g. Office TV."), Length(max=80)],
    )
