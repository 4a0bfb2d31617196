import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, serious_accessibility_violations, sign_in
from tests.factories import PASSWORD

LANDINGS = {
    "technician": ("/m/", "Hello,"),
    "service_manager": ("/board", "New"),
    "admin": ("/board", "New"),
}


@pytest.mark.parametrize("role", sorted(LANDINGS))
def test_each_role_signs_in_and_lands_on_its_page(page: Page, live_server, people, role):
    path, text = LANDINGS[role]
    sign_in(page, live_server, people[role])
    expect(page).to_have_url(f"{live_server}{path}")
    expect(page.get_by_role("main")).to_contain_text(text)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")


def test_wrong_password_shows_an_error(page: Page, live_server, people):
    sign_in(page, live_server, people["technician"], "not my password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_label("Email")).to_have_value(people["technician"])


def test_sign_in_works_with_the_keyboard_alone(page: Page, live_server, people):
    page.goto(f"{live_server}/login")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # shop name
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(people["service_manager"])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/board")


def test_phone_layout_has_no_sideways_scroll(page: Page, live_server, people):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, people["technician"])
    expect(page).to_have_url(f"{live_server}/m/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


PAGES = {
    "technician": ["/m/", "/board"],
    "service_manager": ["/board", "/admin/clients", "/admin/clients/new"],
    "admin": ["/admin/users", "/admin/users/new", "/admin/settings", "/no-such-page"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_pages_pass_axe_with_no_serious_violations(page: Page, live_server, people, role):
    page.goto(f"{live_server}/login")
    assert serious_accessibility_violations(page) == []
    sign_in(page, live_server, people[role])
    expect(page).not_to_have_url(f"{live_server}/login")
    for path in PAGES[role]:
        for viewport in (PHONE, {"width": 1920, "height": 1080}):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server}{path}")
            assert serious_accessibility_violations(page) == [], f"{path} at {viewport['width']}px"
