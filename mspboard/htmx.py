"""One place that decides between a whole page and the fragment htmx asked for."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """htmx asked for a piece of a page (htmx 4 says "full" when it swaps the whole body)."""
    return is_htmx() and request.headers.get("HX-Request-Type", "partial") != "full"


def render(page: str, fragment: str | None = None, status: int = 200, **context: Any) -> Response:
    template = fragment if fragment and is_partial() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def send_to(url: str) -> Response:
    """Send the browser to another page. htmx would swap a redirect's page into the fragment
    it asked for, so it gets a 401 telling it to load the page instead."""
    if is_htmx():
        response = Response(status=401)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
