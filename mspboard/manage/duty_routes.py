"""The manager's duties on Today: ticked for today or this week from the desk."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from mspboard.htmx import is_htmx, render
from mspboard.inputs import InputForm
from mspboard.manage.blueprint import bp
from mspboard.models import Duty, db, utcnow
from mspboard.services.errors import RuleViolation
from mspboard.services.people import duties


def duties_context(now=None) -> dict[str, Any]:
    """What the duties panel of Today shows: today's and this week's duties, each with its
    tick, and the review reminder (three queries)."""
    now = now or utcnow()
    return {
        "duty_rows": duties.checklist(current_user, duties.TODAY_AND_THIS_WEEK, now),
        "duty_review": duties.review_state(now),
        "review_every": duties.REVIEW_EVERY_DAYS,
    }


def _panel(status: int = 200, notice: str = ""):
    return render(
        "manage/_today_duties.html",
        status=status,
        duty_notice=notice,
        **duties_context(),
    )


@bp.post("/duties/<int:duty_id>/tick")
def duty_tick(duty_id: int):
    duty = db.session.get(Duty, duty_id) or abort(404)
    notice, status = "", 200
    if not InputForm().validate_on_submit():
        notice, status = "That could not be read; reload and try again.", 422
    else:
        try:
            duties.tick(current_user, duty, request.form.get("done") == "1", utcnow())
        except RuleViolation as violation:
            db.session.rollback()
            notice, status = violation.message, 422
        else:
            db.session.commit()
    if is_htmx():
        return _panel(status, notice)
    if notice:
        flash(notice, "error")
    return redirect(url_for("manage.today", _anchor="today-duties"), 303)
