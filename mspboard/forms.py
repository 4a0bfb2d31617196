"""Helpers shared by every blueprint's forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import request
from flask_wtf import FlaskForm

from mspboard.models import db
from mspboard.services.errors import RuleViolation

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
