"""Goals and certifications in a real browser: the manager at 1920x1080 sees every tech's
goals at a glance, adds a goal and a certification on a tech's page (a bad date refused next
to the field); the tech on a 360 px phone adds a progress note and marks a goal on track,
once online and once with no signal, synced exactly once when the signal returns."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mspboard.models import Certification, Goal, GoalNote, GoalPeriod, User, db, utcnow
from mspboard.services.people import certifications as certs
from mspboard.services.people import goals
from tests.e2e.conftest import new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import (
    SHOTS,
    RestartableServer,
    open_phone,
    outbox_items,
    shoot,
    wait_until_sent,
)
from tests.factories import make_user
from tests.shop_time import today_local

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def team(app) -> dict:
    """Elena with goals this quarter and this year and a certification expiring soon; Tom and
    Sofia with none yet."""
    with app.app_context():
        mona = make_user(role="service_manager", name="Mona Manager", email="mona@example.test")
        elena = make_user(name="Elena Ruiz", email="elena@example.test")
        make_user(name="Tom Nakamura", email="tom@example.test")
        make_user(name="Sofia Lindqvist", email="sofia@example.test")
        today = today_local()
        end = goals.next_quarter_start(today) - timedelta(days=1)
        close = goals.add_goal(
            elena,
            period=GoalPeriod.QUARTER,
            starts=today,
            title="Close 40 SRs, P1 and P2 first",
            by=mona,
            measure="40 SRs closed, none reopened",
            target_on=end,
        )
        goals.add_note(mona, close, "Good start.", utcnow() - timedelta(days=3))
        docs = goals.add_goal(
            elena,
            period=GoalPeriod.QUARTER,
            starts=today,
            title="Document every backup setup",
            by=mona,
        )
        docs.status = "at_risk"
        goals.add_goal(elena, period=GoalPeriod.YEAR, starts=today, title="Lead a project", by=mona)
        certs.add_certification(
            mona,
            elena,
            certs.CertificationFields(
                "Fortinet NSE 4",
                "Fortinet",
                today - timedelta(days=700),
                today + timedelta(days=12),
            ),
        )
        db.session.commit()
        return {"elena": elena.id, "close": close.id, "docs": docs.id}


def desk(browser: Browser, base: str) -> Page:
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, base, "mona@example.test")
    page.wait_for_url(f"{base}/board")
    return page


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_manager_sees_goals_at_a_glance_and_adds_a_goal_and_a_certification(
    app, browser: Browser, live_server: str, team
):
    page = desk(browser, live_server)
    page.get_by_role("link", name="People").click()
    page.wait_for_url(f"{live_server}/manage/people")
    elena = page.locator(f"#tech-{team['elena']}")
    expect(elena).to_contain_text("Close 40 SRs, P1 and P2 first")
    expect(elena).to_contain_text("At risk")
    expect(elena).to_contain_text("2 open")
    expect(page.locator(".tech-goals").filter(has_text="Tom Nakamura")).to_contain_text(
        "No goals yet this quarter."
    )
    shoot(page, "people-glance-desk")
    assert serious_accessibility_violations(page) == []
    pdf = page.pdf(format="A4", path=str(SHOTS / "people-glance.pdf"))
    assert pdf_pages(pdf) <= 2

    page.get_by_role("link", name="Elena Ruiz").click()
    expect(page.locator("h1")).to_have_text("Elena Ruiz")
    expect(page.locator("#certifications")).to_contain_text("Expires in 12 days")

    page.get_by_text("Add a goal").click()
    new_goal = page.locator(".new-goal form")
    new_goal.get_by_label("For").select_option("quarter")
    new_goal.get_by_label("Kind").select_option("certification")
    new_goal.get_by_label("Goal", exact=True).fill("Earn the CCNA")
    new_goal.get_by_label("Measure").fill("Certificate in hand")
    new_goal.get_by_role("button", name="Add goal").click()
    expect(page.locator(".flash, .notice, [role=status]").first).to_contain_text(
        "Goal added: Earn the CCNA."
    )
    with app.app_context():
        planned = db.session.scalar(db.select(Goal).where(Goal.title == "Earn the CCNA"))
        assert planned.kind == "certification" and planned.user_id == team["elena"]

    page.get_by_text("Add a certification").click()
    new_cert = page.locator(".new-cert form")
    new_cert.get_by_label("Certification").fill("CompTIA Security+")
    new_cert.get_by_label("Issuer").fill("CompTIA")
    today = today_at(app)
    new_cert.get_by_label("Earned").fill((today - timedelta(days=10)).isoformat())
    new_cert.get_by_label("Expires").fill((today - timedelta(days=20)).isoformat())
    new_cert.get_by_role("button", name="Add certification").click()
    refused = page.locator(".new-cert .error")
    expect(refused).to_have_text("It must expire after the day it was earned.")
    shoot(page, "person-cert-refused-desk")
    page.locator(".new-cert form").get_by_label("Expires").fill(
        (today + timedelta(days=3 * 365)).isoformat()
    )
    page.locator(".new-cert form").get_by_role("button", name="Add certification").click()
    expect(page.locator("#certifications")).to_contain_text("CompTIA Security+")
    shoot(page, "person-desk")
    assert serious_accessibility_violations(page) == []
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(Certification).where(Certification.name == "CompTIA Security+")
            ).user_id
            == team["elena"]
        )


def today_at(app):
    with app.app_context():
        return today_local()


def _pending(page: Page):
    return page.locator("#outbox-count .outbox-number")


def test_the_tech_adds_progress_online_and_offline_and_it_lands_once(
    page: Page, context: BrowserContext, server: RestartableServer, app, team
):
    base = server.url
    open_phone(page, base, "elena@example.test")
    page.get_by_role("link", name="My goals").click()
    page.wait_for_url(f"{base}/m/goals")
    close = page.locator(f"#goal-{team['close']}")
    expect(close).to_contain_text("Good start.")
    expect(page.locator("#my-certifications")).to_contain_text("Expires in 12 days")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
    shoot(page, "my-goals-phone")

    close.get_by_label("Progress note").fill("28 closed so far")
    close.get_by_label("Status").select_option("on_track")
    close.get_by_role("button", name="Save progress").click()
    wait_until_sent(page)
    expect(page.locator(f"#goal-{team['close']}")).to_contain_text("On track")
    expect(page.locator(f"#goal-{team['close']}")).to_contain_text("28 closed so far")
    shoot(page, "my-goals-saved-phone")

    # No signal: the kept page opens and takes the progress; it waits in the outbox.
    context.set_offline(True)
    page.goto(f"{base}/m/goals")
    expect(page.locator("#offline-mark")).to_contain_text("Offline")
    docs = page.locator(f"#goal-{team['docs']}")
    docs.get_by_label("Progress note").fill("NAS visit booked for Thursday")
    docs.get_by_label("Status").select_option("on_track")
    docs.get_by_role("button", name="Save progress").click()
    expect(_pending(page)).to_have_text("1")
    shoot(page, "my-goals-offline-phone")
    queued = outbox_items(page)
    assert [item["kind"] for item in queued] == ["goal"]
    with app.app_context():
        assert db.session.get(Goal, team["docs"]).status == "at_risk"

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)
    expect(page.locator(f"#goal-{team['docs']}")).to_contain_text("On track")
    at = queued[0]["at"]
    with app.app_context():
        goal = db.session.get(Goal, team["docs"])
        assert goal.status == "on_track"
        notes = db.session.scalars(db.select(GoalNote).where(GoalNote.goal_id == goal.id)).all()
        assert [(n.body, n.author_id) for n in notes] == [
            ("NAS visit booked for Thursday", db.session.get(User, team["elena"]).id)
        ]
        assert notes[0].created_at.isoformat().startswith(at[:19])
    assert serious_accessibility_violations(page) == []
