"""The duty lists over HTTP: who may open and edit them, bad input next to the field, a stale
edit shown as a 409, the manager's ticks on Today (htmx and without scripts), the phone's
ticks through the outbox exactly once, the review reminder, and constant query counts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import Duty, DutyListReview, DutyTick, IdempotencyKey, User, db, utcnow
from mspboard.services.people import duties
from tests.conftest import count_queries
from tests.factories import make_user
from tests.shop_time import at_local, today_local

HTMX = {"HX-Request": "true"}


@pytest.fixture
def lists(app, people):
    with app.app_context():
        duties.load_standard_duties(None)
        db.session.commit()


def _duty(app, role: str, cadence: str, index: int = 0) -> int:
    with app.app_context():
        return db.session.scalars(
            select(Duty.id)
            .where(Duty.role == role, Duty.cadence == cadence)
            .order_by(Duty.position)
        ).all()[index]


def _ticks(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(DutyTick.duty_id, DutyTick.user_id, DutyTick.period_start).order_by(DutyTick.id)
        ).all()


def test_only_the_admin_opens_and_edits_the_duty_lists(client, login_as, lists, app):
    duty_id = _duty(app, "technician", "daily")
    anonymous = client.get("/admin/duties")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for role in ("technician", "service_manager"):
        login_as(role)
        assert client.get("/admin/duties").status_code == 403
        assert client.post(f"/admin/duties/{duty_id}", data={"title": "x"}).status_code == 403
        assert client.post("/admin/duties/reviewed").status_code == 403
        client.get("/logout")
    login_as("admin")
    page = client.get("/admin/duties")
    assert page.status_code == 200
    assert "Work SRs as assigned, highest priority first" in page.get_data(as_text=True)


def test_a_tech_never_reaches_the_desks_tick(client, login_as, lists, app):
    login_as("technician")
    duty_id = _duty(app, "service_manager", "daily")
    assert client.post(f"/manage/duties/{duty_id}/tick", data={"done": "1"}).status_code == 403
    assert _ticks(app) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("link", "https://example.test/", "Pick a page from the list, or none."),
        ("link", "auth.logout", "Pick a page from the list, or none."),
        ("cadence", "hourly", "Pick daily, weekly, monthly, quarterly or yearly."),
        ("title", "", "Say what the duty is."),
        ("title", "Bad\x00title", "Remove the invisible control characters"),
        ("title", "x" * 201, "Keep it under 200 characters."),
    ],
)
def test_a_bad_duty_is_refused_next_to_its_field(client, login_as, app, field, value, message):
    login_as("admin")
    data = {"technician-title": "Read the shop mail", "technician-cadence": "daily"}
    data["technician-link"] = "field.queue"
    data[f"technician-{field}"] = value
    answer = client.post("/admin/duties/technician/new", data=data)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'id="technician-{field}-error"' in page and message in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Duty)) == 0


def test_the_admin_adds_a_duty_with_a_page_and_it_shows_on_the_phone(client, login_as, app):
    login_as("admin")
    data = {
        "technician-title": "Read the shop mail",
        "technician-cadence": "daily",
        "technician-link": "field.queue",
    }
    answer = client.post("/admin/duties/technician/new", data=data)
    assert answer.status_code == 302
    client.get("/logout")
    login_as("technician")
    today = client.get("/m/").get_data(as_text=True)
    assert '<a href="/m/queue">Read the shop mail</a>' in today


def test_a_stale_edit_is_a_409_showing_the_other_change(client, login_as, lists, app):
    duty_id = _duty(app, "technician", "daily")
    login_as("admin")
    form = {"title": "Work the queue, P1 first", "cadence": "daily", "link": "field.queue"}
    assert client.post(f"/admin/duties/{duty_id}", data={**form, "version": "1"}).status_code == 302
    stale = client.post(f"/admin/duties/{duty_id}", data={**form, "title": "Mine", "version": "1"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "changed this to “Work the queue, P1 first”" in page
    with app.app_context():
        assert db.session.get(Duty, duty_id).title == "Work the queue, P1 first"


def test_retire_from_an_old_page_is_a_409(client, login_as, lists, app):
    duty_id = _duty(app, "technician", "weekly")
    login_as("admin")
    form = {"title": "Renamed", "cadence": "weekly", "link": "", "version": "1"}
    client.post(f"/admin/duties/{duty_id}", data=form)
    answer = client.post(f"/admin/duties/{duty_id}/retire", data={"version": "1", "retired": "1"})
    assert answer.status_code == 409
    assert "changed the title to “Renamed”" in answer.get_data(as_text=True)
    ok = client.post(f"/admin/duties/{duty_id}/retire", data={"version": "2", "retired": "1"})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(Duty, duty_id).retired_at is not None


def test_mark_reviewed_clears_the_reminder_on_the_managers_today(client, login_as, lists, app):
    login_as("service_manager")
    assert "Duty lists due for review." in client.get("/manage/today").get_data(as_text=True)
    client.get("/logout")
    login_as("admin")
    assert client.post("/admin/duties/reviewed").status_code == 302
    assert "Duty lists due for review." not in client.get("/admin/duties").get_data(as_text=True)
    client.get("/logout")
    login_as("service_manager")
    assert "Duty lists due for review." not in client.get("/manage/today").get_data(as_text=True)


@pytest.mark.parametrize(("days_ago", "shown"), [(92, False), (93, True)])
def test_the_reminder_shows_on_today_from_the_93rd_day(
    client, login_as, lists, app, stopped, days_ago, shown
):
    with app.app_context():
        today = today_local()
        reviewed = at_local(today - timedelta(days=days_ago), 12)
        db.session.add(DutyListReview(reviewed_at=reviewed))
        db.session.commit()
    login_as("service_manager")
    page = client.get("/manage/today").get_data(as_text=True)
    assert ("Duty lists due for review." in page) is shown


def test_the_manager_ticks_a_duty_on_today_with_htmx_and_without(client, login_as, lists, app):
    duty_id = _duty(app, "service_manager", "daily")
    login_as("service_manager")
    swapped = client.post(f"/manage/duties/{duty_id}/tick", data={"done": "1"}, headers=HTMX)
    assert swapped.status_code == 200
    fragment = swapped.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="today-duties"') and "1/11 done" in fragment
    assert "Done: Track billable vs non-billable" in fragment
    again = client.post(f"/manage/duties/{duty_id}/tick", data={"done": "1"})
    assert again.status_code == 303 and again.headers["Location"].endswith(
        "/manage/today#today-duties"
    )
    assert len(_ticks(app)) == 1
    client.post(f"/manage/duties/{duty_id}/tick", data={"done": "0"}, headers=HTMX)
    assert _ticks(app) == []


def test_the_phone_tick_lands_once_for_the_day_it_was_made(app, lists):
    from tests.phone_writes import send, sign_in

    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.role == "technician"))
        tech_id, email = tech.id, tech.email
    token = sign_in(client, email)
    duty_id = _duty(app, "technician", "daily")
    key = str(uuid.uuid4())
    made = utcnow() - timedelta(days=1)
    first = send(client, token, f"/m/duties/{duty_id}/tick", {"done": "1"}, key=key, at=made)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["message"].endswith(": done.")
    replay = send(client, token, f"/m/duties/{duty_id}/tick", {"done": "1"}, key=key, at=made)
    assert replay.headers.get("Idempotent-Replay") == "true"
    with app.app_context():
        from mspboard.services.time_weeks import local_date

        assert _ticks(app) == [(duty_id, tech_id, local_date(made))]
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
    refused = send(client, token, f"/m/duties/{duty_id}/tick", {"done": "maybe"})
    assert refused.status_code == 422
    desk = _duty(app, "service_manager", "daily")
    not_yours = send(client, token, f"/m/duties/{desk}/tick", {"done": "1"})
    assert (
        not_yours.status_code == 422 and "service manager's list" in not_yours.get_json()["message"]
    )


def test_today_pages_read_the_duties_in_constant_queries(app, client, login_as, lists):
    login_as("service_manager")
    before = count_queries(app, client, "/manage/today")
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.role == "service_manager"))
        for n in range(15):
            duty = duties.add_duty(
                manager, "service_manager", duties.DutyValues(f"D{n}", "daily", "")
            )
            duties.tick(make_user(role="admin"), duty, True, utcnow())
        db.session.commit()
    assert count_queries(app, client, "/manage/today") == before
