from __future__ import annotations

import json

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from mspboard.models import db

MESSAGES = {
    400: ("Something in that request was wrong", "Go back and try again."),
    403: (
        "You do not have access to this page",
        "Your account's role does not include it. Ask an admin if you need it.",
    ),
    404: ("Page not found", "The link may be old, or the item was removed."),
    405: ("That did not work", "This page does not accept that kind of request."),
    409: (
        "Someone else changed this at the same moment",
        "Nothing of yours was saved. Reload the page to see their change, then try again.",
    ),
    413: (
        "That was too much to send at once",
        "Forms here are small; shorten the text, or send any file another way.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this. Try again in a moment; "
        "if it keeps happening, tell your admin.",
    ),
}


def _page(status: int, title: str, detail: str) -> tuple[str, int] | Response:
    """The error page, or for the phone's outbox (which asks for JSON) the same words in
    JSON, so the tech reads the reason instead of a status number."""
    if request.accept_mimetypes.best == "application/json":
        body = {"ok": False, "message": f"{title}. {detail}", "status": status}
        return Response(json.dumps(body), status, mimetype="application/json")
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def _forget_the_request() -> None:
    """Whatever half-done change led to an error is not kept, and the error page can still
    query: on PostgreSQL a failed statement leaves the transaction aborted until a rollback."""
    db.session.rollback()


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int] | Response:
        _forget_the_request()
        return _page(
            400,
            "This form has expired",
            "For your security, forms stop working after a while. "
            "Reload the page and send it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response | HTTPException:
        _forget_the_request()
        status = error.code or 500
        if status not in MESSAGES:
            return error
        title, detail = MESSAGES[status]
        return _page(status, title, detail)

    @app.errorhandler(StaleDataError)
    def raced(_error: StaleDataError) -> tuple[str, int] | Response:
        """Two saves of one row at once that no form answered itself: the second one lost
        the version check, so it is refused rather than written over the first."""
        _forget_the_request()
        return _page(409, *MESSAGES[409])

    @app.errorhandler(InternalServerError)
    def server_error(_error: InternalServerError) -> tuple[str, int] | Response:
        """Also every exception no view handled (Flask wraps it in InternalServerError)."""
        _forget_the_request()
        return _page(500, *MESSAGES[500])
