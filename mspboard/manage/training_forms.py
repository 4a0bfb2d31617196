from __future__ import annotations

from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from mspboard.forms import VersionedForm, prefill_fold
from mspboard.manage.planner_forms import span_of
from mspboard.models import TrainingEvent, TrainingKind, User
from mspboard.models.training import MATERIALS_MAX, PLACE_MAX, TITLE_MAX
from mspboard.services.local_time import local
from mspboard.services.people.training import TrainingFields

KIND_CHOICES = [SelectChoice(kind.value, kind.label) for kind in TrainingKind]


class AttendeesField(SelectMultipleField):
    """One checkbox per technician."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TrainingForm(VersionedForm):
    FIELD_FOR = {"starts_at": "start", "ends_at": "end", "place_or_link": "place"}

    kind = SelectField("Kind", choices=KIND_CHOICES)
    title = StringField(
        "Title", validators=[DataRequired("Give the training a title."), Length(max=TITLE_MAX)]
    )
    day = DateField("Day", validators=[InputRequired("Pick the day.")])
    start = TimeField("Start", validators=[InputRequired("Give the start time.")])
    end = TimeField("End", validators=[InputRequired("Give the end time.")])
    # Offered only when a time happens twice that night (the clocks go back).
    start_fold = SelectField("Which start?", choices=[], validate_choice=False)
    end_fold = SelectField("Which end?", choices=[], validate_choice=False)
    place = StringField("Place or link", validators=[Length(max=PLACE_MAX)])
    materials = TextAreaField("Materials", validators=[Length(max=MATERIALS_MAX)])
    attendees = AttendeesField(
        "Who attends",
        coerce=int,
        validators=[DataRequired("Pick who attends.")],
    )

    def fill_choices(self, techs: list[User]) -> None:
        self.attendees.choices = [SelectChoice(tech.id, tech.name) for tech in techs]

    def fill_from(self, event: TrainingEvent, attendee_ids: list[int]) -> None:
        starts, ends = local(event.starts_at), local(event.ends_at)
        self.kind.data = event.kind
        self.title.data = event.title
        self.day.data = starts.date()
        self.start.data = starts.time().replace(second=0, microsecond=0)
        self.end.data = ends.time().replace(second=0, microsecond=0)
        prefill_fold(self, "start", event.starts_at)
        prefill_fold(self, "end", event.ends_at)
        self.place.data = event.place_or_link
        self.materials.data = event.materials
        self.attendees.data = attendee_ids

    def to_fields(self) -> TrainingFields:
        starts_at, ends_at = span_of(self)
        return TrainingFields(
            kind=TrainingKind(self.kind.data),
            title=self.title.data or "",
            starts_at=starts_at,
            ends_at=ends_at,
            attendee_ids=list(self.attendees.data or []),
            place_or_link=self.place.data or "",
            materials=self.materials.data or "",
        )
