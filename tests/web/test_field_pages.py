"""The phone pages under /m/: what a technician sees, online."""

from datetime import timedelta

import pytest
from flask import Flask

from mspboard.models import User, db, utcnow
from mspboard.services.time_weeks import local_midnight, week_start_of
from tests.conftest import count_queries
from tests.factories import make_client, make_sr
from tests.field_factories import make_card, make_entry, make_schedule_item, make_time_off
from tests.shop_time import today_local


def _tech(app: Flask) -> User:
    return db.session.scalar(db.select(User).where(User.email == "tech@example.test"))


@pytest.mark.parametrize(
    "path",
    [
        "/m/",
        "/m/queue",
        "/m/week",
        "/m/timecard",
        "/m/checkin",
        "/m/timeoff",
        "/m/agenda",
        "/m/entries/new",
    ],
)
def test_every_phone_page_opens_for_a_technician(login_as, path):
    response = login_as("technician").get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="outbox-count"' in html and 'rel="manifest"' in html


def test_phone_pages_are_for_technicians_only(login_as):
    assert login_as("service_manager").get("/m/week").status_code == 403


def test_today_shows_the_running_timer_totals_and_next_sr(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech(app)
        first = make_sr(assignee=tech, priority=1, title="Mail down")
        make_sr(assignee=tech, priority=3, title="New laptop")
        make_entry(tech, utcnow() - timedelta(minutes=30), minutes=None, sr=first)
        db.session.commit()
    html = client.get("/m/").get_data(as_text=True)
    assert "Running since" in html and "Mail down" in html
    assert "New laptop" in html  # the next SR, not the one being timed
    assert ">Stop<" in html


def test_queue_is_p1_first_then_oldest(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech(app)
        now = utcnow()
        make_sr(assignee=tech, priority=3, title="Old P3", created_at=now - timedelta(days=9))
        make_sr(assignee=tech, priority=1, title="New P1", created_at=now)
        make_sr(assignee=tech, priority=3, title="New P3", created_at=now - timedelta(days=1))
        make_sr(assignee=tech, status="done", title="Closed one")
        db.session.commit()
    html = client.get("/m/queue").get_data(as_text=True)
    assert html.index("New P1") < html.index("Old P3") < html.index("New P3")
    assert "Closed one" not in html


def test_sr_page_offers_a_timer(app, login_as):
    client = login_as("technician")
    with app.app_context():
        sr_id = make_sr(assignee=_tech(app), title="Switch swap").id
        db.session.commit()
    html = client.get(f"/m/sr/{sr_id}").get_data(as_text=True)
    assert "Switch swap" in html and "Start timer" in html


def test_week_shows_items_to_acknowledge_and_changes(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech(app)
        item = make_schedule_item(tech, utcnow() + timedelta(hours=1), title="Backup audit")
        item.acknowledged_version = 1
        item.acknowledged_at = utcnow()
        item.acknowledged_snapshot = {
            "title": "Old title",
            "starts_at": item.starts_at.isoformat(),
            "ends_at": item.ends_at.isoformat(),
            "out_of_town": False,
            "travel_notes": "",
            "sr_id": None,
        }
        item.version = 2
        make_schedule_item(tech, utcnow() + timedelta(hours=4), title="Firewall rules")
        next_week = today_local() + timedelta(days=7)
        make_time_off(tech, next_week, next_week)
        db.session.commit()
    html = client.get("/m/week").get_data(as_text=True)
    assert "Time off (vacation)" in html  # approved time off shows as a block next week
    assert "Backup audit" in html and "Changed" in html and "Title was “Old title”" in html
    assert "Acknowledge all" in html and "Firewall rules" in html


def test_timecard_shows_totals_warnings_and_deadline(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech(app)
        # Started five minutes ago, or at midnight if this week began less than five minutes
        # ago: a timer counts in the week it started in, and this is this week's card.
        started = max(utcnow() - timedelta(minutes=5), local_midnight(week_start_of(utcnow())))
        make_entry(tech, started, minutes=None, client=make_client())
        db.session.commit()
    html = client.get("/m/timecard").get_data(as_text=True)
    assert "A timer is still running." in html
    # This week's deadline has passed by Sunday morning.
    assert ("Due by" in html) != ("Overdue since" in html)


def test_rejected_card_shows_the_reason_and_approved_card_has_no_edit(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech(app)
        this_week = week_start_of(utcnow())
        last_week = this_week - timedelta(days=7)
        make_card(tech, this_week, status="rejected", reason="Friday missing")
        make_card(tech, last_week, status="approved")
        make_entry(tech, utcnow() - timedelta(days=7), minutes=60)
        db.session.commit()
    rejected = client.get("/m/timecard").get_data(as_text=True)
    assert "Friday missing" in rejected and "Submit again" in rejected
    approved = client.get(f"/m/timecard/{last_week.isoformat()}").get_data(as_text=True)
    assert "read-only" in approved and "Edit" not in approved and "Delete" not in approved


def test_timecard_week_must_be_a_monday(login_as):
    client = login_as("technician")
    assert client.get("/m/timecard/2026-11-25").status_code == 404
    assert client.get("/m/timecard/not-a-date").status_code == 404


def test_service_worker_is_served_from_the_root_with_a_versioned_cache(client):
    response = client.get("/sw.js")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "javascript" in response.content_type
    assert '"version": "' in body and "/static/js/outbox.js" in body
    assert response.headers["Cache-Control"] == "no-cache"


def test_manifest_names_the_phone_view_and_its_icons(client):
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    assert manifest["start_url"] == "/m/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200
        response.close()


def test_fresh_csrf_token_for_the_outbox(login_as):
    response = login_as("technician").get("/m/csrf")
    assert response.get_json()["token"] and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/m/", "/m/queue", "/m/timecard", "/m/week"])
def test_phone_pages_do_not_query_once_per_row(app, login_as, path):
    client = login_as("technician")

    def add_rows(how_many: int) -> None:
        with app.app_context():
            tech = _tech(app)
            for n in range(how_many):
                sr = make_sr(assignee=tech, title=f"SR {n}")
                make_entry(tech, utcnow() - timedelta(hours=2, minutes=n), minutes=1, sr=sr)
                make_schedule_item(tech, utcnow() + timedelta(hours=1 + n), sr=sr)
            db.session.commit()

    add_rows(2)
    few = count_queries(app, client, path)
    add_rows(6)
    assert count_queries(app, client, path) == few


def test_last_weeks_unsent_card_says_overdue_on_the_phone(app, login_as):
    client = login_as("technician")
    with app.app_context():
        last_week = week_start_of(utcnow()) - timedelta(days=7)
    html = client.get(f"/m/timecard/{last_week.isoformat()}").get_data(as_text=True)
    assert "Overdue since Fri " in html and "Submit time card" in html
