"""/manage/training over HTTP, the prompt on /manage/today, and a tech logging time against
a training from the phone."""

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from mspboard.models import ScheduleItem, TimeEntry, TrainingEvent, TrainingKind, User, db
from mspboard.services.people import training
from tests.conftest import count_queries
from tests.factories import make_user
from tests.shop_time import at_local

FRIDAY = date(2026, 12, 25)
JSON = {"Accept": "application/json"}


def _hold(app, stopped, day=date(2026, 12, 18), hour=9, minute=0):
    with app.app_context():
        stopped.move_to(at_local(day, hour, minute))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _event(app, people, day=FRIDAY, kind=TrainingKind.FINAL_FRIDAY) -> int:
    with app.app_context():
        tech = _user(people["technician"])
        manager = _user(people["service_manager"])
        event = training.create_event(
            manager,
            training.TrainingFields(
                kind, "Final Friday Training", at_local(day, 15), at_local(day, 17), [tech.id]
            ),
        )
        db.session.commit()
        return event.id


def _form(tech_ids, **changes) -> dict[str, object]:
    return {
        "kind": "final_friday",
        "title": "Final Friday Training",
        "day": FRIDAY.isoformat(),
        "start": "15:00",
        "end": "17:00",
        "place": "Back office",
        "materials": "Bring a laptop.",
        "attendees": [str(i) for i in tech_ids],
        **changes,
    }


def test_technicians_never_reach_the_training_pages(app, login_as, people, stopped):
    _hold(app, stopped)
    event_id = _event(app, people)
    tech = login_as("technician")
    for path in ("/manage/training", "/manage/training/new", f"/manage/training/{event_id}"):
        assert tech.get(path).status_code == 403
    assert tech.post(f"/manage/training/{event_id}/cancel").status_code == 403
    assert tech.post("/manage/training/new", data=_form([1])).status_code == 403


def test_signed_out_goes_to_the_sign_in(app, client, stopped):
    _hold(app, stopped)
    response = client.get("/manage/training")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_new_form_is_prefilled_for_the_next_final_friday(app, login_as, people, stopped):
    _hold(app, stopped)
    page = login_as("service_manager").get("/manage/training/new").get_data(as_text=True)
    assert 'value="2026-12-25"' in page and 'value="15:00"' in page
    assert 'value="Final Friday Training"' in page
    short = login_as("service_manager").get("/manage/training/new?kind=short_notice&day=bad")
    assert short.status_code == 200 and 'value="2026-12-18"' in short.get_data(as_text=True)


def test_manager_plans_a_final_friday_and_it_is_on_the_schedule(app, login_as, people, stopped):
    _hold(app, stopped)
    with app.app_context():
        tech_id = _user(people["technician"]).id
    manager = login_as("service_manager")
    response = manager.post("/manage/training/new", data=_form([tech_id]))
    assert response.status_code == 302
    with app.app_context():
        [item] = db.session.scalars(select(ScheduleItem)).all()
        assert item.tech_id == tech_id and item.is_published
    listing = manager.get("/manage/training").get_data(as_text=True)
    assert "Final Friday Training" in listing and "1 attending, 0 acknowledged" in listing
    planner = manager.get("/manage/planner/2026-12-21").get_data(as_text=True)
    assert "badge training" in planner and "/manage/training/" in planner


def test_bad_training_input_is_shown_next_to_its_field(app, login_as, people, stopped):
    _hold(app, stopped)
    with app.app_context():
        tech_id = _user(people["technician"]).id
    manager = login_as("service_manager")
    cases = [
        ({"title": ""}, "title", "Give the training a title."),
        ({"end": "14:00"}, "end", "The end must be after the start."),
        ({"attendees": []}, "attendees", "Pick who attends."),
        ({"attendees": ["999"]}, "attendees", "is not a valid choice"),
        ({"day": "2026-12-18"}, "day", "last Friday (Fri 25 Dec)"),
        ({"kind": "weekly"}, "kind", "Not a valid choice"),
    ]
    for changes, field, message in cases:
        response = manager.post("/manage/training/new", data=_form([tech_id], **changes))
        page = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert f'id="{field}-error"' in page and message in page, changes
    with app.app_context():
        assert db.session.scalar(select(func.count(TrainingEvent.id))) == 0


