import re
from datetime import timedelta

from sqlalchemy import select

from mspboard.models import ServiceRequest, db, utcnow
from mspboard.services.accounts import find_by_email
from tests.factories import make_client, make_sr


def seed(app):
    with app.app_context():
        client = make_client()
        ids = [make_sr(client, f"Backlog {n}", priority=3).id for n in range(3)]
        db.session.commit()
        return ids


def test_technicians_cannot_open_the_backlog(login_as):
    assert login_as("technician").get("/manage/backlog").status_code == 403


def test_backlog_lists_show_their_counts(app, login_as):
    seed(app)
    page = login_as("service_manager").get("/manage/backlog").get_data(as_text=True)
    assert re.search(r'Unassigned <span class="count">3</span>', page)
    assert re.search(r'Overdue <span class="count">0</span>', page)


def test_bulk_assign_and_set_priority(app, login_as, people):
    ids = seed(app)
    manager = login_as("service_manager")
    with app.app_context():
        tech_id = find_by_email(people["technician"]).id
    response = manager.post(
        "/manage/backlog",
        data={
            "sr_ids": [str(i) for i in ids[:2]],
            "action": "assign",
            "assignee_id": str(tech_id),
            "priority": "3",
        },
    )
    assert response.status_code == 302
    manager.post(
        "/manage/backlog",
        data={"sr_ids": [str(ids[2])], "action": "priority", "priority": "1", "assignee_id": ""},
    )
    with app.app_context():
        srs = {sr.id: sr for sr in db.session.scalars(select(ServiceRequest))}
        assert [srs[i].assignee_id for i in ids] == [tech_id, tech_id, None]
        assert srs[ids[2]].priority == 1
        assert [a.kind for a in srs[ids[2]].activities] == ["priority"]


def test_bulk_action_with_nothing_ticked_is_refused(app, login_as):
    seed(app)
    response = login_as("service_manager").post(
        "/manage/backlog", data={"action": "priority", "priority": "1", "assignee_id": ""}
    )
    assert response.status_code == 422
    assert "Tick at least one SR." in response.get_data(as_text=True)


def test_age_is_shown_as_an_age_with_the_date_in_its_title_and_lists_say_what_they_hold(
    app, login_as, stopped
):
    with app.app_context():
        make_sr(make_client(), "Three days old", created_at=utcnow() - timedelta(days=3, hours=1))
        make_sr(make_client(), "Five weeks old", created_at=utcnow() - timedelta(days=36))
        db.session.commit()
    page = login_as("service_manager").get("/manage/backlog").get_data(as_text=True)
    opened = r'<span title="Opened [A-Z][a-z]{2} \d\d [A-Z][a-z]{2} \d{4} [\d:]+">3 d</span>'
    assert re.search(opened, page)
    assert ">5 wk</span>" in page
    assert "Open SRs with no change and no time logged for 14 days or more." in page
    assert "P1/P2 not started" in page
