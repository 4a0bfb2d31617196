"""The offline bundle: every page the phone keeps for offline reading, in one answer, each page
as the same tech would have fetched it, and only that tech's."""

from __future__ import annotations

import hashlib
import re

import brotli
from flask import Flask

from mspboard.models import User, db
from tests.factories import make_client, make_sr, make_user

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def give_srs(app: Flask, email: str, titles: list[str]) -> list[int]:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == email))
        client = make_client(name=f"Client of {email}")
        ids = [make_sr(client=client, assignee=tech, title=title).id for title in titles]
        db.session.commit()
        return ids


def test_the_bundle_holds_every_listed_page_as_the_tech_would_fetch_it(app, login_as, people):
    give_srs(app, people["technician"], ["Printer jams", "VPN drops", "New laptop"])
    client = login_as("technician")
    listed = client.get("/m/offline-pages").get_json()["pages"]
    bundle = client.get("/m/offline-bundle")
    assert bundle.status_code == 200 and bundle.mimetype == "application/json"
    pages = bundle.get_json()["pages"]
    assert [page["url"] for page in pages] == listed
    for page in pages:
        fetched = client.get(page["url"])
        # Each render of a form carries a fresh outbox key; everything else is the same page.
        assert UUID.sub("", page["body"]) == UUID.sub("", fetched.get_data(as_text=True))
        # Its tag, left out, is the page's usual one (the worker works it out from the body).
        assert "etag" not in page
        assert fetched.headers["ETag"] == f'"{hashlib.sha1(fetched.get_data()).hexdigest()}"'


def test_a_techs_bundle_holds_their_own_srs_and_no_one_elses(app, login_as, people):
    with app.app_context():
        make_user(role="technician", email="other@example.test")
        db.session.commit()
    mine = give_srs(app, people["technician"], ["Mine: printer jams", "Mine: VPN drops"])
    theirs = give_srs(app, "other@example.test", ["Theirs: server room alarm"])
    pages = login_as("technician").get("/m/offline-bundle").get_json()["pages"]
    kept = {int(p["url"].rsplit("/", 1)[1]) for p in pages if p["url"].startswith("/m/sr/")}
    assert kept == set(mine)
    assert not any(f"/m/sr/{theirs[0]}" in p["body"] for p in pages)
    assert not any("Theirs:" in p["body"] for p in pages)


def test_the_bundle_is_for_a_signed_in_tech_only(app, client, login_as):
    anonymous = client.get("/m/offline-bundle", headers={"Accept": "application/json"})
    assert anonymous.status_code in (302, 401)
    assert login_as("service_manager").get("/m/offline-bundle").status_code == 403


def test_the_bundle_travels_compressed(app, login_as, people):
    give_srs(app, people["technician"], [f"Workstation {n} will not print" for n in range(10)])
    bundle = login_as("technician").get("/m/offline-bundle", headers={"Accept-Encoding": "br"})
    assert bundle.headers["Content-Encoding"] == "br"
    plain = brotli.decompress(bundle.get_data())
    assert len(bundle.get_data()) * 10 < len(plain)
    assert "Accept-Encoding" in bundle.headers["Vary"]


def test_the_service_worker_script_is_answered_304_when_unchanged(client):
    first = client.get("/sw.js")
    again = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200 and again.status_code == 304


def test_the_worker_carries_the_page_it_shows_for_a_page_never_kept(client):
    body = client.get("/sw.js").get_data(as_text=True)
    assert "Not available offline" in body and '"offlinePage": "/offline"' in body


def test_the_icon_browsers_ask_for_unbidden_is_the_apps_icon_kept_for_a_week(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.get_data().startswith(b"\x89PNG")
    assert response.headers["Cache-Control"] == "public, max-age=604800"


def test_every_page_names_the_icon(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/icons/icon.svg' in page


def test_a_page_that_fails_is_left_out_and_the_others_are_kept(app, login_as, people):
    give_srs(app, people["technician"], ["Printer jams"])
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("a bug in one page")

    app.view_functions["field.agenda_page"] = broken
    bundle = login_as("technician").get("/m/offline-bundle")
    assert bundle.status_code == 200
    kept = [page["url"] for page in bundle.get_json()["pages"]]
    assert "/m/agenda" not in kept and "/m/" in kept and "/m/queue" in kept
