"""A move on the board answers with just what it changed, and a card costs few bytes; CSRF
stays on here, as in production."""

import re
from datetime import timedelta

import pytest

from mspboard.models import ServiceRequest, db, utcnow
from mspboard.services.service_requests import change_status
from tests.factories import PASSWORD, make_client, make_sr, make_user

CARD_BYTES = 600


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The SRs' ages and the pages' "now" come from one still moment, at any --at."""


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def board(client, people):
    """A signed-in service manager's client and the CSRF token htmx sends from the board."""
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post(
        "/login",
        data={"email": people["service_manager"], "password": PASSWORD, "csrf_token": token},
    )
    page = client.get("/board").get_data(as_text=True)
    header = re.search(r"hx-headers:inherited='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)
    return client, {"HX-Request": "true", "X-CSRFToken": header}


def add(app, title, status="new", priority=3, hours_old=1):
    with app.app_context():
        sr = make_sr(
            make_client(),
            title,
            priority=priority,
            status=status,
            created_at=utcnow() - timedelta(hours=hours_old),
        )
        db.session.commit()
        return sr.id


def move(board, sr_id, status, version=1, **filters):
    client, headers = board
    return client.post(
        f"/board/sr/{sr_id}/move",
        data={"status": status, "version": str(version), "resolution": "Fixed", **filters},
        headers=headers,
    )


def cards_in(page):
    return re.findall(r'<li class="card [^"]*" id="sr-(\d+)"', page)


def test_a_move_answers_with_only_the_moved_card_and_the_counts(app, board):
    moved = add(app, "Printer offline", priority=2)
    staying = add(app, "Laptop for new hire")
    first = add(app, "Server down", status="waiting", priority=1)
    last = add(app, "Toner order", status="waiting", priority=4)
    response = move(board, moved, "waiting")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "board-column" not in page and cards_in(page) == [str(moved)]
    assert f'hx-swap-oob="delete:#sr-{moved}"' in page
    # Between the P1 and the P4 that stay in Waiting.
    assert f'hx-swap-oob="beforebegin:#sr-{last}"' in page
    assert f"sr-{staying}" not in page and f"sr-{first}" not in page
    assert re.search(r'id="count-new"[^>]*hx-swap-oob="true">1</span>', page)
    assert re.search(r'id="count-waiting"[^>]*hx-swap-oob="true">3</span>', page)
    assert 'id="more-new"' in page and 'id="more-waiting"' in page
    assert 'id="backlog-counts"' in page
    assert len(page.encode()) < 3000


def test_a_card_moved_last_in_its_column_goes_before_the_columns_end(app, board):
    moved = add(app, "Printer offline", priority=4)
    add(app, "Server down", status="done", priority=1)
    page = move(board, moved, "done").get_data(as_text=True)
    assert 'hx-swap-oob="beforebegin:#end-done"' in page and cards_in(page) == [str(moved)]


def test_a_card_moved_past_a_full_columns_limit_just_leaves(app, board):
    with app.app_context():
        client = make_client()
        for n in range(51):
            make_sr(client, f"Urgent {n}", priority=1, status="waiting")
        db.session.commit()
    moved = add(app, "Toner order", priority=4)
    page = move(board, moved, "waiting").get_data(as_text=True)
    assert cards_in(page) == [] and f'hx-swap-oob="delete:#sr-{moved}"' in page
    assert re.search(r'id="count-waiting"[^>]*>52</span>', page)
    assert re.search(r'id="more-waiting" hx-swap-oob="true">2 more, less urgent', page)


def test_a_move_between_full_columns_swaps_one_card_out_and_lets_one_in(app, board):
    with app.app_context():
        client = make_client()
        now = utcnow()
        moved = make_sr(client, "Server down", priority=1, status="new", created_at=now).id
        queued = [
            make_sr(client, f"Queued {n}", status="new", created_at=now - timedelta(hours=n)).id
            for n in range(50)
        ]
        waiting = [
            make_sr(client, f"Waiting {n}", status="waiting", created_at=now - timedelta(hours=n))
            for n in range(50)
        ]
        db.session.commit()
        # Oldest first: the last one shown in Waiting is its newest, the hidden one in New too.
        first_waiting, last_waiting = waiting[-1].id, waiting[0].id
    page = move(board, moved, "waiting").get_data(as_text=True)
    assert f'hx-swap-oob="beforebegin:#sr-{first_waiting}"' in page
    assert f'hx-swap-oob="delete:#sr-{last_waiting}"' in page
    assert 'hx-swap-oob="beforebegin:#end-new"' in page
    assert cards_in(page) == [str(moved), str(queued[0])]
    assert re.search(r'id="more-waiting" hx-swap-oob="true">1 more', page)
    assert re.search(r'id="more-new" hx-swap-oob="true" hidden>', page)


def test_a_move_to_the_column_the_card_is_in_puts_it_back_in_its_place(app, board):
    first = add(app, "Server down", priority=1)
    add(app, "Printer offline", priority=3)
    response = move(board, first, "new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and cards_in(page) == [str(first)]
    assert re.search(r'id="count-new"[^>]*>2</span>', page)


def test_a_move_from_a_stale_card_still_answers_409_with_where_it_really_is(app, board):
    moved = add(app, "Printer offline")
    with app.app_context():
        priya = make_user(role="service_manager", name="Priya Shah")
        change_status(
            priya,
            db.session.get(ServiceRequest, moved),
            "done",
            expected_version=1,
            resolution="Fixed",
        )
        db.session.commit()
    response = move(board, moved, "waiting", version=1)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "was not moved to Waiting: Priya Shah changed the status to Done" in page
    done = page[page.index('id="col-done"') :]
    assert cards_in(done) == [str(moved)] and cards_in(page) == [str(moved)]


def test_a_move_without_the_csrf_token_is_refused(app, board):
    client, _headers = board
    moved = add(app, "Printer offline")
    response = client.post(
        f"/board/sr/{moved}/move",
        data={"status": "waiting", "version": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400


def test_a_card_costs_at_most_600_bytes_of_html(app, board):
    client, headers = board
    empty = len(client.get("/board", headers=headers).data)
    with app.app_context():
        clients = [make_client("Oakridge Credit Union"), make_client("Harbor Dental Group")]
        techs = [make_user(name="Sofia Lindqvist"), make_user(name="Marcus Reed")]
        now = utcnow()
        for n in range(50):
            sr = make_sr(
                clients[n % 2],
                f"Replace failing UPS battery {n}",
                priority=n % 4 + 1,
                status="new",
                assignee=techs[n % 2] if n % 5 else None,
                created_at=now - timedelta(days=n),
            )
            sr.due_at = now + timedelta(days=n - 25)
            sr.updated_at = now - timedelta(days=n)
        db.session.commit()
    page = client.get("/board", headers=headers).get_data(as_text=True)
    assert len(cards_in(page)) == 50
    assert len(page.encode()) - empty <= 50 * CARD_BYTES
