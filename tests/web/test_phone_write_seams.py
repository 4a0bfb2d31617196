"""The phone's writes at their seams, with CSRF protection on as in production: who made a
change, what it said, when it happened, and what a second check-in adds."""

import re
import uuid
from datetime import date, timedelta

import pytest
import time_machine
from flask import Flask

from mspboard.models import (
    AgendaItem,
    CheckIn,
    IdempotencyKey,
    TimeEntry,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from tests.factories import make_client, make_user
from tests.phone_writes import JSON, send, sign_in
from tests.shop_time import at_local, today_local


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def techs(app: Flask) -> dict[str, int]:
    with app.app_context():
        elena = make_user(role="technician", email="elena@example.test", name="Elena Ruiz")
        tom = make_user(role="technician", email="tom@example.test", name="Tom Nakamura")
        db.session.commit()
        return {"elena": elena.id, "tom": tom.id}


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# ---- the fingerprint ------------------------------------------------------------------------


def test_same_key_with_a_different_body_is_refused_with_csrf_on(app, client, techs):
    token = sign_in(client, "elena@example.test")
    key = str(uuid.uuid4())
    assert send(client, token, "/m/agenda", {"text": "Vendor call"}, key=key).status_code == 201
    refused = send(client, token, "/m/agenda", {"text": "Something else"}, key=key)
    assert refused.status_code == 409
    assert "already sent with different details" in refused.get_json()["message"]
    with app.app_context():
        assert [a.text for a in db.session.scalars(db.select(AgendaItem))] == ["Vendor call"]
        assert db.session.get(IdempotencyKey, key).fingerprint != (
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256 of b""
        )


def test_same_key_and_body_with_a_fresh_token_is_a_replay_with_csrf_on(app, client, techs):
    token = sign_in(client, "elena@example.test")
    key = str(uuid.uuid4())
    first = send(client, token, "/m/agenda", {"text": "Vendor call"}, key=key)
    fresh = client.get("/m/csrf", headers=JSON).get_json()["token"]
    again = send(client, fresh, "/m/agenda", {"text": "Vendor call"}, key=key)
    assert again.status_code == first.status_code == 201
    assert again.headers["Idempotent-Replay"] == "true"
    with app.app_context():
        assert count(AgendaItem) == 1


# ---- who made it ----------------------------------------------------------------------------


def test_a_change_made_by_someone_else_is_refused_and_stored_under_nobody(app, client, techs):
    token = sign_in(client, "elena@example.test")
    with app.app_context():
        client_id = make_client().id
        db.session.commit()
    refused = send(client, token, "/m/timer/start", {"client_id": client_id}, made_by=techs["tom"])
    assert refused.status_code == 409
    answer = refused.get_json()
    assert answer["reason"] == "other_user"
    assert "made by someone else" in answer["message"] and "Elena Ruiz" in answer["message"]
    with app.app_context():
        assert count(TimeEntry) == 0 and count(IdempotencyKey) == 0
    mine = send(client, token, "/m/timer/start", {"client_id": client_id}, made_by=techs["elena"])
    assert mine.status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(TimeEntry)).tech_id == techs["elena"]


def test_the_fresh_token_names_whose_session_it_belongs_to(client, techs):
    sign_in(client, "tom@example.test")
    answer = client.get("/m/csrf", headers=JSON).get_json()
    assert answer["user"] == str(techs["tom"]) and answer["token"]


# ---- when it happened -----------------------------------------------------------------------


def test_a_change_exactly_seven_days_old_is_kept_and_one_a_second_older_is_refused(
    app, client, techs
):
    token = sign_in(client, "elena@example.test")
    now = utcnow()
    with time_machine.travel(now, tick=False):
        kept = send(client, token, "/m/agenda", {"text": "Kept"}, at=now - timedelta(days=7))
        old = send(
            client, token, "/m/agenda", {"text": "Too old"}, at=now - timedelta(days=7, seconds=1)
        )
    assert kept.status_code == 201
    assert old.status_code == 422
    assert old.get_json()["message"] == (
        "This change is older than 7 days; enter it by hand and tell your manager."
    )
    with app.app_context():
        assert [a.text for a in db.session.scalars(db.select(AgendaItem))] == ["Kept"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True, "PHONE_CHANGE_MAX_AGE_DAYS": 2}])
