"""Helpers for the phone view's browser tests: a server that can be stopped and started
again on the same address (same origin, so the phone keeps its cookies, service worker and
outbox), a way to cut the server off mid-sync, and the phone's outbox as the page sees it."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from flask import Flask
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from werkzeug.serving import BaseWSGIServer

from tests.e2e.conftest import PHONE, serve, sign_in

SHOTS = Path(__file__).parent.parent.parent / "instance" / "screenshots"


class CutAfterCommit:
    """WSGI middleware: once armed, the next phone write is carried out in full (committed)
    and then the connection is dropped and the server stopped, as if it died before the
    answer reached the phone."""

    def __init__(self, app: Flask, server: RestartableServer) -> None:
        self.app = app
        self.server = server
        self.armed_for: str | None = None
        self.let_through = 0
        self.cut = threading.Event()

    def arm(self, path: str, let_through: int = 0) -> None:
        """Cut the server off after carrying out the (let_through + 1)-th write to `path`."""
        self.armed_for, self.let_through = path, let_through

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not (
            self.armed_for
            and environ["REQUEST_METHOD"] == "POST"
            and path == self.armed_for
            and environ.get("HTTP_IDEMPOTENCY_KEY")
        ):
            return self.app(environ, start_response)
        if self.let_through:
            self.let_through -= 1
            return self.app(environ, start_response)
        self.armed_for = None
        chunks = list(self.app(environ, lambda *args, **kwargs: None))
        del chunks  # the change is committed; its answer never leaves
        # Stop listening first, so a browser that retries the dropped request finds no server.
        self.server.stop()
        environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        self.cut.set()
        return []


class RestartableServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.cutter = CutAfterCommit(app, self)
        self.port = 0
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = serve(self.cutter, self.port)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._server is not None


def open_phone(page: Page, base: str, email: str, password: str | None = None) -> None:
    """Sign in on a phone-sized screen and wait until the service worker controls the page
    and has kept every page the server lists for this tech."""
    page.set_viewport_size(PHONE)
    if password is None:
        sign_in(page, base, email)
    else:
        sign_in(page, base, email, password)
    page.wait_for_url(f"{base}/m/")
    # A function, not a bare expression: Playwright evaluates an expression with eval, which
    # the page's Content-Security-Policy refuses.
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
    wait_until_pages_kept(page)


def wait_until(page: Page, predicate: str, timeout: float = 30) -> None:
    """Wait until an (async) script in the page answers true. Playwright's wait_for_function
    takes the promise an async function returns as a true answer at once, and its polling
    stops with the page's clock; this asks from here, in real time."""
    deadline = time.monotonic() + timeout
    while not _answer(page, predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {predicate}")
        time.sleep(0.1)


def _answer(page: Page, predicate: str) -> bool:
    try:
        return bool(page.evaluate(predicate))
    except PlaywrightError:  # the page moved on while it was asked; ask the next one
        return False


def wait_until_sent(page: Page) -> None:
    """Wait until every tap so far is stored in the outbox and then sent: a counter reading 0
    is also true before a tap is stored."""
    wait_until(
        page,
        """async () => {
            if (!window.mspboardOutbox) return false;
            await window.mspboardOutbox.stored();
            return (await window.mspboardOutbox.items()).length === 0;
        }""",
    )


def wait_until_pages_kept(page: Page) -> None:
    wait_until(
        page,
        """async () => {
            const listed = await fetch('/m/offline-pages', {headers: {Accept: 'application/json'}})
                .then((r) => r.json()).then((body) => body.pages);
            const names = await caches.keys();
            const pages = names.find((n) => n.startsWith('mspboard-pages-'));
            if (!pages) return false;
            const cache = await caches.open(pages);
            const kept = new Set((await cache.keys()).map((r) => {
                const url = new URL(r.url);
                return url.pathname + url.search;  // a training's entry form keeps its query
            }));
            return listed.every((path) => kept.has(path));
        }""",
    )


def outbox_items(page: Page) -> list[dict]:
    return page.evaluate("() => window.mspboardOutbox.items()")


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx then copies
    # onto their replacements, and the page's Content-Security-Policy refuses that.
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False, caret="initial")
