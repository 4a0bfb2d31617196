from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    DateField,
    Form,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from mspboard.forms import VersionedForm, VersionField, chosen_fold, offer_folds, prefill_fold
from mspboard.inputs import BoundedFields, InputForm, optional_id
from mspboard.models import ScheduleItem, ServiceRequest, User
from mspboard.services.local_time import AmbiguousLocalTime
from mspboard.services.maintenance.placing import item_title
from mspboard.services.planner import ItemFields, item_times


def span_of(form: Any) -> tuple[datetime, datetime]:
    """The UTC start and end of a form's day, start and end wall times (with the fold chosen
    where the clock repeats); an ambiguous time offers its two readings on the form."""
    try:
        return item_times(
            form.day.data,
            form.start.data,
            form.end.data,
            chosen_fold(form.start_fold.data),
            chosen_fold(form.end_fold.data),
        )
    except AmbiguousLocalTime as ambiguous:
        offer_folds(form, ambiguous.field or "start", ambiguous.choices)
        raise


class PlannerItemForm(VersionedForm):
    FIELD_FOR = {"starts_at": "start", "ends_at": "end"}

    tech_id = SelectField(
        "Technician",
        coerce=optional_id,
        validate_choice=False,
        validators=[InputRequired("Pick a technician.")],
    )
    day = DateField("Day", validators=[InputRequired("Pick the day.")])
    start = TimeField("Start", validators=[InputRequired("Give the start time.")])
    end = TimeField("End", validators=[InputRequired("Give the end time.")])
    # Offered only when a time happens twice that night (the clocks go back).
    start_fold = SelectField("Which start?", choices=[], validate_choice=False)
    end_fold = SelectField("Which end?", choices=[], validate_choice=False)
    sr_id = SelectField(
        "Service request", coerce=optional_id, validate_choice=False, validators=[Optional()]
    )
    checklist_run_id = SelectField(
        "Maintenance run", coerce=optional_id, validate_choice=False, validators=[Optional()]
    )
    title = StringField("Title", validators=[Length(max=200)])
    out_of_town = BooleanField("Out of town")
    travel_notes = TextAreaField("Travel notes", validators=[Length(max=2000)])

    def fill_choices(
        self, techs: list[User], srs: list[ServiceRequest], runs: list[tuple[int, str]]
    ) -> None:
        """The techs, the SRs and the maintenance runs (id, label) the editor offers."""
        self.tech_id.choices = [SelectChoice(str(tech.id), tech.name) for tech in techs]
        self.sr_id.choices = [
            SelectChoice("", "None: a task (write its title)"),
            *(SelectChoice(str(sr.id), f"{sr.number} · P{sr.priority} · {sr.title}") for sr in srs),
        ]
        self.checklist_run_id.choices = [
            SelectChoice("", "None"),
            *(SelectChoice(str(run_id), label) for run_id, label in runs),
        ]

    def focus(self, preferred: str) -> None:
        """Put the cursor on the first field with an error, else on `preferred`."""
        name = next((f.name for f in self if f.errors), preferred)
        self[name].render_kw = {**(self[name].render_kw or {}), "autofocus": True}

    def fill_from(self, item: ScheduleItem, zone: ZoneInfo) -> None:
        starts, ends = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
        self.tech_id.data = item.tech_id
        self.day.data = starts.date()
        self.start.data = starts.time().replace(second=0, microsecond=0)
        self.end.data = ends.time().replace(second=0, microsecond=0)
        prefill_fold(self, "start", item.starts_at)
        prefill_fold(self, "end", item.ends_at)
        self.sr_id.data = item.sr_id
        self.checklist_run_id.data = item.checklist_run_id
        run = item.checklist_run
        default_title = (
            item.service_request.title
            if item.service_request is not None
            else item_title(run.client.name)
            if run is not None
            else None
        )
        self.title.data = "" if item.title == default_title else item.title
        self.out_of_town.data = item.out_of_town
        self.travel_notes.data = item.travel_notes

    def to_fields(self) -> ItemFields:
        starts_at, ends_at = span_of(self)
        return ItemFields(
            tech_id=self.tech_id.data,
            starts_at=starts_at,
            ends_at=ends_at,
            sr_id=self.sr_id.data,
            title=self.title.data or "",
            out_of_town=bool(self.out_of_town.data),
            travel_notes=self.travel_notes.data or "",
            checklist_run_id=self.checklist_run_id.data,
        )


class PlannerMoveForm(InputForm):
    """Where an item was dropped: a tech's day, and the item's version the planner showed."""

    tech_id = IntegerField("Technician", validators=[InputRequired()])
    day = DateField("Day", validators=[InputRequired()])
    version = VersionField(validators=[Optional()])


SEARCH_MAX = 100


class SRSearchForm(Form):
    """The planner's search for an SR to schedule, read from the URL (a plain GET form
    without JavaScript, the same address as you type with it)."""

    class Meta(BoundedFields):
        pass

    q = SearchField(
        "Find any open SR",
        validators=[
            Length(max=SEARCH_MAX, message=f"Keep the search under {SEARCH_MAX} characters.")
        ],
    )
