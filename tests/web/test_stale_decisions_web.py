"""A manager's page that is out of date cannot decide a card: the version on the form must
match the card as it is now, even when the card is back in the queue after a resubmission."""

from sqlalchemy import select

from mspboard.models import TimeCard, User, db
from mspboard.services import approvals, time_cards
from tests.conftest import login
from tests.web.test_approvals_web import HTMX, submitted_card


def test_a_stale_page_cannot_approve_a_card_resubmitted_since(app, people):
    card_id, seen_version = submitted_card(app, people)  # the manager's page shows this one
    with app.app_context():
        card = db.session.get(TimeCard, card_id)
        other = db.session.scalar(select(User).where(User.email == people["admin"]))
        approvals.reject_card(other, card, card.version, "Friday is missing.")
        time_cards.submit_card(card.tech, card.week_start)  # fixed and sent again
        db.session.commit()
    manager = app.test_client()
    login(manager, people["service_manager"])
    stale = manager.post(
        f"/manage/timecards/{card_id}/approve", data={"version": seen_version}, headers=HTMX
    )
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(TimeCard, card_id).status == "submitted"
