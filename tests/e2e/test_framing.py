"""A page on another origin cannot show mspboard inside a frame (clickjacking): the board
for a signed-in manager, and the wall-TV view, which a TV opens itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from werkzeug.serving import make_server

from mspboard.models import db
from mspboard.services import tv_links
from tests.e2e.conftest import sign_in


@pytest.fixture
def other_origin() -> Iterator[dict[str, str]]:
    """A server on another port (another origin on the same site) whose page frames
    whatever path `pages[name]` holds."""
    pages: dict[str, str] = {}

    def framer(environ, start_response):
        target = pages.get(environ["PATH_INFO"].strip("/"), "about:blank")
        body = f'<!doctype html><title>Not mspboard</title><iframe src="{target}"></iframe>'
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    server = make_server("127.0.0.1", 0, framer, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pages["_base"] = f"http://127.0.0.1:{server.server_port}"
    yield pages
    server.shutdown()
    thread.join(timeout=5)


def framed(page: Page, other_origin: dict[str, str], name: str, url: str, csp_violations):
    """Open the other origin's page that frames `url`; the frame's text once it settled,
    and the refusal the browser reported."""
    other_origin[name] = url
    page.goto(f"{other_origin['_base']}/{name}")
    page.wait_for_load_state("load")
    inner = page.frames[1]
    refused = list(csp_violations)
    # The refusal is what this test wants to see: it is not a failure of the page itself.
    csp_violations.clear()
    return inner, refused


def test_the_board_cannot_be_framed_by_another_origin(
    page: Page, live_server, people, other_origin, csp_violations
):
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/board")
    assert page.locator("#board-columns").count() == 1  # signed in: the board shows itself
    inner, refused = framed(page, other_origin, "board", f"{live_server}/board", csp_violations)
    assert inner.url != f"{live_server}/board" or inner.locator("#board-columns").count() == 0
    assert "board-columns" not in inner.content()
    assert any("frame-ancestors" in line for line in refused), refused


def test_the_wall_tv_cannot_be_framed_either(
    page: Page, app, live_server, other_origin, csp_violations
):
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    url = f"{live_server}/tv/{token}"
    inner, refused = framed(page, other_origin, "tv", url, csp_violations)
    assert "tv-wall" not in inner.content()
    assert any("frame-ancestors" in line for line in refused), refused
