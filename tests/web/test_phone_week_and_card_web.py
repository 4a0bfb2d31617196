"""The phone's week opens on the week to acknowledge, the time card says when it is overdue,
and check-in and time off each have their own tab."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import User, db, utcnow
from mspboard.services.local_time import wall_label
from mspboard.services.time_cards import submission_deadline
from mspboard.services.time_weeks import week_start_of
from tests.field_factories import make_card, make_schedule_item
from tests.shop_time import at_local


@pytest.fixture(autouse=True)
def _held_still(stopped): ...


@pytest.fixture
def tech(app, people):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == people["technician"]))


def schedule(app, tech_id, weeks_ahead: int, acknowledged: bool, title: str) -> None:
    with app.app_context():
        user = db.session.get(User, tech_id)
        monday = week_start_of(utcnow()) + timedelta(days=7 * weeks_ahead)
        item = make_schedule_item(user, at_local(monday + timedelta(days=2), 10), title=title)
        if acknowledged:
            item.acknowledged_version = item.version
        db.session.commit()


def order_of(page: str) -> list[str]:
    return sorted(("This week", "Next week"), key=lambda name: page.index(f">{name} <span"))


def test_the_week_to_acknowledge_comes_first(app, login_as, tech):
    schedule(app, tech, 0, acknowledged=True, title="Patch servers")
    schedule(app, tech, 1, acknowledged=False, title="Replace UPS")
    page = login_as("technician").get("/m/week").get_data(as_text=True)
    assert order_of(page) == ["Next week", "This week"]
    assert page.index("Acknowledge all") < page.index("Patch servers")


def test_this_week_comes_first_when_it_too_waits_or_nothing_does(app, login_as, tech):
    client = login_as("technician")
    assert order_of(client.get("/m/week").get_data(as_text=True)) == ["This week", "Next week"]
    schedule(app, tech, 0, acknowledged=False, title="Patch servers")
    schedule(app, tech, 1, acknowledged=False, title="Replace UPS")
    assert order_of(client.get("/m/week").get_data(as_text=True)) == ["This week", "Next week"]


def deadline_of_this_week(app):
    with app.app_context():
        week = week_start_of(utcnow())
        deadline = submission_deadline(week)
        return deadline, wall_label(deadline, "%a %d %b %H:%M"), week


def test_the_card_is_due_up_to_its_deadline_and_overdue_from_the_second_after(
    app, login_as, tech, stopped
):
    deadline, label, week = deadline_of_this_week(app)
    stopped.move_to(deadline)  # before signing in: a session never comes from the future
    client = login_as("technician")
    page = client.get("/m/timecard").get_data(as_text=True)
    assert f"Due by <strong>{label}</strong>" in page and "Overdue" not in page
    stopped.move_to(deadline + timedelta(seconds=1))
    page = client.get(f"/m/timecard/{week.isoformat()}").get_data(as_text=True)
    assert f"Overdue since {label}</strong>" in page and "Due by" not in page


def test_a_card_sent_back_after_the_deadline_is_overdue_and_a_submitted_one_is_not(
    app, login_as, tech, stopped
):
    deadline, label, week = deadline_of_this_week(app)
    with app.app_context():
        card = make_card(db.session.get(User, tech), week, "rejected", reason="Friday missing")
        db.session.commit()
        card_id = card.id
    stopped.move_to(deadline + timedelta(days=2))
    client = login_as("technician")
    page = client.get(f"/m/timecard/{week.isoformat()}").get_data(as_text=True)
    assert f"Overdue since {label}" in page
    with app.app_context():
        from mspboard.models import TimeCard

        db.session.get(TimeCard, card_id).status = "submitted"
        db.session.commit()
    page = client.get(f"/m/timecard/{week.isoformat()}").get_data(as_text=True)
    assert "Overdue" not in page and "waiting for approval" in page


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/m/checkin", "Check-in"),
        ("/m/agenda", "Check-in"),
        ("/m/timeoff", "Time off"),
        ("/m/timecard", "Time"),
    ],
)
def test_check_in_and_time_off_each_have_their_own_tab(login_as, path, current):
    page = login_as("technician").get(path).get_data(as_text=True)
    tabs = page[page.index('<nav class="tabbar"') :]
    marked = [
        line.split(">")[-2].split("<")[0]
        for line in tabs.splitlines()
        if 'aria-current="page"' in line
    ]
    assert marked == [current]
    assert ">Time off</a>" in tabs and ">Check-in</a>" in tabs
