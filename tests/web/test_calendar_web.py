"""Calendar feed routes: the .ics by token with no sign-in, turning feeds on and off from
/m/week and /calendar/team, and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mspboard.models import CalendarFeed, User, db, utcnow
from mspboard.services import calendar_feeds
from tests.conftest import login
from tests.factories import PASSWORD, make_user
from tests.field_factories import make_schedule_item


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def new_feed(app: Flask, email: str) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        token = calendar_feeds.turn_on(user).token
        db.session.commit()
        return token


def feeds_of(app: Flask, email: str) -> list[CalendarFeed]:
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.email == email))
        feeds = db.session.scalars(
            select(CalendarFeed).where(CalendarFeed.user_id == uid).order_by(CalendarFeed.id)
        ).all()
        db.session.expunge_all()
        return list(feeds)


def shown_url(page: str) -> str:
    match = re.search(
        r'id="calendar-feed-url" class="copy-url" type="text" readonly value="([^"]+)"', page
    )
    assert match, page
    return match.group(1)


@pytest.fixture
def tech_item(app: Flask, people) -> int:
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        start = (utcnow() + timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)
        item = make_schedule_item(tech, start, title="Replace UPS")
        db.session.commit()
        return item.id


# ---- the feed by token -----------------------------------------------------------------------


def test_feed_by_token_needs_no_sign_in_and_is_parseable_icalendar(
    app: Flask, client: FlaskClient, people, tech_item: int
):
    token = new_feed(app, people["technician"])
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="schedule.ics"'
    assert "Set-Cookie" not in response.headers
    body = response.get_data()
    parsed = icalendar.Calendar.from_ical(body)
    events = {str(event["UID"]): event for event in parsed.walk("VEVENT")}
    event = events[f"schedule-{tech_item}@mspboard"]
    assert str(event["SUMMARY"]) == "Replace UPS"
    assert event.decoded("DTSTART").tzinfo is not None
    assert b"DTSTART:" in body and b"Z\r\n" in body  # the test shop runs on UTC
    other = vobject.readOne(body.decode())
    assert [e.summary.value for e in other.vevent_list] == ["Replace UPS"]


def test_reading_the_feed_records_when_it_was_last_used(app: Flask, client: FlaskClient, people):
    token = new_feed(app, people["technician"])
    assert feeds_of(app, people["technician"])[0].last_used_at is None
    client.get(f"/calendar/{token}.ics")
    assert feeds_of(app, people["technician"])[0].last_used_at is not None


def test_an_unchanged_feed_answers_not_modified(app: Flask, client: FlaskClient, people):
    token = new_feed(app, people["technician"])
    first = client.get(f"/calendar/{token}.ics")
    again = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_token_is_404(client: FlaskClient, people):
    response = client.get("/calendar/not-a-real-token.ics")
    assert response.status_code == 404
    assert "text/calendar" not in response.headers["Content-Type"]


def test_revoked_token_is_404(app: Flask, client: FlaskClient, people):
    token = new_feed(app, people["technician"])
    with app.app_context():
        tech = db.session.get(User, user_id(app, people["technician"]))
        calendar_feeds.turn_off(tech)
        db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_signed_in_or_not_the_token_decides(app: Flask, login_as, people):
    token = new_feed(app, people["technician"])
    manager = login_as("service_manager")
    assert manager.get(f"/calendar/{token}.ics").status_code == 200


# ---- a technician on /m/week -----------------------------------------------------------------


def test_week_page_offers_to_turn_the_feed_on(login_as):
    page = login_as("technician").get("/m/week").get_data(as_text=True)
    assert 'id="calendar-feed"' in page
    assert "Turn on calendar feed" in page
    assert 'action="/calendar/feeds"' in page
    form = page[page.index('action="/calendar/feeds"') - 200 :]
    assert "data-outbox" not in form[: form.index("</form>")]


def test_tech_turns_the_feed_on_sees_the_url_once_then_turns_it_off(
    app: Flask, login_as, people, tech_item: int
):
    client = login_as("technician")
    response = client.post("/calendar/feeds")
    assert response.status_code == 302
    assert response.headers["Location"] == "/m/week#calendar-feed"
    page = client.get("/m/week").get_data(as_text=True)
    url = shown_url(page)
    assert url.startswith("http://localhost/calendar/") and url.endswith(".ics")
    assert 'href="webcal://localhost/calendar/' in page
    feeds = feeds_of(app, people["technician"])
    assert len(feeds) == 1 and feeds[0].scope == "mine" and feeds[0].is_active
    assert client.get(url.removeprefix("http://localhost")).status_code == 200

    again = client.get("/m/week")
    assert "Set-Cookie" not in again.headers  # the URL is gone from the session too
    later = again.get_data(as_text=True)
    assert 'id="calendar-feed-url"' not in later and url not in later
    assert "On since" in later and "Last read by a calendar app" in later
    assert "Make a new link" in later and "Turn off" in later

    off = client.post("/calendar/feeds/off")
    assert off.status_code == 302 and off.headers["Location"] == "/m/week#calendar-feed"
    page = client.get("/m/week").get_data(as_text=True)
    assert "Your calendar feed is off" in page and "Turn on calendar feed" in page
    assert client.get(url.removeprefix("http://localhost")).status_code == 404


def test_make_a_new_link_stops_the_old_one_and_shows_the_new_one(app: Flask, login_as):
    client = login_as("technician")
    client.post("/calendar/feeds")
    old = shown_url(client.get("/m/week").get_data(as_text=True))
    client.post("/calendar/feeds")
    new = shown_url(client.get("/m/week").get_data(as_text=True))
    assert new != old
    assert client.get(old.removeprefix("http://localhost")).status_code == 404
    assert client.get(new.removeprefix("http://localhost")).status_code == 200


def test_a_tech_cannot_revoke_another_techs_feed(app: Flask, client: FlaskClient, people):
    token = new_feed(app, people["technician"])
    with app.app_context():
        make_user(role="technician", email="other@example.test")
        db.session.commit()
    login(client, "other@example.test")
    client.post("/calendar/feeds/off")
    client.post("/calendar/feeds")
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    page = client.get("/m/week").get_data(as_text=True)
    assert token not in page
    assert feeds_of(app, people["technician"])[0].is_active


def test_turning_feeds_on_or_off_needs_a_sign_in(app: Flask, client: FlaskClient, people):
    for path in ("/calendar/feeds", "/calendar/feeds/off"):
        response = client.post(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/calendar/team").headers["Location"].startswith("/login")
    assert feeds_of(app, people["technician"]) == []


# ---- the manager's team feed -----------------------------------------------------------------


def test_team_page_is_403_for_a_tech(login_as):
    assert login_as("technician").get("/calendar/team").status_code == 403


@pytest.mark.parametrize("role", ["service_manager", "admin"])
def test_team_page_is_there_for_managers_and_admins(login_as, role):
    response = login_as(role).get("/calendar/team")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Team calendar feed" in page and "Turn on calendar feed" in page


def test_manager_turns_the_team_feed_on_and_it_covers_the_techs(
    app: Flask, login_as, people, tech_item: int
):
    client = login_as("service_manager")
    response = client.post("/calendar/feeds")
    assert response.headers["Location"] == "/calendar/team"
    url = shown_url(client.get("/calendar/team").get_data(as_text=True))
    assert feeds_of(app, people["service_manager"])[0].scope == "team"
    body = client.get(url.removeprefix("http://localhost")).get_data()
    with app.app_context():
        tech_name = db.session.scalar(select(User.name).where(User.email == people["technician"]))
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert summaries == [f"{tech_name}: Replace UPS"]
    client.post("/calendar/feeds/off")
    assert client.get(url.removeprefix("http://localhost")).status_code == 404


def test_feed_times_are_the_stored_utc_times(app: Flask, client: FlaskClient, people):
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        start = datetime.combine(utcnow().date() + timedelta(days=2), datetime.min.time(), UTC)
        item = make_schedule_item(tech, start + timedelta(hours=9), hours=3)
        expected = (item.starts_at, item.ends_at)
        token = calendar_feeds.turn_on(tech).token
        db.session.commit()
    body = client.get(f"/calendar/{token}.ics").get_data()
    event = next(iter(icalendar.Calendar.from_ical(body).walk("VEVENT")))
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == expected


# ---- CSRF, on as in production ---------------------------------------------------------------


def csrf_from(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


class TestWithCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def tech_client(self, client: FlaskClient, people) -> FlaskClient:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            data={"email": people["technician"], "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        return client

    def test_turning_a_feed_on_without_the_token_is_refused(self, app, tech_client, people):
        response = tech_client.post("/calendar/feeds")
        assert response.status_code == 400
        assert feeds_of(app, people["technician"]) == []

    def test_the_panels_own_form_turns_it_on_and_off(self, app, tech_client, people):
        page = tech_client.get("/m/week").get_data(as_text=True)
        panel = page[page.index('id="calendar-feed"') :]
        response = tech_client.post("/calendar/feeds", data={"csrf_token": csrf_from(panel)})
        assert response.status_code == 302
        assert feeds_of(app, people["technician"])[0].is_active
        refused = tech_client.post("/calendar/feeds/off")
        assert refused.status_code == 400
        assert feeds_of(app, people["technician"])[0].is_active
        page = tech_client.get("/m/week").get_data(as_text=True)
        panel = page[page.index('id="calendar-feed"') :]
        tech_client.post("/calendar/feeds/off", data={"csrf_token": csrf_from(panel)})
        assert not feeds_of(app, people["technician"])[0].is_active
