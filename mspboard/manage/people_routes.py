"""The people of the shop as the manager follows them: every tech's goals at a glance for a
quarter (/manage/people), and one tech's page with their goals, progress notes and
certifications (/manage/people/<id>), each form through save_form (422 and 409 paths)."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user

from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.manage.blueprint import bp
from mspboard.manage.people_forms import (
    CertificationForm,
    GoalForm,
    GoalNoteForm,
    NewGoalForm,
    RemoveForm,
)
from mspboard.models import Certification, Goal, GoalKind, GoalPeriod, User, db, utcnow
from mspboard.services.people import certifications as certs
from mspboard.services.people import goals, reviews
from mspboard.services.staff import card_keepers
from mspboard.services.time_weeks import local_date


def _quarter() -> date:
    """The quarter the address names (?quarter=2026-Q4), this one when none: a bad one 404s."""
    raw = request.args.get("quarter")
    if raw is None:
        return goals.quarter_start(local_date(utcnow()))
    return goals.quarter_from_text(raw) or abort(404)


def _switcher(quarter: date) -> dict[str, object]:
    today = local_date(utcnow())
    return {
        "quarter": quarter,
        "quarter_label": goals.quarter_label(quarter),
        "previous_quarter": goals.quarter_text(goals.previous_quarter_start(quarter)),
        "next_quarter": goals.quarter_text(goals.next_quarter_start(quarter)),
        "is_current": quarter == goals.quarter_start(today),
        "today": today,
    }


@bp.get("/people")
def people():
    quarter = _quarter()
    return render(
        "manage/people.html",
        rows=goals.at_a_glance(card_keepers(), quarter),
        statuses=goals.STATUS_LABELS,
        **_switcher(quarter),
    )


# ---- one tech ------------------------------------------------------------------------------


def _tech(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.has_time_card:
        abort(404)
    return user


def _goal(goal_id: int) -> Goal:
    return db.session.get(Goal, goal_id) or abort(404)


def _certification(cert_id: int) -> Certification:
    return db.session.get(Certification, cert_id) or abort(404)


def _goal_form(goal: Goal, fresh: bool = False) -> GoalForm:
    return GoalForm.editing(goal, fresh=fresh, prefix=f"goal{goal.id}")


def _cert_form(cert: Certification, fresh: bool = False) -> CertificationForm:
    return CertificationForm.editing(cert, fresh=fresh, prefix=f"cert{cert.id}")


def _earn_form(goal: Goal) -> CertificationForm:
    form = CertificationForm(formdata=None, prefix=f"earn{goal.id}")
    form.name.data = goal.title
    return form


def _person_page(
    tech: User,
    quarter: date,
    failed: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    """The tech's page; `failed` holds the one form sent back with its errors, by its key."""
    failed = failed or {}
    mine = goals.goals_for([tech], quarter).get(tech.id, [])
    held = certs.held_by(tech)
    earned_goals = {cert.goal_id for cert in held if cert.goal_id}
    forms: dict[str, object] = {}
    for goal in mine:
        forms[f"goal-{goal.id}"] = _goal_form(goal, fresh=True)
        forms[f"note-{goal.id}"] = GoalNoteForm(formdata=None, prefix=f"note{goal.id}")
        if goal.kind == GoalKind.CERTIFICATION and goal.id not in earned_goals:
            forms[f"earn-{goal.id}"] = _earn_form(goal)
    for cert in held:
        forms[f"cert-{cert.id}"] = _cert_form(cert, fresh=True)
        forms[f"remove-{cert.id}"] = RemoveForm.editing(cert, fresh=True, prefix=f"rm{cert.id}")
    forms["new-goal"] = NewGoalForm(formdata=None, prefix="new")
    forms["new-cert"] = CertificationForm(formdata=None, prefix="newcert")
    forms.update(failed)
    return render(
        "manage/person.html",
        status=status,
        tech=tech,
        quarter_goals=[g for g in mine if g.period == GoalPeriod.QUARTER],
        year_goals=[g for g in mine if g.period == GoalPeriod.YEAR],
        certifications=held,
        earned_goals=earned_goals,
        forms=forms,
        open_form=next(iter(failed), ""),
        flag=certs.flag,
        flag_words=certs.flag_words,
        reviews=reviews.reviews_of(tech),
        **_switcher(quarter),
    )


def _back(tech: User, quarter: date, message: str, anchor: str = "") -> Response:
    flash(message, "success")
    url = url_for("manage.person", user_id=tech.id, quarter=goals.quarter_text(quarter))
    return redirect(url + (f"#{anchor}" if anchor else ""), 303)


def _goal_quarter(goal: Goal) -> date:
    """The quarter to go back to after a change of a goal: its own, or for a year goal the
    quarter the page showed."""
    if goal.period == GoalPeriod.QUARTER:
        return goal.period_start
    shown = goals.quarter_from_text(request.args.get("quarter"))
    return shown if shown and shown.year == goal.period_start.year else goal.period_start


