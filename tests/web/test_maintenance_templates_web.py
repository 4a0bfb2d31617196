"""The checklist templates over HTTP, with CSRF on as in production: a change that reaches
open runs asks first, bad input is refused next to its field with nothing saved, a stale
form is a 409, and only managers and admins get in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from mspboard.models import (
    ChecklistExclusion,
    ChecklistItem,
    ChecklistProposal,
    ChecklistRun,
    Client,
    User,
    db,
)
from mspboard.services.maintenance import months
from tests.factories import make_client, make_user
from tests.maintenance_factories import make_item
from tests.page_forms import form_data, signed_in

TEMPLATES = "/manage/maintenance/templates"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def post(client, path: str, data: dict, page: str = TEMPLATES):
    token = token_of(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def shop(app):
    """This month is open: Acme and Bolt each have a run of the two base items."""
    with app.app_context():
        make_user(role="service_manager", email="priya@example.test", name="Priya Shah")
        make_user(role="admin", email="sam@example.test", name="Sam Ortiz")
        make_user(role="technician", email="tess@example.test", name="Tess")
        backups = make_item("Backups verified", position=0)
        make_item("UPS self-test", position=1)
        acme, bolt = make_client("Acme"), make_client("Bolt")
        gone = make_client("Gone Ltd")
        gone.active = False
        months.open_month(None, months.this_month())
        db.session.commit()
        return {"backups": backups.id, "acme": acme.id, "bolt": bolt.id, "gone": gone.id}


@pytest.fixture
def priya(app, shop):
    return signed_in(app, "priya@example.test")


def run_titles(app) -> dict[str, list[str]]:
    with app.app_context():
        return {
            run.client.name: [item.title for item in run.items]
            for run in db.session.scalars(select(ChecklistRun))
        }


def item_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ChecklistItem))


NEW_ITEM = {"title": "Check the NAS", "instruction": "", "cadence": "monthly", "billable": "y"}


def test_the_templates_page_lists_the_base_and_the_clients(priya, shop):
    page = priya.get(TEMPLATES).get_data(as_text=True)
    assert "Backups verified" in page and "UPS self-test" in page
    assert "Acme" in page and "(deactivated)" in page
    assert f'href="{TEMPLATES}/clients/{shop["acme"]}"' in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title."),
        ({"title": "x" * 201}, "title", "Keep this under 200 characters."),
        ({"cadence": "quarterly", "cadence_month": "4"}, "cadence_month", "Month of the quarter"),
        ({"cadence": "yearly", "cadence_month": "13"}, "cadence_month", "Month of the year"),
        ({"cadence": "quarterly", "cadence_month": "two"}, "cadence_month", "as a number"),
        ({"estimate_minutes": "481"}, "estimate_minutes", "1 to 480 minutes"),
        ({"estimate_minutes": "1e999999"}, "estimate_minutes", "whole minutes"),
        ({"cadence": "weekly"}, "cadence", "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_with_nothing_saved(
    app, priya, data, field, message
):
    answer = post(priya, f"{TEMPLATES}/items", {**NEW_ITEM, **data})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1), page[:3000]
    assert item_count(app) == 2


def test_a_new_item_due_now_asks_first_then_joins_the_open_runs_at_the_end(app, priya):
    asked = post(priya, f"{TEMPLATES}/items", NEW_ITEM)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "runs of 2 clients: Acme and Bolt." in page
    assert item_count(app) == 2  # nothing saved yet

    again = form_data(page, f"{TEMPLATES}/items")
    done = priya.post(f"{TEMPLATES}/items", data={**again, "apply": "now"})
    assert done.status_code == 303
    assert run_titles(app) == {
        "Acme": ["Backups verified", "UPS self-test", "Check the NAS"],
        "Bolt": ["Backups verified", "UPS self-test", "Check the NAS"],
    }
    followed = priya.get(done.headers["Location"]).get_data(as_text=True)
    assert "Added “Check the NAS”, and changed the open" in followed


def test_from_next_month_only_saves_the_template_and_leaves_the_runs(app, priya, shop):
    edit = f"{TEMPLATES}/items/{shop['backups']}"
    form = form_data(priya.get(edit).get_data(as_text=True))
    asked = priya.post(edit, data={**form, "title": "Backups restored"})
    assert asked.status_code == 200 and "This changes the open" in asked.get_data(as_text=True)
    again = form_data(asked.get_data(as_text=True), edit)
    assert priya.post(edit, data={**again, "apply": "next"}).status_code == 303
    assert run_titles(app)["Acme"][0] == "Backups verified"
    with app.app_context():
        assert db.session.get(ChecklistItem, shop["backups"]).title == "Backups restored"


def test_a_change_no_open_run_has_is_saved_at_once_and_says_so(app, priya):
    yearly = {**NEW_ITEM, "cadence": "yearly", "cadence_month": "6"}
    answer = post(priya, f"{TEMPLATES}/items", yearly)
    assert answer.status_code == 303
    assert item_count(app) == 3
    page = priya.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Added “Check the NAS”. Runs already open stay as they are" in page


def test_a_stale_edit_is_a_409_showing_the_other_change(app, shop, priya):
    sam = signed_in(app, "sam@example.test")
    edit = f"{TEMPLATES}/items/{shop['backups']}"
    priyas = form_data(priya.get(edit).get_data(as_text=True))
    sams = form_data(sam.get(edit).get_data(as_text=True))
    assert (
        sam.post(edit, data={**sams, "estimate_minutes": "20", "apply": "next"}).status_code == 303
    )

    refused = priya.post(edit, data={**priyas, "title": "Backups restored", "apply": "now"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Sam Ortiz changed the estimate to 20 min" in page
    with app.app_context():
        item = db.session.get(ChecklistItem, shop["backups"])
        assert (item.title, item.estimate_minutes) == ("Backups verified", 20)


def test_retire_and_move_from_an_older_page_are_409s_and_change_nothing(app, shop, priya):
    path = f"{TEMPLATES}/items/{shop['backups']}"
    stale = post(priya, f"{path}/retire", {"version": "7"})
    assert stale.status_code == 409 and "Not retired" in stale.get_data(as_text=True)
    moved = post(priya, f"{path}/move", {"version": "7", "direction": "down"})
    assert moved.status_code == 409 and "Not moved" in moved.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(ChecklistItem, shop["backups"])
        assert (item.retired_at, item.position, item.version) == (None, 0, 1)
    assert post(priya, f"{path}/move", {"version": "1", "direction": "down"}).status_code == 303
    page = priya.get(TEMPLATES).get_data(as_text=True)
    assert page.index("UPS self-test") < page.index("Backups verified")


def test_dropping_a_base_item_for_a_client_asks_then_takes_it_off_its_run(app, shop, priya):
    client_page = f"{TEMPLATES}/clients/{shop['acme']}"
    drop = f"{client_page}/items/{shop['backups']}/drop"
    asked = post(priya, drop, {}, page=client_page)
    assert "runs of 1 client: Acme." in asked.get_data(as_text=True)
    assert post(priya, drop, {"apply": "now"}, page=client_page).status_code == 303
    assert run_titles(app) == {
        "Acme": ["UPS self-test"],
        "Bolt": ["Backups verified", "UPS self-test"],
    }
    again = post(priya, drop, {"apply": "now"}, page=client_page)
    assert again.status_code == 422 and "already off" in again.get_data(as_text=True)
    restore = f"{client_page}/items/{shop['backups']}/restore"
    assert post(priya, restore, {"apply": "next"}, page=client_page).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChecklistExclusion)) == 0


def test_an_inactive_clients_page_says_so_and_refuses_changes(app, shop, priya):
    client_page = f"{TEMPLATES}/clients/{shop['gone']}"
    page = priya.get(client_page).get_data(as_text=True)
    assert "Gone Ltd is deactivated" in page and "Add for Gone Ltd" not in page
    refused = post(priya, f"{client_page}/items", NEW_ITEM, page=client_page)
    assert refused.status_code == 422 and "deactivated" in refused.get_data(as_text=True)
    assert item_count(app) == 2


def test_the_owner_is_an_active_technician_and_versioned_with_the_client(app, shop, priya):
    client_page = f"{TEMPLATES}/clients/{shop['acme']}"
    owner = f"{client_page}/owner"
    with app.app_context():
        priya_id, tess_id = (
            db.session.scalar(select(User.id).where(User.name == name))
            for name in ("Priya Shah", "Tess")
        )
    form = form_data(priya.get(client_page).get_data(as_text=True), owner)
    wrong = priya.post(owner, data={**form, "owner_id": str(priya_id)})
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert '<p class="error" id="owner_id-error">Pick an active technician.</p>' in page
    assert priya.post(owner, data={**form, "owner_id": str(tess_id)}).status_code == 303
    stale = priya.post(owner, data={**form, "owner_id": ""})
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(Client, shop["acme"]).maintenance_owner_id == tess_id


def test_a_proposal_is_decided_once_and_the_page_goes_back_where_it_was(app, shop, priya):
    with app.app_context():
        tom = make_user(name="Tom")
        proposal = ChecklistProposal(title="Check the NAS", proposed_by_id=tom.id)
        db.session.add(proposal)
        db.session.commit()
        path = f"/manage/maintenance/proposals/{proposal.id}"
    page = priya.get("/manage/maintenance/proposals").get_data(as_text=True)
    assert "Check the NAS" in page and "All clients" in page
    form = form_data(page, f"{path}/accept")
    assert form["next"] == "/manage/maintenance/proposals"

    accepted = priya.post(f"{path}/accept", data={**form, "next": TEMPLATES})
    assert (accepted.status_code, accepted.headers["Location"]) == (303, TEMPLATES)
    assert item_count(app) == 3
    twice = priya.post(f"{path}/reject", data=form)
    assert twice.status_code == 409
    assert "already accepted by Priya Shah" in twice.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ChecklistProposal, proposal.id).status == "accepted"


def test_a_decision_never_sends_the_browser_off_site(app, shop, priya):
    with app.app_context():
        proposal = ChecklistProposal(title="X", proposed_by_id=3)
        db.session.add(proposal)
        db.session.commit()
        path = f"/manage/maintenance/proposals/{proposal.id}/reject"
    answer = post(priya, path, {"version": "1", "next": "//evil.example/"})
    assert answer.headers["Location"] == "/manage/maintenance/proposals"


WRITES = [
    f"{TEMPLATES}/items",
    f"{TEMPLATES}/items/1",
    f"{TEMPLATES}/items/1/retire",
    f"{TEMPLATES}/items/1/move",
    f"{TEMPLATES}/clients/1/items",
    f"{TEMPLATES}/clients/1/items/1/drop",
    f"{TEMPLATES}/clients/1/items/1/restore",
    f"{TEMPLATES}/clients/1/owner",
    "/manage/maintenance/proposals/1/accept",
]
READS = [
    TEMPLATES,
    f"{TEMPLATES}/clients/1",
    f"{TEMPLATES}/items/1",
    "/manage/maintenance/proposals",
]


def test_a_technician_gets_403_and_changes_nothing(app, shop):
    tess = signed_in(app, "tess@example.test")
    token = token_of(tess.get("/m/").get_data(as_text=True))
    for path in READS:
        assert tess.get(path).status_code == 403, path
    for path in WRITES:
        answer = tess.post(path, data={"csrf_token": token, **NEW_ITEM, "apply": "now"})
        assert answer.status_code == 403, path
    assert item_count(app) == 2


def test_signed_out_is_sent_to_sign_in(app, shop):
    for path in READS:
        assert app.test_client().get(path).status_code == 302


def test_an_items_history_tells_who_changed_it_in_words(app, shop, priya):
    edit = f"{TEMPLATES}/items/{shop['backups']}"
    form = form_data(priya.get(edit).get_data(as_text=True))
    priya.post(edit, data={**form, "title": "Backups restored", "apply": "now"})
    page = priya.get(edit).get_data(as_text=True)
    assert "Priya Shah changed the checklist item “Backups restored”." in page
    assert "Priya Shah brought the open runs in line with the checklist item" in page
