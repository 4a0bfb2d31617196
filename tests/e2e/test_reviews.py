"""Quarterly reviews in a real browser, on the demo shop: the manager at the desk accepts a
proposed hour from the planner, opens the review, writes a new goal and marks it held; the
demo's held review prints on one or two A4 pages; a tech on a 360 px phone reviews the
service manager through the outbox."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from mspboard import demo
from mspboard.models import Goal, QuarterlyReview, User, db, utcnow
from mspboard.services.people import reviews
from tests.e2e.conftest import new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import SHOTS, open_phone, shoot, wait_until_sent

DESK = {"width": 1920, "height": 1080}
PASSWORD = demo.DEMO_PASSWORD


@pytest.fixture
def shop(app: Flask) -> dict:
    with app.app_context():
        demo.seed_demo(utcnow())
        db.session.commit()
        current = reviews.round_quarter()
        held = db.session.scalar(
            select(QuarterlyReview).where(QuarterlyReview.held_at.is_not(None))
        )
        return {"week": reviews.review_week(current).isoformat(), "held": held.id}


def desk(browser: Browser, base: str) -> Page:
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, base, "manager@demo.test", PASSWORD)
    page.wait_for_url(f"{base}/board")
    return page


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_manager_accepts_a_slot_opens_the_review_writes_a_goal_and_marks_it_held(
    app, browser: Browser, live_server: str, shop
):
    page = desk(browser, live_server)
    page.goto(f"{live_server}/manage/planner/{shop['week']}")
    panel = page.locator("#planner-reviews")
    expect(panel).to_contain_text("Propose reviews")
    proposal = panel.locator("#review-proposal-" + _id(app, "tech1@demo.test"))
    when = proposal.locator(".muted").inner_text()
    proposal.get_by_role("button", name=re.compile("Accept")).click()
    expect(page.locator(".flashes")).to_contain_text("Priya Raman's review is on the planner")
    expect(page.locator(".planner-main")).to_contain_text("Quarterly review")
    expect(panel.locator("#review-proposal-" + _id(app, "tech1@demo.test"))).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reviews-planner.png"), caret="initial")

    panel.get_by_role("link", name="All reviews").click()
    row = page.locator("#round-tech-" + _id(app, "tech1@demo.test"))
    expect(row).to_contain_text("Scheduled")
    expect(row).to_contain_text(when.split("\u2013")[0])
    page.screenshot(path=str(SHOTS / "reviews-list.png"), full_page=True, caret="initial")
    row.get_by_role("link", name=re.compile("Open")).click()
    expect(page.locator("h1")).to_contain_text("Priya Raman")
    expect(page.locator("#last-goals-heading")).to_be_visible()
    expect(page.locator(".review-goals").first).to_contain_text("Pass the CCNA exam")

    page.get_by_label("Goal", exact=True).fill("Lead the firewall refresh")
    page.get_by_label("How we will know it is met").fill("Three clients moved, no outage")
    page.get_by_role("button", name="Add goal").click()
    expect(page.locator(".flashes")).to_contain_text("Goal added for Priya Raman")
    expect(page.locator("#new-goals")).to_contain_text("Lead the firewall refresh")
    page.get_by_label("Notes on this review").fill("Ready for the senior role.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator(".flashes")).to_contain_text("Notes saved.")
    page.get_by_role("button", name="Mark held").click()
    expect(page.locator("#review-state")).to_contain_text("Held")
    expect(page.get_by_role("button", name="Mark held")).to_have_count(0)
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(SHOTS / "review-desk.png"), full_page=True, caret="initial")
    with app.app_context():
        priya = db.session.scalar(select(User).where(User.email == "tech1@demo.test"))
        review = db.session.scalar(
            select(QuarterlyReview).where(
                QuarterlyReview.tech_id == priya.id,
                QuarterlyReview.quarter_start == reviews.round_quarter(),
            )
        )
        assert review.is_held and review.manager_notes == "Ready for the senior role."
        goal = db.session.scalar(select(Goal).where(Goal.title == "Lead the firewall refresh"))
        assert goal.period_start == review.quarter_start and goal.user_id == priya.id


def _id(app: Flask, email: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(User.id).where(User.email == email)))


def test_the_demos_held_review_prints_on_one_or_two_a4_pages(
    browser: Browser, live_server: str, shop
):
    page = desk(browser, live_server)
    page.goto(f"{live_server}/manage/reviews/{shop['held']}")
    expect(page.locator(".manager-review")).to_contain_text("Clear priorities every Monday")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("button", name="Add goal")).to_be_hidden()
    expect(page.locator(".review-notes-print")).to_contain_text("Strong quarter")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-print.png"), full_page=True, caret="initial")
    pdf = page.pdf(format="A4", path=str(SHOTS / "review.pdf"))
    assert 1 <= pdf_pages(pdf) <= 2


def test_a_tech_reviews_the_service_manager_from_the_phone(app, page: Page, live_server: str, shop):
    open_phone(page, live_server, "tech2@demo.test", PASSWORD)
    page.get_by_role("link", name="My review").click()
    expect(page.locator("h1")).to_have_text("My quarterly review")
    expect(page.locator("#review-when")).to_contain_text("your manager is putting it")
    page.get_by_label("What helps you").fill("Quick answers on the phone when a site is down.")
    page.get_by_label("What does not help").fill("Jobs added to my day after 8:00.")
    shoot(page, "review-phone")
    page.get_by_role("button", name="Send review").click()
    wait_until_sent(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    with app.app_context():
        marcus = db.session.scalar(select(User).where(User.email == "tech2@demo.test"))
        review = db.session.scalar(
            select(QuarterlyReview).where(QuarterlyReview.tech_id == marcus.id)
        )
        assert review.manager_helps == "Quick answers on the phone when a site is down."
        assert review.manager_review_by_id == marcus.id
    page.goto(f"{live_server}/m/review")
    expect(page.get_by_label("What does not help")).to_have_value(
        "Jobs added to my day after 8:00."
    )
    shoot(page, "review-phone-sent")
