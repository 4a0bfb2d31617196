"""The production process model, run as it is deployed: the pages process and the streams
process (gunicorn with mspboard.serving.pages and .streams) on the test's database, sharing
live updates through Redis, with CSRF on.

- A card moved through the pages process reaches a stream open on the streams process.
- The pages process refuses a stream path at once (503, Retry-After), signed in or not.
- SIGTERM to the streams process ends its open streams and the process, within a generous
  bound (a hang fails; speed is for bench/).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from mspboard.models import db
from tests.conftest import REDIS_URL
from tests.e2e.serve_at import free_port, server_clock
from tests.factories import PASSWORD, make_sr

pytestmark = [pytest.mark.redis, pytest.mark.instant_free]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "serving-secret-key"
# Bounds that turn a hang into a failure; none of them is a speed requirement.
START_SECONDS = 60
READ_SECONDS = 30
EXIT_SECONDS = 30


class Process:
    """One gunicorn process of the app, on the test's clock (tests/e2e/serve_at.py)."""

    def __init__(self, config: str, database_url: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "MSPBOARD_DATABASE_URL": database_url,
            "MSPBOARD_SECRET_KEY": SECRET,
            "MSPBOARD_REDIS_URL": REDIS_URL,
            "MSPBOARD_PAGES_WORKERS": "1",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.e2e.serve_at",
                server_clock(),
                str(self.port),
                "gunicorn",
                "-c",
                f"python:{config}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server process stopped"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"nothing listens on port {self.port}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=EXIT_SECONDS)


class Browser:
    """Cookies and a form post, as a browser would send them to the proxy's two upstreams."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}

    def keep_cookies(self, answer: http.client.HTTPResponse) -> None:
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value

    def request(
        self, port: int, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=READ_SECONDS)
        try:
            headers = self.headers()
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            self.keep_cookies(answer)
            text = answer.read().decode()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, text
        finally:
            connection.close()

    def csrf_token(self, port: int, path: str) -> str:
        status, _headers, page = self.request(port, "GET", path)
        assert status == 200
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, port: int, email: str) -> None:
        token = self.csrf_token(port, "/login")
        form = {"email": email, "password": PASSWORD, "csrf_token": token}
        status, _headers, _page = self.request(port, "POST", "/login", form)
        assert status == 302


class Stream:
    def __init__(self, browser: Browser, port: int, path: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=READ_SECONDS)
        self.connection.request("GET", path, headers=browser.headers())
        self.answer = self.connection.getresponse()

    def read(self) -> bytes:
        return self.answer.read1(4096)

    def until(self, wanted: bytes) -> re.Match[bytes]:
        """Reads until `wanted` (a pattern) has been sent."""
        heard = b""
        while (found := re.search(wanted, heard)) is None:
            chunk = self.read()
            assert chunk, f"the stream ended before {wanted!r}; it sent {heard!r}"
            heard += chunk
        return found

    def close(self) -> None:
        self.answer.close()
        self.connection.close()


@pytest.fixture
def processes(database_url: str) -> Iterator[tuple[Process, Process]]:
    pages = Process("mspboard.serving.pages", database_url)
    streams = Process("mspboard.serving.streams", database_url)
    try:
        pages.wait_until_serving()
        streams.wait_until_serving()
        yield pages, streams
    finally:
        pages.stop()
        streams.stop()


def test_pages_and_streams_processes_share_changes_refuse_misrouted_streams_and_stop(
    app, people, processes
) -> None:
    with app.app_context():
        sr = make_sr(title="Router down")
        db.session.commit()
        sr_id, version = sr.id, sr.version
    pages, streams = processes
    browser = Browser()
    browser.sign_in(pages.port, people["service_manager"])

    # The pages process refuses a stream at once, signed in or not: no stream, no worker held.
    for who in (browser, Browser()):
        status, headers, _text = who.request(pages.port, "GET", "/board/events")
        assert status == 503
        assert headers["retry-after"] == "15"
        assert headers["content-type"].startswith("text/plain")

    stream = Stream(browser, streams.port, "/board/events")
    try:
        assert stream.answer.status == 200
        assert stream.answer.getheader("Content-Type", "").startswith("text/event-stream")
        stream.until(b": connected")

        token = browser.csrf_token(pages.port, "/board")
        form = {"status": "in_progress", "version": str(version), "csrf_token": token}
        status, _headers, _text = browser.request(
            pages.port, "POST", f"/board/sr/{sr_id}/move", form
        )
        assert status in (200, 302)
        refresh = stream.until(rb"event: refresh\ndata: ([^\n]*)\n\n")
        assert b"board" in refresh.group(1).split()

        # SIGTERM: the open stream ends (the body closes) and the process exits.
        streams.process.send_signal(signal.SIGTERM)
        while stream.read():
            pass
        assert streams.process.wait(timeout=EXIT_SECONDS) == 0
    finally:
        stream.close()
