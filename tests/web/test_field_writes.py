"""Writes from the phone: one UUID, one change, however often it arrives."""

import uuid
from datetime import timedelta

from flask import Flask

from mspboard.models import AgendaItem, CheckIn, IdempotencyKey, TimeEntry, User, db, utcnow
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_weeks import week_start_of
from tests.factories import make_client, make_sr
from tests.field_factories import make_card, make_entry, make_schedule_item
from tests.shop_time import at_local, today_local

JSON = {"Accept": "application/json"}


def _tech() -> User:
    return db.session.scalar(db.select(User).where(User.email == "tech@example.test"))


def _send(client, path, data, key=None, at=None, json=True):
    key = key or str(uuid.uuid4())
    headers = {"Idempotency-Key": key, **(JSON if json else {})}
    if at is not None:
        headers["X-Client-At"] = at.isoformat()
    return client.post(path, data=data, headers=headers)


def _sr_for_tech(app: Flask) -> int:
    with app.app_context():
        sr_id = make_sr(assignee=_tech(), status="new").id
        db.session.commit()
    return sr_id


def test_timer_start_records_the_phone_moment_not_the_sync_moment(app, login_as):
    client = login_as("technician")
    sr_id = _sr_for_tech(app)
    on_phone = utcnow() - timedelta(hours=2)
    key = str(uuid.uuid4())
    response = _send(client, "/m/timer/start", {"sr_id": sr_id}, key=key, at=on_phone)
    assert response.status_code == 201 and response.get_json()["ok"]
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.uuid == key and entry.started_at == on_phone
        assert entry.created_at == on_phone and entry.synced_at > on_phone + timedelta(hours=1)
        assert entry.service_request.status == "in_progress"


def test_replaying_the_same_key_returns_the_first_answer_and_changes_nothing(app, login_as):
    client = login_as("technician")
    sr_id = _sr_for_tech(app)
    at = utcnow() - timedelta(minutes=3)
    key = str(uuid.uuid4())
    first = _send(client, "/m/timer/start", {"sr_id": sr_id, "at": at.isoformat()}, key=key)
    again = _send(client, "/m/timer/start", {"sr_id": sr_id, "at": at.isoformat()}, key=key)
    assert again.status_code == first.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replay"] == "true"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(TimeEntry)) == 1
        stored = db.session.get(IdempotencyKey, key)
        assert stored.response_status == 201 and len(stored.fingerprint) == 64


def test_same_key_with_a_different_body_is_refused_with_409(app, login_as):
    client = login_as("technician")
    key = str(uuid.uuid4())
    assert _send(client, "/m/agenda", {"text": "Vendor call"}, key=key).status_code == 201
    refused = _send(client, "/m/agenda", {"text": "Something else"}, key=key)
    assert refused.status_code == 409
    assert "already sent with different details" in refused.get_json()["message"]
    with app.app_context():
        assert [a.text for a in db.session.scalars(db.select(AgendaItem))] == ["Vendor call"]


def test_a_fresh_csrf_token_does_not_make_a_replay_look_different(app, login_as):
    client = login_as("technician")
    key = str(uuid.uuid4())
    _send(client, "/m/agenda", {"text": "Note", "csrf_token": "old"}, key=key)
    again = _send(client, "/m/agenda", {"text": "Note", "csrf_token": "new"}, key=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replay"] == "true"


def test_another_users_key_is_not_replayed_to_them(app, client, people):
    from tests.conftest import login

    key = str(uuid.uuid4())
    login(client, people["technician"])
    _send(client, "/m/agenda", {"text": "Mine"}, key=key)
    client.post("/logout")
    with app.app_context():
        from tests.factories import make_user

        make_user(role="technician", email="other@example.test")
        db.session.commit()
    login(client, "other@example.test")
    assert _send(client, "/m/agenda", {"text": "Mine"}, key=key).status_code == 409


def test_a_write_needs_a_uuid(login_as):
    client = login_as("technician")
    response = client.post("/m/agenda", data={"text": "x"}, headers=JSON)
    assert response.status_code == 400 and "no valid id" in response.get_json()["message"]


def test_a_moment_beyond_the_allowed_clock_skew_is_refused(app, login_as):
    client = login_as("technician")
    ahead = utcnow() + timedelta(minutes=10)
    response = _send(client, "/m/agenda", {"text": "x"}, at=ahead)
    assert response.status_code == 422 and "clock is ahead" in response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AgendaItem)) == 0


