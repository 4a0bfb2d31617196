"""The planner over HTTP: who may use it, whole pages and htmx fragments, 422s with the
message next to the field."""

import re
from datetime import date, timedelta

import pytest

from mspboard.models import AuditEvent, ScheduleItem, User, db
from mspboard.services.planner import next_week_start
from tests.conftest import count_queries
from tests.factories import make_sr, make_user
from tests.field_factories import make_schedule_item, make_time_off
from tests.shop_time import at_local

HTMX = {"HX-Request": "true"}
WEEK = date(2030, 1, 7)
W = WEEK.isoformat()


def _tech_id() -> int:
    return db.session.scalar(db.select(User.id).where(User.email == "tech@example.test"))


@pytest.fixture
def plan(app, people) -> dict:
    with app.app_context():
        tech_id = _tech_id()
        tech = db.session.get(User, tech_id)
        other = make_user(role="technician", name="Bob Other")
        sr = make_sr(title="Mail server down", priority=1)
        closed = make_sr(title="Old job", status="done")
        item = make_schedule_item(tech, at_local(WEEK, 9), title="Patch servers")
        draft = make_schedule_item(
            tech,
            at_local(WEEK + timedelta(days=1), 9),
            title="Draft job",
            published=False,
        )
        db.session.commit()
        return {
            "tech": tech_id,
            "other": other.id,
            "sr": sr.id,
            "closed": closed.id,
            "item": item.id,
            "draft": draft.id,
        }


def _form(plan, **change) -> dict:
    data = {
        "tech_id": str(plan["tech"]),
        "day": (WEEK + timedelta(days=2)).isoformat(),
        "start": "09:00",
        "end": "11:30",
        "sr_id": "",
        "title": "Quarterly server check",
        "travel_notes": "",
        "version": "1",
    }
    data.update(change)
    return data


def _routes(plan) -> list[tuple[str, str]]:
    item = plan["item"]
    return [
        ("GET", "/manage/planner"),
        ("GET", f"/manage/planner/{W}"),
        ("GET", f"/manage/planner/{W}/editor"),
        ("GET", f"/manage/planner/{W}/board"),
        ("GET", f"/manage/planner/{W}/items/new"),
        ("GET", f"/manage/planner/{W}/items/{item}/edit"),
        ("POST", f"/manage/planner/{W}/items"),
        ("POST", f"/manage/planner/{W}/items/{item}"),
        ("POST", f"/manage/planner/{W}/items/{item}/move"),
        ("POST", f"/manage/planner/{W}/items/{item}/delete"),
        ("POST", f"/manage/planner/{W}/publish"),
    ]


def test_a_technician_gets_403_on_every_planner_route(login_as, plan):
    client = login_as("technician")
    for method, path in _routes(plan):
        assert client.open(path, method=method).status_code == 403, path


def test_signed_out_visitors_are_sent_to_sign_in(client, plan):
    for method, path in _routes(plan):
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/login" in response.location, path


@pytest.mark.parametrize("role", ["service_manager", "admin"])
def test_managers_and_admins_open_every_planner_page(login_as, plan, role):
    client = login_as(role)
    for method, path in _routes(plan):
        if method == "GET":
            assert client.get(path).status_code == 200, path


def test_planner_shows_next_week_by_default_with_the_menu_item(login_as, plan, app):
    page = login_as("service_manager").get("/manage/planner").get_data(as_text=True)
    with app.app_context():
        monday = next_week_start()
    assert f"week of {monday:%a %d %b}" in page
    assert re.search(r'<a href="/manage/planner" aria-current="page">Planner</a>', page)


def test_a_week_that_is_not_a_monday_redirects_and_nonsense_is_404(login_as, plan):
    client = login_as("service_manager")
    response = client.get("/manage/planner/2030-01-09")
    assert response.status_code == 302 and response.location.endswith(f"/manage/planner/{W}")
    assert client.get("/manage/planner/next-tuesday").status_code == 404
    assert client.get(f"/manage/planner/{W}/items/999999/edit").status_code == 404
    assert client.post(f"/manage/planner/{W}/items/999999/delete").status_code == 404


