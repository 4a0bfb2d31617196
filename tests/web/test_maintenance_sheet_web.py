"""The Monthly Tracking Sheet at the desk, in the production configuration (CSRF on)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from mspboard.models import AuditEvent, ChecklistRun, MaintenanceMonth, User, db
from tests.factories import make_client, make_sr, make_user
from tests.maintenance_factories import in_month, make_item, open_month, ticked
from tests.page_forms import form_data, signed_in
from tests.shop_time import at_local

NOVEMBER = date(2026, 11, 1)  # this month at the suite's default instant


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """This month is November, next month December: the suite's instant, held."""


def token_of(client, path: str = "/manage/maintenance") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def shop(app):
    """Tess the technician owns Acme's and Birch's November runs of two items each."""
    with app.app_context():
        tess = make_user(name="Tess Tech", email="tess@example.test")
        make_user(name="Theo Tech", email="theo@example.test")
        make_user(role="service_manager", name="Mona Manager", email="mona@example.test")
        make_user(role="admin", name="Ada Admin", email="ada@example.test")
        make_item("Backups verified", position=0)
        make_item("UPS self-test", position=1)
        for name in ("Acme", "Birch"):
            make_client(name).maintenance_owner_id = tess.id
        acme, birch = open_month(NOVEMBER)
        db.session.commit()
        return {"acme": acme.id, "birch": birch.id, "tess": tess.id}


@pytest.fixture
def mona(app, shop):
    return signed_in(app, "mona@example.test")


def month_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MaintenanceMonth))


def test_the_sheet_shows_each_run_with_owner_progress_and_due_date(app, shop, mona):
    with app.app_context():
        acme = db.session.get(ChecklistRun, shop["acme"])
        ticked(acme.items[0], acme.owner, at_local(date(2026, 11, 20), 9), "problem")
        db.session.commit()

    page = mona.get("/manage/maintenance").get_data(as_text=True)

    acme_row = re.search(rf'<tr id="run-{shop["acme"]}".*?</tr>', page, re.S).group(0)
    assert "Acme" in acme_row and "Tess Tech" in acme_row and "1/2" in acme_row
    assert "Not on the planner" in acme_row and "Mon 30 Nov" in acme_row
    assert "In progress" in acme_row
    assert "Runs done <strong>0/2</strong>" in page and "Problems <strong>1</strong>" in page
    assert 'data-live-refresh="maintenance schedule"' in page
    assert ">Maintenance</a>" in page  # in the manager's menu


def test_a_technician_is_refused_every_maintenance_page_and_button(app, shop):
    tess = signed_in(app, "tess@example.test")
    token = token_of(tess, "/account")
    for path in (
        "/manage/maintenance",
        "/manage/maintenance?month=2026-11",
        f"/manage/maintenance/runs/{shop['acme']}",
        f"/manage/maintenance/runs/{shop['acme']}/report",
        "/manage/maintenance/2026-11.csv",
        "/manage/maintenance/next",
    ):
        assert tess.get(path).status_code == 403, path
    for path, data in (
        ("/manage/maintenance/open", {"month": "2026-12"}),
        ("/manage/maintenance/close", {"month": "2026-11"}),
        (f"/manage/maintenance/runs/{shop['acme']}/owner", {"owner_id": "1", "version": "1"}),
    ):
        assert tess.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert month_count(app) == 1
    anonymous = app.test_client().get("/manage/maintenance")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_an_admin_may_open_the_sheet(app, shop):
    assert signed_in(app, "ada@example.test").get("/manage/maintenance").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/manage/maintenance?month=2026-13",
        "/manage/maintenance?month=November",
        "/manage/maintenance?month=1999-01",
        "/manage/maintenance?month=2026-11-01",
        "/manage/maintenance/2026-13.csv",
        "/manage/maintenance/2026-12.csv",  # not opened
        "/manage/maintenance/runs/999",
        "/manage/maintenance/runs/2147483648",
        "/manage/maintenance/runs/999/report",
    ],
)
def test_a_bad_month_or_an_unknown_run_in_the_address_is_a_404(mona, path):
    assert mona.get(path).status_code == 404


