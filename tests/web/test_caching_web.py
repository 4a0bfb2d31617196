"""What travels and how often: compressed answers from the app's own server, static files
under versioned addresses kept for a year, pages answered 304 when unchanged, and the
phone's queue a page at a time."""

from __future__ import annotations

import gzip
import http.client
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import brotli
import pytest
from flask import Flask
from werkzeug.serving import make_server

from mspboard import caching
from mspboard.field import pwa
from mspboard.models import User, db, utcnow
from mspboard.services import tv_links
from mspboard.services.field_day import QUEUE_PAGE_SIZE
from tests.factories import make_client, make_sr

STATIC_URL = re.compile(r"""["'](/static/[^"'?]+)(\?v=([0-9a-f]+))?["']""")


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The SRs' ages and the pages' "now" come from one still moment, at any --at."""


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, int]]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.server_port
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def fetch(address: tuple[str, int], path: str, **headers: str):
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def static_url(app: Flask, filename: str) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for("static", filename=filename)


def _tech(app: Flask) -> User:
    return db.session.scalar(db.select(User).where(User.email == "tech@example.test"))


def give_tech_srs(app: Flask, how_many: int) -> list[int]:
    with app.app_context():
        tech = _tech(app)
        ids = [
            make_sr(
                assignee=tech,
                title=f"Queue SR {n:03d}",
                created_at=utcnow() - timedelta(hours=how_many - n),
            ).id
            for n in range(how_many)
        ]
        db.session.commit()
        return ids


# ---- compression ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_css_and_js_come_compressed_from_the_apps_own_server(
    app: Flask, server, people, encoding: str
):
    unpack = brotli.decompress if encoding == "br" else gzip.decompress
    for path in (
        "/login",
        static_url(app, "css/app.css"),
        static_url(app, "vendor/htmx-4.0.1/htmx.min.js"),
    ):
        status, headers, body = fetch(server, path, **{"Accept-Encoding": f"{encoding}"})
        assert status == 200, path
        assert headers["content-encoding"] == encoding, path
        assert "accept-encoding" in headers["vary"].lower(), path
        assert int(headers["content-length"]) == len(body)
        assert len(unpack(body)) > len(body), path


def test_a_browser_that_asks_for_nothing_gets_plain_answers(app: Flask, server, people):
    for path in ("/login", static_url(app, "css/app.css")):
        status, headers, body = fetch(server, path, **{"Accept-Encoding": "identity"})
        assert status == 200 and "content-encoding" not in headers
        assert b"<html" in body or b"{" in body


def test_an_event_stream_is_never_compressed_nor_tagged(app: Flask, client):
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    response = client.get(
        f"/tv/{token}/events", headers={"Accept-Encoding": "br, gzip"}, buffered=False
    )
    assert response.mimetype == "text/event-stream"
    assert "Content-Encoding" not in response.headers and "ETag" not in response.headers
    assert "connected" in next(iter(response.response)).decode()
    response.close()


# ---- versioned static addresses -------------------------------------------------------------


def test_every_static_address_a_page_uses_carries_the_files_hash(app: Flask, login_as):
    client = login_as("technician")
    seen = set()
    for path in ("/m/", "/m/queue", "/board", "/sw.js", "/manifest.webmanifest"):
        body = client.get(path).get_data(as_text=True)
        for filename, _query, version in STATIC_URL.findall(body):
            name = filename.removeprefix("/static/")
            with app.app_context():
                assert version == caching.static_version(name), f"{path}: {filename}"
            seen.add(name)
    assert {"css/app.css", "css/field.css", "js/outbox.js", "icons/icon-192.png"} <= seen


def test_a_versioned_static_file_is_kept_a_year_and_any_other_address_is_asked_again(
    app: Flask, client
):
    versioned = static_url(app, "js/outbox.js")
    assert "?v=" in versioned
    response = client.get(versioned)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for other in ("/static/js/outbox.js", "/static/js/outbox.js?v=0123456789ab"):
        response = client.get(other)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        again = client.get(other, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_the_service_worker_precaches_the_versioned_addresses_and_names_its_cache_by_them(
    app: Flask, client, monkeypatch
):
    body = client.get("/sw.js").get_data(as_text=True)
    for name in pwa.PRECACHED:
        assert static_url(app, name) in body
    with app.app_context():
        before = pwa.cache_version()
        app.extensions.pop("mspboard_sw_version", None)
        monkeypatch.setattr(pwa, "PRECACHED", [*pwa.PRECACHED, "css/tv.css"])
        assert pwa.cache_version() != before


# ---- conditional GETs -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["br", "identity"])
def test_an_unchanged_page_is_answered_304_and_a_changed_one_in_full(
    app: Flask, login_as, stopped, encoding: str
):
    give_tech_srs(app, 2)
    client = login_as("service_manager")
    first = client.get("/board", headers={"Accept-Encoding": encoding})
    tag = first.headers["ETag"]
    assert first.status_code == 200 and not tag.startswith("W/")
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/board", headers={"Accept-Encoding": encoding, "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""

    give_tech_srs(app, 1)
    changed = client.get("/board", headers={"Accept-Encoding": encoding, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_a_fragment_is_tagged_apart_from_its_page_and_still_varies_on_hx_request(
    app: Flask, login_as, stopped
):
    give_tech_srs(app, QUEUE_PAGE_SIZE + 1)
    client = login_as("technician")
    page = client.get("/m/queue?page=2")
    fragment = client.get("/m/queue?page=2", headers={"HX-Request": "true"})
    vary = fragment.headers["Vary"]
    assert "HX-Request" in vary and "Accept-Encoding" in vary
    assert fragment.headers["ETag"] != page.headers["ETag"]
    again = client.get(
        "/m/queue?page=2",
        headers={"HX-Request": "true", "If-None-Match": fragment.headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_board_and_the_tv_answer_an_unchanged_refetch_with_304(
    app: Flask, login_as, client, stopped
):
    with app.app_context():
        make_sr(make_client("Oakridge"), "Firewall firmware", priority=1)
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    tv = app.test_client()
    for who, path in ((login_as("service_manager"), "/board"), (tv, f"/tv/{token}")):
        for headers in ({}, {"HX-Request": "true"}):
            first = who.get(path, headers=headers)
            assert first.status_code == 200, path
            tagged = {**headers, "If-None-Match": first.headers["ETag"]}
            assert who.get(path, headers=tagged).status_code == 304, (path, headers)


def test_the_csrf_token_a_page_carries_holds_still_for_a_few_minutes(app: Flask, login_as, stopped):
    client = login_as("technician")
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    first = token.findall(client.get("/m/").get_data(as_text=True))
    stopped.shift(timedelta(seconds=2))
    second = token.findall(client.get("/m/").get_data(as_text=True))
    assert first and set(first) == set(second) and len(set(first)) == 1


def test_a_steady_csrf_token_is_accepted_like_any_other(app: Flask, login_as):
    client = login_as("technician")
    app.config["WTF_CSRF_ENABLED"] = True
    body = client.get("/m/agenda").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    refused = client.post("/account/password", data={"csrf_token": "nope"})
    accepted = client.post("/account/password", data={"csrf_token": token})
    assert refused.status_code == 400 and accepted.status_code != 400


# ---- the phone's queue, a page at a time -----------------------------------------------------


def test_a_queue_of_exactly_one_page_has_no_more_link(app: Flask, login_as):
    give_tech_srs(app, QUEUE_PAGE_SIZE)
    body = login_as("technician").get("/m/queue").get_data(as_text=True)
    assert body.count('class="card priority-') == QUEUE_PAGE_SIZE
    assert "More (" not in body


def test_one_sr_past_a_page_is_behind_more_in_full_and_as_a_fragment(app: Flask, login_as):
    ids = give_tech_srs(app, QUEUE_PAGE_SIZE + 1)
    client = login_as("technician")
    body = client.get("/m/queue").get_data(as_text=True)
    assert body.count('class="card priority-') == QUEUE_PAGE_SIZE
    assert "More (1 left)" in body and 'href="/m/queue?page=2"' in body
    assert f"/m/sr/{ids[-1]}" not in body  # the newest is last in work order

    second = client.get("/m/queue?page=2").get_data(as_text=True)
    assert second.count('class="card priority-') == 1 and f"/m/sr/{ids[-1]}" in second
    assert f'start="{QUEUE_PAGE_SIZE + 1}"' in second and "More (" not in second

    fragment = client.get("/m/queue?page=2", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and text.count('class="card priority-') == 1


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "99999999999999999999", "3"])
def test_any_page_number_is_answered_without_error(app: Flask, login_as, raw: str):
    give_tech_srs(app, 3)
    response = login_as("technician").get(f"/m/queue?page={raw}")
    assert response.status_code == 200


def test_the_phone_keeps_only_the_first_page_of_a_long_queue(app: Flask, login_as):
    ids = give_tech_srs(app, QUEUE_PAGE_SIZE + 5)
    pages = login_as("technician").get("/m/offline-pages").get_json()["pages"]
    kept = {int(p.rsplit("/", 1)[1]) for p in pages if p.startswith("/m/sr/")}
    assert kept == set(ids[:QUEUE_PAGE_SIZE])
