"""Input that cannot break a page: each value below once gave a 500 (or a change that could
never be saved). Now it is answered with a clear 4xx, the message next to the field, and
nothing already saved is lost. Runs on both databases (--db)."""

from __future__ import annotations

import contextlib
import io
import re
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask, abort
from sqlalchemy import select, text

from mspboard.inputs import CONTROL_MESSAGE, DATE_MESSAGE, NUMBER_MESSAGE
from mspboard.models import (
    AgendaItem,
    Client,
    InvoiceLine,
    ScheduleItem,
    ServiceRequest,
    ShopSettings,
    TimeEntry,
    TvLink,
    User,
    db,
)
from tests.factories import PASSWORD, make_client, make_sr
from tests.field_factories import make_time_off
from tests.shop_time import today_local
from tests.web.test_invoices_web import WEEK as INVOICE_WEEK
from tests.web.test_invoices_web import approved_time, first_line

JSON = {"Accept": "application/json"}
HTMX = {"HX-Request": "true"}
BIG_ID = 2**31


def field_error(response, field_id: str) -> str:
    """The message shown under a field, or '' when it has none."""
    found = re.search(
        rf'<p class="error" id="{re.escape(field_id)}-error"[^>]*>([^<]*)</p>',
        response.get_data(as_text=True),
    )
    return found.group(1) if found else ""


def phone_post(client, path: str, data: dict):
    headers = {**JSON, "Idempotency-Key": str(uuid.uuid4())}
    return client.post(path, data=data, headers=headers)


def _id(model, **where) -> int:
    return db.session.scalar(select(model.id).filter_by(**where))


@pytest.fixture
def shop(app: Flask, people) -> dict[str, int]:
    with app.app_context():
        client = make_client("Acme Dental")
        sr = make_sr(client, "Printer offline")
        db.session.commit()
        return {"client": client.id, "sr": sr.id, "number": sr.number}


def sr_form(shop, **change) -> dict:
    return {
        "title": "Mail down",
        "client_id": str(shop["client"]),
        "description": "",
        "priority": "3",
        "status": "new",
        "assignee_id": "",
        "due_on": "",
        "estimate_hours": "",
        **change,
    }


def settings_form(**change) -> dict:
    return {
        "shop_name": "Harbor IT",
        "timezone": "UTC",
        "workdays": ["1", "2", "3", "4", "5"],
        "day_start": "08:00",
        "close_of_business": "17:00",
        "default_rate": "120",
        "idle_alert_minutes": "60",
        "billing_rounding_minutes": "15",
        "minimum_charge_minutes": "0",
        "currency": "USD",
        "stale_after_days": "14",
        "backup_keep_daily": "7",
        "backup_keep_weekly": "4",
        **change,
    }


# ---- defect 6: a far-off time-off request ----------------------------------------------------


def test_time_off_ending_in_9999_is_refused_next_to_the_last_day(app, login_as):
    tech = login_as("technician")
    with app.app_context():
        start = today_local() + timedelta(days=3)
    refused = phone_post(
        tech,
        "/m/timeoff",
        {"start_date": start.isoformat(), "end_date": "9999-12-31", "kind": "vacation"},
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["end_date"] == [DATE_MESSAGE]


def test_a_stored_request_ending_in_9999_leaves_the_approvals_page_working(app, login_as, people):
    """A request kept from before the bounds existed must not take the page down for every
    manager."""
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        make_time_off(tech, today_local() + timedelta(days=3), date(9999, 12, 31), "pending")
        db.session.commit()
    manager = login_as("service_manager")
    assert manager.get("/manage/approvals").status_code == 200
    assert manager.get("/manage/approvals", headers=HTMX).status_code == 200  # its refresh


# ---- defect 7: text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Mail\x00down"), ("description", "Line one\x00"), ("title", "Esc\x1b[31m")],
)
def test_control_characters_in_an_sr_are_refused_next_to_the_field(
    app, login_as, shop, field, value
):
    desk = login_as("service_manager")
    response = desk.post("/sr/new", data=sr_form(shop, **{field: value}))
    assert response.status_code == 422
    assert field_error(response, field) == CONTROL_MESSAGE
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ServiceRequest)) == 1


@pytest.mark.parametrize(
    ("path", "role", "data", "field"),
    [
        ("/admin/users/new", "admin", {"name": "A\x00B", "email": "ab@example.test"}, "name"),
        ("/admin/settings", "admin", settings_form(shop_name="Harbor\x00IT"), "shop_name"),
        ("/board/screens", "service_manager", {"name": "Office\x00TV"}, "name"),
        ("/admin/clients/new", "service_manager", {"name": "Acme\x00"}, "name"),
    ],
)
def test_nul_in_desk_text_fields_is_refused_next_to_the_field(
    app, login_as, path, role, data, field
):
    before = _rows(app)
    response = login_as(role).post(path, data=data)
    assert response.status_code == 422
    assert field_error(response, field) == CONTROL_MESSAGE
    assert _rows(app) == before