def test_opening_next_month_from_the_desk_says_how_many_runs_it_made(app, shop, mona):
    page = mona.get("/manage/maintenance?month=2026-12").get_data(as_text=True)
    assert "Open December 2026" in page
    answer = mona.post(
        "/manage/maintenance/open", data={"month": "2026-12", "csrf_token": token_of(mona)}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/manage/maintenance?month=2026-12")
    shown = mona.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Opened December 2026: 2 runs." in shown
    assert "Open December 2026" not in shown
    with app.app_context():
        opened = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "maintenance_month.opened")
        )
        assert opened is not None


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2027-01", "Only this month (November 2026) or next month can be opened"),
        ("2026-10", "Only this month (November 2026) or next month can be opened"),
        ("2026-13", "Name the month as YYYY-MM"),
        ("", "Say which month."),
    ],
)
def test_a_month_that_cannot_be_opened_is_a_422_next_to_the_button(app, shop, mona, month, message):
    answer = mona.post(
        "/manage/maintenance/open", data={"month": month, "csrf_token": token_of(mona)}
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(
        r'<p class="error" id="open-error" role="alert">[^<]*' + re.escape(message), page
    )
    assert month_count(app) == 1


def test_opening_without_the_csrf_token_is_refused_and_opens_nothing(app, shop, mona):
    answer = mona.post("/manage/maintenance/open", data={"month": "2026-12"})
    assert answer.status_code == 400
    assert month_count(app) == 1


def test_an_ended_month_is_closed_from_the_desk_and_then_shows_no_buttons(app, shop, mona, stopped):
    november = mona.get("/manage/maintenance").get_data(as_text=True)
    assert "Close November 2026" not in november  # it has not ended
    refused = mona.post(
        "/manage/maintenance/close", data={"month": "2026-11", "csrf_token": token_of(mona)}
    )
    assert refused.status_code == 422
    assert "can be closed once it has ended" in refused.get_data(as_text=True)

    with app.app_context():
        stopped.move_to(in_month(date(2026, 12, 1)))
    # From the earliest awkward instant (1 November) that is over 30 days on: a new sign-in.
    mona = signed_in(app, "mona@example.test")
    page = mona.get("/manage/maintenance?month=2026-11").get_data(as_text=True)
    assert "Close November 2026" in page
    answer = mona.post(
        "/manage/maintenance/close", data={"month": "2026-11", "csrf_token": token_of(mona)}
    )
    assert answer.status_code == 302

    closed = mona.get("/manage/maintenance?month=2026-11").get_data(as_text=True)
    assert "Closed November 2026; its runs are kept as they ended." in closed
    assert "Shown as it ended" in closed or "shown as it ended" in closed
    assert 'action="/manage/maintenance/close"' not in closed
    assert 'action="/manage/maintenance/open"' not in closed
    run_page = mona.get(f"/manage/maintenance/runs/{shop['acme']}").get_data(as_text=True)
    assert "Save owner" not in run_page and "is closed" in run_page


def test_a_stale_owner_change_is_a_409_showing_the_other_change(app, shop):
    mona, ada = signed_in(app, "mona@example.test"), signed_in(app, "ada@example.test")
    path = f"/manage/maintenance/runs/{shop['acme']}"
    with app.app_context():
        theo = db.session.scalar(select(User).where(User.email == "theo@example.test")).id
    monas, adas = (
        form_data(mona.get(path).get_data(as_text=True)),
        form_data(ada.get(path).get_data(as_text=True)),
    )
    assert monas["owner_id"] == str(shop["tess"])

    saved = mona.post(f"{path}/owner", data={**monas, "owner_id": str(theo)})
    assert saved.status_code == 302
    assert "Acme&#39;s run now belongs to Theo Tech." in mona.get(path).get_data(as_text=True)

    refused = ada.post(f"{path}/owner", data={**adas, "owner_id": str(shop["tess"])})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Not saved yet." in page and "Mona Manager changed the owner to Theo Tech" in page
    with app.app_context():
        run = db.session.get(ChecklistRun, shop["acme"])
        assert (run.owner_id, run.version) == (theo, 2)
        changes = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "maintenance_run.owner_changed")
        ).all()
        assert [(event.actor.name, event.after["owner_id"]) for event in changes] == [
            ("Mona Manager", theo)
        ]


