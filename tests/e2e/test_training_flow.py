"""Training in a real browser: the manager plans a Final Friday Training at the desk (1920)
and sees it block the planner; a tech on a 360 px phone acknowledges a training on the week
and logs the time against it through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from mspboard.models import TimeEntry, TrainingKind, User, db, utcnow
from mspboard.services.people import training
from mspboard.services.time_weeks import local_date, monday_of
from tests.e2e.conftest import new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import SHOTS, shoot, wait_until_sent
from tests.e2e.test_field_flows import _phone
from tests.factories import make_user
from tests.shop_time import today_local

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def team(app) -> dict:
    with app.app_context():
        techs = [
            make_user(name=name, email=f"{name.split()[0].lower()}@example.test")
            for name in ("Tess Tech", "Theo Tech", "Tara Tech")
        ]
        make_user(role="service_manager", name="Mona Manager", email="mona@example.test")
        db.session.commit()
        return {"techs": [tech.id for tech in techs]}


def test_manager_plans_a_final_friday_and_it_blocks_the_planner(
    app, browser: Browser, live_server: str, team
):
    with app.app_context():
        today = today_local()
        friday = training.next_final_friday(today)
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, live_server, "mona@example.test")
    page.wait_for_url(f"{live_server}/board")
    page.get_by_role("link", name="Today").first.click()
    if today >= training.planning_opens(today.year, today.month):  # the last two weeks
        prompt = page.locator("#plan-training")
        expect(prompt).to_contain_text(f"No Final Friday Training is planned for {friday:%a %d %b}")
        expect(prompt.get_by_role("link", name="Plan next Final Friday")).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "training-today-1920.png"), caret="initial")
    page.get_by_role("link", name="Planner").first.click()
    page.get_by_role("link", name="Training", exact=True).last.click()
    expect(page.locator("h1")).to_have_text("Training")

    page.get_by_role("link", name=f"Plan Final Friday Training ({friday:%a %d %b})").click()
    expect(page.get_by_label("Title")).to_have_value("Final Friday Training")
    expect(page.get_by_label("Day")).to_have_value(friday.isoformat())
    page.get_by_label("End").fill("14:00")
    page.get_by_label("Place or link").fill("https://meet.example/final-friday")
    page.get_by_label("Materials").fill("Read the new backup runbook first.")
    page.get_by_label("Tara Tech").uncheck()
    page.get_by_role("button", name="Plan training").click()
    expect(page.locator("#end-error")).to_have_text("The end must be after the start.")
    page.screenshot(path=str(SHOTS / "training-form-1920.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("End").fill("17:00")
    page.get_by_role("button", name="Plan training").click()

    expect(page.locator(".flash-success")).to_contain_text("Planned “Final Friday Training”")
    upcoming = page.locator(".training-list")
    expect(upcoming).to_contain_text("2 attending, 0 acknowledged")
    expect(upcoming).to_contain_text("Tess Tech not yet acknowledged")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "training-1920.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []

    page.goto(f"{live_server}/manage/planner/{monday_of(friday).isoformat()}")
    tess, tara = team["techs"][0], team["techs"][2]
    cell = page.locator(f"#cell-{tess}-{friday.isoformat()}")
    expect(cell.locator(".planner-item.training")).to_contain_text("Final Friday Training")
    expect(cell.locator(".capacity-text")).to_contain_text("2 of")
    expect(page.locator(f"#cell-{tara}-{friday.isoformat()} .planner-item")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "training-planner-1920.png"), full_page=True, caret="initial")


def test_tech_acknowledges_the_training_and_logs_time_against_it(
    app, page: Page, live_server: str, team
):
    with app.app_context():
        now = utcnow()
        start = (now - timedelta(hours=2)).replace(second=0, microsecond=0)
        manager = db.session.scalar(db.select(User).where(User.email == "mona@example.test"))
        event = training.create_event(
            manager,
            training.TrainingFields(
                TrainingKind.SHORT_NOTICE,
                "Firewall rules refresher",
                start,
                start + timedelta(hours=1),
                team["techs"][:1],
                place_or_link="Back office",
                materials="Bring the FortiGate notes.",
            ),
            now=start - timedelta(days=1),
        )
        db.session.commit()
        day, event_id = local_date(start), event.id

    _phone(page, live_server, "tess@example.test")
    page.goto(f"{live_server}/m/week")
    item = page.locator(".schedule-item", has_text="Firewall rules refresher")
    expect(item).to_contain_text("Back office")
    expect(item).to_contain_text("Materials: Bring the FortiGate notes.")
    shoot(page, "training-week-360")
    item.get_by_role("button", name="Acknowledge Firewall rules refresher").click()
    expect(item).to_contain_text("✓ Acknowledged")
    wait_until_sent(page)

    item.get_by_role("link", name="Log time on this training").click()
    expect(page.get_by_label("Or training (no client, not billable)")).to_have_value(str(event_id))
    expect(page.get_by_label("Date")).to_have_value(day.isoformat())
    page.get_by_label("Notes").fill("Went through the new rule set.")
    shoot(page, "training-entry-360")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator("main")).to_contain_text("Training: Firewall rules refresher")
    wait_until_sent(page)
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.training_event_id == event_id and entry.client_id is None
        assert not entry.billable and entry.duration() == timedelta(hours=1)
