import re

import pytest
from playwright.sync_api import Browser, Page, expect

from mspboard.models import db
from mspboard.services import tv_links
from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.factories import make_client, make_sr

WALL = {"width": 1920, "height": 1080}


@pytest.fixture
def board_data(app):
    with app.app_context():
        client = make_client("Oakridge Credit Union")
        firewall = make_sr(client, "Firewall firmware update", priority=1)
        printer = make_sr(client, "Printer offline on the second floor", priority=3)
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
        return {"firewall": firewall.id, "printer": printer.id, "token": token}


def card(page: Page, sr_id: int):
    return page.locator(f"#sr-{sr_id}")


def column(page: Page, status: str):
    return page.locator(f"#col-{status}")


def move_button(page: Page, sr_id: int):
    return card(page, sr_id).get_by_role("button", name=f"Move SR-{sr_id:06d}")


def move_by_menu(page: Page, sr_id: int, status: str) -> None:
    """Move a card through the board's one Move menu, as a mouse user does."""
    move_button(page, sr_id).click()
    menu = page.get_by_role("dialog", name=f"Move SR-{sr_id:06d}")
    menu.get_by_label("Move to").select_option(status)
    menu.get_by_role("button", name="Move", exact=True).click()


def test_create_an_sr_and_find_it_on_the_board(page: Page, live_server, people, board_data):
    sign_in(page, live_server, people["service_manager"])
    page.get_by_role("link", name="New SR").click()
    page.get_by_label("Title").fill("Replace failing UPS battery")
    page.get_by_label("Client").select_option(label="Oakridge Credit Union")
    page.get_by_label("Priority").select_option(label="P2 high")
    page.get_by_role("button", name="Create SR").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Replace failing UPS battery")
    expect(page.get_by_text("created the SR")).to_be_visible()
    page.get_by_role("link", name="Board", exact=True).click()
    new = column(page, "new")
    expect(new.get_by_text("Replace failing UPS battery")).to_be_visible()
    # P1 first, then the new P2, then the P3.
    titles = new.locator(".card h3").all_inner_texts()
    assert titles == [
        "Firewall firmware update",
        "Replace failing UPS battery",
        "Printer offline on the second floor",
    ]


def test_bad_sr_shows_messages_next_to_fields(page: Page, live_server, people, board_data):
    sign_in(page, live_server, people["technician"])
    page.goto(f"{live_server}/sr/new")
    page.get_by_label("Estimate (hours)").fill("-2")
    page.get_by_role("button", name="Create SR").click()
    expect(page.locator("#title-error")).to_contain_text("Give the SR a title.")
    expect(page.locator("#estimate_hours-error")).to_be_visible()


def test_move_a_card_with_the_keyboard(page: Page, live_server, people, board_data):
    sign_in(page, live_server, people["technician"])
    page.goto(f"{live_server}/board")
    firewall = board_data["firewall"]
    menu = page.get_by_role("dialog", name=f"Move SR-{firewall:06d}")
    move_button(page, firewall).focus()
    page.keyboard.press("Enter")  # opens the Move menu
    expect(menu.get_by_label("Move to")).to_be_focused()
    page.keyboard.press("Escape")  # closes it, back on the card
    expect(menu).to_be_hidden()
    expect(move_button(page, firewall)).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu.get_by_label("Move to")).to_have_value("new")
    page.keyboard.press("End")  # the last column: Done
    page.keyboard.press("Tab")  # to the resolution closing asks for
    expect(menu.get_by_label("Resolution")).to_be_focused()
    page.keyboard.type("Firmware updated to 7.2")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(column(page, "done").locator(f"#sr-{firewall}")).to_be_visible()
    expect(menu).to_be_hidden()
    expect(move_button(page, firewall)).to_be_focused()  # on the card, in its new place
    expect(column(page, "new").locator(".count")).to_have_text("1")
    expect(column(page, "done").locator(".count")).to_have_text("1")
    expect(column(page, "new").locator(f"#sr-{board_data['printer']}")).to_be_visible()
    page.reload()
    expect(column(page, "done").locator(f"#sr-{firewall}")).to_be_visible()