def test_a_stale_edit_is_a_409_showing_the_other_change(app, login_as, people, stopped):
    _hold(app, stopped)
    event_id = _event(app, people)
    with app.app_context():
        tech_id = _user(people["technician"]).id
    manager = login_as("service_manager")
    path = f"/manage/training/{event_id}"
    first = manager.post(path, data=_form([tech_id], version="1", title="Backups deep dive"))
    assert first.status_code == 302
    stale = manager.post(path, data=_form([tech_id], version="1", place="Room 2"))
    assert stale.status_code == 409
    assert "Backups deep dive" in stale.get_data(as_text=True)
    unchanged = manager.post(path, data=_form([tech_id], version="2", title="Backups deep dive"))
    assert unchanged.status_code == 302
    with app.app_context():
        assert db.session.get(TrainingEvent, event_id).version == 2


def test_cancel_takes_it_off_the_schedule_and_a_stale_cancel_is_refused(
    app, login_as, people, stopped
):
    _hold(app, stopped)
    event_id = _event(app, people)
    manager = login_as("service_manager")
    stale = manager.post(f"/manage/training/{event_id}/cancel", data={"version": "0"})
    assert stale.status_code == 409 and "Not cancelled" in stale.get_data(as_text=True)
    done = manager.post(f"/manage/training/{event_id}/cancel", data={"version": "1"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(ScheduleItem.id))) == 0
        assert db.session.get(TrainingEvent, event_id).is_cancelled


def test_today_asks_to_plan_the_final_friday_only_in_the_last_two_weeks(
    app, login_as, people, stopped
):
    _hold(app, stopped, date(2026, 12, 16), 23, 59)
    manager = login_as("service_manager")
    assert "Plan next Final Friday" not in manager.get("/manage/today").get_data(as_text=True)
    _hold(app, stopped, date(2026, 12, 17), 0, 0)
    page = manager.get("/manage/today").get_data(as_text=True)
    assert "Plan next Final Friday" in page and "/manage/training/new?day=2026-12-25" in page
    _event(app, people)
    assert "Plan next Final Friday" not in manager.get("/manage/today").get_data(as_text=True)


def test_the_training_list_costs_the_same_queries_for_one_or_many(
    app, client, login_as, people, stopped
):
    _hold(app, stopped)
    _event(app, people)
    _event(app, people, date(2026, 12, 11), TrainingKind.SHORT_NOTICE)  # one held
    manager = login_as("service_manager")
    count_queries(app, manager, "/manage/training")
    one = count_queries(app, manager, "/manage/training")
    with app.app_context():
        techs = [make_user() for _ in range(5)]
        boss = _user(people["service_manager"])
        for n in range(6):
            day = date(2026, 12, 1) + timedelta(days=n)
            training.create_event(
                boss,
                training.TrainingFields(
                    TrainingKind.SHORT_NOTICE,
                    f"Session {n}",
                    at_local(day, 9),
                    at_local(day, 10),
                    [t.id for t in techs],
                ),
            )
        db.session.commit()
    assert count_queries(app, manager, "/manage/training") == one


def test_tech_logs_time_against_the_training_from_the_phone(app, login_as, people, stopped):
    _hold(app, stopped, date(2026, 12, 25), 18)
    event_id = _event(app, people)
    tech = login_as("technician")
    week = tech.get("/m/week").get_data(as_text=True)
    assert f"/m/entries/new?training={event_id}" in week and "Back office" not in week
    kept = tech.get("/m/offline-pages", headers=JSON).get_json()["pages"]
    assert f"/m/entries/new?training={event_id}" in kept  # opens with no signal too
    form = tech.get(f"/m/entries/new?training={event_id}").get_data(as_text=True)
    assert 'value="15:00"' in form and 'value="17:00"' in form
    assert f'<option selected value="{event_id}">' in form
    data = {
        "day": FRIDAY.isoformat(),
        "start": "15:00",
        "end": "17:00",
        "training_id": str(event_id),
        "billable": "1",
        "notes": "",
    }
    headers = {"Idempotency-Key": str(uuid.uuid4()), **JSON}
    assert tech.post("/m/entries", data=data, headers=headers).status_code == 201
    with app.app_context():
        entry = db.session.scalar(select(TimeEntry))
        assert entry.training_event_id == event_id and entry.client_id is None
        assert not entry.billable
    card = tech.get("/m/timecard").get_data(as_text=True)
    assert "Training: Final Friday Training" in card
