"""The wall TV recovers from a server restart by itself: a real server process is killed
and started again while the TV page stays open."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from mspboard.models import ServiceRequest, db
from mspboard.services import tv_links
from mspboard.services.service_requests import change_status
from tests.e2e.conftest import new_context
from tests.e2e.serve_at import free_port, server_clock
from tests.factories import make_client, make_sr

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    def __init__(self, database_url: str, zone: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "MSPBOARD_DATABASE_URL": database_url,
            "MSPBOARD_SECRET_KEY": "tv-reconnect-test",
            "MSPBOARD_TIMEZONE": zone,
        }
        self.env.pop("MSPBOARD_REDIS_URL", None)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            # The server process starts on the test's clock, where the test process is now.
            [
                sys.executable,
                "-m",
                "tests.e2e.serve_at",
                server_clock(),
                str(self.port),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def server_process(database_url: str, shop_zone_name: str) -> Iterator[ServerProcess]:
    server = ServerProcess(database_url, shop_zone_name)
    yield server
    server.kill()


def test_tv_reconnects_by_itself_after_a_server_restart(
    app, browser: Browser, server_process: ServerProcess
):
    with app.app_context():
        sr = make_sr(make_client(), "Migrate old NAS to new hardware")
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
        sr_id = sr.id
    server_process.start()
    tv = new_context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    tv.goto(f"{server_process.url}/tv/{token}")
    expect(tv.locator(".tv-column:has(#tv-col-new)")).to_contain_text("Migrate old NAS")
    mark = tv.locator("#tv-reconnecting")
    expect(tv.locator("#tv-live")).to_have_attribute("data-live", "connected")
    expect(mark).to_be_hidden()

    server_process.kill()
    expect(mark).to_be_visible(timeout=5000)
    with app.app_context():  # changed while the screen could not hear about it
        change_status(None, db.session.get(ServiceRequest, sr_id), "waiting")
        db.session.commit()

    server_process.start()
    expect(mark).to_be_hidden(timeout=10000)
    waiting = tv.locator(".tv-column:has(#tv-col-waiting)")
    expect(waiting).to_contain_text("Migrate old NAS", timeout=5000)


def test_tv_connects_by_itself_when_its_first_live_connection_gets_no_answer(
    app, browser: Browser, live_server: str
):
    """The server went away between sending the page and its live stream (a restart while
    the TV boots): the TV says it is reconnecting, keeps trying, and catches up."""
    with app.app_context():
        sr = make_sr(make_client(), "Replace core switch")
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
        sr_id = sr.id
    tv = new_context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    stream = f"{live_server}/tv/{token}/events"
    tv.route(stream, lambda route: route.abort("connectionrefused"))
    tv.goto(f"{live_server}/tv/{token}")
    expect(tv.locator("#tv-reconnecting")).to_be_visible()
    with app.app_context():  # changed while the screen could not hear about it
        change_status(None, db.session.get(ServiceRequest, sr_id), "waiting")
        db.session.commit()

    tv.unroute(stream)
    expect(tv.locator("#tv-live")).to_have_attribute("data-live", "connected", timeout=10000)
    expect(tv.locator("#tv-reconnecting")).to_be_hidden()
    waiting = tv.locator(".tv-column:has(#tv-col-waiting)")
    expect(waiting).to_contain_text("Replace core switch", timeout=5000)
