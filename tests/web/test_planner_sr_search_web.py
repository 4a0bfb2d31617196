"""Finding any open SR from the planner and scheduling it, and "Schedule…" on an SR's page:
as you type (htmx), as a plain GET form, bounded input, and with CSRF on for the save."""

import re

import pytest
from flask.testing import FlaskClient

from mspboard.models import ScheduleItem, User, db
from mspboard.services import planner
from mspboard.services.planner import next_week_start
from tests.conftest import count_queries
from tests.factories import PASSWORD, make_client, make_sr

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Next week, and the SRs' ages, come from one still moment, at any --at."""


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


def token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def sign_in(client: FlaskClient, email: str) -> FlaskClient:
    csrf = token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def manager(client, people) -> FlaskClient:
    return sign_in(client, people["service_manager"])


@pytest.fixture
def shop(app, people) -> dict:
    """More urgent SRs than the planner's backlog lists, and one P4 behind them all."""
    with app.app_context():
        for n in range(planner.BACKLOG_LIMIT + 10):
            make_sr(title=f"Urgent job {n}", priority=1)
        quiet = make_sr(
            client=make_client("Harbor Dental"), title="Lobby label printer jams", priority=4
        )
        tech_id = db.session.scalar(db.select(User.id).where(User.email == people["technician"]))
        db.session.commit()
        return {
            "p4": quiet.id,
            "number": quiet.number,
            "tech": tech_id,
            "week": next_week_start().isoformat(),
        }


def test_the_backlog_does_not_list_the_p4_but_the_search_finds_it_as_you_type(manager, shop):
    week = shop["week"]
    page = manager.get(f"/manage/planner/{week}").get_data(as_text=True)
    assert f'id="planner-sr-{shop["p4"]}"' not in page
    assert 'id="sr-q"' in page and 'hx-get="/manage/planner/' in page
    for typed in (shop["number"], str(shop["p4"]), "label printer", "harbor"):
        response = manager.get(
            f"/manage/planner/{week}/srs", query_string={"q": typed}, headers=HTMX
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200, typed
        assert html.lstrip().startswith('<div id="planner-sr-results"'), typed
        assert f'id="found-sr-{shop["p4"]}"' in html, typed
        assert f"items/new?sr={shop['p4']}" in html


def test_without_javascript_the_search_is_a_get_form_giving_the_whole_planner(manager, shop):
    page = manager.get(f"/manage/planner/{shop['week']}/srs?q=label+printer")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert 'method="get"' in html and 'value="label printer"' in html
    assert f'id="found-sr-{shop["p4"]}"' in html and 'id="planner-board"' in html


def test_the_p4_found_is_scheduled_through_the_editor(app, manager, shop):
    week = shop["week"]
    editor = manager.get(f"/manage/planner/{week}/items/new?sr={shop['p4']}", headers=HTMX)
    html = editor.get_data(as_text=True)
    assert f'<option selected value="{shop["p4"]}">' in html
    data = {
        "csrf_token": token(html),
        "tech_id": str(shop["tech"]),
        "day": week,
        "start": "09:00",
        "end": "10:00",
        "sr_id": str(shop["p4"]),
        "title": "",
        "travel_notes": "",
    }
    saved = manager.post(f"/manage/planner/{week}/items", data=data, headers=HTMX)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    with app.app_context():
        item = db.session.scalar(db.select(ScheduleItem).where(ScheduleItem.sr_id == shop["p4"]))
        assert item.title == "Lobby label printer jams" and item.tech_id == shop["tech"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("x" * 101, "Keep the search under 100 characters."),
        ("x" * 50_000, "Keep the search under 100 characters."),
        ("printer\x00", "Remove the invisible control characters from this text."),
    ],
)
def test_bad_search_input_is_422_with_the_message_by_the_field(manager, shop, typed, message):
    path = f"/manage/planner/{shop['week']}/srs"
    for headers in (HTMX, {}):
        response = manager.get(path, query_string={"q": typed}, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'<p class="error" id="sr-q-error">{message}</p>' in html
        assert 'id="found-sr-' not in html


def test_a_search_costs_the_same_queries_with_3_matches_as_with_20(app, manager, shop):
    path = f"/manage/planner/{shop['week']}/srs?q=Backup"
    with app.app_context():
        for _ in range(3):
            make_sr(title="Backup check")
        db.session.commit()
    few = count_queries(app, manager, path)
    with app.app_context():
        for _ in range(40):
            make_sr(title="Backup check")
        db.session.commit()
    assert count_queries(app, manager, path) == few
    html = manager.get(path, headers=HTMX).get_data(as_text=True)
    assert html.count('id="found-sr-') == planner.SEARCH_LIMIT
    assert "The 20 most urgent matches; type more to narrow them." in html


def test_schedule_on_an_sr_page_opens_the_planners_form_with_that_sr(manager, shop):
    page = manager.get(f"/sr/{shop['number']}").get_data(as_text=True)
    link = re.search(r'id="schedule-sr" href="([^"]+)"', page).group(1)
    response = manager.get(link)
    assert response.status_code == 302
    assert response.location == f"/manage/planner/{shop['week']}/items/new?sr={shop['p4']}"
    editor = manager.get(response.location).get_data(as_text=True)
    assert f'<option selected value="{shop["p4"]}">' in editor


def test_technicians_get_no_schedule_action_and_403_on_the_search(client, people, shop):
    tech = sign_in(client, people["technician"])
    assert 'id="schedule-sr"' not in tech.get(f"/sr/{shop['number']}").get_data(as_text=True)
    assert tech.get(f"/manage/planner/{shop['week']}/srs?q=label").status_code == 403
    assert tech.get(f"/manage/planner/items/new?sr={shop['p4']}").status_code == 403
