from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from mspboard import live_streams
from mspboard.auth.access import current_sign_in, restrict_blueprint, roles_required
from mspboard.board.forms import BoardFilterForm, MoveForm, TvLinkForm
from mspboard.forms import attach_violation, form_status, save_form
from mspboard.htmx import is_htmx, render
from mspboard.models import Client, Role, ServiceRequest, SRStatus, TvLink, db
from mspboard.services import service_requests, tv_links
from mspboard.services.backlog import backlog_counts
from mspboard.services.board import SR_NUMBER, assignable_people, board_columns, move_on_board
from mspboard.services.edits import EditConflict, conflict_since
from mspboard.services.errors import RuleViolation
from mspboard.services.stream_access import Viewer

bp = Blueprint("board", __name__, url_prefix="/board")
restrict_blueprint(bp, Role.TECHNICIAN, Role.SERVICE_MANAGER, Role.ADMIN)

FILTER_FIELDS = ("assignee", "client", "priority", "mine", "q")


def _filter_form(source) -> tuple[BoardFilterForm, bool]:
    form = BoardFilterForm(source)
    clients = db.session.scalars(select(Client).where(Client.active).order_by(Client.name)).all()
    form.fill_choices(assignable_people(), list(clients))
    return form, form.validate()


def _sr_link() -> str:
    return url_for("sr.detail", number=SR_NUMBER)


def _board_context(source) -> tuple[dict, bool]:
    form, valid = _filter_form(source)
    columns = board_columns(form.to_filter(current_user.id), sr_link=_sr_link())
    return {"filters": form, "columns": columns, "counts": backlog_counts()}, valid


@bp.get("")
def index():
    context, valid = _board_context(request.args)
    return render(
        "board/index.html", "board/_columns.html", status=200 if valid else 422, **context
    )


def _not_moved(sr: ServiceRequest, version: int, wanted: SRStatus):
    """A move from a card older than the SR: nothing moves; the board shows the SR where it
    is now and says who changed it since."""
    db.session.rollback()
    conflict = conflict_since(sr, version)
    message = f"{sr.number} was not moved to {wanted.label}: {conflict.message}"
    if not is_htmx():
        flash(message, "error")
        kept = {name: request.form[name] for name in FILTER_FIELDS if request.form.get(name)}
        return redirect(url_for("board.index", **kept))
    # Every column: the card shown stale may sit in any of them.
    context, _valid = _board_context(request.form)
    return render("board/_moved.html", status=409, notice=message, **context)


def _not_closed(sr: ServiceRequest, form: MoveForm):
    """A close without a resolution: nothing moves; the Move menu opens again with the
    reason next to the resolution."""
    message = f"{sr.number} was not closed: " + " ".join(form.resolution.errors)
    if is_htmx():
        return render("board/_move_resolution.html", status=422, form=form, oob=True)
    context, _valid = _board_context(request.form)
    return render(
        "board/index.html", status=422, move_form=form, move_sr=sr, notice=message, **context
    )


@bp.post("/sr/<int:sr_id>/move")
def move(sr_id: int):
    sr = db.session.get(ServiceRequest, sr_id) or abort(404)
    form = MoveForm()
    if not form.validate_on_submit():
        if form.resolution.errors:
            return _not_closed(sr, form)
        return Response("Pick a column to move the SR to.", status=422)
    moved_from = sr.status
    try:
        service_requests.change_status(
            current_user,
            sr,
            form.status.data,
            expected_version=form.version.data or 0,
            resolution=form.resolution.data or "",
        )
        db.session.commit()
    except (EditConflict, StaleDataError):
        return _not_moved(sr, form.version.data or 0, SRStatus(form.status.data))
    except RuleViolation as violation:
        db.session.rollback()
        attach_violation(form, violation)
        return _not_closed(sr, form)
    if not is_htmx():
        kept = {name: request.form[name] for name in FILTER_FIELDS if request.form.get(name)}
        return redirect(url_for("board.index", **kept))
    filters, _valid = _filter_form(request.form)
    board_filter = filters.to_filter(current_user.id)
    placed = move_on_board(sr, SRStatus(moved_from), board_filter, sr_link=_sr_link())
    return render("board/_move.html", move=placed, counts=backlog_counts())


@bp.get("/events")
def live():
    return live_streams.open_stream(Viewer.person(current_sign_in()))


@bp.route("/screens", methods=["GET", "POST"])
@roles_required(Role.SERVICE_MANAGER, Role.ADMIN)
def screens():
    form = TvLinkForm()
    saved, created = save_form(
        form, lambda: tv_links.create_link(current_user, form.name.data or "")
    )
    new_url = None
    if saved:
        # The token is shown this once; only its hash is kept.
        new_url = url_for("tv.screen", token=created.token, _external=True)
        form = TvLinkForm(formdata=None)
    return render(
        "board/screens.html",
        status=200 if saved else form_status(),
        form=form,
        screens=tv_links.list_screens(lambda link: live_streams.open_streams(Viewer.wall_tv(link))),
        new_url=new_url,
    )


@bp.post("/screens/<int:link_id>/revoke")
@roles_required(Role.SERVICE_MANAGER, Role.ADMIN)
def revoke_screen(link_id: int):
    link = db.session.get(TvLink, link_id) or abort(404)
    tv_links.revoke_link(current_user, link)
    db.session.commit()
    flash(f"{link.name} is disconnected; its screen stops updating now.", "success")
    return redirect(url_for("board.screens"))
