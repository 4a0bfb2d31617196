from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mspboard.auth.access import restrict_blueprint
from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.models import Client, Role, ServiceRequest, SRNote, db, utcnow
from mspboard.services import audit_trail, client_contacts, service_requests, sr_notes
from mspboard.services.board import assignable_people
from mspboard.services.sr_history import sr_history
from mspboard.sr.forms import NoteEditForm, NoteForm, SRForm

bp = Blueprint("sr", __name__, url_prefix="/sr")
restrict_blueprint(bp, Role.TECHNICIAN, Role.SERVICE_MANAGER, Role.ADMIN)


def _form(sr: ServiceRequest | None = None, fresh: bool = False) -> SRForm:
    """The SR's form: as submitted, or (`fresh`, or on GET) filled from the saved SR. The
    requester is one of the SR's client's contacts (a new SR's: any listed client's)."""
    form = SRForm() if sr is None else SRForm.editing(sr, fresh)
    clients = db.session.scalars(
        select(Client)
        .where((Client.active) | (Client.id == (sr.client_id if sr else None)))
        .order_by(Client.name)
    ).all()
    client_ids = [sr.client_id] if sr else [client.id for client in clients]
    contacts = client_contacts.contacts_of(client_ids)
    form.fill_choices(list(clients), assignable_people(), contacts)
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _form()
    if request.method == "POST":
        saved, sr = save_form(
            form,
            lambda: service_requests.create_sr(
                current_user, form.values(), resolution=form.resolution.data or ""
            ),
        )
        if saved:
            flash(f"{sr.number} created.", "success")
            return redirect(url_for("sr.detail", number=sr.number))
    return render("sr/new.html", form=form, status=form_status())


@bp.route("/<number>", methods=["GET", "POST"])
def detail(number: str):
    sr = service_requests.find_by_number(number) or abort(404)
    if number != sr.number:
        return redirect(url_for("sr.detail", number=sr.number), 301)
    form = _form(sr)
    if request.method == "POST":
        saved, changed = save_form(
            form,
            lambda: service_requests.update_sr(
                current_user,
                sr,
                form.values(sr),
                form.version.data,
                resolution=form.resolution.data or "",
            ),
            record=sr,
            fresh=lambda: _form(sr, fresh=True),
        )
        if saved:
            flash(f"{sr.number} saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("sr.detail", number=sr.number))
    return _detail_page(sr, form, NoteForm(formdata=None), form_status(form))


def _detail_page(sr: ServiceRequest, form: SRForm, note_form: NoteForm, status: int):
    notes = sr_notes.notes_of(sr)
    now = utcnow()
    return render(
        "sr/detail.html",
        sr=sr,
        form=form,
        note_form=note_form,
        notes=notes,
        editable={note.id for note in notes if sr_notes.editable_by(note, current_user, now)},
        resolution=next((note for note in notes if note.is_resolution), None),
        audit=audit_trail.histories(
            "service_requests", [sr.id], {"sr_notes": {note.id: sr.id for note in notes}}
        )[sr.id],
        history=sr_history(sr),
        status=status,
    )


def _sr_or_404(number: str) -> ServiceRequest:
    return service_requests.find_by_number(number) or abort(404)


@bp.post("/<number>/notes")
def add_note(number: str):
    sr = _sr_or_404(number)
    note_form = NoteForm()
    saved, _note = save_form(
        note_form, lambda: sr_notes.add_note(current_user, sr, note_form.body.data or "")
    )
    if saved:
        flash("Note added.", "success")
        return redirect(url_for("sr.detail", number=sr.number, _anchor="notes"))
    return _detail_page(sr, _form(sr, fresh=True), note_form, 422)


def _note_or_404(sr: ServiceRequest, note_id: int) -> SRNote:
    note = db.session.get(SRNote, note_id)
    if note is None or note.sr_id != sr.id:
        abort(404)
    return note


@bp.route("/<number>/notes/<int:note_id>", methods=["GET", "POST"])
def edit_note(number: str, note_id: int):
    """Its author corrects a note while it is still open to correction."""
    sr = _sr_or_404(number)
    note = _note_or_404(sr, note_id)
    if note.author_id != current_user.id:
        abort(403)
    form = NoteEditForm.editing(note)
    if request.method == "POST":
        saved, changed = save_form(
            form,
            lambda: sr_notes.edit_note(current_user, note, form.body.data or "", form.version.data),
            record=note,
            fresh=lambda: NoteEditForm.editing(note, fresh=True),
        )
        if saved:
            flash("Note saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("sr.detail", number=sr.number, _anchor="notes"))
    return render(
        "sr/note_edit.html",
        sr=sr,
        note=note,
        form=form,
        open_to_edit=sr_notes.editable_by(note, current_user),
        status=form_status(form),
    )
