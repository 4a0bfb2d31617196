"""A manager who keeps a time card, over HTTP in the production configuration (CSRF on): the
mark on the admin's user form, the phone view for their own time, and an approval queue that
leaves their card to someone else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, TimeCard, TimeEntry, TimeOffRequest, User, db, utcnow
from mspboard.services.time_weeks import week_start_of
from tests.factories import make_client, make_user
from tests.field_factories import make_card, make_time_off
from tests.page_forms import form_data, signed_in
from tests.phone_writes import send
from tests.phone_writes import sign_in as phone_sign_in


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped): ...


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.fixture
def managers(app):
    """Mona keeps a time card; Sam does not; Ada is an admin."""
    with app.app_context():
        mona = make_user(role="service_manager", email="mona@example.test", name="Mona Ruiz")
        mona.keeps_time_card = True
        make_user(role="service_manager", email="sam@example.test", name="Sam Ode")
        make_user(role="admin", email="ada@example.test", name="Ada Admin")
        client = make_client(name="Acme Dental")
        db.session.commit()
        return {"mona": mona.id, "client": client.id}


def submitted_card(app, user_id):
    with app.app_context():
        monday = week_start_of(utcnow()) - timedelta(days=7)
        card = make_card(db.session.get(User, user_id), monday, "submitted")
        db.session.commit()
        return card.id, card.version


def card_state(app, card_id):
    with app.app_context():
        card = db.session.get(TimeCard, card_id)
        return card.status, card.decided_by.email if card.decided_by else None


def test_a_manager_without_the_mark_still_gets_403_on_the_phone_view(app, managers):
    sam = signed_in(app, "sam@example.test")
    for path in ("/m/", "/m/timecard", "/m/week", "/m/offline-bundle"):
        assert sam.get(path).status_code == 403, path
    assert "My day" not in sam.get("/board/").get_data(as_text=True)


def test_a_marked_manager_uses_the_phone_view_for_their_own_time(app, managers, stopped):
    client = app.test_client()
    token = phone_sign_in(client, "mona@example.test")
    for path in ("/m/", "/m/timecard", "/m/week", "/m/queue", "/m/checkin", "/m/timeoff"):
        assert client.get(path).status_code == 200, path
    started = send(client, token, "/m/timer/start", {"client_id": str(managers["client"])})
    assert started.status_code == 201
    stopped.shift(timedelta(minutes=40))
    assert send(client, token, "/m/timer/stop", {"notes": "Router swap"}).status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(TimeEntry))
        assert entry.tech_id == managers["mona"] and entry.ended_at is not None
    with app.app_context():
        week = week_start_of(utcnow()).isoformat()
    assert send(client, token, f"/m/timecard/{week}/submit", {}).status_code == 200
    with app.app_context():
        card = db.session.scalar(select(TimeCard))
        assert (card.tech_id, card.status) == (managers["mona"], "submitted")


def test_a_manager_cannot_approve_their_own_card_over_http(app, managers):
    card_id, version = submitted_card(app, managers["mona"])
    mona = signed_in(app, "mona@example.test")
    queue = mona.get("/manage/approvals").get_data(as_text=True)
    assert "Time card · Mona Ruiz" in queue and "Your own card" in queue
    assert f"/manage/timecards/{card_id}/approve" not in queue
    token = token_of(queue)
    for decision in ("approve", "reject"):
        refused = mona.post(
            f"/manage/timecards/{card_id}/{decision}",
            data={"csrf_token": token, "version": version, "reason": "Looks fine"},
        )
        assert refused.status_code == 403
        assert "decided by another manager or an admin" in refused.get_data(as_text=True)
    bulk = mona.post(
        "/manage/approvals/bulk", data={"csrf_token": token, "card": f"{card_id}:{version}"}
    )
    assert "Not yours to decide" in bulk.get_data(as_text=True) or bulk.status_code == 302
    assert card_state(app, card_id) == ("submitted", None)


def test_a_manager_cannot_decide_their_own_time_off_over_http(app, managers):
    with app.app_context():
        monday = week_start_of(utcnow()) + timedelta(days=14)
        mona = db.session.get(User, managers["mona"])
        request_id = make_time_off(mona, monday, monday, status="pending").id
        db.session.commit()
    mona = signed_in(app, "mona@example.test")
    queue = mona.get("/manage/approvals").get_data(as_text=True)
    assert "Time off · Mona Ruiz" in queue and "Your own time off" in queue
    assert f"/manage/time-off/{request_id}/approve" not in queue
    refused = mona.post(
        f"/manage/time-off/{request_id}/approve", data={"csrf_token": token_of(queue), "version": 1}
    )
    assert refused.status_code == 403
    assert "decided by another manager or an admin" in refused.get_data(as_text=True)
    sam = signed_in(app, "sam@example.test")
    queue = sam.get("/manage/approvals").get_data(as_text=True)
    assert f"/manage/time-off/{request_id}/approve" in queue
    approved = sam.post(
        f"/manage/time-off/{request_id}/approve", data={"csrf_token": token_of(queue), "version": 1}
    )
    assert approved.status_code == 302
    with app.app_context():
        assert db.session.get(TimeOffRequest, request_id).status == "approved"


def test_another_manager_approves_the_managers_card_over_http(app, managers):
    card_id, version = submitted_card(app, managers["mona"])
    sam = signed_in(app, "sam@example.test")
    queue = sam.get("/manage/approvals").get_data(as_text=True)
    assert f"/manage/timecards/{card_id}/approve" in queue and "Your own card" not in queue
    approved = sam.post(
        f"/manage/timecards/{card_id}/approve",
        data={"csrf_token": token_of(queue), "version": version},
    )
    assert approved.status_code == 302
    assert card_state(app, card_id) == ("approved", "sam@example.test")


def test_the_week_of_cards_lists_the_manager_and_offers_them_no_reopen_of_their_own(app, managers):
    card_id, version = submitted_card(app, managers["mona"])
    ada = signed_in(app, "ada@example.test")
    queue = ada.get("/manage/approvals").get_data(as_text=True)
    ada.post(
        f"/manage/timecards/{card_id}/approve",
        data={"csrf_token": token_of(queue), "version": version},
    )
    mona = signed_in(app, "mona@example.test")
    page = mona.get("/manage/timecards").get_data(as_text=True)
    assert "Mona Ruiz" in page and f"/manage/timecards/{card_id}/reopen" not in page
    assert "Sam Ode" not in page  # no card kept, no row
    assert f"/manage/timecards/{card_id}/reopen" in ada.get("/manage/timecards").get_data(
        as_text=True
    )
    refused = mona.post(
        f"/manage/timecards/{card_id}/reopen",
        data={"csrf_token": token_of(page), "version": version + 1, "reason": "Missed Friday"},
    )
    assert refused.status_code == 403 and card_state(app, card_id)[0] == "approved"


def test_the_admin_marks_a_manager_on_the_user_form_versioned_and_audited(app, managers):
    ada = signed_in(app, "ada@example.test")
    with app.app_context():
        sam_id = db.session.scalar(select(User.id).where(User.email == "sam@example.test"))
    url = f"/admin/users/{sam_id}"
    page = ada.get(url).get_data(as_text=True)
    assert "Keeps a time card" in page
    fields = form_data(page)
    stale = dict(fields)
    assert ada.post(url, data={**fields, "keeps_time_card": "y"}).status_code == 302
    with app.app_context():
        sam = db.session.get(User, sam_id)
        assert sam.keeps_time_card and sam.has_time_card
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "user.updated", AuditEvent.entity_id == sam_id)
            .order_by(AuditEvent.id.desc())
        )
        assert event.after["keeps_time_card"] is True and event.actor.email == "ada@example.test"
    assert ada.post(url, data={**stale, "name": "Sam Odell"}).status_code == 409
    assert signed_in(app, "sam@example.test").get("/m/").status_code == 200
