"""The wall TV at 1920x1080, read from across the room: a long column shows compact cards
that still carry their number, assignee and age, as many as the column holds and no half
card; "+N more" counts the rest. The clock reads on the shop's 12- or 24-hour clock, from
the first paint and after every tick."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from mspboard.models import db, utcnow
from mspboard.services import tv_links
from mspboard.services.shop_settings import current_settings
from tests.e2e.conftest import new_context
from tests.factories import make_client, make_sr, make_user

WALL = {"width": 1920, "height": 1080}
SHOTS = "/tmp/h1shots"

# Each card's box and the facts it shows, for the cards of one column.
CARDS = """
(column) => {
  const cut = (node) => Boolean(node) && node.scrollWidth > node.clientWidth;
  const list = document.querySelector(`#tv-column-${column} .tv-cards`).getBoundingClientRect();
  const box = document.getElementById(`tv-column-${column}`).getBoundingClientRect();
  const more = document.getElementById(`tv-more-${column}`);
  return {
    list: { top: list.top, bottom: list.bottom, left: list.left, right: list.right },
    column: { top: box.top, bottom: box.bottom, left: box.left, right: box.right },
    more: { text: more.textContent, top: more.getBoundingClientRect().top },
    cards: [...document.querySelectorAll(`#tv-column-${column} .tv-card`)].map((card) => {
      const r = card.getBoundingClientRect();
      const text = (selector) => card.querySelector(selector)?.innerText.trim() || "";
      return {
        top: r.top, bottom: r.bottom, left: r.left, right: r.right,
        number: text(".tv-number"), who: text(".tv-who"), age: text(".tv-age"),
        flag: text(".tv-flag"), title: text(".tv-title"),
        titleCut: cut(card.querySelector(".tv-title")),
        flagCut: cut(card.querySelector(".tv-flag")),
      };
    }),
  };
}
"""


def open_tv(browser: Browser, live_server: str, token: str) -> Page:
    tv = new_context(browser, viewport=WALL).new_page()
    tv.goto(f"{live_server}/tv/{token}")
    expect(tv.locator("#tv-live")).to_have_attribute("data-live", "connected")
    return tv


@pytest.fixture
def long_new_column(app) -> str:
    """30 new SRs (a few overdue, a few unassigned, long and short titles) and a short
    column beside them."""
    with app.app_context():
        people = [make_user(name=name) for name in ("Dana Reyes", "Sam Okafor", "Lee Park")]
        client = make_client("Oakridge Credit Union")
        now = utcnow()
        for n in range(30):
            sr = make_sr(
                client,
                f"Replace the failing battery in the server room UPS, rack {n}"
                if n % 3
                else f"Printer {n}",
                priority=1 + n % 4,
                assignee=None if n % 7 == 0 else people[n % 3],
                created_at=now - timedelta(hours=5 * n + 1),
            )
            if n % 5 == 0:
                sr.due_at = now - timedelta(days=1)
        make_sr(client, "Renew the firewall licence", status="waiting", assignee=people[0])
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    return token


def test_a_long_column_fills_its_height_with_compact_cards_and_counts_the_rest(
    browser: Browser, live_server: str, long_new_column: str
):
    tv = open_tv(browser, live_server, long_new_column)
    expect(tv.locator("#tv-column-new")).to_have_class(re.compile(r"\bcompact\b"))
    tv.screenshot(path=f"{SHOTS}/tv-compact-1920.png")
    seen = tv.evaluate(CARDS, "new")
    list_box, column = seen["list"], seen["column"]
    shown = [card for card in seen["cards"] if card["left"] < list_box["right"]]
    out_of_view = [card for card in seen["cards"] if card["left"] >= list_box["right"]]
    assert 8 <= len(shown) < 30
    assert len(shown) + len(out_of_view) == 30
    for card in shown:
        assert re.fullmatch(r"SR-\d{6}", card["number"]), card
        assert re.fullmatch(r"[A-Z]{2}|\u2013", card["who"]), card
        assert re.fullmatch(r"\d+ (min|h|d|wk)", card["age"]), card
        # Inside the column: no card runs past its bottom or its sides.
        assert column["left"] <= card["left"] and card["right"] <= column["right"], card
        assert card["bottom"] <= list_box["bottom"] + 0.5, card
    assert any(card["flag"] == "⚠ overdue" for card in shown)
    assert not any(card["flagCut"] for card in shown)
    assert any(card["titleCut"] for card in shown)  # a long title is cut where its line ends
    assert any(card["title"].startswith("Replace the failing battery") for card in shown)
    # The rest are out of sight, and counted below the last card shown.
    assert seen["more"]["text"] == f"+{30 - len(shown)} more"
    card_height = shown[0]["bottom"] - shown[0]["top"]
    step = shown[1]["top"] - shown[0]["top"]  # a card and the gap before the next
    assert list_box["bottom"] - shown[-1]["bottom"] < step  # no room left for one more
    assert 0 <= seen["more"]["top"] - shown[-1]["bottom"] < card_height


def test_a_short_column_shows_full_cards_and_no_more_line(
    browser: Browser, live_server: str, long_new_column: str
):
    tv = open_tv(browser, live_server, long_new_column)
    waiting = tv.locator("#tv-column-waiting")
    expect(waiting).not_to_have_class(re.compile(r"\bcompact\b"))
    expect(waiting.locator(".tv-client")).to_have_text("Oakridge Credit Union")
    expect(waiting.locator(".tv-more")).to_be_hidden()
    expect(waiting.locator(".tv-who")).to_have_text("DR")


def local_instant(zone: ZoneInfo, wall: time) -> datetime:
    today = utcnow().astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(today, wall, tzinfo=zone)


@pytest.mark.parametrize(
    ("hours", "at_load", "ticked"), [(12, "6:43 PM", "6:44 PM"), (24, "18:43", "18:44")]
)
def test_the_tv_clock_reads_on_the_shops_clock_before_and_after_it_ticks(
    app, browser: Browser, live_server: str, clock, hours: int, at_load: str, ticked: str
):
    with app.app_context():
        settings = current_settings()
        settings.clock_hours = hours
        db.session.add(settings)
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
        zone = ZoneInfo(settings.timezone)
    loaded = local_instant(zone, time(18, 43, 10))
    clock.move_to(loaded)
    tv = new_context(browser, viewport=WALL).new_page()
    tv.clock.set_fixed_time(loaded)
    tv.goto(f"{live_server}/tv/{token}")
    shown = tv.locator("#tv-clock")
    expect(shown).to_have_text(at_load)  # the server's
    tv.clock.set_fixed_time(loaded + timedelta(minutes=1))
    expect(shown).to_have_text(ticked)  # the page's own tick


def test_a_change_elsewhere_leaves_the_long_column_and_its_count_as_they_were(
    app, browser: Browser, live_server: str, long_new_column: str
):
    from mspboard.models import ServiceRequest
    from mspboard.services.service_requests import change_status
    from tests.e2e.test_tv_live import UNTOUCHED, WATCH

    tv = open_tv(browser, live_server, long_new_column)
    more = tv.locator("#tv-more-new")
    expect(more).to_have_text(re.compile(r"^\+\d+ more$"))
    before = more.text_content()
    tv.evaluate(WATCH, ["tv-column-new"])
    with app.app_context():
        waiting = db.session.query(ServiceRequest).filter_by(status="waiting").one()
        change_status(None, waiting, "in_progress")
        db.session.commit()
    expect(tv.locator("#tv-column-in_progress")).to_contain_text("Renew the firewall licence")
    assert tv.evaluate(UNTOUCHED, ["tv-column-new"]) == []
    assert more.text_content() == before


def test_office_screens_show_a_tv_that_is_showing_its_link_as_live(
    app, browser: Browser, live_server: str, people
):
    from tests.e2e.conftest import sign_in

    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        tv_links.create_link(None, "Lobby TV")
        db.session.commit()
    open_tv(browser, live_server, token)
    manager = new_context(browser, viewport={"width": 1366, "height": 768}).new_page()
    sign_in(manager, live_server, people["service_manager"])
    manager.goto(f"{live_server}/board/screens")
    office = manager.locator("tr", has_text="Office TV")
    expect(office.locator(".screen-now")).to_have_text("Live now (1 screen)")
    expect(office).to_contain_text("Active")
    expect(manager.locator("tr", has_text="Lobby TV").locator(".screen-now")).to_have_text(
        "Never opened"
    )
    manager.screenshot(path=f"{SHOTS}/screens-1366.png")
