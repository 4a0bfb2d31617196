"""Helpers shared by every blueprint's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm

from mspboard.services.errors import RuleViolation


def attach_violation(form: FlaskForm, violation: RuleViolation) -> None:
    """Show a rule's refusal next to the field it concerns, or above the form."""
    field = getattr(form, violation.field, None) if violation.field else None
    if field is not None:
        field.errors = [*field.errors, violation.message]
    else:
        form.form_errors.append(violation.message)
