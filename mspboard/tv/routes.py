"""The wall-TV board: no sign-in, read-only, reachable only through an unrevoked link."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.wrappers import Response

from mspboard import events, live_streams
from mspboard.htmx import is_htmx, render
from mspboard.models import db, utcnow
from mspboard.services import throttling, tv_links
from mspboard.services.stream_access import Viewer
from mspboard.services.wall_board import wall_columns, wall_techs

bp = Blueprint("tv", __name__, url_prefix="/tv")


def _not_connected() -> Response:
    """A token that matches no active link; guessing more than a few a minute is refused."""
    lock = throttling.record_token_miss(request.remote_addr or "")
    if lock is None:
        response = current_app.make_response((render_template("tv/not_connected.html"), 404))
    else:
        response = lock.refuse(render_template("tv/not_connected.html", wait=lock.in_words()))
    if is_htmx():
        response.headers["HX-Refresh"] = "true"  # the whole page then shows "not connected"
    return response


@bp.get("/<token>")
def screen(token: str):
    link = tv_links.active_link(token)
    if link is None:
        return _not_connected()
    tv_links.touch(link)
    db.session.commit()
    now = utcnow()
    return render(
        "tv/screen.html",
        "tv/_wall.html",
        token=token,
        now=now,
        columns=wall_columns(now),
        techs=wall_techs(now),
    )


# One part of the wall, fetched again when what it shows changed.
PARTS = {"columns": ("tv/_columns.html", wall_columns), "techs": ("tv/_techs.html", wall_techs)}


@bp.get("/<token>/<any(columns, techs):part>")
def part(token: str, part: str):
    link = tv_links.active_link(token)
    if link is None:
        return _not_connected()
    tv_links.touch(link)
    db.session.commit()
    template, view = PARTS[part]
    return render(template, template, token=token, **{part: view()})


@bp.get("/<token>/events")
def live(token: str):
    link = tv_links.active_link(token)
    if link is None:
        return _not_connected()
    return live_streams.open_stream(Viewer.wall_tv(link), recheck_on=[events.TV_LINKS])