def test_how_old_a_change_may_be_is_a_setting(client, techs):
    token = sign_in(client, "elena@example.test")
    old = send(client, token, "/m/agenda", {"text": "x"}, at=utcnow() - timedelta(days=3))
    assert old.status_code == 422 and "older than 2 days" in old.get_json()["message"]


def test_two_minutes_ahead_is_kept_and_more_is_refused(client, techs):
    token = sign_in(client, "elena@example.test")
    now = utcnow()
    with time_machine.travel(now, tick=False):
        kept = send(client, token, "/m/agenda", {"text": "a"}, at=now + timedelta(minutes=2))
        ahead = send(
            client, token, "/m/agenda", {"text": "b"}, at=now + timedelta(minutes=2, seconds=1)
        )
    assert kept.status_code == 201
    assert ahead.status_code == 422 and "clock is ahead" in ahead.get_json()["message"]


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "1900-01-01T09:00:00Z",
        "1970-01-01T00:00:00Z",
        "2021-06-01T09:00:00+02:00",
        "not a time",
        "2026-13-45T99:00:00Z",
        "2026-12-01T09:00:00",
    ],
)
def test_no_moment_gives_a_500_or_stores_anything(app, client, techs, moment):
    token = sign_in(client, "elena@example.test")
    with app.app_context():
        client_id = make_client().id
        db.session.commit()
    for path, data in [
        ("/m/agenda", {"text": "x"}),
        ("/m/timer/start", {"client_id": client_id}),
        ("/m/checkin", {"how_it_went": "Fine"}),
        ("/m/timeoff", {"start_date": "2027-01-04", "end_date": "2027-01-05", "kind": "vacation"}),
    ]:
        headers = {**JSON, "X-CSRFToken": token, "Idempotency-Key": str(uuid.uuid4())}
        response = client.post(path, data=data, headers={**headers, "X-Client-At": moment})
        assert response.status_code in (400, 422), (path, moment, response.status_code)
        assert response.get_json()["message"]
    with app.app_context():
        assert count(AgendaItem) == count(TimeEntry) == count(CheckIn) == 0
        assert count(TimeOffRequest) == 0


def test_time_off_for_a_day_already_gone_is_refused_by_the_servers_clock(app, client, techs):
    token = sign_in(client, "elena@example.test")
    with app.app_context():
        yesterday = today_local() - timedelta(days=1)
    data = {
        "start_date": yesterday.isoformat(),
        "end_date": yesterday.isoformat(),
        "kind": "vacation",
    }
    asked_then = utcnow() - timedelta(days=2)
    refused = send(client, token, "/m/timeoff", data, at=asked_then)
    assert refused.status_code == 422 and "starts today or later" in refused.get_json()["message"]
    today = {
        **data,
        "start_date": (yesterday + timedelta(days=1)).isoformat(),
        "end_date": (yesterday + timedelta(days=1)).isoformat(),
    }
    assert send(client, token, "/m/timeoff", today, at=asked_then).status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(TimeOffRequest)).created_at == asked_then


def test_time_off_far_ahead_is_refused_with_a_message(client, techs):
    token = sign_in(client, "elena@example.test")
    data = {"start_date": "9999-12-30", "end_date": "9999-12-31", "kind": "vacation"}
    refused = send(client, token, "/m/timeoff", data)
    assert refused.status_code == 422


@pytest.mark.parametrize("week", ["0001-01-01", "1999-12-27", "9999-12-27", "2100-01-04"])
def test_a_time_card_of_a_week_nobody_means_is_not_found(client, techs, week):
    token = sign_in(client, "elena@example.test")
    assert client.get(f"/m/timecard/{week}").status_code == 404
    assert send(client, token, f"/m/timecard/{week}/submit", {}).status_code == 404


# ---- check-ins add up ---------------------------------------------------------------------


