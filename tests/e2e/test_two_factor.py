"""Two-factor sign-in in a real browser: set it up with a code made from the key the page
shows, then sign in with a code and once with a recovery code. Codes are made for the
server's controlled clock, not the wall clock."""

from datetime import timedelta

import pyotp
from playwright.sync_api import Page, expect

from mspboard.models import utcnow
from tests.e2e.conftest import PHONE, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot

STEP = timedelta(seconds=30)


def code_now(secret: str) -> str:
    return pyotp.TOTP(secret).at(utcnow())


def sign_out(page: Page, base: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")


def test_a_technician_sets_up_two_factor_and_signs_in_with_codes(
    page: Page, live_server, people, clock
):
    base = live_server
    page.set_viewport_size(PHONE)
    sign_in(page, base, people["technician"])
    expect(page).to_have_url(f"{base}/m/")
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_accessibility_violations(page) == []
    shoot(page, "two-factor-setup-phone")

    wrong = "000000" if code_now(secret) != "000000" else "111111"
    page.get_by_label("Code from your app").fill(wrong)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#enrol-code-error")).to_contain_text("That code is not right")

    page.get_by_label("Code from your app").fill(code_now(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shoot(page, "two-factor-recovery-codes-phone")
    sign_out(page, base)

    # Half a minute later: a new code from the app signs in.
    clock.shift(STEP)
    sign_in(page, base, people["technician"])
    expect(page).to_have_url(f"{base}/login/code")
    page.get_by_label("Code").fill(code_now(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/m/")
    sign_out(page, base)

    # No phone: a recovery code signs in, once.
    sign_in(page, base, people["technician"])
    expect(page).to_have_url(f"{base}/login/code")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/m/")
    page.goto(f"{base}/account/two-factor")
    expect(page.get_by_text("9 of 10 recovery codes left")).to_be_visible()
    shoot(page, "two-factor-on-phone")
    sign_out(page, base)

    sign_in(page, base, people["technician"])
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#code-error")).to_contain_text("That code is not right")
    expect(page).to_have_url(f"{base}/login/code")
    shoot(page, "two-factor-code-step-phone")


def test_the_setup_page_on_a_desk(page: Page, live_server, people):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/account/two-factor")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    shoot(page, "two-factor-setup-desk")
