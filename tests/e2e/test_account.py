"""Your account: change the password, see the signed-in devices and end one; the ended
device is sent to sign in at its next page."""

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import PASSWORD

NEW_PASSWORD = "a fresh river stone"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"
DESK = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def test_a_tech_ends_another_device_and_changes_the_password(browser: Browser, live_server, people):
    tech = people["technician"]
    phone = new_context(browser, viewport=PHONE, user_agent=ANDROID).new_page()
    desk = new_context(browser, user_agent=DESK).new_page()
    sign_in(desk, live_server, tech)
    expect(desk).to_have_url(f"{live_server}/m/")
    sign_in(phone, live_server, tech)
    expect(phone).to_have_url(f"{live_server}/m/")

    phone.get_by_role("link", name="Your account").click()
    expect(phone).to_have_url(f"{live_server}/account")
    devices = phone.locator("#devices li")
    expect(devices).to_have_count(2)
    expect(devices.filter(has_text="This device")).to_contain_text("Chrome on Android")
    other = devices.filter(has_text="Chrome on Windows")
    expect(other).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "account-phone-360")
    phone.locator("#devices").scroll_into_view_if_needed()
    shoot(phone, "account-phone-360-devices")
    assert serious_accessibility_violations(phone) == []

    other.get_by_role("button", name="End").click()
    expect(phone.get_by_role("status")).to_contain_text("Signed out Chrome on Windows")
    expect(devices).to_have_count(1)

    desk.goto(f"{live_server}/m/week")
    expect(desk).to_have_url(f"{live_server}/login?next=/m/week")

    phone.get_by_label("Current password").fill("not my password at all")
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Change password").click()
    expect(phone.locator("#current_password-error")).to_have_text(
        "That is not your current password."
    )

    phone.get_by_label("Current password").fill(PASSWORD)
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Change password").click()
    expect(phone.get_by_role("status")).to_contain_text("Your password is changed")

    sign_in(desk, live_server, tech, PASSWORD)
    expect(desk.get_by_role("alert")).to_contain_text("do not match an active account")
    sign_in(desk, live_server, tech, NEW_PASSWORD)
    expect(desk).to_have_url(f"{live_server}/m/")
    phone.reload()
    expect(phone.locator("#devices li")).to_have_count(2)


def test_a_manager_sees_the_account_page_at_desk_width(page: Page, live_server, people):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, people["service_manager"])
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    expect(page.locator("#devices li")).to_have_count(1)
    shoot(page, "account-desk-1280")
    assert serious_accessibility_violations(page) == []
