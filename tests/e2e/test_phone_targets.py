"""Every phone page, filled as the demo shop fills it, is usable with one thumb at 360 px: each
link and button is a 44 x 44 px target (or a 44 px high row across the page), and nothing
scrolls sideways."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select

from mspboard import demo
from mspboard.models import ChecklistRun, ServiceRequest, SRStatus, User, db, utcnow
from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.field_helpers import shoot

TECH = "tech1@demo.test"

# Each visible target's text and size, where it is smaller than a thumb. A target may be
# narrower than 44 px only if it spans (nearly) the whole width of what holds it.
SMALL_TARGETS = """() => [...document.querySelectorAll(
        'a, button, input[type=submit], summary')]
    .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
        && getComputedStyle(el).visibility !== 'hidden')
    .filter(([el, box]) => {
        const row = el.parentElement.getBoundingClientRect().width;
        return box.height < 44 || (box.width < 44 && box.width < row * 0.9);
    })
    .map(([el, box]) => `${el.tagName} "${el.textContent.trim().slice(0, 40)}" `
        + `${Math.round(box.width)}x${Math.round(box.height)}`)"""


@pytest.fixture
def demo_pages(app: Flask) -> list[str]:
    """The demo shop, and every page its first technician has on the phone."""
    with app.app_context():
        demo.seed_demo(utcnow())
        db.session.commit()
        tech = db.session.scalar(select(User).where(User.email == TECH))
        sr = db.session.scalar(
            select(ServiceRequest)
            .where(ServiceRequest.assignee_id == tech.id, ServiceRequest.status != SRStatus.DONE)
            .order_by(ServiceRequest.id)
        )
        run = db.session.scalar(
            select(ChecklistRun).where(ChecklistRun.owner_id == tech.id).order_by(ChecklistRun.id)
        )
        assert sr is not None and run is not None
        return [
            "/m/",
            "/m/week",
            "/m/queue",
            f"/m/sr/{sr.id}",
            "/m/timecard",
            "/m/entries/new",
            "/m/checkin",
            "/m/timeoff",
            "/m/agenda",
            "/m/maintenance",
            f"/m/maintenance/runs/{run.id}",
            "/m/review",
            "/account",
        ]


def test_every_target_on_every_phone_page_is_a_thumb_wide(page: Page, live_server, demo_pages):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, TECH, demo.DEMO_PASSWORD)
    page.wait_for_url(f"{live_server}/m/")
    found = {}
    for path in demo_pages:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        for opener in page.locator("main details:not([open]) > summary").all():
            if opener.is_visible():
                opener.click()  # what a details holds is a target too, once opened
        shoot(page, "targets" + (path.rstrip("/").replace("/", "-") or "-m"))
        small = page.evaluate(SMALL_TARGETS)
        if small:
            found[path] = small
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways ({width} px)"
    assert not found, "targets under 44 px:\n" + "\n".join(
        f"{path}: {', '.join(small)}" for path, small in found.items()
    )
