from datetime import timedelta

from sqlalchemy import func, select

from mspboard.models import ScheduleItem, ServiceRequest, TimeEntry, db, utcnow
from tests.factories import make_client, make_sr, make_user


def client_id(app, name="Alder Creek Dental"):
    with app.app_context():
        client = make_client(name)
        db.session.commit()
        return client.id


def form(client, **overrides):
    values = {
        "title": "Replace failing UPS battery",
        "client_id": str(client),
        "description": "Beeping in the server closet.",
        "priority": "2",
        "status": "new",
        "assignee_id": "",
        "due_on": "",
        "estimate_hours": "1.5",
        "billable": "y",
    }
    values.update(overrides)
    return values


def test_any_role_creates_an_sr_and_lands_on_it(app, login_as):
    cid = client_id(app)
    response = login_as("technician").post("/sr/new", data=form(cid))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sr/SR-")
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert (sr.title, sr.priority, sr.estimate_minutes) == (
            "Replace failing UPS battery",
            2,
            90,
        )


def test_bad_sr_input_gets_messages_next_to_fields_and_saves_nothing(app, login_as):
    cid = client_id(app)
    response = login_as("service_manager").post(
        "/sr/new", data=form(cid, title="", estimate_hours="-3", client_id="999")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("title", "estimate_hours", "client_id"):
        assert f'id="{field}-error"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0


def test_editing_logs_each_change_with_who(app, login_as, people):
    cid = client_id(app)
    manager = login_as("service_manager")
    manager.post("/sr/new", data=form(cid))
    with app.app_context():
        number = db.session.scalar(select(ServiceRequest)).number
        from mspboard.services.accounts import find_by_email

        tech = find_by_email(people["technician"]).id
    response = manager.post(
        f"/sr/{number}",
        data={
            **form(cid, priority="1", status="done", assignee_id=str(tech), version="1"),
            "resolution": "Swapped the toner",
        },
    )
    assert response.status_code == 302
    page = manager.get(f"/sr/{number}").get_data(as_text=True)
    assert "changed priority from “P2” to “P1”" in page
    assert "changed status from “New” to “Done”" in page
    assert "changed assignee to “Person" in page
    assert "Closed" in page and "by Person" in page


def test_bad_edit_keeps_the_saved_sr(app, login_as):
    cid = client_id(app)
    manager = login_as("service_manager")
    manager.post("/sr/new", data=form(cid))
    with app.app_context():
        number = db.session.scalar(select(ServiceRequest)).number
    response = manager.post(f"/sr/{number}", data=form(cid, title="", priority="4"))
    assert response.status_code == 422
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert (sr.title, sr.priority) == ("Replace failing UPS battery", 2)


def test_sr_page_shows_time_entries_and_schedule_items(app, login_as):
    with app.app_context():
        tech = make_user(name="Priya Raman")
        sr = make_sr(title="VPN drops")
        start = utcnow() - timedelta(hours=3)
        db.session.add_all(
            [
                TimeEntry(
                    uuid="a" * 36,
                    tech=tech,
                    service_request=sr,
                    client=sr.client,
                    started_at=start,
                    ended_at=start + timedelta(hours=1),
                    notes="Swapped cable",
                ),
                ScheduleItem(
                    tech=tech,
                    service_request=sr,
                    title="Visit",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                ),
            ]
        )
        db.session.commit()
        number = sr.number
    page = login_as("service_manager").get(f"/sr/{number}").get_data(as_text=True)
    assert "Swapped cable" in page and "1.00 h" in page
    assert page.count("Priya Raman") >= 2


def test_unknown_sr_is_404_and_short_numbers_redirect(app, login_as):
    with app.app_context():
        number = make_sr().number
        db.session.commit()
    client = login_as("technician")
    assert client.get("/sr/SR-999999").status_code == 404
    short = number.replace("SR-0000", "sr-")
    assert client.get(f"/sr/{short}").headers["Location"] == f"/sr/{number}"
