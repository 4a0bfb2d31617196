"""One way in for every write from the phone: the outbox's UUID and moment, replays and
refusals, and the commit that stores the change together with its idempotency key.

A view decorated with `phone_write` reads the phone's moment from `write_moment()`, calls
its service and returns `Done(message, next_url)`, or a refusal response of its own (a form
with errors). It never commits: the decorator stores the key and commits both at once.

Before the view runs, the decorator refuses a change that is not the signed-in user's (the
phone names its maker in `X-Made-By`), and a moment outside what a phone can honestly
have kept: older than PHONE_CHANGE_MAX_AGE_DAYS, or more than CLOCK_SKEW ahead. The moment
says when the change happened; rules about "today" use the server's clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, flash, g, redirect, render_template, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from mspboard.config import PHONE_CHANGE_MAX_AGE_LIMIT_DAYS
from mspboard.models import IdempotencyKey, db, utcnow
from mspboard.services import idempotency
from mspboard.services.errors import RuleViolation

KEY_HEADER = "Idempotency-Key"
MOMENT_HEADER = "X-Client-At"
MAKER_HEADER = "X-Made-By"
REPLAY_HEADER = "Idempotent-Replay"
# How far ahead of the server a phone's clock may run before its moment is refused.
CLOCK_SKEW = timedelta(minutes=2)
INVALID = 422
# A change the database refuses twice, against whatever got there first: sending it again
# cannot help, so the phone keeps it for the tech to edit or discard.
UNSAVEABLE = (
    "This change cannot be saved as it is: it conflicts with what is already stored. "
    "Edit it or discard it."
)


@dataclass
class Done:
    message: str
    next_url: str
    status: int = 200
    # Saved, but not all of it: the phone shows the message until the tech has read it.
    warning: bool = False


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def write_key() -> str:
    return g.write_key


def write_moment() -> datetime:
    return g.write_moment


def _parse_moment(raw: str | None) -> datetime | None:
    """An ISO 8601 time with an offset (the phone's toISOString())."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        # Far-off years make arithmetic overflow later; this is where they stop.
        moment.astimezone(UTC) - timedelta(days=PHONE_CHANGE_MAX_AGE_LIMIT_DAYS)
    except (ValueError, OverflowError):
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _moment_refused(moment: datetime, now: datetime) -> Response | None:
    max_age = timedelta(days=current_app.config["PHONE_CHANGE_MAX_AGE_DAYS"])
    if moment < now - max_age:
        days = max_age.days
        return refusal(
            f"This change is older than {days} day{'' if days == 1 else 's'}; "
            "enter it by hand and tell your manager.",
            reason="too_old",
        )
    if moment > now + CLOCK_SKEW:
        return refusal(
            "The phone's clock is ahead of the server's; set it to the right time and send again.",
            reason="clock_ahead",
        )
    return None


def _maker_refused() -> Response | None:
    """The phone keeps each change under the person who made it; it is only ever stored
    under that person, never under whoever happens to be signed in when it arrives."""
    maker = (request.headers.get(MAKER_HEADER) or "").strip()
    if not maker or maker == str(current_user.id):
        return None
    return refusal(
        f"This change was made by someone else on this phone; it was not saved under "
        f"{current_user.name}. It waits for them to sign in.",
        status=409,
        reason="other_user",
    )


def refusal(message: str, status: int = INVALID, field: str | None = None, **extra: Any):
    """Say no: JSON for the outbox, a page for a browser without it."""
    if wants_json():
        body = {"ok": False, "message": message, "field": field, **extra}
        return Response(json.dumps(body), status, mimetype="application/json")
    page = render_template("field/refused.html", message=message)
    return Response(page, status, mimetype="text/html")


def _answer(stored_status: int, stored_body: str, replayed: bool) -> Response:
    result = json.loads(stored_body)
    if wants_json():
        response = Response(stored_body, stored_status, mimetype="application/json")
    else:
        flash(result["message"] if not replayed else "That was already saved.", "success")
        response = redirect(result["next"], 303)
    if replayed:
        response.headers[REPLAY_HEADER] = "true"
    return response


def _replay_or_conflict(key: str, fingerprint: str) -> Response | None:
    try:
        stored = idempotency.find(key, current_user, fingerprint)
    except idempotency.KeyConflict:
        return refusal(
            "This change was already sent with different details; it was not saved again. "
            "Discard it, or edit it to send it as a new change.",
            status=409,
        )
    if stored is None:
        return None
    return _answer(stored.response_status, stored.response_body, replayed=True)


def _already_saved(key: str, fingerprint: str) -> Response | None:
    """A refusal may only be the same change, sent twice at once (two tabs, a retry), meeting
    itself: the copy that got there first is stored by now, so its answer is the answer."""
    return _replay_or_conflict(key, fingerprint)


def _run(view: Callable[..., Any], args: Any, kwargs: Any, key: str, fingerprint: str) -> Any:
    """Run the view once: store its change with the key and commit, or say why not."""
    try:
        outcome = view(*args, **kwargs)
    except RuleViolation as violation:
        db.session.rollback()
        return _already_saved(key, fingerprint) or refusal(violation.message, field=violation.field)
    if not isinstance(outcome, Done):
        db.session.rollback()
        return _already_saved(key, fingerprint) or outcome
    body = json.dumps(
        {
            "ok": True,
            "message": outcome.message,
            "next": outcome.next_url,
            "warning": outcome.warning,
        }
    )
    idempotency.remember(key, current_user, fingerprint, outcome.status, body)
    db.session.commit()
    return _answer(outcome.status, body, replayed=False)


def phone_write(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        maker_refused = _maker_refused()
        if maker_refused is not None:
            return maker_refused
        fingerprint = idempotency.fingerprint(request.form.items(multi=True))
        key = (request.headers.get(KEY_HEADER) or request.form.get("uuid") or "").strip()
        try:
            key = str(uuid.UUID(key))
        except ValueError:
            return refusal("This change carries no valid id; reload the page and try again.", 400)
        now = utcnow()
        raw_moment = request.headers.get(MOMENT_HEADER) or request.form.get("at")
        moment = _parse_moment(raw_moment)
        if raw_moment and moment is None:
            return refusal("The time this change was made is unreadable.", 400)
        moment = moment or now
        moment_refused = _moment_refused(moment, now)
        if moment_refused is not None:
            return moment_refused
        replay = _replay_or_conflict(key, fingerprint)
        if replay is not None:
            return replay
        g.write_key, g.write_moment = key, moment
        for attempt in (1, 2):
            try:
                return _run(view, args, kwargs, key, fingerprint)
            except (IntegrityError, StaleDataError):
                # The same change arriving twice at once: the first one stored it. Or another
                # change (a desk edit of the same record) got there first: running this one
                # again meets it as a rule would.
                db.session.rollback()
                replay = _replay_or_conflict(key, fingerprint)
                if replay is not None:
                    return replay
                if attempt == 2:
                    return refusal(UNSAVEABLE)
        raise AssertionError("unreachable")

    return wrapped


def stored_result(key: str) -> IdempotencyKey | None:
    return db.session.get(IdempotencyKey, key)