def test_a_move_puts_the_card_in_its_place_in_the_new_column(
    page: Page, live_server, people, board_data, app
):
    with app.app_context():
        client = make_client("Harbor Dental")
        urgent = make_sr(client, "Server down", priority=1, status="waiting").id
        minor = make_sr(client, "Toner order", priority=4, status="waiting").id
        db.session.commit()
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/board")
    move_by_menu(page, board_data["printer"], "waiting")  # a P3: between the P1 and the P4
    waiting = column(page, "waiting").locator(".card")
    expect(waiting).to_have_count(3)
    ids = [f"sr-{urgent}", f"sr-{board_data['printer']}", f"sr-{minor}"]
    expect(waiting.nth(0)).to_have_id(ids[0])
    expect(waiting.nth(1)).to_have_id(ids[1])
    expect(waiting.nth(2)).to_have_id(ids[2])
    expect(column(page, "waiting").locator(".count")).to_have_text("3")


def test_move_a_card_by_drag_and_drop(page: Page, live_server, people, board_data):
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/board")
    page.drag_and_drop(f"#sr-{board_data['printer']}", "#col-waiting")
    expect(column(page, "waiting").locator(f"#sr-{board_data['printer']}")).to_be_visible()
    expect(column(page, "waiting").locator(".count")).to_have_text("1")
    page.reload()
    expect(column(page, "waiting").locator(f"#sr-{board_data['printer']}")).to_be_visible()


def test_filters_go_in_the_url_and_back_works(page: Page, live_server, people, board_data):
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/board")
    page.locator("#board-filters").get_by_label("Priority").select_option(label="P1 critical")
    expect(page).to_have_url(re.compile(r"priority=1"))
    expect(card(page, board_data["printer"])).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(f"{live_server}/board")
    expect(card(page, board_data["printer"])).to_be_visible()


def test_every_open_board_shows_a_move_within_a_second_and_keeps_both_moves(
    browser: Browser, page: Page, live_server, people, board_data
):
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/board")
    other = new_context(browser).new_page()
    sign_in(other, live_server, people["technician"])
    other.goto(f"{live_server}/board")
    for viewer in (page, other):  # both hear the board before anyone moves a card
        expect(viewer.locator("#board-live")).to_have_attribute("data-live", "connected")
    expect(page.locator("#live-status")).to_be_hidden()
    # Both move a different card at about the same moment.
    move_by_menu(page, board_data["firewall"], "in_progress")
    move_by_menu(other, board_data["printer"], "waiting")
    for viewer in (page, other):
        expect(
            column(viewer, "in_progress").locator(f"#sr-{board_data['firewall']}")
        ).to_be_visible(timeout=1500)
        expect(column(viewer, "waiting").locator(f"#sr-{board_data['printer']}")).to_be_visible(
            timeout=1500
        )


def test_wall_tv_follows_the_board_and_stops_when_disconnected(
    browser: Browser, page: Page, live_server, people, board_data
):
    tv = new_context(browser, viewport=WALL).new_page()
    tv.goto(f"{live_server}/tv/{board_data['token']}")
    expect(tv.locator("#tv-col-new")).to_have_text("New 2")
    expect(tv.locator("#tv-reconnecting")).to_be_hidden()
    no_scrollbars = """() => document.documentElement.scrollHeight <= innerHeight
        && document.documentElement.scrollWidth <= innerWidth"""
    assert tv.evaluate(no_scrollbars)
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/board")
    move_by_menu(page, board_data["firewall"], "in_progress")
    in_progress = tv.locator(".tv-column:has(#tv-col-in_progress)")
    expect(in_progress).to_contain_text("Firewall firmware update", timeout=2000)
    page.goto(f"{live_server}/board/screens")
    page.get_by_role("button", name="Disconnect Office TV").click()
    expect(tv.get_by_role("heading", name="This screen is not connected")).to_be_visible(
        timeout=5000
    )


