"""My goals on the phone, through `phone_write` with CSRF on: a progress note and a status
move land once with the phone's moment however often they are sent, only on the tech's own
goals, bad input is a 422 next to the field, and the page is kept for offline reading."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from mspboard.models import Goal, GoalNote, GoalPeriod, db, utcnow
from mspboard.services.people import certifications as certs
from mspboard.services.people import goals
from mspboard.services.people.certifications import CertificationFields
from tests.factories import make_user
from tests.phone_writes import JSON, send, sign_in
from tests.shop_time import today_local


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The phone's moments are set against one still "now", at any --at."""


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def shop(app: Flask) -> dict:
    with app.app_context():
        elena = make_user(role="technician", email="elena@example.test", name="Elena Ruiz")
        tom = make_user(role="technician", email="tom@example.test", name="Tom Nakamura")
        mia = make_user(role="service_manager", email="mia@example.test", name="Mia Manager")
        today = today_local()
        goal = goals.add_goal(
            elena, period=GoalPeriod.QUARTER, starts=today, title="Close 40 SRs", by=mia
        )
        year = goals.add_goal(elena, period=GoalPeriod.YEAR, starts=today, title="Mentor", by=mia)
        goals.add_note(mia, year, "Paired with Tom twice", utcnow() - timedelta(days=1))
        certs.add_certification(
            mia,
            elena,
            CertificationFields(
                "Security+", "CompTIA", today - timedelta(days=700), today + timedelta(days=20)
            ),
        )
        toms = goals.add_goal(tom, period=GoalPeriod.QUARTER, starts=today, title="Tom's", by=mia)
        db.session.commit()
        return {"goal": goal.id, "year": year.id, "toms": toms.id, "elena": elena.id}


def _notes(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(select(GoalNote.body, GoalNote.created_at, GoalNote.author_id))
        return sorted(rows.all(), key=lambda row: row[1])


def test_my_goals_show_this_quarters_and_years_goals_notes_and_certifications(client, shop):
    sign_in(client, "elena@example.test")
    page = client.get("/m/goals").get_data(as_text=True)
    assert "Close 40 SRs" in page and "Mentor" in page and "Tom's" not in page
    assert "Paired with Tom twice" in page and "Mia Manager" in page
    assert "Security+" in page and "Expires in 20 days" in page
    assert 'data-outbox data-label="Goal: Close 40 SRs" data-kind="goal"' in page
    assert "/m/goals" in client.get("/m/offline-pages", headers=JSON).get_json()["pages"]
    assert 'href="/m/goals"' in client.get("/m/").get_data(as_text=True)


def test_a_note_and_a_status_move_land_once_with_the_phone_moment(app, client, shop):
    token = sign_in(client, "elena@example.test")
    at = (utcnow() - timedelta(minutes=30)).replace(microsecond=0)
    key = str(uuid.uuid4())
    path = f"/m/goals/{shop['goal']}"
    data = {"body": "30 closed, 10 to go", "status": "on_track"}
    first = send(client, token, path, data, key=key, at=at)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["message"] == "Close 40 SRs: note added and on track."
    again = send(client, token, path, data, key=key, at=at)
    assert again.status_code == 201 and again.headers["Idempotent-Replay"] == "true"
    assert _notes(app)[-1] == ("30 closed, 10 to go", at, shop["elena"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GoalNote)) == 2
        assert db.session.get(Goal, shop["goal"]).status == "on_track"
    met = send(client, token, path, {"body": "", "status": "met"})
    assert met.status_code == 200 and met.get_json()["message"] == "Close 40 SRs: met."
    with app.app_context():
        goal = db.session.get(Goal, shop["goal"])
        assert goal.status == "met" and goal.decided_at == utcnow()


def test_another_techs_goal_is_refused_and_nothing_is_stored(app, client, shop):
    token = sign_in(client, "elena@example.test")
    refused = send(client, token, f"/m/goals/{shop['toms']}", {"body": "Mine", "status": ""})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Goal, shop["toms"]).notes == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": "", "status": "open"}, "body"),
        ({"body": "x" * 2001, "status": "open"}, "body"),
        ({"body": "ok", "status": "finished"}, "status"),
        ({"body": "a\x00b", "status": "open"}, "body"),
    ],
)
def test_bad_progress_is_a_422_next_to_the_field(app, client, shop, data, field):
    token = sign_in(client, "elena@example.test")
    refused = send(client, token, f"/m/goals/{shop['goal']}", data)
    assert refused.status_code == 422
    body = refused.get_json()
    assert field in body["errors"]
    assert f'id="goal-form-{shop["goal"]}"' in body["html"]
    assert f'id="goal-form-{shop["goal"]}-{field}-error"' in body["html"]
    assert _notes(app) == [("Paired with Tom twice", _notes(app)[0][1], _notes(app)[0][2])]
