"""Training events (/manage/training): the list, plan a new one, edit, cancel. The rules are
in services.people.training; each form goes through forms.save_form."""

from __future__ import annotations

from datetime import time

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.inputs import InputForm
from mspboard.manage.blueprint import bp
from mspboard.manage.training_forms import TrainingForm
from mspboard.models import TrainingEvent, TrainingKind, db, utcnow
from mspboard.services.edits import EditConflict, conflict_since
from mspboard.services.local_time import wall_label
from mspboard.services.people import training
from mspboard.services.staff import card_keepers
from mspboard.services.time_weeks import day_from_text, local_date

# A new Final Friday Training opens on these times; the manager changes them as needed.
DEFAULT_START, DEFAULT_END = time(15, 0), time(17, 0)


def _event_or_404(event_id: int) -> TrainingEvent:
    return db.session.get(TrainingEvent, event_id) or abort(404)


def _form_page(form: TrainingForm, event: TrainingEvent | None, status: int):
    return render("manage/training_form.html", form=form, event=event, status=status)


def _list_page(status: int = 200, refusal: str = ""):
    now = utcnow()
    return render(
        "manage/training.html",
        status=status,
        refusal=refusal,
        listing=training.training_list(now),
        plan_day=training.first_unplanned_final_friday(local_date(now)),
    )


@bp.get("/training")
def training_list():
    return _list_page()


@bp.route("/training/new", methods=["GET", "POST"])
def training_new():
    form = TrainingForm()
    techs = card_keepers()
    form.fill_choices(techs)
    if request.method == "GET":
        short = request.args.get("kind") == TrainingKind.SHORT_NOTICE.value
        day = day_from_text(request.args.get("day")) or (
            local_date(utcnow()) if short else training.next_final_friday(local_date(utcnow()))
        )
        form.kind.data = (TrainingKind.SHORT_NOTICE if short else TrainingKind.FINAL_FRIDAY).value
        form.title.data = "" if short else training.DEFAULT_TITLE
        form.day.data, form.start.data, form.end.data = day, DEFAULT_START, DEFAULT_END
        form.attendees.data = [tech.id for tech in techs]
    saved, event = save_form(form, lambda: training.create_event(current_user, form.to_fields()))
    if saved and event is not None:
        flash(
            f"Planned “{event.title}”, {wall_label(event.starts_at, '%a %d %b %H:%M')}; "
            "it is on each attendee's schedule to acknowledge.",
            "success",
        )
        return redirect(url_for("manage.training_list"))
    return _form_page(form, None, form_status(form))


def _editing(event: TrainingEvent, fresh: bool = False) -> TrainingForm:
    form = TrainingForm.editing(event, fresh=fresh)
    form.fill_choices(card_keepers())
    if fresh or request.method == "GET":
        form.fill_from(event, [item.tech_id for item in training.items_of(event)])
        form.show_version(event)
    return form


@bp.route("/training/<int:event_id>", methods=["GET", "POST"])
def training_edit(event_id: int):
    event = _event_or_404(event_id)
    form = _editing(event)
    saved, changed = save_form(
        form,
        lambda: training.update_event(
            current_user, event, form.to_fields(), expected_version=form.version.data
        ),
        record=event,
        fresh=lambda: _editing(event, fresh=True),
    )
    if saved:
        flash(f"Saved “{event.title}”." if changed else "Nothing changed.", "success")
        return redirect(url_for("manage.training_list"))
    return _form_page(form, event, form_status(form))


@bp.post("/training/<int:event_id>/cancel")
def training_cancel(event_id: int):
    event = _event_or_404(event_id)
    form = InputForm()
    if not form.validate_on_submit():
        return _list_page(422, "That could not be read; reload and try again.")
    title = event.title
    try:
        training.cancel_event(
            current_user, event, expected_version=request.form.get("version", type=int)
        )
        db.session.flush()
    except (EditConflict, StaleDataError):
        version = request.form.get("version", type=int) or 0
        db.session.rollback()
        return _list_page(409, f"Not cancelled: {conflict_since(event, version).message}")
    db.session.commit()
    flash(f"Cancelled “{title}”; it is off everyone's schedule.", "success")
    return redirect(url_for("manage.training_list"))
