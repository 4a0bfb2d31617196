"""Helpers shared by every blueprint's forms."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask import request
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, IntegerField, PasswordField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from mspboard.inputs import InputForm
from mspboard.models import db
from mspboard.services.edits import (
    EditConflict,
    conflict_since,
    in_words,
    readable,
    version_of,
)
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import fold_choices, local

T = TypeVar("T")


def attach_violation(form: FlaskForm, violation: RuleViolation) -> None:
    """Show a rule's refusal next to the field it concerns, or above the form."""
    field = getattr(form, violation.field, None) if violation.field else None
    if field is not None:
        field.errors = [*field.errors, violation.message]
    else:
        form.form_errors.append(violation.message)


# Fields that are the form's own bookkeeping, never a value a person edits.
_BOOKKEEPING = {"csrf_token", "version", "shown"}


def _canonical(value: Any) -> str:
    """A field's value written one way whether it came from the record or from the browser."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        try:
            return str(Decimal(str(value)).normalize())
        except InvalidOperation:
            return str(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return ",".join(sorted(_canonical(item) for item in value))
    return str(value).replace("\r\n", "\n").strip()


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(_canonical(value).encode()).hexdigest()[:12]


class VersionField(IntegerField):
    """The version a form was filled from. Only ever read from the submitted form: a form
    sent without one must not borrow the record's current version and pass as fresh."""

    widget = HiddenInput()

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, None, extra_filters)


class VersionedForm(InputForm):
    """A form that edits a stored record. It carries the record's version and a fingerprint
    of each value it showed, so a save from an old form is refused (services.edits) and the
    person's own changes can be told apart from someone else's and offered again."""

    version = VersionField(validators=[Optional()])
    shown = HiddenField()
    # Record attribute -> the field that shows it, where the names differ.
    FIELD_FOR: dict[str, str] = {}

    conflict: EditConflict | None = None

    def _edited(self) -> list[Any]:
        return [
            f for f in self if f.short_name not in _BOOKKEEPING and not isinstance(f, PasswordField)
        ]

    @classmethod
    def editing(cls, record: object, fresh: bool = False, **options: Any) -> Any:
        """The form that edits `record`: as submitted, or (`fresh`, or on GET) filled from
        the saved record, with its version. `options` go to the form (a `prefix` for one of
        several such forms on a page)."""
        if not fresh and request.method == "POST":
            return cls(obj=record, **options)
        form = cls(formdata=None, obj=record, **options)
        form.load(record)
        form.show_version(record)
        return form

    def load(self, record: object) -> None:
        """Fill the fields `obj=` cannot fill from the saved record (cents, bitmasks)."""

    def show_version(self, record: object) -> None:
        """Remember the record's version and the values this form now shows."""
        self.version.data = version_of(record)
        self.shown.data = json.dumps({f.short_name: _fingerprint(f.data) for f in self._edited()})

    def own_changes(self) -> set[str]:
        """The fields the person changed from what the form showed them (all, if unknown)."""
        try:
            shown = json.loads(self.shown.data or "")
        except ValueError:
            shown = None
        if not isinstance(shown, dict):
            return {f.short_name for f in self._edited()}
        return {
            f.short_name for f in self._edited() if shown.get(f.short_name) != _fingerprint(f.data)
        }

    def show_conflict(self, refused: Exception, record: object, fresh: VersionedForm) -> None:
        """Answer a refused save (EditConflict, or StaleDataError when a save raced this
        one) by showing the record as it is now beside the person's own changes."""
        if not isinstance(refused, EditConflict):
            refused = conflict_since(record, self.version.data)
        self.take_theirs(refused, fresh)

    def take_theirs(self, conflict: EditConflict, fresh: VersionedForm) -> None:
        """After a conflict: show the stored values, with the person's own changes filled in
        again on top, and the other person's change named beside each field it touched."""
        own = self.own_changes()
        for f in self._edited():
            if f.short_name not in own:
                f.data, f.raw_data = fresh[f.short_name].data, None
        self.version.data, self.version.raw_data = fresh.version.data, None
        self.shown.data, self.shown.raw_data = fresh.shown.data, None
        self.conflict = conflict
        kept = [f.label.text.lower() for f in self._edited() if f.short_name in own]
        self.kept = in_words(kept)
        for change in conflict.changes:
            for name, value in change.values.items():
                f = getattr(self, self.FIELD_FOR.get(name, name), None)
                if f is None or f.short_name in _BOOKKEEPING:
                    continue
                said = f"{change.who} changed this to {readable(conflict.record, name, value)}."
                if f.short_name in own:
                    said += " Yours is filled in; saving keeps yours."
                f.conflict_note = said


def save_form(
    form: FlaskForm,
    change: Callable[[], T],
    record: object | None = None,
    fresh: Callable[[], VersionedForm] | None = None,
) -> tuple[bool, T | None]:
    """Validate a submitted form and run one change with it, committing on success.

    Returns (True, the change's result) once saved; (False, None) when the form or a rule
    refused it, with the messages attached to the form and nothing saved. For an edit of
    `record`, a form older than the record (EditConflict, or a save that raced this one)
    comes back with the other person's change shown beside the person's own, ready to save
    again; `fresh` makes the form as it would show the record now.
    """
    if not form.validate_on_submit():
        return False, None
    try:
        result = change()
        db.session.flush()
    except RuleViolation as violation:
        db.session.rollback()
        attach_violation(form, violation)
        return False, None
    except (EditConflict, StaleDataError) as refused:
        db.session.rollback()
        if record is None or fresh is None or not isinstance(form, VersionedForm):
            raise
        form.show_conflict(refused, record, fresh())
        return False, None
    db.session.commit()
    return True, result


def form_status(form: FlaskForm | None = None) -> int:
    """200 for a form shown fresh; 409 for one whose record changed under it; 422 for one
    sent back with errors."""
    if form is not None and getattr(form, "conflict", None) is not None:
        return 409
    return 422 if request.method == "POST" else 200


# ---- a clock time that happens twice (the night the clocks go back) --------------------------
# A form with a time field `start` has a select `start_fold`, offered only for such a time.


def chosen_fold(value: str | None) -> int | None:
    """0 for the first occurrence, 1 for the second, None when none was chosen."""
    return {"0": 0, "1": 1}.get(value or "")


def offer_folds(form: FlaskForm, field: str, choices: list[tuple[str, str]]) -> None:
    """Ask which of the two occurrences of a repeated clock time is meant."""
    form[f"{field}_fold"].choices = [SelectChoice("", "Choose one")] + [
        SelectChoice(value, label) for value, label in choices
    ]


def prefill_fold(form: FlaskForm, field: str, moment: datetime) -> None:
    """A saved time at a repeated clock time opens with its own occurrence chosen, so saving
    the form unchanged keeps it where it is."""
    shown = local(moment)
    choices = fold_choices(shown.date(), shown.time())
    if choices:
        offer_folds(form, field, choices)
        form[f"{field}_fold"].data = str(shown.fold)
