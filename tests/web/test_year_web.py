"""The year in figures at the desk, in the production configuration (CSRF on): who may see
it, the years it knows, its charts and numbers, the CSV, and the written review's saves."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import AuditEvent, User, YearSummary, db
from tests.conftest import count_queries
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_entry, make_schedule_item
from tests.page_forms import form_data, signed_in
from tests.shop_time import at_local

YEAR = 2025
PAGE = f"/manage/year/{YEAR}"
SAVE = f"/manage/year/{YEAR}/summary"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _spring(stopped):
    """The clock held in March of the next year: YEAR is last year, and over."""
    stopped.move_to(datetime(YEAR + 1, 3, 4, 15, 0).astimezone())


@pytest.fixture
def shop(app):
    """Uma logged a billable hour in January of YEAR (two scheduled); one SR was opened and
    closed in March."""
    with app.app_context():
        uma = make_user(name="=Uma Tech", email="uma@example.test")
        make_user(role="service_manager", name="Dana", email="dana@example.test")
        make_user(role="admin", name="Sam", email="sam@example.test")
        make_entry(uma, at_local(date(YEAR, 1, 14), 9), minutes=60)
        make_schedule_item(uma, at_local(date(YEAR, 1, 14), 9), hours=2)
        sr = make_sr(make_client(), created_at=at_local(date(YEAR, 3, 3), 9))
        sr.status, sr.closed_at = "done", at_local(date(YEAR, 3, 3), 9) + timedelta(days=2)
        db.session.commit()


def test_a_technician_is_refused_and_a_stranger_sent_to_sign_in(app, shop):
    tech = signed_in(app, "uma@example.test")
    assert tech.get(PAGE).status_code == 403
    assert tech.get(f"{PAGE}.csv").status_code == 403
    assert tech.post(SAVE, data={"successes": "x"}).status_code in (400, 403)
    stranger = app.test_client()
    answer = stranger.get(PAGE)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert stranger.get(f"{PAGE}.csv").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(YearSummary)) == 0


def test_the_year_redirects_to_this_year_and_years_out_of_range_are_not_found(app, shop):
    manager = signed_in(app, "dana@example.test")
    answer = manager.get("/manage/year")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/year/{YEAR + 1}")
    for year in ("1999", "2100", "0", "-1", "99999999999999", "20x5", "2025.5"):
        assert manager.get(f"/manage/year/{year}").status_code == 404, year
        assert manager.get(f"/manage/year/{year}.csv").status_code == 404, year
    assert manager.get("/manage/year/2000").status_code == 200
    assert manager.get("/manage/year/2099").status_code == 200


def test_the_page_shows_each_chart_with_its_numbers_and_the_menu_leads_there(app, shop):
    manager = signed_in(app, "dana@example.test")
    page = manager.get(PAGE).get_data(as_text=True)
    assert '<a href="/manage/year" aria-current="page">Year</a>' in page
    assert page.count('role="img"') == 7
    assert '<title id="hours-title">Hours logged and billable, 2025</title>' in page
    for chart in ("hours", "shares", "srs", "ages", "cards", "maintenance", "goals"):
        assert f'id="numbers-{chart}"' in page
    # January: one hour logged, all billable, half the two scheduled.
    assert '<th scope="row">Logged</th><td class="num">1</td>' in page
    assert '<th scope="row">Logged of scheduled</th><td class="num">50%</td>' in page
    none = '<td class="num">\u2013</td>'
    assert f'<th scope="row">Median (days)</th>{none}{none}<td class="num">2.0</td>' in page
    assert "=Uma Tech" in page
    assert 'id="no-figures"' not in page


def test_a_year_with_nothing_in_it_shows_zeros(app, shop):
    manager = signed_in(app, "dana@example.test")
    answer = manager.get("/manage/year/2003")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="no-figures"' in page
    assert "<dd>0 h</dd>" in page and page.count('role="img"') == 7


def test_the_csv_has_a_row_per_month_and_per_tech_month_with_inert_cells(app, shop):
    manager = signed_in(app, "dana@example.test")
    answer = manager.get(f"{PAGE}.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert 'filename="year-2025.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    months = [row for row in rows if not row["Tech"]]
    assert [row["Month"] for row in months] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert months[0]["HoursLogged"] == "1.00" and months[0]["UtilisationPercent"] == "50"
    assert months[2]["SRsClosed"] == "1" and months[2]["MedianAgeAtCloseDays"] == "2.00"
    [uma] = [row for row in rows if row["Tech"]]
    assert uma["Tech"] == "'=Uma Tech" and uma["Month"] == "2025-01"
    assert uma["BillableSharePercent"] == "100"


def _save(client, **values):
    data = form_data(client.get(PAGE).get_data(as_text=True), SAVE)
    data.update(values)
    return data, client.post(SAVE, data=data)


def test_the_review_is_saved_attributed_and_audited_and_an_unchanged_save_writes_nothing(app, shop):
    manager = signed_in(app, "dana@example.test")
    _, answer = _save(manager, successes="Closed more than we opened.", next_year_goals="95%")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"{PAGE}#review")
    page = manager.get(PAGE).get_data(as_text=True)
    assert "Closed more than we opened." in page and "Last saved by Dana" in page
    with app.app_context():
        summary = db.session.scalar(select(YearSummary))
        dana = db.session.scalar(select(User).where(User.email == "dana@example.test"))
        assert (summary.year, summary.version, summary.updated_by_id) == (YEAR, 2, dana.id)
        audited = db.session.scalar(select(func.count()).select_from(AuditEvent))
    _, again = _save(manager)
    assert again.status_code == 302
    assert "Nothing changed." in manager.get(PAGE).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(YearSummary.version)) == 2
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audited


def test_a_stale_save_is_a_409_showing_the_other_change_and_keeping_yours(app, shop):
    dana, sam = signed_in(app, "dana@example.test"), signed_in(app, "sam@example.test")
    stale = form_data(sam.get(PAGE).get_data(as_text=True), SAVE)
    _save(dana, successes="Dana's words.")
    stale["fails"] = "Sam's words."
    answer = sam.post(SAVE, data=stale)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Dana changed the successes" in page and "Sam&#39;s words." in page
    assert "Dana&#39;s words." in page
    again = sam.post(SAVE, data=form_data(page, SAVE))
    assert again.status_code == 302
    with app.app_context():
        summary = db.session.scalar(select(YearSummary))
        assert (summary.successes, summary.fails) == ("Dana's words.", "Sam's words.")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fails", "a\x00b", "Remove the invisible control characters"),
        ("successes", "x" * 8001, "Keep this under 8,000 characters."),
    ],
)
def test_bad_input_is_a_422_next_to_its_field(app, shop, field, value, message):
    manager = signed_in(app, "dana@example.test")
    _, answer = _save(manager, **{field: value})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{field}-error">{message}' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(YearSummary)) == 0


def test_a_save_for_a_year_out_of_range_is_not_found(app, shop):
    manager = signed_in(app, "dana@example.test")
    data, _ = _save(manager)
    assert manager.post("/manage/year/2100/summary", data=data).status_code == 404


def test_the_page_costs_the_same_queries_for_a_small_and_a_larger_shop(app, shop):
    manager = signed_in(app, "dana@example.test")
    count_queries(app, manager, PAGE)
    small = count_queries(app, manager, PAGE)
    with app.app_context():
        for n in range(8):
            tech = make_user()
            for month in range(1, 13):
                make_entry(tech, at_local(date(YEAR, month, 5 + n), 10), minutes=90)
            sr = make_sr(make_client(), created_at=at_local(date(YEAR, 1 + n, 2), 9))
            sr.status, sr.closed_at = "done", at_local(date(YEAR, 1 + n, 9), 9)
        db.session.commit()
    assert count_queries(app, manager, PAGE) == small
    assert count_queries(app, manager, f"{PAGE}.csv") <= small
