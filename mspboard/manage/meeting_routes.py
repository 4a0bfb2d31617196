"""The Monday Morning Meeting at the desk: the agenda a manager drafts and runs, its print
view, and what each discussed item came to. Every change is a POST; see
services/meetings/changes.py for the rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from mspboard.forms import VersionedForm, form_status, save_form
from mspboard.htmx import render
from mspboard.manage.blueprint import bp
from mspboard.manage.meeting_forms import AddItemForm, AgendaForm, MoveForm, OutcomeForm
from mspboard.models import AgendaItem, Client, User, db
from mspboard.services.board import assignable_people
from mspboard.services.meetings import agenda, changes
from mspboard.services.time_weeks import day_from_text, local_date


def _monday(day: str) -> date:
    monday = day_from_text(day)
    if monday is None or not agenda.is_meeting_day(monday):
        abort(404)
    return monday


def _item(item_id: int) -> AgendaItem:
    return db.session.get(AgendaItem, item_id) or abort(404)


def _there(monday: date, anchor: str = "") -> Any:
    return redirect(url_for("manage.meeting", day=monday.isoformat()) + anchor, 303)


def _page(monday: date, status: int = 200, **context: Any):
    shown = agenda.agenda_of(monday)
    add_form = context.pop("add_form", None) or AddItemForm(formdata=None)
    if add_form.version.data is None:
        add_form.version.data = shown.version
    return render(
        "manage/meeting.html",
        status=status,
        agenda=shown,
        add_form=add_form,
        problem=context.pop("problem", ""),
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        today=local_date(shown.now),
        **context,
    )


@bp.get("/monday")
def monday_meeting():
    return redirect(url_for("manage.meeting", day=agenda.current_meeting_day().isoformat()))


@bp.get("/monday/<day>")
def meeting(day: str):
    return _page(_monday(day))


@bp.get("/monday/<day>/print")
def meeting_print(day: str):
    return render("manage/meeting_print.html", agenda=agenda.agenda_of(_monday(day)))


def _problem(form: VersionedForm) -> str:
    if form.conflict is not None:
        return (
            f"The agenda changed since you opened it: {form.conflict.message} "
            "It is shown as it is now; nothing of yours was saved, so make your change again."
        )
    messages = [m for ms in form.errors.values() for m in ms] + list(form.form_errors)
    return " ".join(str(m) for m in messages) or "That could not be read; reload the page."


def _agenda_change(
    monday: date, form: VersionedForm, change: Callable[[], Any], done: str, anchor: str = ""
):
    """A change to the agenda's shape, versioned with the meeting."""
    meeting = agenda.find_meeting(monday)
    saved, _result = save_form(
        form, change, record=meeting, fresh=lambda: type(form).editing(meeting, fresh=True)
    )
    if saved:
        flash(done, "success")
        return _there(monday, anchor)
    return _page(monday, form_status(form), problem=_problem(form))


@bp.post("/monday/<day>/items")
def meeting_add(day: str):
    monday = _monday(day)
    meeting = agenda.find_meeting(monday)
    form = AddItemForm()
    saved, item = save_form(
        form,
        lambda: changes.add_item(current_user, monday, form.text.data or "", form.version.data),
        record=meeting,
        fresh=lambda: AddItemForm.editing(meeting, fresh=True),
    )
    if saved and item is not None:
        flash("Added to the agenda.", "success")
        return _there(monday, f"#item-{item.id}")
    problem = _problem(form) if form.conflict or form.form_errors else ""
    return _page(monday, form_status(form), add_form=form, problem=problem)


@bp.post("/monday/<day>/items/<int:item_id>/move")
def meeting_move(day: str, item_id: int):
    monday, item = _monday(day), _item(item_id)
    form = MoveForm()
    return _agenda_change(
        monday,
        form,
        lambda: changes.move_item(
            current_user, monday, item, form.direction.data or "", form.version.data
        ),
        f"Moved “{_short(item.text)}” {form.direction.data}.",
        f"#item-{item.id}",
    )


@bp.post("/monday/<day>/items/<int:item_id>/remove")
def meeting_remove(day: str, item_id: int):
    monday, item = _monday(day), _item(item_id)
    form = AgendaForm()
    return _agenda_change(
        monday,
        form,
        lambda: changes.remove_item(current_user, monday, item, form.version.data),
        f"Took “{_short(item.text)}” off the agenda; it is listed under Taken off.",
    )


@bp.post("/monday/<day>/items/<int:item_id>/restore")
def meeting_restore(day: str, item_id: int):
    monday, item = _monday(day), _item(item_id)
    form = AgendaForm()
    return _agenda_change(
        monday,
        form,
        lambda: changes.restore_item(current_user, monday, item, form.version.data),
        f"Put “{_short(item.text)}” back on the agenda.",
        f"#item-{item.id}",
    )


@bp.post("/monday/<day>/close")
def meeting_close(day: str):
    monday = _monday(day)
    form = AgendaForm()
    return _agenda_change(
        monday,
        form,
        lambda: changes.hold_meeting(current_user, monday, form.version.data),
        "Meeting closed. What it did not discuss is on next Monday's agenda.",
    )


def _short(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# ---- what a discussed item came to -----------------------------------------------------------


def _outcome_choices(form: OutcomeForm) -> OutcomeForm:
    clients = db.session.scalars(select(Client).where(Client.active).order_by(Client.name))
    form.client_id.choices = [SelectChoice("", "Pick a client")] + [
        SelectChoice(c.id, c.name) for c in clients
    ]
    form.outcome_assignee_id.choices = [SelectChoice("", "Nobody")] + [
        SelectChoice(p.id, p.name) for p in assignable_people()
    ]
    return form


def _outcome_page(monday: date, item: AgendaItem, form: OutcomeForm, status: int = 200):
    return render(
        "manage/meeting_outcome.html",
        status=status,
        agenda=agenda.agenda_of(monday, with_sections=False),
        item=item,
        form=form,
    )


@bp.get("/monday/<day>/items/<int:item_id>/outcome")
def meeting_outcome_form(day: str, item_id: int):
    monday, item = _monday(day), _item(item_id)
    return _outcome_page(monday, item, _outcome_choices(OutcomeForm.editing(item)))


def _person(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id is not None else None


@bp.post("/monday/<day>/items/<int:item_id>/outcome")
def meeting_outcome(day: str, item_id: int):
    monday, item = _monday(day), _item(item_id)
    form = _outcome_choices(OutcomeForm())

    def change() -> AgendaItem:
        outcome = changes.Outcome(
            note=form.outcome_note.data or "",
            action=form.action.data or changes.Action.NOTE,
            client_id=form.client_id.data,
            priority=int(form.priority.data or 3),
            assignee=_person(form.outcome_assignee_id.data),
        )
        return changes.record_outcome(current_user, monday, item, outcome, form.version.data)

    saved, _result = save_form(
        form,
        change,
        record=item,
        fresh=lambda: _outcome_choices(OutcomeForm.editing(item, fresh=True)),
    )
    if saved:
        flash(_outcome_said(item, form.action.data or ""), "success")
        return _there(monday, f"#item-{item.id}")
    return _outcome_page(monday, item, form, form_status(form))


def _outcome_said(item: AgendaItem, action: str) -> str:
    if action == changes.Action.SR and item.outcome_sr is not None:
        return f"Discussed; made {item.outcome_sr.number}."
    if action == changes.Action.ASSIGN and item.outcome_assignee is not None:
        return f"Discussed; given to {item.outcome_assignee.name}."
    return "Marked as discussed."
