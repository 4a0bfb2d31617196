"""The tech's goals and certifications on the phone ("My goals", the tech's profile): this
quarter's and this year's goals with their notes, where the tech adds a progress note and
moves the status through the outbox like every phone write; certifications read-only."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from mspboard.field.forms import GoalProgressForm
from mspboard.field.routes import _invalid, bp
from mspboard.field.writes import Done, phone_write, refusal, write_moment
from mspboard.forms import attach_violation
from mspboard.htmx import render
from mspboard.models import Goal, GoalPeriod, db, utcnow
from mspboard.services.errors import RuleViolation
from mspboard.services.people import certifications as certs
from mspboard.services.people import goals
from mspboard.services.people.goals import NOTE_MAX, STATUS_LABELS
from mspboard.services.time_weeks import local_date

STATUS_CHOICES = [SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()]


def progress_form(goal: Goal, form: GoalProgressForm | None = None) -> GoalProgressForm:
    form = form or GoalProgressForm(formdata=None)
    form.status.choices = STATUS_CHOICES
    if form.status.data in (None, ""):
        form.status.data = goal.status
    return form


def _goals_page(failed: dict[int, GoalProgressForm] | None = None) -> dict[str, object]:
    today = local_date(utcnow())
    quarter = goals.quarter_start(today)
    mine = goals.goals_for([current_user], quarter).get(current_user.id, [])
    failed = failed or {}
    return {
        "quarter_label": goals.quarter_label(quarter),
        "year": quarter.year,
        "quarter_goals": [g for g in mine if g.period == GoalPeriod.QUARTER],
        "year_goals": [g for g in mine if g.period == GoalPeriod.YEAR],
        "forms": {g.id: progress_form(g, failed.get(g.id)) for g in mine},
        "certifications": certs.held_by(current_user),
        "today": today,
        "note_max": NOTE_MAX,
    }


@bp.get("/goals")
def my_goals():
    return render("field/goals.html", **_goals_page())


@bp.post("/goals/<int:goal_id>")
@phone_write
def goal_progress(goal_id: int):
    goal = db.session.get(Goal, goal_id)
    if goal is None:
        raise RuleViolation("That goal no longer exists; your note was not saved.")
    if goal.user_id != current_user.id:
        return refusal("That goal is not one of yours.", status=403)
    form = GoalProgressForm()
    form.status.choices = STATUS_CHOICES
    if form.validate():
        try:
            note, moved = goals.update_from_phone(
                current_user,
                goal,
                body=form.body.data or "",
                status=form.status.data or "",
                moment=write_moment(),
            )
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            said = [f"{goal.title}:"]
            if note:
                said.append("note added")
            if moved:
                said.append(("and " if note else "") + goals.status_label(goal.status).lower())
            return Done(" ".join(said) + ".", url_for("field.my_goals"), 201 if note else 200)
    context = _goals_page({goal.id: form})
    return _invalid(
        "field/goals.html",
        "field/_goal_form.html",
        form=progress_form(goal, form),
        goal=goal,
        **context,
    )