def test_board_pages_pass_axe(browser: Browser, page: Page, live_server, people, board_data):
    sign_in(page, live_server, people["service_manager"])
    for path in (
        "/board",
        "/manage/backlog",
        "/board/screens",
        f"/sr/SR-{board_data['firewall']:06d}",
        "/sr/new",
    ):
        for viewport in (PHONE, WALL):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server}{path}")
            assert serious_accessibility_violations(page) == [], f"{path} at {viewport['width']}px"
    tv = new_context(browser, viewport=WALL).new_page()
    tv.goto(f"{live_server}/tv/{board_data['token']}")
    assert serious_accessibility_violations(tv) == []


DESK = {"width": 1920, "height": 1080}
FOCUSED_CARD = """() => {
  const active = document.activeElement;
  return {
    tag: active.tagName,
    card: active.closest(".card")?.id || null,
    column: active.closest(".board-column")?.dataset.status || null,
  };
}"""


def test_a_keyboard_move_keeps_the_focus_on_the_card_and_says_where_it_went(
    browser: Browser, live_server, people, board_data, app
):
    with app.app_context():
        waiting = make_sr(make_client("Harbor Dental"), "Toner order", priority=4, status="waiting")
        db.session.commit()
        waiting_id = waiting.id
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, live_server, people["technician"])
    page.goto(f"{live_server}/board")
    expect(page.locator("#board-live")).to_have_attribute("data-live", "connected")
    firewall = board_data["firewall"]
    move_button(page, firewall).focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("dialog", name=f"Move SR-{firewall:06d}")
    expect(menu.get_by_label("Move to")).to_be_focused()
    for _ in range(3):  # New -> Scheduled -> In progress -> Waiting
        page.keyboard.press("ArrowDown")
    expect(menu.get_by_label("Move to")).to_have_value("waiting")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(column(page, "waiting").locator(f"#sr-{firewall}")).to_be_visible()
    expect(page.locator("#board-announce")).to_have_text(f"SR-{firewall:06d} moved to Waiting")
    expect(page.locator("#board-announce")).to_have_attribute("role", "status")
    moved = {"tag": "BUTTON", "card": f"sr-{firewall}", "column": "waiting"}
    assert page.evaluate(FOCUSED_CARD) == moved
    page.wait_for_timeout(1500)  # the live refresh the move sets off morphs the columns
    assert page.evaluate(FOCUSED_CARD) == moved

    # Arrows: down the column, left to the nearest column with cards, back right.
    page.keyboard.press("ArrowDown")
    expect(move_button(page, waiting_id)).to_be_focused()
    page.keyboard.press("ArrowDown")  # the column's last card: stays
    expect(move_button(page, waiting_id)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(move_button(page, firewall)).to_be_focused()
    page.keyboard.press("ArrowLeft")  # In progress and Scheduled are empty: on to New
    expect(move_button(page, board_data["printer"])).to_be_focused()
    page.keyboard.press("ArrowLeft")  # no column further left: stays
    expect(move_button(page, board_data["printer"])).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(move_button(page, firewall)).to_be_focused()
    page.keyboard.press("End")
    expect(move_button(page, waiting_id)).to_be_focused()

    # A skip link per column, to its first card, or its heading when it has none.
    page.get_by_role("link", name="Skip to New").click()
    expect(move_button(page, board_data["printer"])).to_be_focused()
    page.get_by_role("link", name="Skip to Done").click()
    expect(page.locator("#col-done-heading")).to_be_focused()
    page.screenshot(path="/tmp/h1shots/board-1920.png")
    assert serious_accessibility_violations(page) == []