def test_week_page_shows_items_states_time_off_and_the_unscheduled_sr(login_as, plan, app):
    with app.app_context():
        make_time_off(
            db.session.get(User, plan["tech"]), WEEK + timedelta(days=4), WEEK + timedelta(days=4)
        )
        db.session.commit()
    page = login_as("service_manager").get(f"/manage/planner/{W}").get_data(as_text=True)
    assert f'id="cell-{plan["tech"]}-{W}"' in page
    assert "Patch servers" in page and "Not yet acknowledged" in page
    assert "Draft, not on the phone yet" in page
    assert "Time off (vacation), all day" in page
    assert f'id="planner-sr-{plan["sr"]}"' in page
    assert f'id="planner-sr-{plan["closed"]}"' not in page
    assert "1 not acknowledged" in page
    assert "Publish week (1)" in page


def test_new_item_form_comes_as_a_fragment_with_the_sr_picked(login_as, plan):
    response = login_as("service_manager").get(
        f"/manage/planner/{W}/items/new?sr={plan['sr']}&tech={plan['tech']}&day={W}", headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="planner-editor"')
    assert f'<option selected value="{plan["sr"]}">' in html
    assert f'value="{W}"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_adding_a_task_with_htmx_returns_the_editor_and_the_changed_cell(login_as, plan, app):
    response = login_as("service_manager").post(
        f"/manage/planner/{W}/items", data=_form(plan), headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="planner-editor"')
    assert "Added “Quarterly server check”" in html
    day = (WEEK + timedelta(days=2)).isoformat()
    assert re.search(rf'id="cell-{plan["tech"]}-{day}"[^>]*hx-swap-oob="outerHTML"', html)
    assert re.search(rf'id="tech-{plan["tech"]}"[^>]*hx-swap-oob', html)
    assert 'id="planner-head"' in html and 'id="planner-backlog"' in html
    with app.app_context():
        item = db.session.scalar(db.select(ScheduleItem).where(ScheduleItem.title.like("Quart%")))
        assert item.published_at is None and item.tech_id == plan["tech"]
        assert item.starts_at == at_local(WEEK + timedelta(days=2), 9)


def test_adding_from_an_sr_without_htmx_redirects_back_to_the_week(login_as, plan, app):
    response = login_as("service_manager").post(
        f"/manage/planner/{W}/items", data=_form(plan, sr_id=str(plan["sr"]), title="")
    )
    assert response.status_code == 302 and response.location.endswith(f"/manage/planner/{W}")
    with app.app_context():
        item = db.session.scalar(db.select(ScheduleItem).where(ScheduleItem.sr_id == plan["sr"]))
        assert item.title == "Mail server down"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"end": "08:00"}, "end", "The end must be after the start."),
        ({"start": ""}, "start", "Give the start time."),
        ({"title": ""}, "title", "Give the task a title, or pick a service request."),
        ({"tech_id": "manager"}, "tech_id", "Pick an active technician."),
        ({"sr_id": "closed"}, "sr_id", "is closed; reopen it to schedule it."),
    ],
)
def test_refused_items_come_back_as_the_editor_with_the_message_by_the_field(
    login_as, plan, app, people, change, field, message
):
    if change.get("tech_id") == "manager":
        with app.app_context():
            change["tech_id"] = str(
                db.session.scalar(db.select(User.id).where(User.email == people["service_manager"]))
            )
    if change.get("sr_id") == "closed":
        change["sr_id"] = str(plan["closed"])
    client = login_as("service_manager")
    response = client.post(f"/manage/planner/{W}/items", data=_form(plan, **change), headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="planner-editor"')
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html)
    assert error and message in error.group(1)
    assert re.search(
        rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html
    )
    full = client.post(f"/manage/planner/{W}/items", data=_form(plan, **change))
    assert full.status_code == 422 and "<html" in full.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ScheduleItem)) == 2


