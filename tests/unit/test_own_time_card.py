"""A manager or admin who keeps a time card: they are one of the people with a card (on the
planner, today's board and the week's cards), and their card is decided by someone else."""

from datetime import date

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, db
from mspboard.services import accounts, approvals, now_working, planner, today
from mspboard.services.staff import active_technicians, card_keeper, card_keepers
from tests.factories import make_user
from tests.field_factories import make_card, make_time_off

# A week before every instant the suite starts at, so its cards are past their deadline.
MONDAY = date(2026, 10, 19)


@pytest.fixture(autouse=True)
def _held_still(stopped): ...


def keeping_a_card(role: str = "service_manager", **kwargs):
    user = make_user(role=role, **kwargs)
    user.keeps_time_card = True
    db.session.flush()
    return user


def test_the_people_with_a_card_are_the_techs_and_the_marked_managers_and_admins():
    tech = make_user(name="Tess Tech")
    marked = keeping_a_card(name="Mona Manager")
    admin = keeping_a_card("admin", name="Ada Admin")
    make_user(role="service_manager", name="Una Unmarked")
    keeping_a_card(name="Gone Manager", active=False)
    assert card_keepers() == [admin, marked, tech]
    assert card_keeper(marked.id) is marked and card_keeper(tech.id) is tech
    assert active_technicians() == [tech]  # maintenance runs still go to technicians


def test_an_unmarked_or_inactive_manager_has_no_card():
    unmarked = make_user(role="service_manager")
    gone = keeping_a_card(active=False)
    assert not unmarked.has_time_card
    assert card_keeper(unmarked.id) is None and card_keeper(gone.id) is None


def test_a_marked_manager_is_on_the_week_cards_planner_and_today():
    manager = keeping_a_card(name="Mona Manager")
    make_user(role="service_manager", name="Una Unmarked")
    card = make_card(manager, MONDAY, "submitted")
    rows = approvals.week_cards(MONDAY)
    assert [(row.tech, row.card) for row in rows] == [(manager, card)]
    assert [row.tech for row in planner.planner_week(MONDAY).rows] == [manager]
    assert [row.tech for row in now_working.who_is_working()] == [manager]
    assert [row.tech for row in today.checkins_on(MONDAY)] == [manager]


def test_a_manager_cannot_approve_reject_or_reopen_their_own_card():
    manager = keeping_a_card()
    card = make_card(manager, MONDAY, "submitted")
    with pytest.raises(approvals.OwnDecision):
        approvals.approve_card(manager, card, card.version)
    with pytest.raises(approvals.OwnDecision):
        approvals.reject_card(manager, card, card.version, "Too much overtime")
    assert card.status == "submitted" and card.decided_by_id is None
    approvals.approve_card(make_user(role="admin"), card, card.version)
    with pytest.raises(approvals.OwnDecision):
        approvals.reopen_card(manager, card, card.version, "Forgot Friday")
    assert card.status == "approved"


def test_another_manager_or_an_admin_approves_the_managers_card():
    manager = keeping_a_card()
    other = make_user(role="service_manager")
    admin = make_user(role="admin")
    card = make_card(manager, MONDAY, "submitted")
    approvals.approve_card(other, card, card.version)
    assert card.status == "approved" and card.decided_by_id == other.id
    approvals.reopen_card(admin, card, card.version, "Friday was a holiday")
    assert card.status == "draft" and card.decided_by_id == admin.id


def test_bulk_approval_leaves_the_managers_own_card_and_says_why():
    manager = keeping_a_card()
    tech = make_user()
    own = make_card(manager, MONDAY, "submitted")
    theirs = make_card(tech, MONDAY, "submitted")
    outcome = approvals.bulk_approve(manager, {own.id: own.version, theirs.id: theirs.version})
    assert own.status == "submitted"
    assert outcome.own == [f"{approvals.card_label(own)}: {approvals.OWN_CARD}"]
    # The tech's card is judged on its own (an empty week has flags: left for a closer look).
    assert outcome.flagged[0].startswith(approvals.card_label(theirs))


def test_the_queue_shows_the_managers_own_card_as_not_theirs_to_decide():
    manager = keeping_a_card()
    other = make_user(role="service_manager")
    card = make_card(manager, MONDAY, "submitted")
    mine = approvals.approval_queue(viewer=manager)
    theirs = approvals.approval_queue(viewer=other)
    assert [(entry.card.card, entry.own) for entry in mine] == [(card, True)]
    assert [(entry.card.card, entry.own) for entry in theirs] == [(card, False)]
    assert approvals.pending_count(viewer=manager) == 0
    assert approvals.pending_count(viewer=other) == approvals.pending_count() == 1


def test_marking_a_manager_is_saved_versioned_and_audited():
    admin = make_user(role="admin")
    manager = make_user(role="service_manager", email="mona@example.test", name="Mona")
    details = accounts.UserDetails(
        name="Mona", email="mona@example.test", role="service_manager", keeps_time_card=True
    )
    changed = accounts.update_user(admin, manager, details, expected_version=manager.version)
    assert manager.keeps_time_card and "keeps_time_card" in changed
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.updated").order_by(AuditEvent.id.desc())
    )
    assert event.before["keeps_time_card"] is False and event.after["keeps_time_card"] is True
    assert event.actor_id == admin.id


def test_a_manager_cannot_decide_their_own_time_off_and_their_queue_leaves_it_waiting():
    manager = keeping_a_card()
    request = make_time_off(manager, MONDAY, MONDAY, status="pending")
    with pytest.raises(approvals.OwnDecision):
        approvals.decide_time_off(manager, request, True, "", expected_version=request.version)
    assert request.status == "pending" and request.decided_by_id is None
    assert approvals.pending_count(manager) == 0
    assert [entry.own for entry in approvals.approval_queue(viewer=manager)] == [True]
    other = make_user(role="service_manager")
    assert approvals.pending_count(other) == 1
    assert [entry.own for entry in approvals.approval_queue(viewer=other)] == [False]
    approvals.decide_time_off(other, request, True, "", expected_version=request.version)
    assert request.status == "approved" and request.decided_by_id == other.id