def test_a_refused_write_stores_no_key_so_a_fixed_retry_can_succeed(app, login_as):
    client = login_as("technician")
    key = str(uuid.uuid4())
    empty = _send(client, "/m/agenda", {"text": " "}, key=key)
    assert empty.status_code == 422 and "Write the note" in empty.get_json()["message"]
    assert 'id="agenda-form"' in empty.get_json()["html"]
    assert _send(client, "/m/agenda", {"text": "Fixed"}, key=key).status_code == 201


def test_time_in_an_approved_week_is_refused_with_the_week_named(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech()
        make_card(tech, week_start_of(utcnow()), status="approved")
        client_id = make_client().id
        db.session.commit()
    response = _send(client, "/m/timer/start", {"client_id": client_id})
    assert response.status_code == 422
    assert "is approved" in response.get_json()["message"]
    assert "week of" in response.get_json()["message"]


def test_stop_uses_the_phone_moment_notes_and_billable(app, login_as):
    client = login_as("technician")
    sr_id = _sr_for_tech(app)
    started = utcnow() - timedelta(minutes=30)
    key = str(uuid.uuid4())
    _send(client, "/m/timer/start", {"sr_id": sr_id}, key=key, at=started)
    stopped = started + timedelta(minutes=2)
    response = _send(client, "/m/timer/stop", {"entry": key, "notes": "Reset router"}, at=stopped)
    assert response.status_code == 200 and "2 min" in response.get_json()["message"]
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.ended_at == stopped and entry.notes == "Reset router" and not entry.billable


def test_manual_entry_form_errors_come_back_next_to_the_field_with_422(app, login_as):
    client = login_as("technician")
    with app.app_context():
        client_id = make_client().id
        db.session.commit()
    data = {
        "day": "2026-11-24",
        "start": "10:00",
        "end": "09:00",
        "client_id": client_id,
        "billable": "",
        "notes": "",
    }
    page = _send(client, "/m/entries", data, json=False)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="end-error"' in html and "The end must be after the start." in html


def test_manual_entry_then_edit_then_delete(app, login_as):
    client = login_as("technician")
    with app.app_context():
        client_id = make_client().id
        db.session.commit()
        day = (today_local() - timedelta(days=1)).isoformat()
    data = {
        "day": day,
        "start": "09:00",
        "duration": "45",
        "client_id": client_id,
        "billable": "0",
        "notes": "Docs",
    }
    assert _send(client, "/m/entries", data).status_code == 201
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.duration() == timedelta(minutes=45) and not entry.billable
        entry_id = entry.id
    assert client.get(f"/m/entries/{entry_id}/edit").status_code == 200
    edited = {**data, "duration": "", "end": "11:00", "billable": "1"}
    assert _send(client, f"/m/entries/{entry_id}", edited).status_code == 200
    with app.app_context():
        entry = db.session.get(TimeEntry, entry_id)
        assert entry.duration() == timedelta(hours=2) and entry.billable
    assert _send(client, f"/m/entries/{entry_id}/delete", {}).status_code == 200
    gone = _send(client, f"/m/entries/{entry_id}/delete", {})
    assert gone.status_code == 422 and "already deleted" in gone.get_json()["message"]


def test_someone_elses_entry_cannot_be_opened_for_editing(app, login_as):
    client = login_as("technician")
    with app.app_context():
        from tests.factories import make_user

        other = make_entry(make_user(), utcnow() - timedelta(hours=2))
        db.session.commit()
        other_id = other.id
    assert client.get(f"/m/entries/{other_id}/edit").status_code == 404


def test_acknowledge_and_acknowledge_all_at_the_phone_moment(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech()
        items = [make_schedule_item(tech, utcnow() + timedelta(days=1, hours=h)) for h in (0, 3, 6)]
        ids = [i.id for i in items]
        db.session.commit()
    tapped = utcnow() - timedelta(minutes=7)
    one = _send(client, "/m/week/acknowledge", {"item": ids[0], "version": 1}, at=tapped)
    assert one.status_code == 200
    rest = _send(client, "/m/week/acknowledge-all", {"items": f"{ids[1]}:1,{ids[2]}:1"}, at=tapped)
    assert "Acknowledged 2 items." in rest.get_json()["message"]
    with app.app_context():
        from mspboard.models import ScheduleItem

        acked = db.session.scalars(db.select(ScheduleItem)).all()
        assert all(i.is_acknowledged and i.acknowledged_at == tapped for i in acked)


def test_checkin_with_an_urgent_issue_for_the_phone_day(app, login_as):
    client = login_as("technician")
    with app.app_context():
        # Written on the phone at 17:00 yesterday (shop time) and synced today: the check-in
        # is for the day on the phone.
        phone_day = today_local() - timedelta(days=1)
        at = at_local(phone_day, 17)
    data = {
        "how_it_went": "Long day",
        "issue_1": "UPS beeping",
        "urgent_1": "y",
        "plan_for_tomorrow": "Replace battery",
    }
    assert _send(client, "/m/checkin", data, at=at).status_code == 201
    with app.app_context():
        checkin = db.session.scalar(db.select(CheckIn))
        assert checkin.day == phone_day and checkin.issues[0].urgent
    missing = _send(client, "/m/checkin", {"how_it_went": ""}, json=False)
    assert missing.status_code == 422 and "how the day went" in missing.get_data(as_text=True)


def test_time_off_request_and_its_errors(app, login_as):
    client = login_as("technician")
    start = (utcnow() + timedelta(days=10)).date()
    data = {
        "start_date": start.isoformat(),
        "end_date": start.isoformat(),
        "starts_midday": "y",
        "kind": "personal",
        "note": "Dentist",
    }
    assert _send(client, "/m/timeoff", data).status_code == 201
    assert "Dentist" not in client.get("/m/timeoff").get_data(as_text=True)  # note is private
    assert "pending" in client.get("/m/timeoff").get_data(as_text=True)
    bad = {**data, "end_date": (start - timedelta(days=2)).isoformat()}
    page = _send(client, "/m/timeoff", bad, json=False)
    assert page.status_code == 422 and "on or after the first day" in page.get_data(as_text=True)


def test_submit_time_card_then_it_is_locked(app, login_as):
    client = login_as("technician")
    with app.app_context():
        week = (week_start_of(utcnow()) - timedelta(days=7)).isoformat()
    assert _send(client, f"/m/timecard/{week}/submit", {}).status_code == 200
    again = _send(client, f"/m/timecard/{week}/submit", {})
    assert again.status_code == 422 and "already submitted" in again.get_json()["message"]


def test_without_scripts_a_write_redirects_back_with_a_message(app, login_as):
    client = login_as("technician")
    response = client.post("/m/agenda", data={"uuid": str(uuid.uuid4()), "text": "No JS"})
    assert response.status_code == 303 and response.headers["Location"] == "/m/"
    assert "Monday meeting" in client.get("/m/").get_data(as_text=True)


def test_the_same_change_arriving_twice_at_once_is_stored_once(app, people):
    import threading

    from tests.conftest import login

    key = str(uuid.uuid4())
    clients = [app.test_client() for _ in range(2)]
    for each in clients:
        login(each, people["technician"])
    barrier = threading.Barrier(2)
    answers = []

    def send(each):
        barrier.wait()
        answers.append(_send(each, "/m/agenda", {"text": "Both at once"}, key=key))

    threads = [threading.Thread(target=send, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json() == answers[1].get_json()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AgendaItem)) == 1


def test_a_duplicate_that_slips_past_the_lookup_is_undone_and_answered_as_a_replay(
    app, login_as, monkeypatch
):
    """Two copies racing: both miss the stored key; the key's primary key stops the second."""
    from mspboard.field import writes

    client = login_as("technician")
    key = str(uuid.uuid4())
    first = _send(client, "/m/agenda", {"text": "Raced"}, key=key)
    real_find = writes.idempotency.find
    lookups = []

    def miss_the_first_lookup(*args):
        lookups.append(args)
        return None if len(lookups) == 1 else real_find(*args)

    monkeypatch.setattr(writes.idempotency, "find", miss_the_first_lookup)
    second = _send(client, "/m/agenda", {"text": "Raced"}, key=key)
    assert second.status_code == 201 and second.headers["Idempotent-Replay"] == "true"
    assert second.get_json() == first.get_json()
    assert len(lookups) == 2  # missed, collided on the key, then found the first answer
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AgendaItem)) == 1


def test_an_entry_on_an_sr_closed_since_can_still_be_edited(app, login_as):
    client = login_as("technician")
    with app.app_context():
        tech = _tech()
        sr = make_sr(assignee=tech, status="done", title="Closed last week")
        entry = make_entry(tech, utcnow() - timedelta(hours=3), minutes=30, sr=sr)
        db.session.commit()
        entry_id, sr_id = entry.id, sr.id
        local_start = entry.started_at.astimezone(shop_zone())
    form = client.get(f"/m/entries/{entry_id}/edit").get_data(as_text=True)
    assert "Closed last week" in form
    data = {
        "day": local_start.date().isoformat(),
        "start": local_start.strftime("%H:%M"),
        "duration": "50",
        "sr_id": sr_id,
        "client_id": "",
        "billable": "",
        "notes": "More",
    }
    assert _send(client, f"/m/entries/{entry_id}", data).status_code == 200
    with app.app_context():
        assert db.session.get(TimeEntry, entry_id).duration() == timedelta(minutes=50)
