"""Bulk approval is per card: a card another manager decides while the bulk approval runs is
named with who decided it and when, and every other ticked clean card is still approved."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mspboard.models import TimeCard, User, db, utcnow
from mspboard.services import approvals
from mspboard.services.local_time import wall_label
from tests.factories import make_user
from tests.field_factories import make_card, make_entry
from tests.shop_time import at_local
from tests.web.test_approvals_web import HTMX, last_monday


def clean_submitted_card(tech: User, monday) -> TimeCard:
    for day in range(5):
        entry = make_entry(tech, at_local(monday + timedelta(days=day), 8), minutes=480)
        entry.synced_at = entry.ended_at
    return make_card(tech, monday, "submitted")


def test_a_card_decided_during_a_bulk_approval_is_named_and_the_others_are_approved(
    app, login_as, people, monkeypatch
):
    monday = last_monday(app)
    with app.app_context():
        tess = make_user(name="Tess Contested")
        uma = make_user(name="Uma Clean")
        make_user(role="service_manager", name="Sam Okafor", email="sam@example.test")
        contested = clean_submitted_card(tess, monday)
        clean = clean_submitted_card(uma, monday)
        db.session.commit()
        ticked = {contested.id: contested.version, clean.id: clean.version}
        contested_id, clean_id = contested.id, clean.id

    real_review = approvals.review_card

    def review_while_sam_rejects(card, now):
        """Sam rejects Tess's card from another desk after this request read it."""
        if card.id == contested_id:
            with Session(db.engine) as other:
                sam = other.scalar(select(User).where(User.email == "sam@example.test"))
                theirs = other.get(TimeCard, card.id)
                theirs.status = "rejected"
                theirs.reason = "Friday is missing."
                theirs.decided_by_id = sam.id
                theirs.decided_at = utcnow()
                other.commit()
        return real_review(card, now)

    monkeypatch.setattr(approvals, "review_card", review_while_sam_rejects)
    response = login_as("service_manager").post(
        "/manage/approvals/bulk",
        data={"card": [f"{card_id}:{version}" for card_id, version in ticked.items()]},
        headers=HTMX,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    with app.app_context():
        contested_now = db.session.get(TimeCard, contested_id)
        clean_now = db.session.get(TimeCard, clean_id)
        assert (contested_now.status, contested_now.decided_by.name) == ("rejected", "Sam Okafor")
        assert clean_now.status == "approved"
        when = wall_label(contested_now.decided_at, "%a %d %b at %H:%M")
    assert f"Approved 1 card: Uma Clean, week of {monday:%d %b}." in page
    assert (
        f"Tess Contested, week of {monday:%d %b}: This card was already rejected by "
        f"Sam Okafor on {when}." in page
    )
    assert "Another manager decided one of these cards" not in page
