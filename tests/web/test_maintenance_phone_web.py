"""A maintenance run on the phone, through `phone_write` with CSRF protection on: ticks land
once however often they are sent, only the run's owner works on it, and bad input is a 422
with its reason next to the field."""

import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask

from mspboard.models import (
    ChecklistProposal,
    ChecklistRun,
    ChecklistRunItem,
    IdempotencyKey,
    ServiceRequest,
    TimeEntry,
    User,
    db,
    utcnow,
)
from mspboard.models.maintenance import NOTE_MAX
from mspboard.services.maintenance import months
from mspboard.services.time_weeks import local_date
from tests.factories import PASSWORD, make_client, make_user
from tests.field_factories import make_schedule_item
from tests.maintenance_factories import in_month, make_item, open_month
from tests.phone_writes import JSON, send, sign_in


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The phone's moments are set against one still "now", at any --at."""


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def shop(app: Flask) -> dict:
    """This month's run for Acme, owned by Elena; Tom is another technician."""
    with app.app_context():
        elena = make_user(role="technician", email="elena@example.test", name="Elena Ruiz")
        make_item("Backups verified", position=0)
        make_item("Patches applied", position=1)
        make_item("UPS self-test", position=2)
        make_client("Acme")
        (run,) = open_month(months.this_month())
        tom = make_user(role="technician", email="tom@example.test", name="Tom Nakamura")
        make_user(role="service_manager", email="mia@example.test", name="Mia Manager")
        db.session.commit()
        return {
            "run": run.id,
            "items": [item.id for item in run.items],
            "elena": elena.id,
            "tom": tom.id,
        }


def tick_path(item_id: int) -> str:
    return f"/m/maintenance/items/{item_id}/tick"


def stored(app: Flask, item_id: int) -> ChecklistRunItem:
    with app.app_context():
        item = db.session.get(ChecklistRunItem, item_id)
        db.session.expunge(item)
        return item


def count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_tick_is_stored_once_with_the_phone_moment_however_often_it_is_sent(app, client, shop):
    token = sign_in(client, "elena@example.test")
    item_id = shop["items"][0]
    on_phone = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    key = str(uuid.uuid4())
    data = {"outcome": "done", "note": "Veeam job 'Nightly' OK, 28 restore points"}
    first = send(client, token, tick_path(item_id), data, key=key, at=on_phone)
    again = send(client, token, tick_path(item_id), data, key=key, at=on_phone)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["message"] == "Backups verified: Done."
    assert again.headers["Idempotent-Replay"] == "true"
    item = stored(app, item_id)
    assert (item.outcome, item.ticked_at, item.ticked_by_id) == ("done", on_phone, shop["elena"])
    assert item.version == 2
    assert count(app, IdempotencyKey) == 1


def test_an_older_tick_arriving_after_a_newer_one_is_refused_and_changes_nothing(app, client, shop):
    token = sign_in(client, "elena@example.test")
    item_id = shop["items"][0]
    now = utcnow().replace(microsecond=0)
    problem = {"outcome": "problem", "note": "Two jobs failed"}
    assert send(client, token, tick_path(item_id), problem, at=now).status_code == 200
    late = send(
        client, token, tick_path(item_id), {"outcome": "done"}, at=now - timedelta(minutes=3)
    )
    assert late.status_code == 422
    answer = late.get_json()
    assert answer["message"].startswith("A later tick is already saved: Problem by Elena Ruiz")
    assert 'id="tick-' in answer["html"]
    assert stored(app, item_id).outcome == "problem"


def test_someone_elses_run_is_403_to_read_and_to_tick(app, client, shop):
    token = sign_in(client, "tom@example.test")
    assert client.get(f"/m/maintenance/runs/{shop['run']}").status_code == 403
    refused = send(client, token, tick_path(shop["items"][0]), {"outcome": "done"})
    assert refused.status_code == 403
    assert "Elena Ruiz's" in refused.get_json()["message"]
    raised = send(client, token, f"/m/maintenance/items/{shop['items'][0]}/raise", {})
    proposed = send(client, token, f"/m/maintenance/runs/{shop['run']}/propose", {"title": "x"})
    assert raised.status_code == proposed.status_code == 403
    assert stored(app, shop["items"][0]).outcome is None
    assert count(app, IdempotencyKey) == count(app, ChecklistProposal) == 0