def test_editing_a_published_item_asks_the_tech_again_and_rerenders_both_cells(login_as, plan, app):
    client = login_as("service_manager")
    form = client.get(f"/manage/planner/{W}/items/{plan['item']}/edit", headers=HTMX)
    assert 'value="Patch servers"' in form.get_data(as_text=True)
    moved_day = (WEEK + timedelta(days=3)).isoformat()
    response = client.post(
        f"/manage/planner/{W}/items/{plan['item']}",
        data=_form(plan, day=moved_day, title="Patch servers", start="10:00", end="12:00"),
        headers=HTMX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'id="cell-{plan["tech"]}-{W}"[^>]*hx-swap-oob', html)
    assert re.search(rf'id="cell-{plan["tech"]}-{moved_day}"[^>]*hx-swap-oob', html)
    with app.app_context():
        item = db.session.get(ScheduleItem, plan["item"])
        assert item.version == 2
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert "schedule_item.changed" in actions


def test_moving_an_item_to_another_tech_rerenders_both_rows(login_as, plan, app):
    response = login_as("service_manager").post(
        f"/manage/planner/{W}/items/{plan['item']}",
        data=_form(plan, tech_id=str(plan["other"]), day=W, title="Patch servers", end="11:00"),
        headers=HTMX,
    )
    html = response.get_data(as_text=True)
    assert re.search(rf'id="tech-{plan["tech"]}"[^>]*hx-swap-oob', html)
    assert re.search(rf'id="tech-{plan["other"]}"[^>]*hx-swap-oob', html)
    with app.app_context():
        item = db.session.get(ScheduleItem, plan["item"])
        assert item.tech_id == plan["other"] and item.acknowledged_version is None


def test_an_invalid_edit_is_422_and_changes_nothing(login_as, plan, app):
    response = login_as("service_manager").post(
        f"/manage/planner/{W}/items/{plan['item']}",
        data=_form(plan, day=W, start="12:00", end="10:00"),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Delete item" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ScheduleItem, plan["item"]).version == 1


def test_deleting_a_published_item_is_audited(login_as, plan, app):
    response = login_as("service_manager").post(
        f"/manage/planner/{W}/items/{plan['item']}/delete", data={"version": "1"}, headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Deleted “Patch servers”." in html
    assert re.search(rf'id="cell-{plan["tech"]}-{W}"[^>]*hx-swap-oob', html)
    with app.app_context():
        assert db.session.get(ScheduleItem, plan["item"]) is None
        assert db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "schedule_item.deleted")
        )


