"""Live streams within limits, in the browser: a page whose stream is refused (its person
has too many open) keeps up by polling every 15 seconds and takes its stream back once one
is free; a page whose person is deactivated leaves for the sign-in page by itself."""

import time

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from mspboard.live_streams import slots_for
from mspboard.models import ServiceRequest, User, db
from mspboard.services import accounts
from mspboard.services.service_requests import change_status
from tests.e2e.conftest import new_context, sign_in
from tests.factories import make_client, make_sr, make_user


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True, "STREAMS_PER_VIEWER": 1, "STREAM_RECHECK_SECONDS": 0.5}


def wait_for_no_open_streams(app, key: str) -> None:
    """The server learns that a closed tab's stream is gone at its next re-check."""
    for _ in range(100):
        if slots_for(app).count(key) == 0:
            return
        time.sleep(0.1)
    raise AssertionError("the closed tab's stream was never given back")


def test_a_second_tab_past_the_cap_polls_and_still_shows_changes(
    app, browser: Browser, live_server, people
):
    with app.app_context():
        sr_id = make_sr(make_client(), "Renew the SSL certificate").id
        db.session.commit()
        manager_id = db.session.scalar(
            select(User.id).where(User.email == people["service_manager"])
        )
    context = new_context(browser)
    first = context.new_page()
    sign_in(first, live_server, people["service_manager"])
    expect(first.locator("#board-live")).to_have_attribute("data-live", "connected")

    second = context.new_page()
    second.goto(f"{live_server}/board")
    expect(second.locator("#board-live")).to_have_attribute("data-live", "polling")
    expect(second.locator("#live-status")).to_be_hidden()  # not out of date: it polls

    with app.app_context():  # someone else moves the SR
        change_status(None, db.session.get(ServiceRequest, sr_id), "waiting")
        db.session.commit()
    moved = f"#col-waiting #sr-{sr_id}"
    expect(first.locator(moved)).to_be_visible(timeout=2000)
    expect(second.locator(moved)).to_have_count(0)
    context.clock.fast_forward(15_000)
    expect(second.locator(moved)).to_be_visible(timeout=5000)

    first.close()
    wait_for_no_open_streams(app, f"user:{manager_id}")
    context.clock.fast_forward(45_000)  # a minute after it was refused it asks again
    expect(second.locator("#board-live")).to_have_attribute("data-live", "connected")
    with app.app_context():
        change_status(None, db.session.get(ServiceRequest, sr_id), "in_progress")
        db.session.commit()
    expect(second.locator(f"#col-in_progress #sr-{sr_id}")).to_be_visible(timeout=2000)


def test_a_deactivated_persons_open_board_goes_to_sign_in_by_itself(
    app, browser: Browser, live_server, people
):
    page = new_context(browser).new_page()
    sign_in(page, live_server, people["technician"])
    page.goto(f"{live_server}/board")
    expect(page.locator("#board-live")).to_have_attribute("data-live", "connected")
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        accounts.set_active(make_user(role="admin"), tech, False)
        db.session.commit()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=6000)
