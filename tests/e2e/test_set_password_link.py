"""A set-password link, end to end on phones 360 px wide: the admin makes it on the user's
page and copies it; the person opens it in a browser of their own, sets a password, and
signs in with it. The page's address (the secret) is never sent as a Referer."""

from flask import Flask
from playwright.sync_api import Browser, expect

from mspboard.models import User, db
from mspboard.services.set_password_links import NO_PASSWORD
from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_user

NEW_PASSWORD = "a lantern by the harbour"


def invite(app: Flask) -> int:
    with app.app_context():
        user = make_user(email="nora@example.test", name="Nora Field")
        user.password_hash = NO_PASSWORD
        db.session.commit()
        return user.id


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_admin_makes_a_link_and_the_person_sets_a_password_and_signs_in(
    app: Flask, browser: Browser, live_server, people
):
    nora = invite(app)
    admin_context = new_context(browser, viewport=PHONE)
    admin_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    admin = admin_context.new_page()
    sign_in(admin, live_server, people["admin"])
    admin.goto(f"{live_server}/admin/users/{nora}")
    section = admin.locator("#set-password-link")
    expect(section).to_contain_text("No password yet.")
    section.scroll_into_view_if_needed()
    shoot(admin, "set-password-link-user-page-360")
    section.get_by_role("button", name="Make a set-password link").click()

    expect(admin.get_by_role("heading", level=1)).to_have_text("Set-password link for Nora Field")
    expect(admin.get_by_text("Shown once; it works for 7 days and only once")).to_be_visible()
    address = admin.get_by_label("Set-password link for Nora Field")
    url = address.input_value()
    assert url.startswith(f"{live_server}/auth/set-password/")
    copy = admin.get_by_role("button", name="Copy the link for Nora Field")
    expect(copy).to_be_visible()  # the script showed it
    copy.click()
    expect(admin.locator(".copy-done")).to_have_text("Copied.")
    assert admin.evaluate("navigator.clipboard.readText()") == url
    assert fits(admin)
    shoot(admin, "set-password-link-shown-once-360")
    assert serious_accessibility_violations(admin) == []

    person_context = new_context(browser, viewport=PHONE)
    person = person_context.new_page()
    referers: list[str] = []
    person.on("request", lambda request: referers.append(request.headers.get("referer", "")))
    person.goto(url)
    expect(person.get_by_role("heading", level=1)).to_have_text("Set your password")
    expect(person.locator(".set-password-who")).to_contain_text("Nora Field")
    expect(person.locator(".set-password-who")).to_contain_text("nora@example.test")
    assert fits(person)
    shoot(person, "set-password-form-360")
    assert serious_accessibility_violations(person) == []

    person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("New password again").fill("a lantern by the harbor")
    person.get_by_role("button", name="Set password").click()
    expect(person.locator("#password_again-error")).to_have_text(
        "The two passwords differ; type them again."
    )
    assert fits(person)
    shoot(person, "set-password-mismatch-360")

    person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("New password again").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Set password").click()
    expect(person).to_have_url(f"{live_server}/login")
    expect(person.get_by_role("status")).to_contain_text("Password set; sign in.")
    assert not any("/auth/set-password/" in referer for referer in referers), referers

    sign_in(person, live_server, "nora@example.test", NEW_PASSWORD)
    expect(person).to_have_url(f"{live_server}/m/")

    spent = person_context.new_page()
    spent.goto(url)
    expect(spent.get_by_role("heading", level=1)).to_have_text(
        "This link has expired or was already used"
    )
    assert fits(spent)
    shoot(spent, "set-password-link-spent-360")
    with app.app_context():
        assert db.session.get(User, nora).password_hash != NO_PASSWORD


def test_the_shown_link_does_not_scroll_sideways_at_the_desk(
    app: Flask, browser: Browser, live_server, people
):
    nora = invite(app)
    admin = new_context(browser, viewport={"width": 1366, "height": 800}).new_page()
    sign_in(admin, live_server, people["admin"])
    admin.goto(f"{live_server}/admin/users/{nora}")
    admin.get_by_role("button", name="Make a set-password link").click()
    expect(admin.get_by_role("button", name="Copy the link for Nora Field")).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth") <= 1366
    shoot(admin, "set-password-link-shown-once-1366")
