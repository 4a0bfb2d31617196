"""The manager's people pages over HTTP: every tech's goals at a glance with a quarter
switcher, a tech's page where goals and certifications are added and edited (422 next to
the field, 409 with the other change), the certifications expiring on /manage/today, and
who may open them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from mspboard.models import AuditEvent, Certification, Goal, GoalKind, GoalPeriod, User, db
from mspboard.services.people import certifications as certs
from mspboard.services.people import goals
from mspboard.services.people.certifications import CertificationFields
from tests.conftest import count_queries
from tests.factories import make_user
from tests.shop_time import today_local


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Dates on the pages are read against one still "now", at any --at."""


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def shop(app: Flask, people) -> dict:
    """Elena (the `technician`) with a quarter goal, a year goal and a certification goal;
    Tom, a tech with no goals yet."""
    with app.app_context():
        elena, manager = _user(people["technician"]), _user(people["service_manager"])
        elena.name = "Elena Ruiz"
        tom = make_user(role="technician", name="Tom Nakamura")
        today = today_local()
        quarter = goals.add_goal(
            elena,
            period=GoalPeriod.QUARTER,
            starts=today,
            title="Close 40 SRs",
            by=manager,
            target_on=goals.next_quarter_start(today) - timedelta(days=1),
        )
        goals.add_note(elena, quarter, "25 so far", goals.utcnow() - timedelta(days=2))
        year = goals.add_goal(
            elena, period=GoalPeriod.YEAR, starts=today, title="Lead a project", by=manager
        )
        planned = goals.add_goal(
            elena,
            period=GoalPeriod.QUARTER,
            starts=today,
            title="Earn Azure Administrator",
            by=manager,
            kind=GoalKind.CERTIFICATION,
        )
        db.session.commit()
        return {
            "elena": elena.id,
            "tom": tom.id,
            "quarter_goal": quarter.id,
            "year_goal": year.id,
            "planned": planned.id,
        }


def _today(app: Flask):
    with app.app_context():
        return today_local()


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_techs_never_reach_the_people_pages_and_strangers_sign_in_first(
    client, login_as, shop, people
):
    paths = ["/manage/people", f"/manage/people/{shop['elena']}"]
    for path in paths:
        assert client.get(path).status_code == 302
    login_as("technician")
    for path in paths:
        assert client.get(path).status_code == 403, path
    posts = [
        f"/manage/people/{shop['elena']}/goals",
        f"/manage/people/goals/{shop['quarter_goal']}",
        f"/manage/people/goals/{shop['quarter_goal']}/notes",
        f"/manage/people/goals/{shop['planned']}/earned",
        f"/manage/people/{shop['elena']}/certifications",
    ]
    for path in posts:
        assert client.post(path, data={"new-title": "Mine"}).status_code == 403, path


def test_goals_at_a_glance_show_each_techs_goals_status_target_and_last_note(
    app, client, login_as, shop
):
    login_as("service_manager")
    page = _text(client.get("/manage/people"))
    with app.app_context():
        target = db.session.get(Goal, shop["quarter_goal"]).target_on
        noted = goals.last_note_at(db.session.get(Goal, shop["quarter_goal"]))
        label = goals.quarter_label(goals.quarter_start(today_local()))
        from mspboard.services.local_time import wall_label

        noted_text = wall_label(noted, "%d %b")
    assert f"goals of {label}" in page
    row = re.search(rf'id="glance-goal-{shop["quarter_goal"]}">(.*?)</tr>', page).group(1)
    assert "Close 40 SRs" in row and "Open" in row
    assert target.strftime("%d %b") in row and noted_text in row
    assert "Lead a project" in page and "3 open" in page
    tom = re.search(rf'id="tech-{shop["tom"]}"(.*?)</section>', page).group(1)
    assert "No goals yet this quarter." in tom and "No goals yet this year." in tom


