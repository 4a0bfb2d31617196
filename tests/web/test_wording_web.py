"""What people read: a reason they wrote is shown as they wrote it, ended once."""

from sqlalchemy import select

from mspboard.models import User, db, utcnow
from mspboard.services.time_weeks import week_start_of
from mspboard.templating import sentence
from tests.field_factories import make_card


def test_a_sentence_is_ended_once():
    assert sentence("Friday is missing.") == "Friday is missing."
    assert sentence("Friday is missing") == "Friday is missing."
    assert sentence("Where is Friday? ") == "Where is Friday?"
    assert sentence("") == ""


def test_a_rejection_reason_ending_in_a_full_stop_shows_one(app, login_as, people):
    client = login_as("technician")
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        make_card(tech, week_start_of(utcnow()), status="rejected", reason="Friday is missing.")
        db.session.commit()
    page = client.get("/m/timecard").get_data(as_text=True)
    assert "Friday is missing. Fix it and submit again." in page
    assert "missing.." not in page
