"""The tech's review of the service manager from the phone, through the outbox's write path
(CSRF on, an idempotency key, the phone's moment): only on their own review."""

from __future__ import annotations

from datetime import date

import pytest

from mspboard.models import QuarterlyReview, User, db
from tests.factories import make_user
from tests.phone_writes import send, sign_in
from tests.shop_time import at_local

QUARTER = date(2027, 1, 1)
MONDAY = date(2027, 1, 4)


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


def _review(app, email="tech@example.test", quarter=QUARTER) -> int:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == email))
        review = QuarterlyReview(tech_id=tech.id, quarter_start=quarter)
        db.session.add(review)
        db.session.commit()
        return review.id


def test_the_tech_reviews_the_manager_from_the_phone(app, client, people, stopped):
    with app.app_context():
        stopped.move_to(at_local(MONDAY, 10))
    review_id = _review(app)
    token = sign_in(client, people["technician"])
    page = client.get("/m/review").get_data(as_text=True)
    assert "Review your service manager" in page
    data = {"manager_helps": "Clear priorities", "manager_hinders": "Late changes", "version": 1}
    answer_key = "6f1c1f0e-0d57-4a0e-9a43-2b0a3f3f0c11"
    answer = send(client, token, f"/m/review/{review_id}", data, key=answer_key)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["ok"] is True
    empty = send(client, token, f"/m/review/{review_id}", {"version": 2})
    assert empty.status_code == 422
    assert "Write what helps" in empty.get_json()["message"]
    with app.app_context():
        review = db.session.get(QuarterlyReview, review_id)
        assert review.manager_helps == "Clear priorities"
        assert review.manager_review_by.email == people["technician"]
    again = send(client, token, f"/m/review/{review_id}", data, key=answer_key)
    assert again.headers.get("Idempotent-Replay") == "true"
    with app.app_context():
        assert db.session.get(QuarterlyReview, review_id).version == 2


def test_a_tech_cannot_write_or_see_someone_elses_review(app, client, people, stopped):
    with app.app_context():
        stopped.move_to(at_local(MONDAY, 10))
        make_user(email="other@example.test", name="Other Tech")
        db.session.commit()
    other_review = _review(app, email="other@example.test")
    token = sign_in(client, people["technician"])
    answer = send(client, token, f"/m/review/{other_review}", {"manager_helps": "x"})
    assert answer.status_code == 403
    assert "someone else's" in answer.get_json()["message"]
    assert "Review your service manager" not in client.get("/m/review").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(QuarterlyReview, other_review).manager_helps == ""
