"""The server-sent event streams behind the live board and the wall TV."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import ServiceRequest, TvLink, User, db, utcnow
from mspboard.services import time_entries, tv_links
from mspboard.services.service_requests import change_status
from mspboard.services.time_entries import EntryFields
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import new_uuid


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"LIVE_COALESCE_SECONDS": 0.05}  # a refresh waits this long for company


def open_stream(client, path):
    response = client.get(path, buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = (chunk.decode() for chunk in response.response)
    assert "connected" in next(chunks)
    return response, chunks


def test_board_stream_says_refresh_after_a_committed_change(app, login_as):
    with app.app_context():
        sr_id = make_sr(make_client()).id
        db.session.commit()
    viewer = login_as("service_manager")
    response, chunks = open_stream(viewer, "/board/events")
    mover = app.test_client()
    from tests.conftest import login

    login(mover, "tech@example.test")
    mover.post(f"/board/sr/{sr_id}/move", data={"status": "in_progress", "version": "1"})
    assert next(chunks) == "event: refresh\ndata: board\n\n"
    response.close()


def test_board_stream_needs_a_signed_in_user(client):
    assert client.get("/board/events").status_code == 302


def test_tv_stream_ends_with_revoked_when_the_link_is_disconnected(app, client):
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    response, chunks = open_stream(client, f"/tv/{token}/events")
    with app.app_context():
        tv_links.revoke_link(None, db.session.scalar(select(TvLink)))
        db.session.commit()
    assert next(chunks) == "event: revoked\ndata: \n\n"
    assert next(chunks, None) is None
    response.close()


def test_rolled_back_change_sends_nothing(app, login_as):
    from mspboard import events

    with events.subscribe([events.BOARD]) as listener, app.app_context():
        make_sr(make_client())
        sr = db.session.scalar(select(ServiceRequest))
        from mspboard.services.service_requests import change_status

        change_status(None, sr, "waiting")
        db.session.rollback()
        assert listener.drain() == set()


def test_tv_stream_hears_a_timer_start_and_an_sr_moving_but_not_logged_hours(app, client, stopped):
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        tech_id, client_id = make_user().id, make_client().id
        sr_id = make_sr(make_client()).id
        db.session.commit()
    response, chunks = open_stream(client, f"/tv/{token}/events")
    with app.app_context():
        tech, now = db.session.get(User, tech_id), utcnow()
        time_entries.start_timer(tech, uuid=new_uuid(), at=now, now=now, client_id=client_id)
        db.session.commit()
    assert next(chunks) == "event: refresh\ndata: timers\n\n"
    with app.app_context():
        tech, earlier = db.session.get(User, tech_id), now - timedelta(hours=3)
        logged = EntryFields(earlier, earlier + timedelta(hours=1), client_id=client_id)
        time_entries.add_entry(tech, logged, uuid=new_uuid(), at=now, now=now)
        db.session.commit()
        change_status(None, db.session.get(ServiceRequest, sr_id), "waiting")
        db.session.commit()
    assert next(chunks) == "event: refresh\ndata: board\n\n"
    response.close()
