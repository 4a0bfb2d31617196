"""Admin → Duties: each role's duty list, edited by the admin, and the quarterly review."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from mspboard.admin.duty_forms import DutyForm
from mspboard.admin.routes import bp
from mspboard.auth.access import roles_required
from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.inputs import InputForm, id_or_none
from mspboard.models import Duty, DutyRole, Role, db
from mspboard.services.edits import EditConflict, conflict_since
from mspboard.services.people import duties

ROLES = "<any(technician, service_manager):role>"


def _duty(duty_id: int) -> Duty:
    return db.session.get(Duty, duty_id) or abort(404)


def _lists_page(new_forms: dict[str, DutyForm] | None = None, status: int = 200, notice=""):
    forms = {role.value: DutyForm(formdata=None, prefix=role.value) for role in DutyRole}
    forms.update(new_forms or {})
    return render(
        "admin/duties.html",
        lists=duties.lists(),
        new_forms=forms,
        review=duties.review_state(),
        review_every=duties.REVIEW_EVERY_DAYS,
        pages=duties.pages(),
        notice=notice,
        status=status,
    )


@bp.get("/duties")
@roles_required(Role.ADMIN)
def duties_page():
    return _lists_page()


@bp.post(f"/duties/{ROLES}/new")
@roles_required(Role.ADMIN)
def duty_new(role: str):
    form = DutyForm(prefix=role)
    saved, duty = save_form(form, lambda: duties.add_duty(current_user, role, form.values()))
    if saved:
        flash(f"Added “{duty.title}” to the {DutyRole(role).label.lower()}'s list.", "success")
        return redirect(url_for("admin.duties_page", _anchor=f"duty-{duty.id}"))
    return _lists_page({role: form}, status=form_status(form))


@bp.route("/duties/<int:duty_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def duty_edit(duty_id: int):
    duty = _duty(duty_id)
    form = DutyForm.editing(duty)
    saved, changed = save_form(
        form,
        lambda: duties.edit_duty(current_user, duty, form.values(), form.version.data),
        record=duty,
        fresh=lambda: DutyForm.editing(duty, fresh=True),
    )
    if saved:
        flash(f"Saved “{duty.title}”." if changed else "Nothing changed.", "success")
        return redirect(url_for("admin.duties_page", _anchor=f"duty-{duty.id}"))
    return render("admin/duty_form.html", form=form, duty=duty, status=form_status(form))


@bp.post("/duties/<int:duty_id>/retire")
@roles_required(Role.ADMIN)
def duty_retire(duty_id: int):
    duty = _duty(duty_id)
    if not InputForm().validate_on_submit():
        return _lists_page(status=422, notice="That could not be read; reload and try again.")
    retire = request.form.get("retired") != "0"
    version = id_or_none(request.form.get("version"))
    try:
        changed = duties.set_retired(current_user, duty, retire, version)
        db.session.flush()
    except (EditConflict, StaleDataError) as refused:
        db.session.rollback()
        if not isinstance(refused, EditConflict):
            refused = conflict_since(duty, version)
        return _lists_page(status=409, notice=f"Not changed: {refused.message}")
    db.session.commit()
    if changed:
        said = "taken off the list" if retire else "back on the list"
        flash(f"“{duty.title}” is {said}.", "success")
    return redirect(url_for("admin.duties_page", _anchor=f"duty-{duty.id}"))


@bp.post("/duties/<int:duty_id>/move")
@roles_required(Role.ADMIN)
def duty_move(duty_id: int):
    duty = _duty(duty_id)
    step = {"up": -1, "down": 1}.get(request.form.get("step", ""))
    if step is None or not InputForm().validate_on_submit():
        return _lists_page(status=422, notice="Move a duty up or down.")
    duties.move_duty(current_user, duty, step)
    db.session.commit()
    return redirect(url_for("admin.duties_page", _anchor=f"duty-{duty.id}"))


@bp.post("/duties/reviewed")
@roles_required(Role.ADMIN)
def duties_reviewed():
    if not InputForm().validate_on_submit():
        return _lists_page(status=422, notice="That could not be read; reload and try again.")
    duties.mark_reviewed(current_user)
    db.session.commit()
    flash("The duty lists are marked as reviewed today.", "success")
    return redirect(url_for("admin.duties_page"))


@bp.post("/duties/standard")
@roles_required(Role.ADMIN)
def duties_standard():
    if not InputForm().validate_on_submit():
        return _lists_page(status=422, notice="That could not be read; reload and try again.")
    added = duties.load_standard_duties(current_user)
    db.session.commit()
    flash(
        f"Loaded {added} standard duties." if added else "The lists already have duties.",
        "success",
    )
    return redirect(url_for("admin.duties_page"))
