"""Quarterly reviews at the desk over HTTP: who may open them, accepting a proposed hour, the
review's forms (422, 409, nothing changed), and the pages' query counts."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from mspboard.models import (
    Certification,
    Goal,
    GoalNote,
    GoalPeriod,
    QuarterlyReview,
    ScheduleItem,
    User,
    db,
)
from mspboard.services.people.goals import add_goal
from tests.conftest import count_queries, login
from tests.factories import make_user
from tests.shop_time import at_local

QUARTER = date(2027, 1, 1)
MONDAY = date(2027, 1, 4)
REVIEWED = date(2026, 10, 1)


@pytest.fixture
def before_the_round(app: Flask, stopped):
    """A Sunday in December: the next round is Q1 2027, reviewed in the week of 4 January."""
    with app.app_context():
        stopped.move_to(at_local(date(2026, 12, 20), 12))
    return stopped


def _review(app, email="tech@example.test", quarter=QUARTER) -> int:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == email))
        review = QuarterlyReview(tech_id=tech.id, quarter_start=quarter)
        db.session.add(review)
        db.session.commit()
        return review.id


@pytest.mark.parametrize("path", ["/manage/reviews", "/manage/reviews/{id}"])
def test_a_tech_never_reaches_the_review_pages(app, login_as, path):
    review_id = _review(app)
    client = login_as("technician")
    assert client.get(path.format(id=review_id)).status_code == 403
    answer = client.post(f"/manage/reviews/{review_id}/notes", data={"manager_notes": "x"})
    assert answer.status_code == 403


def test_signed_out_is_sent_to_sign_in(app, client, people):
    answer = client.get("/manage/reviews")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_manager_accepts_a_proposed_hour(app, login_as, before_the_round):
    client = login_as("service_manager")
    page = client.get("/manage/reviews").get_data(as_text=True)
    assert "Q1 2027 reviews · week of Mon 04 Jan" in page
    assert "Proposed" in page
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == "tech@example.test"))
        starts = at_local(MONDAY, 8).isoformat()
    data = {"tech_id": tech.id, "quarter": "2027-01-01", "starts_at": starts, "back": "planner"}
    answer = client.post("/manage/reviews/accept", data=data)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/manage/planner/2027-01-04")
    with app.app_context():
        item = db.session.scalar(db.select(ScheduleItem))
        review = db.session.scalar(db.select(QuarterlyReview))
        assert review.schedule_item_id == item.id and item.tech_id == tech.id
    planner = client.get("/manage/planner/2027-01-04").get_data(as_text=True)
    assert "Quarterly review (Q1 2027)" in planner
    again = client.post("/manage/reviews/accept", data=data)
    assert again.status_code == 422
    assert "already scheduled" in again.get_data(as_text=True)
    person = client.get(f"/manage/people/{tech.id}").get_data(as_text=True)
    assert f'href="/manage/reviews/{review.id}">Q1 2027</a>: scheduled, Mon 04 Jan 08:00' in person


@pytest.mark.parametrize(
    "starts_at", ["", "yesterday", "2027-01-04T08:00:00", "9999-01-04T08:00:00+00:00"]
)
def test_an_unreadable_hour_is_a_422(app, login_as, before_the_round, starts_at):
    client = login_as("service_manager")
    data = {"tech_id": "1", "quarter": "2027-01-01", "starts_at": starts_at}
    answer = client.post("/manage/reviews/accept", data=data)
    assert answer.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(ScheduleItem)) is None


def test_the_planner_shows_the_proposals_only_in_the_review_week(app, login_as, before_the_round):
    client = login_as("service_manager")
    week = client.get("/manage/planner/2027-01-04").get_data(as_text=True)
    assert "Propose reviews" in week and "Accept" in week
    other = client.get("/manage/planner/2027-01-11").get_data(as_text=True)
    assert "Propose reviews" not in other
    assert "Q1 2027 reviews: week of" in other


def test_the_review_page_writes_notes_goals_and_held(app, login_as, stopped):
    with app.app_context():
        stopped.move_to(at_local(MONDAY, 10))
    review_id = _review(app)
    client = login_as("service_manager")
    page = client.get(f"/manage/reviews/{review_id}")
    assert page.status_code == 200
    assert "Q4 2026 in figures" in page.get_data(as_text=True)
    url = f"/manage/reviews/{review_id}"
    saved = client.post(f"{url}/notes", data={"manager_notes": "Strong quarter", "version": 1})
    assert saved.status_code == 302
    unchanged = client.post(
        f"{url}/notes",
        data={"manager_notes": "Strong quarter", "version": 2},
        follow_redirects=True,
    )
    assert "Nothing changed." in unchanged.get_data(as_text=True)
    stale = client.post(f"{url}/notes", data={"manager_notes": "Mine", "version": 1})
    assert stale.status_code == 409
    assert "changed the manager notes" in stale.get_data(as_text=True)
    empty = client.post(f"{url}/goals", data={"title": " "})
    assert empty.status_code == 422
    assert "Give the goal a title." in empty.get_data(as_text=True)
    goal = client.post(f"{url}/goals", data={"title": "Earn the CCNA", "measure": "Exam passed"})
    assert goal.status_code == 302
    assert "Earn the CCNA" in client.get(url).get_data(as_text=True)
    held = client.post(f"{url}/held", data={"version": 2})
    assert held.status_code == 302
    with app.app_context():
        review = db.session.get(QuarterlyReview, review_id)
        assert review.is_held and review.manager_notes == "Strong quarter"
        (new_goal,) = db.session.scalars(db.select(Goal)).all()
        assert (new_goal.period_start, new_goal.title) == (QUARTER, "Earn the CCNA")
    assert client.post(f"{url}/held", data={"version": 3}).status_code == 422


def test_managers_read_the_techs_review_of_the_manager_with_its_author(app, login_as, stopped):
    with app.app_context():
        stopped.move_to(at_local(MONDAY, 10))
    review_id = _review(app)
    client = login_as("service_manager")
    url = f"/manage/reviews/{review_id}"
    assert "Not written yet" in client.get(url).get_data(as_text=True)
    with app.app_context():
        review = db.session.get(QuarterlyReview, review_id)
        review.manager_helps, review.manager_hinders = "Clear priorities", "Late changes"
        review.manager_review_at, review.manager_review_by_id = at_local(MONDAY, 9), review.tech_id
        db.session.commit()
    shown = client.get(url).get_data(as_text=True)
    assert "Clear priorities" in shown and "Late changes" in shown
    assert "Written by Person" in shown


def _grow(app, rows: int) -> int:
    """A tech with `rows` goals (each with a note) in each quarter and `rows` certifications,
    and `rows` colleagues with reviews; the review id."""
    with app.app_context():
        manager = db.session.scalar(db.select(User).where(User.role == "service_manager"))
        tech = db.session.scalar(db.select(User).where(User.email == "tech@example.test"))
        for n in range(rows):
            for start in (REVIEWED, QUARTER):
                goal = add_goal(
                    tech, period=GoalPeriod.QUARTER, starts=start, title=f"Goal {n}", by=manager
                )
                db.session.add(GoalNote(goal=goal, author=tech, body="Progress"))
            db.session.add(
                Certification(user_id=tech.id, name=f"Cert {n}", earned_on=date(2026, 11, 1))
            )
            colleague = make_user(name=f"Colleague {n:02d}")
            db.session.add(QuarterlyReview(tech_id=colleague.id, quarter_start=QUARTER))
            db.session.add(QuarterlyReview(tech_id=colleague.id, quarter_start=REVIEWED))
        review = QuarterlyReview(tech_id=tech.id, quarter_start=QUARTER)
        db.session.add(review)
        db.session.commit()
        return review.id


@pytest.mark.parametrize("page", ["/manage/reviews", "/manage/reviews/{id}"])
def test_review_pages_cost_the_same_queries_with_2_or_20_rows(app, people, page, stopped):
    with app.app_context():
        stopped.move_to(at_local(date(2026, 12, 20), 12))
    counts = []
    for rows in (2, 20):
        review_id = _grow(app, rows)
        client = app.test_client()
        login(client, people["service_manager"])
        counts.append(count_queries(app, client, page.format(id=review_id)))
        with app.app_context():
            db.session.execute(db.delete(GoalNote))
            db.session.execute(db.delete(Goal))
            db.session.execute(db.delete(Certification))
            db.session.execute(db.delete(QuarterlyReview))
            db.session.commit()
    assert counts[0] == counts[1]
    assert counts[1] <= 30
