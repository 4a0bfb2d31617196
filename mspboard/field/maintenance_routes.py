"""The month's maintenance runs on the technician's phone: my runs, a run as a checklist to
tick (online or not, through the outbox like every phone write), a Problem raised as an SR,
and an item proposed for next month."""

from __future__ import annotations

from flask import Response, abort, url_for
from flask_login import current_user

from mspboard.field.forms import ProposeForm, TickForm
from mspboard.field.routes import _invalid, bp
from mspboard.field.writes import Done, phone_write, refusal, write_moment
from mspboard.forms import attach_violation
from mspboard.htmx import render
from mspboard.models import ChecklistRunItem, Outcome, db, utcnow
from mspboard.models.maintenance import NOTE_MAX
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import ticks
from mspboard.services.maintenance.months import month_label, this_month
from mspboard.services.time_weeks import local_date

BUTTONS = [
    (Outcome.DONE, "Done"),
    (Outcome.NOT_APPLICABLE, "N/A"),
    (Outcome.PROBLEM, "Problem"),
]


@bp.errorhandler(ticks.NotYourRun)
def not_your_run(refused: ticks.NotYourRun) -> Response:
    return refusal(refused.message, status=403)


def _run_page(run, forms: dict[int, TickForm] | None = None, **context: object):
    editable = not run.month.is_closed and run.client.active
    return {
        "run": run,
        "progress": ticks.progress(run),
        "month": month_label(run.month.month),
        "editable": editable,
        "tick_forms": forms or {},
        "propose_form": context.pop("propose_form", None) or ProposeForm(formdata=None),
        "buttons": BUTTONS,
        "note_max": NOTE_MAX,
        "run_name": ticks.run_label(run),
        **context,
    }


def _my_run(run_id: int):
    run = ticks.run_to_work(run_id) or abort(404)
    if not ticks.may_work_on(current_user, run):
        raise ticks.NotYourRun(run)
    return run


def _run_item(item_id: int) -> ChecklistRunItem:
    run_item = db.session.get(ChecklistRunItem, item_id)
    if run_item is None:
        raise RuleViolation("That check is no longer on the checklist.")
    return run_item


@bp.get("/maintenance")
def maintenance_runs():
    month = this_month()
    runs = ticks.my_runs(current_user, month)
    return render(
        "field/maintenance/runs.html",
        runs=[(run, ticks.progress(run)) for run in runs],
        month=month_label(month),
        today=local_date(utcnow()),
    )


@bp.get("/maintenance/runs/<int:run_id>")
def maintenance_run(run_id: int):
    return render("field/maintenance/run.html", **_run_page(_my_run(run_id)))


@bp.post("/maintenance/items/<int:item_id>/tick")
@phone_write
def maintenance_tick(item_id: int):
    run_item = _run_item(item_id)
    form = TickForm()
    if form.validate():
        try:
            outcome, note = form.outcome.data or "", form.note.data or ""
            ticks.tick(current_user, run_item, outcome, note, write_moment())
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            return Done(
                f"{run_item.title}: {run_item.outcome_enum.label}.",  # type: ignore[union-attr]
                url_for("field.maintenance_run", run_id=run_item.run_id),
            )
    run = ticks.run_to_work(run_item.run_id)
    return _invalid(
        "field/maintenance/run.html",
        "field/maintenance/_tick_form.html",
        form=form,
        item=run_item,
        **_run_page(run, {run_item.id: form}),
    )


@bp.post("/maintenance/items/<int:item_id>/raise")
@phone_write
def maintenance_raise(item_id: int):
    run_item = _run_item(item_id)
    already = run_item.sr_id is not None
    sr = ticks.raise_problem(current_user, run_item, write_moment())
    said = f"Already raised as {sr.number}." if already else f"Raised as {sr.number}."
    status = 200 if already else 201
    return Done(said, url_for("field.maintenance_run", run_id=run_item.run_id), status)


@bp.post("/maintenance/runs/<int:run_id>/propose")
@phone_write
def maintenance_propose(run_id: int):
    run = _my_run(run_id)
    form = ProposeForm()
    if form.validate():
        try:
            proposal = ticks.propose(
                current_user,
                run,
                form.title.data or "",
                form.instruction.data or "",
                bool(form.for_all_clients.data),
                write_moment(),
            )
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            return Done(
                f"Proposed “{proposal.title}” for next month.",
                url_for("field.maintenance_run", run_id=run.id),
                status=201,
            )
    return _invalid(
        "field/maintenance/run.html",
        "field/maintenance/_propose_form.html",
        **_run_page(run, propose_form=form, form=form),
    )