def test_the_quarter_switcher_shows_another_quarter_and_a_bad_one_is_a_404(
    app, client, login_as, shop
):
    login_as("service_manager")
    start = goals.quarter_start(_today(app))
    earlier = goals.quarter_text(goals.previous_quarter_start(start))
    page = _text(client.get(f"/manage/people?quarter={earlier}"))
    assert "Close 40 SRs" not in page and "Earn Azure" not in page
    # A year goal shows in every quarter of its year.
    assert ("Lead a project" in page) == (earlier[:4] == str(start.year))
    for bad in ("2026-Q5", "2026Q1", "1999-Q4", "9999-Q1", "x"):
        assert client.get(f"/manage/people?quarter={bad}").status_code == 404, bad


def test_the_manager_adds_a_goal_and_a_bad_one_is_refused_next_to_the_field(
    app, client, login_as, shop
):
    login_as("service_manager")
    path = f"/manage/people/{shop['tom']}/goals"
    refused = client.post(
        path, data={"new-period": "quarter", "new-kind": "work", "new-title": "x" * 201}
    )
    assert refused.status_code == 422
    assert 'id="new-title-error"' in _text(refused)
    outside = _today(app).replace(year=_today(app).year + 1).isoformat()
    refused = client.post(
        path,
        data={
            "new-period": "quarter",
            "new-kind": "work",
            "new-title": "Fine",
            "new-target_on": outside,
        },
    )
    assert refused.status_code == 422 and "Pick a target date within" in _text(refused)
    bad_date = client.post(path, data={"new-title": "Fine", "new-target_on": "2026-02-30"})
    assert bad_date.status_code == 422
    added = client.post(
        path,
        data={
            "new-period": "year",
            "new-kind": "work",
            "new-title": "Pass the CCNA",
            "new-measure": "Certificate in hand",
        },
    )
    assert added.status_code == 303
    with app.app_context():
        goal = db.session.scalar(select(Goal).where(Goal.user_id == shop["tom"]))
        assert (goal.title, goal.period, goal.period_start.month) == ("Pass the CCNA", "year", 1)


def _edit_form(client, goal_id: int, elena: int) -> dict[str, str]:
    page = client.get(f"/manage/people/{elena}").get_data(as_text=True)
    prefix = f"goal{goal_id}-"
    fields = dict(re.findall(rf'name="({prefix}[a-z_]+)"[^>]*?value="([^"]*)"', page))
    form = re.search(rf'action="/manage/people/goals/{goal_id}\?[^"]*".*?</form>', page, re.S)
    selected = re.search(
        rf'name="{prefix}status".*?<option selected value="([^"]+)"', form.group(0), re.S
    )
    fields[f"{prefix}status"] = selected.group(1) if selected else "open"
    fields.setdefault(f"{prefix}measure", "")
    return fields


def test_a_goal_edit_moves_the_status_and_a_stale_one_is_a_409_naming_the_other_change(
    app, client, login_as, shop
):
    login_as("service_manager")
    goal_id = shop["quarter_goal"]
    form = _edit_form(client, goal_id, shop["elena"])
    assert form[f"goal{goal_id}-version"] == "1"
    path = f"/manage/people/goals/{goal_id}"
    saved = client.post(path, data={**form, f"goal{goal_id}-status": "at_risk"})
    assert saved.status_code == 303
    stale = client.post(path, data={**form, f"goal{goal_id}-title": "Close 50 SRs"})
    assert stale.status_code == 409
    assert "changed the status to At risk" in _text(stale)
    with app.app_context():
        goal = db.session.get(Goal, goal_id)
        assert (goal.title, goal.status, goal.version) == ("Close 40 SRs", "at_risk", 2)


def test_a_save_that_changes_nothing_writes_nothing(app, client, login_as, shop):
    login_as("service_manager")
    goal_id = shop["quarter_goal"]
    form = _edit_form(client, goal_id, shop["elena"])
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post(f"/manage/people/goals/{goal_id}", data=form, follow_redirects=True)
    assert "Nothing changed." in _text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
        assert db.session.get(Goal, goal_id).version == 1


