from datetime import date, timedelta

from sqlalchemy import select

from mspboard.models import (
    CheckIn,
    CheckInIssue,
    ServiceRequest,
    User,
    db,
    utcnow,
)
from tests.factories import make_client
from tests.field_factories import make_entry, make_time_off
from tests.shop_time import at_local, today_local


def issue_for(app, people, text="Firewall out of support", urgent=True):
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        checkin = CheckIn(tech=tech, day=today_local(), how_it_went="Long day at Oakridge.")
        checkin.issues = [CheckInIssue(text=text, urgent=urgent, reported_at=utcnow())]
        db.session.add(checkin)
        client_id = make_client("Oakridge Credit Union").id
        db.session.commit()
        return checkin.issues[0].id, client_id


def test_technicians_get_403_on_today_and_its_actions(app, login_as, people):
    issue_id, client_id = issue_for(app, people)
    tech = login_as("technician")
    assert tech.get("/manage/today").status_code == 403
    assert tech.post(f"/manage/issues/{issue_id}/handled").status_code == 403
    assert (
        tech.post(
            f"/manage/issues/{issue_id}/sr", data={"client_id": client_id, "priority": "2"}
        ).status_code
        == 403
    )


def test_today_shows_timers_checkins_issues_and_utilisation(app, login_as, people):
    issue_for(app, people)
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        make_entry(tech, utcnow() - timedelta(minutes=25), minutes=None, notes="")
        db.session.commit()
    page = login_as("service_manager").get("/manage/today").get_data(as_text=True)
    assert "Working on now" in page and "since" in page
    assert "Firewall out of support" in page and "Urgent" in page
    assert "Long day at Oakridge." in page
    assert "This week" in page and "Last week" in page


def test_mark_an_issue_handled(app, login_as, people):
    issue_id, _client_id = issue_for(app, people)
    response = login_as("service_manager").post(
        f"/manage/issues/{issue_id}/handled", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Marked as handled." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CheckInIssue, issue_id).handled_at is not None


def test_turn_an_issue_into_an_sr(app, login_as, people):
    issue_id, client_id = issue_for(app, people)
    manager = login_as("service_manager")
    refused = manager.post(
        f"/manage/issues/{issue_id}/sr", data={"client_id": "999", "priority": "2"}
    )
    assert refused.status_code == 302
    response = manager.post(
        f"/manage/issues/{issue_id}/sr",
        data={"client_id": client_id, "priority": "2"},
        headers={"HX-Request": "true"},
    )
    assert "created and assigned to" in response.get_data(as_text=True)
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert sr.title == "Firewall out of support" and sr.client_id == client_id
        assert db.session.get(CheckInIssue, issue_id).sr_id == sr.id


def test_bad_issue_to_sr_input_is_refused_with_422_for_htmx(app, login_as, people):
    issue_id, _client_id = issue_for(app, people)
    response = login_as("service_manager").post(
        f"/manage/issues/{issue_id}/sr",
        data={"client_id": "999", "priority": "2"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Pick a client" in response.get_data(as_text=True)
    assert "Firewall out of support" in response.get_data(as_text=True)


def test_techs_off_today_are_not_listed_as_missing_check_ins(app, login_as, people, stopped):
    wednesday = date(2026, 11, 25)
    with app.app_context():
        stopped.move_to(at_local(wednesday, 16))
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        make_time_off(tech, wednesday, wednesday)
        db.session.commit()
    manager = login_as("service_manager")
    page = manager.get("/manage/today").get_data(as_text=True)
    assert "On time off" in page and "not checked in yet" not in page
    assert '<span class="count" id="checkins-missing">0 not checked in</span>' in page
    with app.app_context():
        stopped.move_to(at_local(date(2026, 11, 28), 16))  # a Saturday
    page = manager.get("/manage/today").get_data(as_text=True)
    assert "Not working today" in page and "not checked in yet" not in page
    with app.app_context():
        stopped.move_to(at_local(date(2026, 11, 30), 16))  # Monday, back at work
    page = manager.get("/manage/today").get_data(as_text=True)
    assert "not checked in yet" in page and "1 not checked in" in page