def test_publishing_with_htmx_returns_the_board_and_publishes_the_drafts(login_as, plan, app):
    client = login_as("service_manager")
    response = client.post(f"/manage/planner/{W}/publish", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="planner-board"')
    assert "Published 1 item; the techs see them now." in html
    with app.app_context():
        assert db.session.get(ScheduleItem, plan["draft"]).published_at is not None
    again = client.post(f"/manage/planner/{W}/publish")
    assert again.status_code == 302
    page = client.get(again.location).get_data(as_text=True)
    assert "Nothing new to publish in this week." in page


def test_item_routes_take_any_day_of_the_week(login_as, plan):
    response = login_as("service_manager").get(
        f"/manage/planner/{WEEK + timedelta(days=3)}/items/new", headers=HTMX
    )
    assert f'value="{W}"' in response.get_data(as_text=True)


def test_the_week_page_does_not_query_once_per_tech_or_item(app, login_as, plan):
    client = login_as("service_manager")

    def add_techs(how_many: int) -> None:
        with app.app_context():
            for n in range(how_many):
                tech = make_user(role="technician")
                for day in range(5):
                    starts = at_local(WEEK + timedelta(days=day), 9)
                    sr = make_sr(title=f"Job {n}-{day}")
                    make_schedule_item(tech, starts, sr=sr)
                make_time_off(tech, WEEK, WEEK)
                make_sr(title=f"Waiting {n}")
            db.session.commit()

    add_techs(1)
    few = count_queries(app, client, f"/manage/planner/{W}")
    add_techs(5)
    assert count_queries(app, client, f"/manage/planner/{W}") == few


def test_dropping_an_item_on_another_techs_day_moves_it(login_as, plan, app):
    client = login_as("service_manager")
    tuesday = (WEEK + timedelta(days=1)).isoformat()
    path = f"/manage/planner/{W}/items/{plan['item']}/move"
    moved = client.post(
        path, data={"tech_id": plan["other"], "day": tuesday, "version": "1"}, headers=HTMX
    )
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "Moved “Patch servers” for Bob Other" in html
    assert re.search(rf'id="cell-{plan["other"]}-{tuesday}"[^>]*hx-swap-oob', html)
    assert re.search(rf'id="cell-{plan["tech"]}-{W}"[^>]*hx-swap-oob', html)
    with app.app_context():
        item = db.session.get(ScheduleItem, plan["item"])
        assert item.tech_id == plan["other"]
        assert item.starts_at == at_local(WEEK + timedelta(days=1), 9)


def test_a_drop_the_rules_refuse_is_422_with_the_reason(login_as, plan, people, app):
    with app.app_context():
        manager_id = db.session.scalar(
            db.select(User.id).where(User.email == people["service_manager"])
        )
    client = login_as("service_manager")
    path = f"/manage/planner/{W}/items/{plan['item']}/move"
    refused = client.post(path, data={"tech_id": manager_id, "day": W}, headers=HTMX)
    assert refused.status_code == 422
    assert re.search(
        r'role="alert"[^>]*>\s*<p>Pick an active technician.</p>', refused.get_data(as_text=True)
    )
    assert client.post(path, data={"day": W}, headers=HTMX).status_code == 422


def test_the_grid_alone_is_served_for_live_refresh(login_as, plan):
    response = login_as("service_manager").get(f"/manage/planner/{W}/board")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="planner-board"') and "<html" not in page


def _someone_else_renames(app, plan, title="Patch servers tonight"):
    from mspboard.services import planner

    with app.app_context():
        other = make_user(role="service_manager", name="Priya Shah")
        item = db.session.get(ScheduleItem, plan["item"])
        fields = planner.ItemFields(
            tech_id=item.tech_id,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            sr_id=item.sr_id,
            title=title,
            out_of_town=item.out_of_town,
            travel_notes=item.travel_notes,
        )
        planner.update_item(other, item, fields, expected_version=item.edit_version)
        db.session.commit()


def test_a_stale_planner_edit_is_refused_with_the_other_change_and_saves_again(login_as, plan, app):
    from tests.page_forms import form_data

    client = login_as("service_manager")
    editor = client.get(f"/manage/planner/{W}/items/{plan['item']}/edit", headers=HTMX)
    mine = form_data(editor.get_data(as_text=True))
    _someone_else_renames(app, plan)

    path = f"/manage/planner/{W}/items/{plan['item']}"
    refused = client.post(path, data={**mine, "end": "12:30"}, headers=HTMX)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Priya Shah changed the title to “Patch servers tonight”" in html
    assert "Your change to end is filled in below and not saved yet" in html
    with app.app_context():
        assert db.session.get(ScheduleItem, plan["item"]).ends_at != at_local(WEEK, 12, 30)

    again = form_data(html)
    assert (again["title"], again["end"]) == ("Patch servers tonight", "12:30")
    assert client.post(path, data=again, headers=HTMX).status_code == 200
    with app.app_context():
        item = db.session.get(ScheduleItem, plan["item"])
        assert (item.title, item.ends_at) == ("Patch servers tonight", at_local(WEEK, 12, 30))


@pytest.mark.parametrize(("action", "words"), [("move", "Not moved"), ("delete", "Not deleted")])
def test_a_stale_drag_or_delete_changes_nothing_and_says_who_changed_it(
    login_as, plan, app, action, words
):
    client = login_as("service_manager")
    _someone_else_renames(app, plan)
    tuesday = (WEEK + timedelta(days=1)).isoformat()
    refused = client.post(
        f"/manage/planner/{W}/items/{plan['item']}/{action}",
        data={"tech_id": plan["other"], "day": tuesday, "version": "1"},
        headers=HTMX,
    )
    assert refused.status_code == 409
    assert f"{words}: Priya Shah changed the title to" in refused.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(ScheduleItem, plan["item"])
        assert (item.tech_id, item.title) == (plan["tech"], "Patch servers tonight")
