"""The audit page: managers and admins read who did what and when, filtered down to one
record; technicians may not; nothing a client puts in the query string breaks it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mspboard.models import TimeCard, User, db
from mspboard.services import approvals
from mspboard.services import time_cards as tc
from tests.factories import make_user
from tests.field_factories import make_entry
from tests.shop_time import at_local, today_local

MONDAY = date(2026, 11, 16)


@pytest.fixture
def shop_zone_name() -> str:
    return "America/New_York"


def reopened_card(app, people) -> int:
    """Tom's week: submitted, approved by Priya at 14:05 UTC (09:05 in New York), reopened."""
    with app.app_context():
        tom = make_user(name="Tom Reyes")
        priya = db.session.scalar(select(User).where(User.email == people["service_manager"]))
        priya.name = "Priya Shah"
        make_entry(tom, at_local(MONDAY + timedelta(days=1), 9), 120)
        card = tc.submit_card(tom, MONDAY, now=at_local(MONDAY + timedelta(days=4), 17))
        db.session.flush()
        card_id = card.id
        db.session.commit()
    with app.app_context():
        card = db.session.get(TimeCard, card_id)
        priya = db.session.scalar(select(User).where(User.email == people["service_manager"]))
        approvals.approve_card(priya, card, card.version)
        card.decided_at = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
        db.session.flush()
        approvals.reopen_card(priya, card, card.version, "Client disputes Tuesday")
        db.session.commit()
    return card_id


def test_technicians_get_403_and_strangers_are_sent_to_sign_in(client, login_as):
    anonymous = client.get("/manage/audit")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert login_as("technician").get("/manage/audit").status_code == 403


def test_a_manager_filters_to_one_card_and_reads_who_did_what_and_when(app, login_as, people):
    card_id = reopened_card(app, people)
    manager = login_as("service_manager")
    everything = manager.get("/manage/audit").get_data(as_text=True)
    assert 'href="/manage/audit"' in everything  # in the menu
    page = manager.get(f"/manage/audit?record_type=time_cards&record_id={card_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "3 events" in text
    assert "Priya Shah reopened Tom Reyes&#39;s time card for the week of 16 Nov" in text
    assert "Priya Shah approved Tom Reyes&#39;s time card for the week of 16 Nov" in text
    assert "Tom Reyes submitted their time card for the week of 16 Nov" in text
    assert "Client disputes Tuesday" in text
    newest_first = ["reopened Tom", "approved Tom", "Tom Reyes submitted"]
    assert sorted(newest_first, key=text.index) == newest_first
    assert "the account of" not in text and "audit-event" in text  # only that record


def test_the_time_is_the_shops_and_the_changed_fields_show_before_and_after(app, login_as, people):
    card_id = reopened_card(app, people)
    text = (
        login_as("admin")
        .get(f"/manage/audit?action=timecard.approved&record_id={card_id}")
        .get_data(as_text=True)
    )
    assert "1 event" in text
    assert "Status</dt>" in text and "submitted" in text and "approved" in text
    assert "Decided by</dt>" in text and "Priya Shah" in text


def test_a_date_range_in_shop_days_and_paging_newest_first(app, login_as, people, clock):
    reopened_card(app, people)
    manager = login_as("service_manager")
    with app.app_context():
        day = today_local()
    today = manager.get(f"/manage/audit?since={day}&until={day}").get_data(as_text=True)
    assert "reopened Tom" in today
    before = day - timedelta(days=30)
    assert "No events match." in manager.get(
        f"/manage/audit?since={before}&until={before + timedelta(days=1)}"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "record_id=abc",
        "record_id=99999999999999999999",
        "since=9999-01-01",
        "since=2026-11-25&until=2026-11-01",
        "page=-3",
        "page=1e9",
        "action=drop.tables",
        "actor=%00",
        "record_type=users%27--",
    ],
)
def test_bad_filters_are_refused_on_the_page_not_with_a_500(login_as, query):
    response = login_as("service_manager").get(f"/manage/audit?{query}")
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
