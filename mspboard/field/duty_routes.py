"""The person's daily and weekly duties on the phone's Today, ticked through the outbox like
every phone write: the tick counts for the day (or week) of the moment it was made."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from mspboard.field.routes import bp
from mspboard.field.writes import Done, phone_write, write_moment
from mspboard.models import Duty, db
from mspboard.services.errors import RuleViolation
from mspboard.services.people import duties


@bp.post("/duties/<int:duty_id>/tick")
@phone_write
def duty_tick(duty_id: int):
    duty = db.session.get(Duty, duty_id)
    if duty is None:
        raise RuleViolation("That duty is no longer on your list.")
    done = {"1": True, "0": False}.get(request.form.get("done", ""))
    if done is None:
        raise RuleViolation("Tick the duty as done or not done.", "done")
    duties.tick(current_user, duty, done, write_moment())
    said = "done" if done else "not done"
    return Done(f"{duty.title}: {said}.", url_for("field.today"))