def test_the_phone_pages_are_for_technicians_only(client, shop):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"email": "mia@example.test", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302
    assert client.get("/m/maintenance").status_code == 403
    assert client.get(f"/m/maintenance/runs/{shop['run']}").status_code == 403


def test_signed_out_the_run_page_sends_to_sign_in(client, shop):
    response = client.get(f"/m/maintenance/runs/{shop['run']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_change_made_by_someone_else_on_this_phone_is_not_stored(app, client, shop):
    token = sign_in(client, "elena@example.test")
    refused = send(
        client, token, tick_path(shop["items"][0]), {"outcome": "done"}, made_by=shop["tom"]
    )
    assert refused.status_code == 409 and refused.get_json()["reason"] == "other_user"
    assert stored(app, shop["items"][0]).outcome is None


def test_without_the_csrf_token_nothing_is_ticked(app, client, shop):
    sign_in(client, "elena@example.test")
    headers = {**JSON, "Idempotency-Key": str(uuid.uuid4())}
    refused = client.post(tick_path(shop["items"][0]), data={"outcome": "done"}, headers=headers)
    assert refused.status_code == 400
    assert stored(app, shop["items"][0]).outcome is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"outcome": "problem", "note": " "}, "note", "Say what you found."),
        ({"outcome": "finished"}, "outcome", "Tick Done, Not applicable or Problem."),
        ({"outcome": "done", "note": "n" * (NOTE_MAX + 1)}, "note", f"{NOTE_MAX} characters"),
        ({"outcome": "done", "note": "bell\x07"}, "note", ""),
    ],
)
def test_bad_input_is_a_422_next_to_its_field_and_changes_nothing(
    app, client, shop, data, field, message
):
    token = sign_in(client, "elena@example.test")
    refused = send(client, token, tick_path(shop["items"][0]), data)
    assert refused.status_code == 422
    answer = refused.get_json()
    assert field in answer["errors"] and message in answer["message"]
    assert stored(app, shop["items"][0]).outcome is None
    assert count(app, IdempotencyKey) == 0


def test_a_note_of_exactly_the_limit_is_kept(app, client, shop):
    token = sign_in(client, "elena@example.test")
    note = "n" * NOTE_MAX
    sent = send(client, token, tick_path(shop["items"][0]), {"outcome": "done", "note": note})
    assert sent.status_code == 200
    assert stored(app, shop["items"][0]).note == note


def test_a_closed_month_is_readable_without_buttons_and_refuses_a_tick(app, client, shop):
    token = sign_in(client, "elena@example.test")
    with app.app_context():
        run = db.session.get(ChecklistRun, shop["run"])
        next_month = months.add_months(run.month.month, 1)
        months.close_month(db.session.get(User, shop["elena"]), run.month, in_month(next_month))
        db.session.commit()
        label = months.month_label(run.month.month)
    page = client.get(f"/m/maintenance/runs/{shop['run']}").get_data(as_text=True)
    assert f"{label} is closed" in page and 'name="outcome"' not in page
    refused = send(client, token, tick_path(shop["items"][0]), {"outcome": "done"})
    assert refused.status_code == 422 and f"{label} is closed" in refused.get_json()["message"]


def test_a_run_of_an_inactive_client_refuses_a_tick(app, client, shop):
    token = sign_in(client, "elena@example.test")
    with app.app_context():
        db.session.get(ChecklistRun, shop["run"]).client.active = False
        db.session.commit()
    refused = send(client, token, tick_path(shop["items"][0]), {"outcome": "done"})
    assert refused.status_code == 422 and "no longer an active client" in refused.text
    assert stored(app, shop["items"][0]).outcome is None


def test_a_problem_raised_twice_is_one_sr_linked_to_the_item(app, client, shop):
    token = sign_in(client, "elena@example.test")
    item_id = shop["items"][1]
    send(client, token, tick_path(item_id), {"outcome": "problem", "note": "KB5031 failed"})
    first = send(client, token, f"/m/maintenance/items/{item_id}/raise", {})
    second = send(client, token, f"/m/maintenance/items/{item_id}/raise", {})
    assert first.status_code == 201 and second.status_code == 200
    assert second.get_json()["message"].startswith("Already raised as SR-")
    with app.app_context():
        sr = db.session.scalar(db.select(ServiceRequest))
        assert sr.title == "Patches applied: KB5031 failed" and sr.assignee_id == shop["elena"]
        assert db.session.get(ChecklistRunItem, item_id).sr_id == sr.id
    assert count(app, ServiceRequest) == 1
    page = client.get(f"/m/maintenance/runs/{shop['run']}").get_data(as_text=True)
    assert f'Raised as <a href="/m/sr/{sr.id}">' in page