@bp.get("/people/<int:user_id>")
def person(user_id: int):
    return _person_page(_tech(user_id), _quarter())


@bp.post("/people/<int:user_id>/goals")
def goal_add(user_id: int):
    tech, quarter = _tech(user_id), _quarter()
    form = NewGoalForm(prefix="new")
    saved, goal = save_form(
        form,
        lambda: goals.add_goal(
            tech,
            period=GoalPeriod(form.period.data),
            starts=quarter,
            title=form.title.data or "",
            by=current_user,
            measure=form.measure.data or "",
            target_on=form.target_on.data,
            kind=GoalKind(form.kind.data),
        ),
    )
    if saved:
        return _back(tech, quarter, f"Goal added: {goal.title}.", f"goal-{goal.id}")
    return _person_page(tech, quarter, {"new-goal": form}, form_status(form))


@bp.post("/people/goals/<int:goal_id>")
def goal_edit(goal_id: int):
    goal = _goal(goal_id)
    form = _goal_form(goal)
    saved, changed = save_form(
        form,
        lambda: goals.edit_goal(
            current_user, goal, form.fields(), expected_version=form.version.data
        ),
        record=goal,
        fresh=lambda: _goal_form(goal, fresh=True),
    )
    quarter = _goal_quarter(goal)
    if saved:
        said = f"Saved: {goal.title}." if changed else "Nothing changed."
        return _back(goal.user, quarter, said, f"goal-{goal.id}")
    return _person_page(goal.user, quarter, {f"goal-{goal.id}": form}, form_status(form))


@bp.post("/people/goals/<int:goal_id>/notes")
def goal_note_add(goal_id: int):
    goal = _goal(goal_id)
    form = GoalNoteForm(prefix=f"note{goal.id}")
    saved, _note = save_form(
        form, lambda: goals.add_note(current_user, goal, form.body.data or "", utcnow())
    )
    quarter = _goal_quarter(goal)
    if saved:
        return _back(goal.user, quarter, f"Note added to {goal.title}.", f"goal-{goal.id}")
    return _person_page(goal.user, quarter, {f"note-{goal.id}": form}, form_status(form))


@bp.post("/people/goals/<int:goal_id>/earned")
def goal_earned(goal_id: int):
    goal = _goal(goal_id)
    form = CertificationForm(prefix=f"earn{goal.id}")
    saved, cert = save_form(form, lambda: certs.earn_from_goal(current_user, goal, form.fields()))
    quarter = _goal_quarter(goal)
    if saved:
        said = f"{cert.name} recorded as earned; the goal is met."
        return _back(goal.user, quarter, said, f"cert-{cert.id}")
    return _person_page(goal.user, quarter, {f"earn-{goal.id}": form}, form_status(form))


@bp.post("/people/<int:user_id>/certifications")
def certification_add(user_id: int):
    tech, quarter = _tech(user_id), _quarter()
    form = CertificationForm(prefix="newcert")
    saved, cert = save_form(
        form, lambda: certs.add_certification(current_user, tech, form.fields())
    )
    if saved:
        return _back(tech, quarter, f"Certification added: {cert.name}.", f"cert-{cert.id}")
    return _person_page(tech, quarter, {"new-cert": form}, form_status(form))


@bp.post("/people/certifications/<int:cert_id>")
def certification_edit(cert_id: int):
    cert, quarter = _certification(cert_id), _quarter()
    form = _cert_form(cert)
    saved, changed = save_form(
        form,
        lambda: certs.edit_certification(
            current_user, cert, form.fields(), expected_version=form.version.data
        ),
        record=cert,
        fresh=lambda: _cert_form(cert, fresh=True),
    )
    if saved:
        said = f"Saved: {cert.name}." if changed else "Nothing changed."
        return _back(cert.user, quarter, said, f"cert-{cert.id}")
    return _person_page(cert.user, quarter, {f"cert-{cert.id}": form}, form_status(form))


@bp.post("/people/certifications/<int:cert_id>/remove")
def certification_remove(cert_id: int):
    cert, quarter = _certification(cert_id), _quarter()
    tech, name = cert.user, cert.name
    form = RemoveForm(prefix=f"rm{cert.id}")
    saved, _ = save_form(
        form,
        lambda: certs.remove_certification(current_user, cert, expected_version=form.version.data),
        record=cert,
        fresh=lambda: RemoveForm.editing(cert, fresh=True, prefix=f"rm{cert.id}"),
    )
    if saved:
        return _back(tech, quarter, f"Removed {name}.", "certifications")
    return _person_page(tech, quarter, {f"remove-{cert.id}": form}, form_status(form))
