"""Maintenance runs on the planner over HTTP: the sidebar, placing a run through the editor,
refusals next to the field, who may do it, and the backlog's count of runs to place."""

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from mspboard.models import ChecklistRun, Client, ScheduleItem, User, db, utcnow
from mspboard.services.maintenance import months
from mspboard.services.time_weeks import week_start_of
from tests.factories import PASSWORD, make_client
from tests.maintenance_factories import make_item

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The month opened and the week shown come from one still moment, at any --at."""


@pytest.fixture
def runs(app, people) -> dict:
    """This month opened for two clients, with a two-item checklist; every run owned by the
    signed-in technician."""
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        tech.name = "Tess Tech"
        make_item("Backups verified", estimate_minutes=20)
        make_item("Patches", estimate_minutes=25, position=1)
        make_client("Acme Dental")
        make_client("Bolt Legal")
        now = utcnow()
        months.open_month(None, months.this_month(now), now)
        by_client = {run.client.name: run.id for run in db.session.scalars(db.select(ChecklistRun))}
        db.session.commit()
        week = week_start_of(now).isoformat()
        return {
            "tech": tech.id,
            "acme": by_client["Acme Dental"],
            "bolt": by_client["Bolt Legal"],
            "week": week,
        }


def _placing(runs, run="acme", **change) -> dict:
    monday = runs["week"]
    data = {
        "tech_id": str(runs["tech"]),
        "day": monday,
        "start": "09:00",
        "end": "10:00",
        "sr_id": "",
        "checklist_run_id": str(runs[run]),
        "title": "",
        "travel_notes": "",
    }
    data.update(change)
    return data


def _items(app) -> list[ScheduleItem]:
    with app.app_context():
        return list(db.session.scalars(db.select(ScheduleItem)))


def test_the_planner_lists_the_runs_to_place_with_owner_and_booked_time(login_as, runs):
    page = login_as("service_manager").get(f"/manage/planner/{runs['week']}").get_data(as_text=True)
    assert re.search(r'Maintenance to place <span class="count">2</span>', page)
    acme = page[page.index(f'id="planner-run-{runs["acme"]}"') :]
    acme = acme[: acme.index("</li>")]
    assert "Acme Dental" in acme and "Tess Tech · 2 items · 0.75 h" in acme
    assert f"items/new?run={runs['acme']}" in acme


def test_place_opens_the_editor_with_the_run_its_owner_and_the_booked_time(login_as, runs):
    response = login_as("service_manager").get(
        f"/manage/planner/{runs['week']}/items/new?run={runs['acme']}", headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="planner-editor"')
    assert f'<option selected value="{runs["acme"]}">Acme Dental' in html
    assert f'<option selected value="{runs["tech"]}">Tess Tech</option>' in html
    assert 'name="start" required type="time" value="08:00"' in html
    assert 'name="end" required type="time" value="08:45"' in html


def test_placing_a_run_adds_its_visit_and_takes_it_off_the_sidebar(login_as, runs, app):
    response = login_as("service_manager").post(
        f"/manage/planner/{runs['week']}/items", data=_placing(runs), headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Added “Monthly maintenance: Acme Dental” for Tess Tech" in html
    sidebar = html[html.index('<section id="planner-runs"') :]
    assert 'hx-swap-oob="outerHTML"' in sidebar[: sidebar.index(">")]
    assert f'id="planner-run-{runs["acme"]}"' not in sidebar
    assert f'id="planner-run-{runs["bolt"]}"' in sidebar
    assert '<span class="badge maintenance">Maintenance</span>' in html
    [item] = _items(app)
    assert (item.checklist_run_id, item.tech_id) == (runs["acme"], runs["tech"])
    assert item.title == "Monthly maintenance: Acme Dental" and item.published_at is None


def test_deleting_the_visit_puts_the_run_back_on_the_sidebar(login_as, runs, app):
    client = login_as("service_manager")
    client.post(f"/manage/planner/{runs['week']}/items", data=_placing(runs), headers=HTMX)
    [item] = _items(app)
    response = client.post(
        f"/manage/planner/{runs['week']}/items/{item.id}/delete",
        data={"version": str(item.edit_version)},
        headers=HTMX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="planner-run-{runs["acme"]}"' in html[html.index('<section id="planner-runs"') :]


def _refused(client, runs, data) -> str:
    response = client.post(f"/manage/planner/{runs['week']}/items", data=data, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="checklist_run_id-error">(.*?)</p>', html)
    assert re.search(
        r'id="checklist_run_id"[^>]*aria-invalid="true"|aria-invalid="true"'
        r'[^>]*id="checklist_run_id"',
        html,
    )
    return error.group(1) if error else html


def test_a_run_of_an_inactive_client_is_422_next_to_the_field_and_nothing_is_added(
    login_as, runs, app
):
    with app.app_context():
        db.session.scalar(db.select(Client).where(Client.name == "Acme Dental")).active = False
        db.session.commit()
    message = _refused(login_as("service_manager"), runs, _placing(runs))
    assert message == "Acme Dental is inactive; its maintenance run cannot be scheduled."
    assert _items(app) == []


def test_a_run_of_a_closed_month_is_422_and_nothing_is_added(login_as, runs, app, people):
    with app.app_context():
        manager = db.session.scalar(db.select(User).where(User.email == people["service_manager"]))
        record = db.session.get(ChecklistRun, runs["acme"]).month
        months.close_month(manager, record, now=utcnow() + timedelta(days=40))
        db.session.commit()
    message = _refused(login_as("service_manager"), runs, _placing(runs))
    assert "is closed; its runs cannot be scheduled." in message
    assert _items(app) == []


@pytest.mark.parametrize("value", ["2147483648", "-1", "x", "999999"])
def test_a_run_id_that_is_not_a_run_is_422_next_to_the_field(login_as, runs, app, value):
    _refused(login_as("service_manager"), runs, _placing(runs, checklist_run_id=value))
    assert _items(app) == []


def test_a_run_already_placed_is_422_the_second_time(login_as, runs, app):
    client = login_as("service_manager")
    client.post(f"/manage/planner/{runs['week']}/items", data=_placing(runs), headers=HTMX)
    message = _refused(client, runs, _placing(runs, start="13:00", end="14:00"))
    assert message.startswith("Acme Dental&#39;s run is already on the planner for Tess Tech")
    assert len(_items(app)) == 1


def test_a_technician_may_not_open_or_place_a_run(login_as, runs, app):
    client = login_as("technician")
    week = runs["week"]
    assert client.get(f"/manage/planner/{week}/items/new?run={runs['acme']}").status_code == 403
    assert client.post(f"/manage/planner/{week}/items", data=_placing(runs)).status_code == 403
    assert _items(app) == []


def test_the_backlog_counts_this_months_runs_not_on_the_planner(login_as, runs):
    client = login_as("service_manager")
    client.post(f"/manage/planner/{runs['week']}/items", data=_placing(runs), headers=HTMX)
    page = client.get("/manage/backlog").get_data(as_text=True)
    section = page[page.index('id="maintenance"') :]
    assert re.search(r'Maintenance runs not on the planner <span class="count">1</span>', section)
    assert re.search(r"<td>Tess Tech</td><td>1</td>", section)
    assert f'href="/manage/planner/{runs["week"]}"' in section


class TestWithCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True}

    @staticmethod
    def token(page: str) -> str:
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)

    @pytest.fixture
    def manager(self, client: FlaskClient, people) -> FlaskClient:
        token = self.token(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            data={"email": people["service_manager"], "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        return client

    def test_placing_needs_the_token_and_works_with_the_editors_own(self, app, manager, runs):
        path = f"/manage/planner/{runs['week']}/items"
        assert manager.post(path, data=_placing(runs), headers=HTMX).status_code == 400
        assert _items(app) == []
        editor = manager.get(f"{path}/new?run={runs['acme']}", headers=HTMX).get_data(as_text=True)
        data = {**_placing(runs), "csrf_token": self.token(editor)}
        assert manager.post(path, data=data, headers=HTMX).status_code == 200
        assert [item.checklist_run_id for item in _items(app)] == [runs["acme"]]
