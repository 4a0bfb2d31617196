"""Helpers shared by every blueprint's forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import request
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from mspboard.models import db
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


def save_form(form: FlaskForm, change: Callable[[], T]) -> tuple[bool, T | None]:
    """Validate a submitted form and run one change with it, committing on success.

    Returns (True, the change's result) once saved; (False, None) when the form or a rule
    refused it, with the messages attached to the form and nothing saved.
    """
    if not form.validate_on_submit():
        return False, None
    try:
        result = change()
    except RuleViolation as violation:
        db.session.rollback()
        attach_violation(form, violation)
        return False, None
    db.session.commit()
    return True, result


def form_status() -> int:
    """200 for a form shown fresh; 422 for one sent back with errors."""
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