def _rows(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(db.func.count()).select_from(model))
            for model in (User, Client, ServiceRequest, TvLink, ShopSettings, AgendaItem)
        )


def add_planner_item(desk, **change):
    """Post a new planner item for the week of 7 Jan 2030 with `change` over sane values."""
    data = {"day": "2030-01-08", "start": "09:00", "end": "10:00", "title": "Check", **change}
    return desk.post("/manage/planner/2030-01-07/items", data=data)


def test_nul_in_a_planner_title_is_refused_next_to_the_field(app, login_as, people):
    with app.app_context():
        tech_id = _id(User, email=people["technician"])
    response = add_planner_item(
        login_as("service_manager"), tech_id=str(tech_id), title="Patch\x00servers"
    )
    assert response.status_code == 422
    assert field_error(response, "title") == CONTROL_MESSAGE
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ScheduleItem)) == 0


def test_nul_in_a_phone_note_is_refused_and_the_note_is_not_kept(app, login_as):
    tech = login_as("technician")
    refused = phone_post(tech, "/m/agenda", {"text": "Vendor\x00call"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["text"] == [CONTROL_MESSAGE]


def test_nul_in_the_login_email_is_a_422_not_a_500(client, people):
    response = client.post("/login", data={"email": "tech@example.test\x00", "password": "x"})
    assert response.status_code == 422
    assert field_error(response, "email") == CONTROL_MESSAGE


@pytest.mark.parametrize("target", ["/board\r\nX-Evil: 1", "/m/\x00", "/sr/new\t"])
def test_a_sign_in_link_with_control_characters_lands_on_the_home_page(client, people, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "tech@example.test", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/m/"


def test_bidi_overrides_are_removed_from_single_line_text(app, login_as, shop):
    desk = login_as("service_manager")
    response = desk.post("/sr/new", data=sr_form(shop, title="Invoice \u202egpj.exe"))
    assert response.status_code == 302
    with app.app_context():
        titles = set(db.session.scalars(select(ServiceRequest.title)))
    assert "Invoice gpj.exe" in titles


@pytest.mark.parametrize(
    "query", ["q=Printer\x00", "q=5551234567", "q=%C2%B2", f"q={BIG_ID}", "assignee=99999999999"]
)
def test_board_search_with_odd_text_or_numbers_answers_normally(login_as, shop, query):
    response = login_as("service_manager").get(f"/board?{query}")
    assert response.status_code in (200, 422)


# ---- defect 7: files where text is expected -------------------------------------------------


def _file() -> tuple[io.BytesIO, str]:
    return (io.BytesIO(b"not text"), "note.txt")


def test_a_file_sent_as_the_sr_title_is_refused_next_to_the_field(app, login_as, shop):
    desk = login_as("service_manager")
    response = desk.post(
        "/sr/new", data=sr_form(shop, title=_file()), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert field_error(response, "title") == "Give the SR a title."


def test_a_file_sent_as_a_phone_note_is_refused(app, login_as):
    tech = login_as("technician")
    response = tech.post(
        "/m/agenda",
        data={"text": _file()},
        headers={**JSON, "Idempotency-Key": str(uuid.uuid4())},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["text"] == ["Write the note."]


def test_a_file_sent_as_the_login_email_is_refused(client, people):
    response = client.post(
        "/login",
        data={"email": _file(), "password": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert field_error(response, "email") == "Enter your email."


def test_a_request_over_a_megabyte_is_a_413_with_the_error_page(login_as, shop):
    desk = login_as("service_manager")
    response = desk.post("/sr/new", data=sr_form(shop, description="x" * (1024 * 1024 + 1)))
    assert response.status_code == 413
    assert "too much to send at once" in response.get_data(as_text=True)


# ---- defect 7: numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["sNaN", "NaN", "-Infinity", "1e999999"])
def test_an_estimate_that_is_not_a_finite_number_is_refused(app, login_as, shop, value):
    response = login_as("service_manager").post("/sr/new", data=sr_form(shop, estimate_hours=value))
    assert response.status_code == 422
    assert field_error(response, "estimate_hours") == NUMBER_MESSAGE


@pytest.mark.parametrize("value", ["sNaN", "Infinity", "1e999999"])
def test_a_client_rate_that_is_not_a_finite_number_is_refused(app, login_as, value):
    response = login_as("service_manager").post(
        "/admin/clients/new", data={"name": "Acme", "billing_rate": value}
    )
    assert response.status_code == 422
    assert field_error(response, "billing_rate") == NUMBER_MESSAGE


def test_a_default_rate_of_snan_is_refused(app, login_as):
    response = login_as("admin").post("/admin/settings", data=settings_form(default_rate="sNaN"))
    assert response.status_code == 422
    assert field_error(response, "default_rate") == NUMBER_MESSAGE


@pytest.mark.parametrize("value", ["1e999999", "1e999998", "sNaN", "-1"])
def test_absurd_billed_hours_are_refused_at_once_next_to_the_line(app, login_as, people, value):
    approved_time(app, people)
    manager = login_as("service_manager")
    assert manager.post(f"{INVOICE_WEEK}/propose").status_code in {200, 302}
    line_id, _ = first_line(app)
    response = manager.post(
        f"/manage/invoices/lines/{line_id}", data={"billed_hours": value}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Enter hours as a number from 0 to 168" in field_error(response, f"line-{line_id}")
    with app.app_context():
        assert db.session.get(InvoiceLine, line_id).billed_minutes is None


# ---- defect 7: time zones, dates, ids ------------------------------------------------------


@pytest.mark.parametrize("zone", ["America", "Etc", "US", "../etc/passwd", "Mars/Olympus"])
def test_a_time_zone_that_is_not_a_real_zone_is_refused_next_to_the_field(app, login_as, zone):
    response = login_as("admin").post("/admin/settings", data=settings_form(timezone=zone))
    assert response.status_code == 422
    assert field_error(response, "timezone").startswith("Unknown time zone")
    with app.app_context():
        assert db.session.get(ShopSettings, 1) is None


def _week_paths(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, "POST" if "POST" in rule.methods else "GET")
        for rule in app.url_map.iter_rules()
        if "<week>" in rule.rule and "<int" not in rule.rule
    )


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-27", "9999-12-31"])
def test_week_urls_far_outside_the_calendar_are_404(app, login_as, week):
    paths = _week_paths(app)
    assert len(paths) >= 10
    for role in ("service_manager", "technician"):
        client = login_as(role)
        for path, method in paths:
            url = path.replace("<week>", week)
            response = client.open(
                url, method=method, headers={"Idempotency-Key": str(uuid.uuid4())}
            )
            assert response.status_code in (403, 404), (role, url, response.status_code)
        client.post("/logout")


def test_a_planner_day_in_9999_is_refused_next_to_the_field(app, login_as, people):
    with app.app_context():
        tech_id = _id(User, email=people["technician"])
    response = add_planner_item(login_as("service_manager"), tech_id=str(tech_id), day="9999-12-31")
    assert response.status_code == 422
    assert field_error(response, "day") == DATE_MESSAGE


@pytest.mark.parametrize(
    "path",
    [
        f"/m/sr/{BIG_ID}",
        f"/manage/approvals/cards/{BIG_ID}",
        f"/admin/clients/{2**63}",
        "/sr/SR-999999999",
        f"/admin/users/{BIG_ID}",
    ],
)
def test_an_id_beyond_the_column_in_a_url_is_a_404(login_as, path):
    role = "technician" if path.startswith("/m/") else "admin"
    assert login_as(role).get(path).status_code == 404


def test_an_id_beyond_the_column_in_a_form_is_refused_next_to_the_field(app, login_as, shop):
    desk = login_as("service_manager")
    response = desk.get(f"/manage/planner/2030-01-07/items/new?sr={BIG_ID}&tech={BIG_ID}")
    assert response.status_code == 200
    response = add_planner_item(desk, tech_id=str(BIG_ID), sr_id=str(BIG_ID))
    assert response.status_code == 422
    assert "does not exist" in field_error(response, "tech_id")
    bulk = desk.post("/manage/approvals/bulk", data={"card": [f"{BIG_ID}:1", "²:1"]})
    assert bulk.status_code == 302


def test_a_bulk_acknowledgement_naming_odd_ids_is_answered(login_as):
    tech = login_as("technician")
    response = phone_post(tech, "/m/week/acknowledge-all", {"items": f"{BIG_ID}:1,²:³"})
    assert response.status_code < 500


# ---- the error page itself -------------------------------------------------------------------


@pytest.fixture
def failing_route(app: Flask):
    """A view whose statement the database refuses, then a bug or a 404: the error page must
    still render (on PostgreSQL the transaction is aborted until someone rolls it back)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__test/fails-after-a-bad-statement/<how>")
    def fails(how: str):
        with contextlib.suppress(Exception):
            db.session.execute(text("SELECT * FROM no_such_table"))
        if how == "404":
            abort(404)
        raise RuntimeError("a bug")

    return "/__test/fails-after-a-bad-statement"


@pytest.mark.parametrize(
    ("how", "status", "title"),
    [("bug", 500, "Something went wrong on our side"), ("404", 404, "Page not found")],
)
def test_the_error_page_renders_after_a_failed_statement(
    login_as, failing_route, how, status, title
):
    response = login_as("service_manager").get(f"{failing_route}/{how}")
    assert response.status_code == status
    assert title in response.get_data(as_text=True)


# ---- defect 8: a clock time that does not exist -------------------------------------------


class TestClockChangeNights:
    SPRING_FORWARD = date(2026, 3, 8)

    @pytest.fixture
    def shop_zone_name(self):
        return "America/New_York"

    def test_the_planner_refuses_0230_on_the_night_the_clocks_go_forward(
        self, app, login_as, people
    ):
        with app.app_context():
            tech_id = _id(User, email=people["technician"])
        response = login_as("service_manager").post(
            "/manage/planner/2026-03-02/items",
            data={
                "tech_id": str(tech_id),
                "day": self.SPRING_FORWARD.isoformat(),
                "start": "02:30",
                "end": "04:00",
                "title": "Night patching",
            },
        )
        assert response.status_code == 422
        message = field_error(response, "start")
        assert message.startswith("02:30 does not exist on Sun 08 Mar")
        assert "03:30" in message
        with app.app_context():
            assert db.session.scalar(select(db.func.count()).select_from(ScheduleItem)) == 0

    def test_a_phone_entry_at_0230_that_night_is_refused_not_sent_again_forever(
        self, app, login_as, clock
    ):
        clock.move_to("2026-03-09T15:00:00+00:00")
        tech = login_as("technician")
        response = phone_post(
            tech,
            "/m/entries",
            {
                "day": self.SPRING_FORWARD.isoformat(),
                "start": "02:30",
                "end": "04:00",
                "billable": "",
            },
        )
        assert response.status_code == 422
        assert response.get_json()["errors"]["start"][0].startswith(
            "02:30 does not exist on Sun 08 Mar"
        )
        with app.app_context():
            assert db.session.scalar(select(db.func.count()).select_from(TimeEntry)) == 0

    def test_a_planner_time_that_happens_twice_asks_which_and_shows_the_zone(
        self, app, login_as, people
    ):
        with app.app_context():
            tech_id = _id(User, email=people["technician"])
        desk = login_as("service_manager")
        data = {
            "tech_id": str(tech_id),
            "day": "2026-11-01",
            "start": "01:30",
            "end": "03:00",
            "title": "Night patching",
        }
        asked = desk.post("/manage/planner/2026-10-26/items", data=data)
        assert asked.status_code == 422
        assert field_error(asked, "start").startswith("01:30 happens twice on Sun 01 Nov")
        assert "01:30 EST, an hour later" in asked.get_data(as_text=True)
        saved = desk.post(
            "/manage/planner/2026-10-26/items",
            data={**data, "start_fold": "1"},
            follow_redirects=True,
        )
        assert saved.status_code == 200
        assert "Sun 01 Nov 01:30 EST" in saved.get_data(as_text=True)
        with app.app_context():
            item = db.session.scalar(select(ScheduleItem))
            assert item.starts_at.isoformat() == "2026-11-01T06:30:00+00:00"
            item_id = item.id
        edit = desk.get(f"/manage/planner/2026-10-26/items/{item_id}/edit")
        assert '<option selected value="1">' in edit.get_data(as_text=True)


# ---- a phone change the database refuses ---------------------------------------------------


def _refused_by_the_database(times: int):
    from sqlalchemy.exc import IntegrityError

    from mspboard.services.meetings import notes

    real, calls = notes.add_note, []

    def add_note(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise IntegrityError("INSERT", {}, Exception("CHECK constraint failed"))
        return real(*args, **kwargs)

    return add_note, calls


def test_a_phone_change_the_database_always_refuses_is_a_422_not_send_again(
    app, login_as, monkeypatch
):
    from mspboard.field import routes

    add_note, calls = _refused_by_the_database(times=99)
    monkeypatch.setattr(routes.agenda_notes, "add_note", add_note)
    response = phone_post(login_as("technician"), "/m/agenda", {"text": "Vendor call"})
    assert response.status_code == 422
    assert response.get_json()["message"].startswith("This change cannot be saved as it is")
    assert len(calls) == 2
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AgendaItem)) == 0


def test_a_phone_change_that_lost_a_race_is_run_again_and_saved(app, login_as, monkeypatch):
    from mspboard.field import routes

    add_note, calls = _refused_by_the_database(times=1)
    monkeypatch.setattr(routes.agenda_notes, "add_note", add_note)
    response = phone_post(login_as("technician"), "/m/agenda", {"text": "Vendor call"})
    assert response.status_code == 201
    assert len(calls) == 2
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AgendaItem)) == 1