def test_raising_an_item_that_is_not_a_problem_is_refused(app, client, shop):
    token = sign_in(client, "elena@example.test")
    refused = send(client, token, f"/m/maintenance/items/{shop['items'][0]}/raise", {})
    assert refused.status_code == 422 and "as a Problem" in refused.get_json()["message"]
    assert count(app, ServiceRequest) == 0


def test_a_proposal_for_next_month_and_one_without_a_title(app, client, shop):
    token = sign_in(client, "elena@example.test")
    path = f"/m/maintenance/runs/{shop['run']}/propose"
    made = send(client, token, path, {"title": "Check the plotter", "for_all_clients": "y"})
    assert made.status_code == 201
    empty = send(client, token, path, {"title": " "})
    assert empty.status_code == 422 and "title" in empty.get_json()["errors"]
    assert 'id="propose-' in empty.get_json()["html"]
    with app.app_context():
        (proposal,) = db.session.scalars(db.select(ChecklistProposal)).all()
        assert proposal.client_id is None and proposal.proposed_by_id == shop["elena"]


def test_my_runs_show_progress_and_the_run_page_shows_who_ticked(app, client, shop):
    token = sign_in(client, "elena@example.test")
    send(client, token, tick_path(shop["items"][0]), {"outcome": "done", "note": "OK"})
    send(client, token, tick_path(shop["items"][1]), {"outcome": "problem", "note": "Failed"})
    runs = client.get("/m/maintenance").get_data(as_text=True)
    assert "Acme" in runs and "<strong>2/3</strong> ticked" in runs and "1 problem" in runs
    page = client.get(f"/m/maintenance/runs/{shop['run']}").get_data(as_text=True)
    assert page.count("Elena Ruiz,") == 2 and "Raise as SR" in page
    assert page.count('name="outcome"') == 9


def test_a_timer_on_the_run_bills_the_runs_client(app, client, shop):
    token = sign_in(client, "elena@example.test")
    started = send(client, token, "/m/timer/start", {"run_id": shop["run"]})
    assert started.status_code == 201 and "Acme maintenance" in started.get_json()["message"]
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.checklist_run_id == shop["run"] and entry.client.name == "Acme"


def test_another_techs_run_takes_no_timer(app, client, shop):
    token = sign_in(client, "tom@example.test")
    refused = send(client, token, "/m/timer/start", {"run_id": shop["run"]})
    assert refused.status_code == 422 and "not yours" in refused.get_json()["message"]
    assert count(app, TimeEntry) == 0


def test_a_manual_entry_can_be_for_a_run_and_keeps_it_when_edited(app, client, shop):
    token = sign_in(client, "elena@example.test")
    form = client.get("/m/entries/new").get_data(as_text=True)
    assert f'<option value="{shop["run"]}">Acme maintenance,' in form
    with app.app_context():
        day = local_date(utcnow()).isoformat()
    data = {"day": day, "start": "00:05", "duration": "30", "run_id": shop["run"], "billable": ""}
    added = send(client, token, "/m/entries", data)
    assert added.status_code == 201, added.get_json()
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.checklist_run_id == shop["run"] and entry.sr_id is None
        entry_id = entry.id
    edit = client.get(f"/m/entries/{entry_id}/edit").get_data(as_text=True)
    assert f'<option selected value="{shop["run"]}">' in edit


def test_the_week_links_a_scheduled_run_to_its_checklist(app, client, shop):
    sign_in(client, "elena@example.test")
    with app.app_context():
        elena = db.session.get(User, shop["elena"])
        item = make_schedule_item(elena, utcnow() + timedelta(hours=2), title="Acme maintenance")
        item.checklist_run_id = shop["run"]
        db.session.commit()
    week = client.get("/m/week").get_data(as_text=True)
    assert f'href="/m/maintenance/runs/{shop["run"]}">Acme maintenance</a>' in week


def test_the_phone_keeps_my_runs_for_reading_offline(client, shop):
    sign_in(client, "elena@example.test")
    pages = client.get("/m/offline-pages", headers=JSON).get_json()["pages"]
    assert "/m/maintenance" in pages and f"/m/maintenance/runs/{shop['run']}" in pages
