"""Browser tests: Debian's Chromium, driven by Playwright, against a real server per test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 360, "height": 740}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def database_backend() -> str:
    return "sqlite"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser(launch_browser) -> Iterator[Browser]:
    """A browser of its own for each test, closed with everything in it at the end (Playwright
    kills it if it does not close in time). Contexts are not closed one by one: that waits,
    with no limit, for their pages and service worker to stop, and in a shared browser a test
    once stalled for good behind a context that went away while its service worker was busy."""
    browser = launch_browser()
    yield browser
    browser.close()


def on_test_clock(context: BrowserContext) -> BrowserContext:
    """Start the browser's clock where the server's controlled clock is now; both then run
    on in real time, so the phone's moments and the server's agree as they would on a
    real phone."""
    context.clock.install(time=datetime.now(UTC))
    return context


@pytest.fixture
def context(browser: Browser) -> BrowserContext:
    return new_context(browser)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def new_context(browser: Browser, **options) -> BrowserContext:
    """A second browser (another person, a phone, a wall TV) on the test's clock."""
    return on_test_clock(browser.new_context(**options))


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def server(app: Flask):
    """A server that can be stopped and started again on the same address (same origin, so
    the phone keeps its cookies, service worker and outbox)."""
    from tests.e2e.field_helpers import RestartableServer

    server = RestartableServer(app)
    server.start()
    yield server
    server.stop()


def files_read_whole(app):
    """WSGI middleware for the in-process test server: a file in an answer (static files)
    is read whole and closed before the answer is sent. Werkzeug's server skips closing the
    answer when the browser drops the connection mid-send (a navigation cancels a script
    load), and the open file then surfaces as a ResourceWarning in whichever test runs when
    it is collected."""

    def read_whole(file, block_size: int = 8192) -> list[bytes]:
        with file:
            return [file.read()]

    def wrapped(environ, start_response):
        environ["wsgi.file_wrapper"] = read_whole
        return app(environ, start_response)

    return wrapped


def serve(app, port: int = 0) -> BaseWSGIServer:
    return make_server("127.0.0.1", port, files_read_whole(app), threaded=True)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = serve(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def serious_accessibility_violations(page) -> list[str]:
    """Run axe-core in the page; list the serious and critical violations it finds."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