def test_a_second_check_in_the_same_day_adds_to_the_first(app, client, techs, clock):
    with app.app_context():
        wednesday = date(2026, 11, 25)
        clock.move_to(at_local(wednesday, 18))
        first_at = at_local(wednesday, 17, 5)
        later_at = first_at + timedelta(minutes=20)
    token = sign_in(client, "elena@example.test")
    first = {
        "how_it_went": "Two visits done.",
        "issue_1": "Printer toner low",
        "plan_for_tomorrow": "Oakridge firewall",
    }
    assert send(client, token, "/m/checkin", first, at=first_at).status_code == 201
    with app.app_context():
        issue = db.session.scalar(db.select(CheckIn)).issues[0]
        issue.handled_at, issue.handled_by_id = utcnow(), techs["tom"]
        db.session.commit()
    second = {
        "how_it_went": "",
        "issue_1": "Server room door sticks",
        "urgent_1": "y",
        "plan_for_tomorrow": "",
    }
    answer = send(client, token, "/m/checkin", second, at=later_at)
    assert answer.status_code == 201 and answer.get_json()["message"] == "Checked in. Thanks!"
    with app.app_context():
        checkin = db.session.scalar(db.select(CheckIn))
        assert checkin.how_it_went == "Two visits done."
        assert checkin.plan_for_tomorrow == "Oakridge firewall"
        assert [
            (i.text, i.urgent, i.handled_at is not None, i.reported_at) for i in checkin.issues
        ] == [
            ("Printer toner low", False, True, first_at),
            ("Server room door sticks", True, False, later_at),
        ]
        assert (checkin.created_at, checkin.updated_at) == (first_at, later_at)
    third = {"how_it_went": "Door fixed after all.", "plan_for_tomorrow": "Start at Kestrel"}
    assert (
        send(client, token, "/m/checkin", third, at=later_at + timedelta(minutes=1)).status_code
        == 201
    )
    with app.app_context():
        checkin = db.session.scalar(db.select(CheckIn))
        assert checkin.how_it_went == "Two visits done.\n\nDoor fixed after all."
        assert checkin.plan_for_tomorrow == "Start at Kestrel" and len(checkin.issues) == 2
    page = client.get("/m/checkin").get_data(as_text=True)
    said = re.search(r'id="checked-in">([^<]+)<', page).group(1)
    assert said.startswith("You checked in today at 17:05, and added to it at 17:26.")


def test_the_first_check_in_of_the_day_needs_words_on_the_day(client, techs):
    token = sign_in(client, "elena@example.test")
    refused = send(client, token, "/m/checkin", {"how_it_went": " ", "issue_1": "x"})
    assert refused.status_code == 422
    assert "how the day went" in refused.get_json()["message"]


def test_error_pages_answer_the_outbox_in_words(client, techs):
    token = sign_in(client, "elena@example.test")
    missing = send(client, token, "/m/entries/999999999", {"day": "2026-12-01"})
    assert missing.status_code == 404
    assert missing.get_json()["message"].startswith("Page not found.")


def test_other_users_are_not_refused_for_changes_without_a_maker(app, client, techs):
    """A plain form post (no outbox, no maker header) is the signed-in user's own."""
    token = sign_in(client, "tom@example.test")
    assert send(client, token, "/m/agenda", {"text": "Mine"}).status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(AgendaItem)).author_id == techs["tom"]
        assert db.session.get(User, techs["tom"]).name == "Tom Nakamura"


@pytest.mark.parametrize("text", ["Vendor\x00call", "Bell\x07", "Esc\x1b[31m"])
def test_control_characters_are_refused_next_to_the_field_not_a_500(app, client, techs, text):
    token = sign_in(client, "elena@example.test")
    refused = send(client, token, "/m/agenda", {"text": text})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["text"] == [
        "Remove the invisible control characters from this text."
    ]
    kept = send(client, token, "/m/agenda", {"text": "Line one\nLine two\tend"})
    assert kept.status_code == 201
    with app.app_context():
        assert [a.text for a in db.session.scalars(db.select(AgendaItem))] == [
            "Line one\nLine two\tend"
        ]


def test_a_change_meeting_its_own_first_copy_gets_the_first_answer_not_a_refusal(
    app, client, techs, monkeypatch
):
    """Two tabs send one timer start at once: the second looked for the key before the first
    committed, then found the first's running timer. It must answer as the first did."""
    from mspboard.field import writes

    token = sign_in(client, "elena@example.test")
    with app.app_context():
        client_id = make_client().id
        db.session.commit()
    key, at = str(uuid.uuid4()), utcnow() - timedelta(minutes=1)
    first = send(client, token, "/m/timer/start", {"client_id": client_id}, key=key, at=at)
    assert first.status_code == 201
    real_find, looked = writes.idempotency.find, []

    def not_yet_committed(*args):
        looked.append(1)
        return None if len(looked) == 1 else real_find(*args)

    monkeypatch.setattr(writes.idempotency, "find", not_yet_committed)
    again = send(client, token, "/m/timer/start", {"client_id": client_id}, key=key, at=at)
    assert again.status_code == 201, again.get_json()
    assert again.headers["Idempotent-Replay"] == "true"
    with app.app_context():
        assert count(TimeEntry) == 1
