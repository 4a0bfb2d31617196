"""Calendar feeds: GET /calendar/<token>.ics needs no sign-in (the token is the key); turning
a feed on, replacing its link and turning it off need the signed-in owner; a manager or
admin may revoke anyone's feed."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, request, session, url_for
from flask_login import current_user

from mspboard.auth.access import roles_required
from mspboard.calendar.forms import FeedSwitchForm
from mspboard.htmx import render
from mspboard.models import CalendarFeed, Role, User, db
from mspboard.services import calendar_feeds, throttling

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

EVERYONE = (Role.TECHNICIAN, Role.SERVICE_MANAGER, Role.ADMIN)
# The new URL travels to the page after the redirect, where it is shown once and dropped.
NEW_TOKEN_KEY = "calendar_feed_new_token"


@dataclass
class FeedPanel:
    feed: CalendarFeed | None
    new_url: str | None
    webcal_url: str | None
    team: bool


def feed_url(token: str) -> str:
    return url_for("calendar.feed", token=token, _external=True)


@bp.app_template_global("calendar_feed_panel")
def calendar_feed_panel() -> FeedPanel:
    """What the feed panel shows the signed-in user: their feed, and its URL once, right
    after it was made."""
    feed = calendar_feeds.active_feed_of(current_user)
    token = session.pop(NEW_TOKEN_KEY, None)
    new_url = feed_url(token) if token and feed and calendar_feeds.matches(feed, token) else None
    webcal_url = "webcal://" + new_url.split("://", 1)[1] if new_url else None
    return FeedPanel(
        feed=feed,
        new_url=new_url,
        webcal_url=webcal_url,
        team=calendar_feeds.scope_for(current_user) == calendar_feeds.TEAM,
    )


def _back() -> Response:
    if current_user.is_manager:
        return redirect(url_for("calendar.team"))
    return redirect(url_for("field.week", _anchor="calendar-feed"))


@bp.get("/<token>.ics")
def feed(token: str) -> Response:
    found = calendar_feeds.active_feed(token)
    if found is None:
        lock = throttling.record_token_miss(request.remote_addr or "")
        if lock is not None:
            return lock.refuse(
                "Too many tries with feed addresses that do not work; try again in "
                f"{lock.in_words()}.\n",
                mimetype="text/plain",
            )
        return Response("No calendar feed at this address.\n", 404, mimetype="text/plain")
    body = calendar_feeds.feed_ics(found)
    calendar_feeds.touch(found)
    db.session.commit()
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="schedule.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    response.add_etag()
    return response.make_conditional(request)


@bp.post("/feeds")
@roles_required(*EVERYONE)
def turn_on() -> Response:
    if not FeedSwitchForm().validate_on_submit():
        abort(400)
    created = calendar_feeds.turn_on(current_user)
    db.session.commit()
    session[NEW_TOKEN_KEY] = created.token
    return _back()


@bp.post("/feeds/off")
@roles_required(*EVERYONE)
def turn_off() -> Response:
    if not FeedSwitchForm().validate_on_submit():
        abort(400)
    if calendar_feeds.turn_off(current_user):
        db.session.commit()
        flash("Your calendar feed is off; its link no longer works.", "success")
    return _back()


@bp.post("/feeds/<int:user_id>/revoke")
@roles_required(Role.SERVICE_MANAGER, Role.ADMIN)
def revoke_feed(user_id: int) -> Response:
    """A manager or admin stops someone's feed (a lost phone, a person leaving); the owner
    can turn a new one on."""
    owner = db.session.get(User, user_id) or abort(404)
    if calendar_feeds.revoke_all_of(current_user, owner, "revoked by a manager"):
        db.session.commit()
        flash(f"{owner.name}'s calendar feed is revoked; its link no longer works.", "success")
    else:
        flash(f"{owner.name} has no calendar feed on.", "info")
    if request.form.get("back") == "user" and current_user.is_admin:
        return redirect(url_for("admin.user_edit", user_id=owner.id))
    return redirect(url_for("calendar.team", _anchor="feeds-in-use"))


@bp.get("/team")
@roles_required(Role.SERVICE_MANAGER, Role.ADMIN)
def team() -> Response:
    return render("calendar/team.html", feeds_in_use=calendar_feeds.active_feeds())
