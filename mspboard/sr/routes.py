from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mspboard.auth.access import restrict_blueprint
from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.models import Client, Role, ServiceRequest, db
from mspboard.services import service_requests
from mspboard.services.board import assignable_people
from mspboard.services.sr_history import sr_history
from mspboard.sr.forms import SRForm

bp = Blueprint("sr", __name__, url_prefix="/sr")
restrict_blueprint(bp, Role.TECHNICIAN, Role.SERVICE_MANAGER, Role.ADMIN)


def _form(sr: ServiceRequest | None = None, fresh: bool = False) -> SRForm:
    """The SR's form: as submitted, or (`fresh`, or on GET) filled from the saved SR."""
    form = SRForm() if sr is None else SRForm.editing(sr, fresh)
    clients = db.session.scalars(
        select(Client)
        .where((Client.active) | (Client.id == (sr.client_id if sr else None)))
        .order_by(Client.name)
    ).all()
    form.fill_choices(list(clients), assignable_people())
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _form()
    if request.method == "POST":
        saved, sr = save_form(form, lambda: service_requests.create_sr(current_user, form.values()))
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
                current_user, sr, form.values(sr), form.version.data
            ),
            record=sr,
            fresh=lambda: _form(sr, fresh=True),
        )
        if saved:
            flash(f"{sr.number} saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("sr.detail", number=sr.number))
    return render(
        "sr/detail.html", sr=sr, form=form, history=sr_history(sr), status=form_status(form)
    )
