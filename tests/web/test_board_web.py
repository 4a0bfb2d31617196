import re
from datetime import timedelta

from sqlalchemy import select

from mspboard.models import ServiceRequest, db, utcnow
from tests.conftest import count_queries
from tests.factories import make_client, make_sr, make_user


def add_srs(app, count, **kwargs):
    with app.app_context():
        client = make_client()
        tech = make_user()
        now = utcnow()
        for n in range(count):
            make_sr(
                client,
                f"SR {n}",
                priority=n % 4 + 1,
                assignee=tech,
                created_at=now - timedelta(hours=n),
                **kwargs,
            )
        db.session.commit()


def sr_id(app, title):
    with app.app_context():
        return db.session.scalar(select(ServiceRequest.id).where(ServiceRequest.title == title))


def test_every_role_sees_the_board_with_its_columns(login_as):
    for role in ("technician", "service_manager", "admin"):
        page = login_as(role).get("/board").get_data(as_text=True)
        for column in ("New", "Scheduled", "In progress", "Waiting", "Done"):
            assert f'>{column} <span class="count"' in page


def test_board_header_shows_backlog_counts(app, login_as):
    add_srs(app, 3)
    page = login_as("service_manager").get("/board").get_data(as_text=True)
    assert re.search(r'<span class="n">3</span> Unscheduled', page)


def test_filters_live_in_the_url(app, login_as):
    with app.app_context():
        make_sr(make_client(), "Firewall firmware update", priority=1)
        make_sr(make_client(), "Printer jam", priority=4)
        db.session.commit()
    page = login_as("service_manager").get("/board?priority=1").get_data(as_text=True)
    assert "Firewall firmware update" in page and "Printer jam" not in page
    assert '<option selected value="1">' in page or 'value="1" selected' in page


def test_bad_filter_value_is_refused_next_to_its_field(login_as):
    response = login_as("service_manager").get("/board?priority=9")
    assert response.status_code == 422
    assert 'id="priority-error"' in response.get_data(as_text=True)


def test_htmx_filter_request_gets_only_the_columns(login_as):
    response = login_as("service_manager").get("/board?q=x", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="board-columns"')
    assert "<html" not in page and 'hx-swap-oob="true"' in page


def test_move_without_javascript_returns_to_the_filtered_board(app, login_as):
    add_srs(app, 1)
    response = login_as("technician").post(
        f"/board/sr/{sr_id(app, 'SR 0')}/move",
        data={"status": "done", "priority": "1", "version": "1", "resolution": "Fixed"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/board?priority=1"


def test_moving_to_done_records_who_closed_it(app, login_as, people):
    add_srs(app, 1)
    login_as("service_manager").post(
        f"/board/sr/{sr_id(app, 'SR 0')}/move",
        data={"status": "done", "version": "1", "resolution": "Fixed"},
    )
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert sr.closed_by.email == people["service_manager"] and sr.closed_at is not None


def test_move_to_an_unknown_column_is_refused(app, login_as):
    add_srs(app, 1)
    response = login_as("technician").post(
        f"/board/sr/{sr_id(app, 'SR 0')}/move", data={"status": "archived"}
    )
    assert response.status_code == 422


def test_board_query_count_does_not_grow_with_the_cards(app, login_as):
    client = login_as("service_manager")
    add_srs(app, 10)
    with_ten = count_queries(app, client, "/board")
    add_srs(app, 490)
    with_five_hundred = count_queries(app, client, "/board")
    assert with_ten == with_five_hundred
    assert with_ten <= 12


def test_a_move_from_a_stale_card_moves_nothing_and_says_who_moved_it(app, login_as):
    from mspboard.services.service_requests import change_status
    from tests.factories import make_user

    add_srs(app, 1)
    moved = sr_id(app, "SR 0")
    with app.app_context():
        priya = make_user(role="service_manager", name="Priya Shah")
        sr = db.session.get(ServiceRequest, moved)
        change_status(priya, sr, "done", expected_version=sr.version, resolution="Fixed")
        db.session.commit()
    response = login_as("technician").post(
        f"/board/sr/{moved}/move",
        data={"status": "waiting", "version": "1"},
        headers={"HX-Request": "true"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert (
        f"SR-{moved:06d} was not moved to Waiting: Priya Shah changed the status to Done "
        "and the resolution to “Fixed” at" in page
    )
    assert page.count(f'id="sr-{moved}"') == 1
    done = page[page.index('id="col-done"') :]
    assert f'id="sr-{moved}"' in done
    with app.app_context():
        assert db.session.get(ServiceRequest, moved).status == "done"
