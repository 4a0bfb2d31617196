"""Live streams within limits: a cap per person and per wall-TV link, and streams that end
once their viewer may no longer see them."""

import threading

import pytest
from sqlalchemy import select

from mspboard.live_streams import slots_for
from mspboard.models import TvLink, User, db, utcnow
from mspboard.services import accounts, tv_links
from tests.conftest import login
from tests.factories import make_user
from tests.web.test_live_events import open_stream

CAP = 2


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"STREAMS_PER_VIEWER": CAP, "STREAM_RECHECK_SECONDS": 0.2}


def open_count(app, key: str) -> int:
    return slots_for(app).count(key)


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_one_stream_past_the_cap_is_refused_and_the_count_returns_to_zero(app, login_as, people):
    viewer = login_as("technician")
    key = f"user:{user_id(app, people['technician'])}"
    streams = [open_stream(viewer, "/board/events")[0] for _ in range(CAP)]
    assert open_count(app, key) == CAP

    refused = viewer.get("/board/events", buffered=False)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "15"
    assert refused.mimetype != "text/event-stream"
    refused.close()

    for response in streams:
        response.close()
    assert open_count(app, key) == 0
    response, _chunks = open_stream(viewer, "/board/events")
    response.close()


def test_the_board_and_the_manager_pages_count_together_per_person(app, login_as):
    manager = login_as("service_manager")
    streams = [open_stream(manager, "/board/events")[0], open_stream(manager, "/manage/events")[0]]
    assert manager.get("/manage/events", buffered=False).status_code == 503
    other = app.test_client()
    login(other, "tech@example.test")
    response, _chunks = open_stream(other, "/board/events")  # someone else is not affected
    for stream in [*streams, response]:
        stream.close()


def test_one_tv_link_is_capped_on_its_own(app, client):
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    streams = [open_stream(client, f"/tv/{token}/events")[0] for _ in range(CAP)]
    refused = client.get(f"/tv/{token}/events", buffered=False)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "15"
    for response in streams:
        response.close()
    with app.app_context():
        link_id = db.session.scalar(select(TvLink.id))
    assert open_count(app, f"tv:{link_id}") == 0


def read_in_background(chunks) -> tuple[threading.Thread, list[str]]:
    """Read a stream on a thread of its own, as a browser would, until the server ends it."""
    heard: list[str] = []
    reader = threading.Thread(target=lambda: heard.extend(chunks), daemon=True)
    reader.start()
    return reader, heard


def test_a_deactivated_persons_open_stream_ends_within_seconds(app, login_as, people):
    viewer = login_as("technician")
    response, chunks = open_stream(viewer, "/board/events")
    reader, heard = read_in_background(chunks)
    with app.app_context():
        admin = make_user(role="admin")
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        accounts.set_active(admin, tech, False)
        db.session.commit()
    reader.join(timeout=6)
    assert not reader.is_alive(), "the stream stayed open after its user was deactivated"
    assert heard[-1] == "event: revoked\ndata: \n\n"
    response.close()
    assert open_count(app, f"user:{user_id(app, people['technician'])}") == 0


def test_a_stream_ends_within_seconds_when_its_sign_in_ends(app, login_as, people):
    """Signing out (here: ended from another device) closes that sign-in's streams."""
    from mspboard.models import EndReason, SignIn
    from mspboard.services import sign_ins

    viewer = login_as("technician")
    response, chunks = open_stream(viewer, "/board/events")
    reader, _heard = read_in_background(chunks)
    with app.app_context():
        sign_in = db.session.scalars(select(SignIn)).one()
        sign_ins.end(sign_in.user, sign_in, EndReason.ENDED_BY_USER)
        db.session.commit()
    reader.join(timeout=6)
    assert not reader.is_alive(), "the stream stayed open after its sign-in ended"
    response.close()


def test_a_tv_links_stream_ends_when_it_is_revoked_without_an_announcement(app, client):
    """Revoked from a process whose announcement never arrives (no shared Redis): the
    stream's own re-check still ends it."""
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    response, chunks = open_stream(client, f"/tv/{token}/events")
    reader, heard = read_in_background(chunks)
    with app.app_context():
        db.session.scalar(select(TvLink)).revoked_at = utcnow()
        db.session.commit()
    reader.join(timeout=6)
    assert not reader.is_alive()
    assert heard[-1] == "event: revoked\ndata: \n\n"
    response.close()


def test_an_open_stream_holds_no_database_connection(app, login_as):
    viewer = login_as("technician")
    response, chunks = open_stream(viewer, "/board/events")
    assert next(chunks) == ": keep-alive\n\n"  # one re-check has run meanwhile
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
    response.close()


def test_live_pages_name_the_topics_they_poll_for_when_their_stream_is_refused(app, login_as):
    manager = login_as("service_manager")
    board = manager.get("/board").get_data(as_text=True)
    assert 'data-live-topics="board hours" hx-sse:connect="/board/events"' in board
    approvals = manager.get("/manage/approvals").get_data(as_text=True)
    assert 'data-live-topics="approvals" hx-sse:connect="/manage/events?topics=approvals"' in (
        approvals
    )
    today = manager.get("/manage/today").get_data(as_text=True)
    assert 'data-live-topics="timers hours"' in today
    assert 'data-live-refresh="timers hours"' in today
