"""Two people with one SR open: the second save is not lost and does not undo the first."""

from playwright.sync_api import Browser, Page, expect

from mspboard.models import ServiceRequest, User, db
from mspboard.services.service_requests import change_status
from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client, make_sr, make_user


def test_a_stale_save_shows_the_other_change_and_applies_yours_in_one_click(
    page: Page, browser: Browser, live_server, app
):
    with app.app_context():
        make_user(role="service_manager", email="priya@example.test", name="Priya Shah")
        make_user(role="admin", email="sam@example.test", name="Sam Ortiz")
        sr = make_sr(make_client("Oakridge Credit Union"), "Printer offline", priority=3)
        db.session.commit()
        url = f"{live_server}/sr/{sr.number}"
        sr_id = sr.id

    sign_in(page, live_server, "priya@example.test")
    page.goto(url)
    sam = new_context(browser, viewport=PHONE).new_page()
    sign_in(sam, live_server, "sam@example.test")
    sam.goto(url)

    page.get_by_label("Title").fill("Printer offline in reception")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("saved.")).to_be_visible()

    sam.get_by_label("Priority").select_option(label="P1 critical")
    sam.get_by_role("button", name="Save changes").click()
    notice = sam.locator(".form-conflict")
    expect(notice).to_contain_text("Not saved yet.")
    expect(notice).to_contain_text("Priya Shah changed the title to “Printer offline in reception”")
    expect(notice).to_contain_text("Your change to priority is filled in below")
    expect(sam.get_by_label("Title")).to_have_value("Printer offline in reception")
    expect(sam.get_by_label("Priority")).to_have_value("1")
    expect(sam.locator(".conflict-note")).to_contain_text("Priya Shah changed this to")
    shoot(sam, "sr-edit-conflict-phone")
    assert serious_accessibility_violations(sam) == []

    sam.get_by_role("button", name="Save changes").click()
    expect(sam.get_by_text("saved.")).to_be_visible()
    with app.app_context():
        saved = db.session.get(ServiceRequest, sr_id)
        assert (saved.title, saved.priority) == ("Printer offline in reception", 1)


def test_a_move_from_a_board_that_missed_a_change_says_who_moved_the_card(
    page: Page, live_server, app
):
    with app.app_context():
        priya = make_user(role="service_manager", email="priya@example.test", name="Priya Shah")
        make_user(role="admin", email="sam@example.test", name="Sam Ortiz")
        sr = make_sr(make_client("Oakridge Credit Union"), "Printer offline", priority=3)
        db.session.commit()
        sr_id, priya_id = sr.id, priya.id
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "sam@example.test")
    page.goto(f"{live_server}/board")
    # This board misses the live update (as one whose connection dropped would).
    page.evaluate("document.getElementById('board-live').remove()")
    with app.app_context():
        stale = db.session.get(ServiceRequest, sr_id)
        priya = db.session.get(User, priya_id)
        change_status(priya, stale, "done", expected_version=1, resolution="Fixed")
        db.session.commit()

    page.locator(f"#sr-{sr_id}").get_by_role("button", name="Move SR-000001").click()
    page.locator("#move-status").select_option("waiting")
    page.locator("#move-dialog").get_by_role("button", name="Move", exact=True).click()
    notice = page.locator("#board-notice")
    expect(notice).to_contain_text(
        "SR-000001 was not moved to Waiting: Priya Shah changed the status to Done"
    )
    expect(page.locator("#col-done").locator(f"#sr-{sr_id}")).to_be_visible()
    expect(page.locator(f"#sr-{sr_id}")).to_have_count(1)
    shoot(page, "board-stale-move")
    with app.app_context():
        assert db.session.get(ServiceRequest, sr_id).status == "done"
