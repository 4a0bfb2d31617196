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
    """A second browser (another person, a phone, a wall TV) on the test's clock, whose
    pages report anything the Content-Security-Policy refuses (see csp_violations)."""
    return watch_for_csp_violations(on_test_clock(browser.new_context(**options)))


# ---- the Content-Security-Policy breaks nothing ------------------------------------------

# What the pages of the current test reported the policy refused; emptied for each test.
CSP_VIOLATIONS: list[str] = []

# Runs in every page before its own scripts: each refusal the browser reports (a script,
# style, image, connection, frame or eval the policy does not allow) goes to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__mspboardCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || event.documentURI}:${event.lineNumber} ${event.sample || ""}`
  );
}, true);
"""


def watch_for_csp_violations(context: BrowserContext) -> BrowserContext:
    def reported(_source, text: str) -> None:
        CSP_VIOLATIONS.append(text)

    def console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(f"console: {message.text}")

    context.expose_binding("__mspboardCspViolation", reported)
    context.add_init_script(REPORT_VIOLATIONS)
    context.on("console", console)
    return context


@pytest.fixture(autouse=True)
def csp_violations() -> Iterator[list[str]]:
    """Fails the test if any page it opened reported a Content-Security-Policy violation: the
    policy is only strict if the app's own pages, htmx included, live within it. A test
    that provokes one on purpose clears the list itself."""
    CSP_VIOLATIONS.clear()
    yield CSP_VIOLATIONS
    found = list(CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()
    assert found == [], "the Content-Security-Policy refused:\n" + "\n".join(found)


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
    # Evaluated through the browser's debugging protocol, which the page's CSP does not
    # govern; a <script> tag with axe's source inline would be refused by it.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