def test_an_owner_who_is_not_an_active_technician_is_a_422_by_the_field(app, shop, mona):
    path = f"/manage/maintenance/runs/{shop['acme']}"
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == "mona@example.test")).id
    data = form_data(mona.get(path).get_data(as_text=True))
    for owner in (str(manager), "2147483648", "abc", ""):
        answer = mona.post(f"{path}/owner", data={**data, "owner_id": owner})
        assert answer.status_code == 422, owner
        assert 'id="owner_id-error"' in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ChecklistRun, shop["acme"]).version == 1


def test_the_month_csv_is_an_attachment_with_every_item_and_inert_formulas(app, shop, mona):
    with app.app_context():
        acme = db.session.get(ChecklistRun, shop["acme"])
        sr = make_sr(client=acme.client, title="Backups failing")
        ticked(
            acme.items[0],
            acme.owner,
            at_local(date(2026, 11, 20), 9, 15),
            "problem",
            '=HYPERLINK("http://evil.example","Click")',
            sr=sr,
        )
        acme.client.name = "@SUM(A1:A9)"
        db.session.commit()
        number = sr.number

    answer = mona.get("/manage/maintenance/2026-11.csv")

    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="maintenance-2026-11.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == 4
    problem = next(row for row in rows if row["Outcome"] == "Problem")
    assert problem["Client"] == "'@SUM(A1:A9)"
    assert problem["Note"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert (problem["TickedBy"], problem["SR"]) == ("Tess Tech", number)
    assert problem["TickedAt"].startswith("2026-11-20T09:15")


def test_the_run_page_and_its_printable_summary_show_what_was_found(app, shop, mona):
    with app.app_context():
        acme = db.session.get(ChecklistRun, shop["acme"])
        sr = make_sr(client=acme.client, title="UPS battery weak")
        at = at_local(date(2026, 11, 20), 9, 15)
        ticked(acme.items[0], acme.owner, at, "done", "Veeam job 'Nightly' OK, 28 restore points")
        ticked(acme.items[1], acme.owner, at, "problem", "Battery at 40%", sr=sr)
        db.session.commit()
        number = sr.number

    run_page = mona.get(f"/manage/maintenance/runs/{shop['acme']}").get_data(as_text=True)
    assert "Veeam job &#39;Nightly&#39; OK, 28 restore points" in run_page
    assert "Fri 20 Nov 09:15" in run_page and "Tess Tech" in run_page and number in run_page

    report = mona.get(f"/manage/maintenance/runs/{shop['acme']}/report").get_data(as_text=True)
    assert "Monthly maintenance · Acme" in report and "What we found" in report
    assert f"Raised as {number}" in report and "Battery at 40%." in report
    assert "2 of 2 checks done" in report


def test_review_next_month_lists_the_runs_it_will_get_and_writes_nothing(app, shop, mona):
    with app.app_context():
        make_item("Firewall firmware", cadence="yearly", cadence_month=12, position=5)
        db.session.commit()
    page = mona.get("/manage/maintenance/next").get_data(as_text=True)
    assert "Review next month · December 2026" in page
    assert "Backups verified · UPS self-test · Firewall firmware" in page
    assert "Open December 2026" in page
    assert month_count(app) == 1
