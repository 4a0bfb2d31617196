"""The wall TV shows a change a moment after it is made, and swaps only the part of the wall
that changed: a column whose cards are the same, and the "who is working" strip when no
timer moved, are left as they are (the same elements, not one mutation)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

from mspboard.models import ServiceRequest, db, utcnow
from mspboard.services import time_entries, tv_links
from mspboard.services.service_requests import change_status
from tests.e2e.conftest import new_context
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import new_uuid

# Counts what changes inside the watched elements and remembers which elements they were, so
# a part swapped for a new element is caught as well as one changed in place.
WATCH = """
(ids) => {
  window.watched = {};
  for (const id of ids) {
    const node = document.getElementById(id);
    const seen = { node, mutations: 0 };
    new MutationObserver((list) => { seen.mutations += list.length; })
      .observe(node, { subtree: true, childList: true, attributes: true, characterData: true });
    window.watched[id] = seen;
  }
}
"""
UNTOUCHED = """
(ids) => ids.filter((id) => {
  const seen = window.watched[id];
  return seen.mutations > 0 || document.getElementById(id) !== seen.node;
})
"""


def open_tv(browser: Browser, live_server: str, token: str) -> tuple[Page, list[str]]:
    """The TV page, and the paths it fetches from now on."""
    tv = new_context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    tv.goto(f"{live_server}/tv/{token}")
    expect(tv.locator("#tv-live")).to_have_attribute("data-live", "connected")
    fetched: list[str] = []
    tv.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    return tv, fetched


def test_a_moved_sr_shows_on_the_tv_and_the_other_columns_stay_as_they_were(
    app, browser: Browser, live_server: str
):
    with app.app_context():
        make_user(name="Dana Reyes")
        moving = make_sr(make_client(), "Migrate old NAS to new hardware")
        make_sr(make_client(), "Replace UPS batteries", status="done")
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
        sr_id = moving.id
    tv, fetched = open_tv(browser, live_server, token)
    expect(tv.locator("#tv-column-done")).to_contain_text("Replace UPS batteries")
    unchanged = ["tv-column-done", "tv-column-in_progress", "tv-techs"]
    tv.evaluate(WATCH, unchanged)

    with app.app_context():
        change_status(None, db.session.get(ServiceRequest, sr_id), "waiting")
        db.session.commit()

    expect(tv.locator("#tv-column-waiting")).to_contain_text("Migrate old NAS")
    expect(tv.locator("#tv-column-new")).not_to_contain_text("Migrate old NAS")
    assert tv.evaluate(UNTOUCHED, unchanged) == []
    assert fetched == [f"/tv/{token}/columns"]


def test_a_timer_started_shows_who_is_working_and_leaves_the_columns_alone(
    app, browser: Browser, live_server: str
):
    with app.app_context():
        tech = make_user(name="Dana Reyes")
        client = make_client("Quarry Hill Winery")
        make_sr(client, "Replace UPS batteries")
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
        tech_id, client_id = tech.id, client.id
    tv, fetched = open_tv(browser, live_server, token)
    expect(tv.locator("#tv-techs")).to_contain_text("idle")
    tv.evaluate(WATCH, ["tv-board"])

    with app.app_context():
        now = utcnow() - timedelta(minutes=1)
        tech = db.session.get(type(tech), tech_id)
        time_entries.start_timer(tech, uuid=new_uuid(), at=now, now=now, client_id=client_id)
        db.session.commit()

    expect(tv.locator("#tv-techs")).to_contain_text("Quarry Hill Winery")
    assert tv.evaluate(UNTOUCHED, ["tv-board"]) == []
    assert fetched == [f"/tv/{token}/techs"]