def test_certifications_are_added_refused_edited_and_removed_on_the_techs_page(
    app, client, login_as, shop
):
    login_as("service_manager")
    today = _today(app)
    path = f"/manage/people/{shop['elena']}/certifications"
    earned = (today - timedelta(days=300)).isoformat()
    refused = client.post(
        path,
        data={
            "newcert-name": "Security+",
            "newcert-earned_on": earned,
            "newcert-expires_on": (today - timedelta(days=301)).isoformat(),
        },
    )
    assert refused.status_code == 422
    assert re.search(r'id="newcert-expires_on-error">It must expire after', _text(refused))
    added = client.post(
        path,
        data={
            "newcert-name": "Security+",
            "newcert-issuer": "CompTIA",
            "newcert-earned_on": earned,
            "newcert-expires_on": (today + timedelta(days=30)).isoformat(),
        },
        follow_redirects=True,
    )
    page = _text(added)
    assert "Certification added: Security+." in page and "Expires in 30 days" in page
    with app.app_context():
        cert = db.session.scalar(select(Certification))
        cert_id = cert.id
    edited = client.post(
        f"/manage/people/certifications/{cert_id}",
        data={
            f"cert{cert_id}-version": "1",
            f"cert{cert_id}-name": "Security+",
            f"cert{cert_id}-issuer": "CompTIA",
            f"cert{cert_id}-earned_on": earned,
            f"cert{cert_id}-expires_on": (today + timedelta(days=700)).isoformat(),
        },
        follow_redirects=True,
    )
    assert "Saved: Security+." in _text(edited) and "Expires in 30 days" not in _text(edited)
    stale = client.post(
        f"/manage/people/certifications/{cert_id}/remove", data={f"rm{cert_id}-version": "1"}
    )
    assert stale.status_code == 409
    removed = client.post(
        f"/manage/people/certifications/{cert_id}/remove", data={f"rm{cert_id}-version": "2"}
    )
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Certification)) is None
        assert "certification.removed" in set(db.session.scalars(select(AuditEvent.action)))


def test_recording_a_planned_certification_meets_its_goal(app, client, login_as, shop):
    login_as("service_manager")
    planned = shop["planned"]
    response = client.post(
        f"/manage/people/goals/{planned}/earned",
        data={
            f"earn{planned}-name": "Azure Administrator",
            f"earn{planned}-issuer": "Microsoft",
            f"earn{planned}-earned_on": _today(app).isoformat(),
        },
        follow_redirects=True,
    )
    page = _text(response)
    assert "Azure Administrator recorded as earned; the goal is met." in page
    assert "Record as earned" not in page
    with app.app_context():
        cert = db.session.scalar(select(Certification))
        assert cert.goal_id == planned and db.session.get(Goal, planned).status == "met"


def test_today_lists_certifications_expired_or_within_60_days_day_61_not(
    app, client, login_as, shop
):
    with app.app_context():
        elena, manager = db.session.get(User, shop["elena"]), db.session.get(User, shop["tom"])
        today = today_local()
        for name, days in (("Day 60", 60), ("Day 61", 61), ("Lapsed", -3)):
            certs.add_certification(
                manager,
                elena,
                CertificationFields(
                    name, "Issuer", today - timedelta(days=500), today + timedelta(days=days)
                ),
            )
        db.session.commit()
    login_as("service_manager")
    page = _text(client.get("/manage/today"))
    section = re.search(r'id="certs-expiring"(.*?)</section>', page).group(1)
    assert "Day 60" in section and "Expires in 60 days" in section
    assert "Lapsed" in section and "Expired 3 days ago" in section
    assert "Day 61" not in section
    assert f'href="/manage/people/{shop["elena"]}#cert-' in section


def test_the_glance_costs_the_same_queries_for_two_techs_as_for_twelve(app, client, login_as, shop):
    login_as("service_manager")
    few = count_queries(app, client, "/manage/people")
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.role == "service_manager"))
        for n in range(10):
            tech = make_user(role="technician")
            goal = goals.add_goal(
                tech, period=GoalPeriod.QUARTER, starts=today_local(), title=f"Goal {n}", by=manager
            )
            goals.add_note(tech, goal, "On it", goals.utcnow())
        db.session.commit()
    many = count_queries(app, client, "/manage/people")
    assert many == few
    page_few = count_queries(app, client, f"/manage/people/{shop['elena']}")
    assert page_few <= 20
