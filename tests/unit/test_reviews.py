"""Quarterly reviews: the second week of a quarter, the hour proposed per tech, accepting it
onto the planner, the figures a review is prepared from, and the tech's review of the
service manager."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mspboard.models import Certification, CheckIn, GoalNote, QuarterlyReview, ScheduleItem, db
from mspboard.services.errors import RuleViolation
from mspboard.services.people import reviews
from mspboard.services.people.goals import add_goal
from mspboard.services.time_cards import submission_deadline
from tests.factories import make_sr, make_user
from tests.field_factories import make_card, make_entry, make_schedule_item, make_time_off
from tests.shop_time import at_local

# The quarter these tests open: 1 January 2027, a Friday; its review week is 4 to 8 January.
QUARTER = date(2027, 1, 1)
MONDAY = date(2027, 1, 4)
REVIEWED = date(2026, 10, 1)


def test_second_week_of_a_quarter_starting_on_a_monday():
    assert reviews.review_week(date(2024, 4, 1)) == date(2024, 4, 8)


def test_second_week_of_a_quarter_starting_on_a_saturday_is_the_next_monday():
    # 1 July 2023 was a Saturday: its first week is 26 June to 2 July.
    assert reviews.review_week(date(2023, 7, 1)) == date(2023, 7, 3)


def test_second_week_of_january():
    assert reviews.review_week(date(2026, 1, 1)) == date(2026, 1, 5)
    assert reviews.review_days(date(2026, 1, 1)) == [date(2026, 1, n) for n in range(5, 10)]
    assert reviews.review_week(QUARTER) == MONDAY


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 12, 6), QUARTER),  # Q4's review week long past: the next round
        (date(2026, 10, 11), date(2026, 10, 1)),  # the last day of Q4's review week
        (date(2026, 10, 12), QUARTER),  # the Monday after it
    ],
)
def test_the_round_being_worked_on(stopped, day, expected):
    stopped.move_to(at_local(day, 12))
    assert reviews.round_quarter() == expected


def _techs():
    return (
        make_user(name="Ann Archer"),
        make_user(name="Bob Baker"),
        make_user(name="Cy Cole"),
    )


def test_each_tech_gets_a_free_hour_never_two_at_once(stopped):
    stopped.move_to(at_local(date(2026, 12, 20), 12))
    ann, bob, cy = _techs()
    make_schedule_item(ann, at_local(MONDAY, 8), hours=2)  # ends at 10:00 exactly
    make_time_off(cy, MONDAY, MONDAY)
    found = {row.tech.id: row for row in reviews.review_round(QUARTER).rows}
    assert found[ann.id].proposal.starts_at == at_local(MONDAY, 10)
    assert found[bob.id].proposal.starts_at == at_local(MONDAY, 8)
    assert found[cy.id].proposal.starts_at == at_local(MONDAY + timedelta(days=1), 8)
    assert {row.state for row in found.values()} == {"proposed"}
    assert db.session.scalars(db.select(QuarterlyReview)).all() == []


def test_an_item_one_second_past_the_hour_moves_the_proposal_to_the_half_hour(stopped):
    stopped.move_to(at_local(date(2026, 12, 20), 12))
    ann = make_user(name="Ann Archer")
    item = make_schedule_item(ann, at_local(MONDAY, 8), hours=2)
    item.ends_at += timedelta(seconds=1)
    db.session.flush()
    (row,) = reviews.review_round(QUARTER).rows
    assert row.proposal.starts_at == at_local(MONDAY, 10, 30)


def test_no_proposal_in_the_past(stopped):
    stopped.move_to(at_local(MONDAY + timedelta(days=4), 16, 1))  # Friday 16:01
    make_user(name="Ann Archer")
    (row,) = reviews.review_round(QUARTER).rows
    assert row.proposal is None
    assert row.state == "no free hour"


def test_accepting_a_proposal_puts_a_draft_review_on_the_planner(stopped):
    stopped.move_to(at_local(date(2026, 12, 20), 12))
    manager = make_user(role="service_manager")
    ann, bob, cy = _techs()
    # Ann has Monday 8:00, Bob 9:00, Cy 10:00; Bob's is accepted first.
    review = reviews.accept_proposal(manager, bob.id, QUARTER, at_local(MONDAY, 9))
    item = review.schedule_item
    assert item.title == "Quarterly review (Q1 2027)"
    assert (item.tech_id, item.starts_at, item.ends_at) == (
        bob.id,
        at_local(MONDAY, 9),
        at_local(MONDAY, 10),
    )
    assert item.published_at is None
    rows = {row.tech.id: row for row in reviews.review_round(QUARTER).rows}
    assert rows[bob.id].state == "scheduled"
    # The others keep clear of Bob's review: the manager attends them all.
    assert rows[ann.id].proposal.starts_at == at_local(MONDAY, 8)
    assert rows[cy.id].proposal.starts_at == at_local(MONDAY, 10)
    with pytest.raises(RuleViolation, match="already scheduled"):
        reviews.accept_proposal(manager, bob.id, QUARTER, at_local(MONDAY, 9))


def test_accepting_an_hour_that_is_no_longer_proposed_is_refused(stopped):
    stopped.move_to(at_local(date(2026, 12, 20), 12))
    manager = make_user(role="service_manager")
    ann = make_user(name="Ann Archer")
    make_schedule_item(ann, at_local(MONDAY, 8), hours=1)
    with pytest.raises(RuleViolation, match="no longer free") as refused:
        reviews.accept_proposal(manager, ann.id, QUARTER, at_local(MONDAY, 8))
    assert refused.value.field == "starts_at"
    assert db.session.scalars(db.select(ScheduleItem)).all()[0].title == "Server patching"
    with pytest.raises(RuleViolation, match="first day of a quarter"):
        reviews.accept_proposal(manager, ann.id, date(2027, 1, 2), at_local(MONDAY, 9))
    with pytest.raises(RuleViolation, match="active technician"):
        reviews.accept_proposal(manager, manager.id, QUARTER, at_local(MONDAY, 9))


def test_a_deleted_review_item_puts_the_review_back_to_schedule(stopped):
    stopped.move_to(at_local(date(2026, 12, 20), 12))
    manager = make_user(role="service_manager")
    ann = make_user(name="Ann Archer")
    review = reviews.accept_proposal(manager, ann.id, QUARTER, at_local(MONDAY, 8))
    db.session.delete(review.schedule_item)
    db.session.flush()
    db.session.expire_all()
    (row,) = reviews.review_round(QUARTER).rows
    assert row.review.id == review.id and row.state == "proposed"
    again = reviews.accept_proposal(manager, ann.id, QUARTER, row.proposal.starts_at)
    assert again.id == review.id and again.state == "scheduled"


def _review(tech, quarter=QUARTER) -> QuarterlyReview:
    review = QuarterlyReview(tech=tech, quarter_start=quarter)
    db.session.add(review)
    db.session.flush()
    return review


def test_figures_count_the_reviewed_quarter_to_its_edges(stopped):
    stopped.move_to(at_local(MONDAY, 9))
    ann = make_user(name="Ann Archer")
    make_entry(ann, at_local(date(2026, 9, 30), 23, 0), 59)  # the quarter before: not counted
    make_entry(ann, at_local(REVIEWED, 0, 0), 120)  # its first minute: counted
    make_entry(ann, at_local(date(2026, 12, 31), 22), 60, billable=False)
    make_entry(ann, at_local(QUARTER, 0, 0), 60)  # the new quarter: not counted
    sr = make_sr(assignee=ann, status="done")
    sr.closed_at = at_local(date(2026, 12, 31), 23, 59)
    late = make_sr(assignee=ann, status="done")
    late.closed_at = at_local(QUARTER, 0, 0)
    on_time = make_card(ann, date(2026, 10, 5), "submitted")
    on_time.submitted_at = submission_deadline(date(2026, 10, 5))
    past = make_card(ann, date(2026, 10, 12), "submitted")
    past.submitted_at = submission_deadline(date(2026, 10, 12)) + timedelta(seconds=1)
    make_time_off(ann, date(2026, 10, 1), date(2026, 10, 2))
    db.session.add_all(
        [CheckIn(tech_id=ann.id, day=date(2026, 10, 5)), CheckIn(tech_id=ann.id, day=QUARTER)]
    )
    db.session.add_all(
        [
            Certification(user_id=ann.id, name="A+", earned_on=date(2025, 3, 1)),
            Certification(
                user_id=ann.id,
                name="CCNA",
                earned_on=date(2026, 11, 2),
                expires_on=date(2027, 3, 31),
            ),
            Certification(
                user_id=ann.id,
                name="Old",
                earned_on=date(2023, 1, 1),
                expires_on=date(2026, 12, 31),
            ),
        ]
    )
    db.session.flush()
    figures = reviews.quarter_figures(ann, REVIEWED)
    assert figures.use.logged == 3.0
    assert figures.use.billable == 2.0
    assert figures.use.billable_share == 67
    assert figures.srs_closed == 1
    # 13 Mondays from 5 Oct to 28 Dec, each deadline passed by 4 January.
    assert (figures.cards_on_time, figures.cards_due) == (1, 13)
    # 92 days, 66 weekdays, 2 of them on time off.
    assert (figures.checkins, figures.checkins_expected) == (1, 64)
    held = [c.name for c in figures.certifications.held]
    assert held == ["A+", "CCNA"]  # "Old" expired on the quarter's last day
    assert [c.name for c in figures.certifications.earned] == ["CCNA"]
    assert [c.name for c in figures.certifications.expiring] == ["CCNA"]


def test_check_ins_are_owed_only_up_to_today(stopped):
    stopped.move_to(at_local(date(2026, 10, 7), 12))  # a Wednesday, in the quarter
    ann = make_user(name="Ann Archer")
    figures = reviews.quarter_figures(ann, REVIEWED)
    assert figures.checkins_expected == 5  # Thu 1, Fri 2, Mon 5, Tue 6, Wed 7
    assert figures.cards_due == 0  # the first week's deadline is Friday 9


def test_the_sheet_splits_last_quarters_goals_from_the_new_ones(stopped):
    stopped.move_to(at_local(MONDAY, 9))
    manager = make_user(role="service_manager")
    ann = make_user(name="Ann Archer")
    from mspboard.models import GoalPeriod

    old = add_goal(ann, period=GoalPeriod.QUARTER, starts=REVIEWED, title="Pass CCNA", by=manager)
    db.session.add(GoalNote(goal=old, author=ann, body="Booked the exam"))
    review = _review(ann)
    new = reviews.add_review_goal(manager, review, title="  Mentor Bob ", measure="Weekly")
    sheet = reviews.review_sheet(review)
    assert [g.title for g in sheet.last_goals] == ["Pass CCNA"]
    assert [n.body for n in sheet.last_goals[0].notes] == ["Booked the exam"]
    assert [g.title for g in sheet.new_goals] == ["Mentor Bob"]
    assert new.period_start == QUARTER and new.created_by_id == manager.id
    with pytest.raises(RuleViolation, match="title"):
        reviews.add_review_goal(manager, review, title="   ")
    with pytest.raises(RuleViolation, match="Q1 2027"):
        reviews.add_review_goal(manager, review, title="x", target_on=date(2027, 4, 1))
    reviews.add_review_goal(manager, review, title="x", target_on=date(2027, 3, 31))


def test_notes_and_held_are_versioned_and_audited(stopped):
    stopped.move_to(at_local(MONDAY, 9))
    manager = make_user(role="service_manager")
    review = _review(make_user(name="Ann Archer"))
    assert reviews.save_notes(manager, review, "Good quarter", expected_version=1) is True
    assert review.version == 2
    assert reviews.save_notes(manager, review, "Good quarter ", expected_version=2) is False
    assert review.version == 2
    from mspboard.services.edits import EditConflict

    with pytest.raises(EditConflict):
        reviews.save_notes(manager, review, "Other", expected_version=1)
    reviews.mark_held(manager, review, expected_version=2)
    assert review.held_by_id == manager.id and review.held_at is not None
    with pytest.raises(RuleViolation, match="already"):
        reviews.mark_held(manager, review, expected_version=3)


def test_only_the_reviews_own_tech_reviews_the_manager(stopped):
    stopped.move_to(at_local(MONDAY, 9))
    ann, bob = make_user(name="Ann Archer"), make_user(name="Bob Baker")
    review = _review(ann)
    with pytest.raises(reviews.NotYourReview):
        reviews.review_the_manager(
            bob, review, helps="x", hinders="", shown_version=1, at=at_local(MONDAY, 9)
        )
    with pytest.raises(RuleViolation, match="Write what helps"):
        reviews.review_the_manager(
            ann, review, helps=" ", hinders="", shown_version=1, at=at_local(MONDAY, 9)
        )
    written = at_local(MONDAY, 8, 30)
    assert reviews.review_the_manager(
        ann, review, helps="Quick answers", hinders="", shown_version=1, at=written
    )
    assert (review.manager_review_by_id, review.manager_review_at) == (ann.id, written)
    assert not reviews.review_the_manager(
        ann, review, helps="Quick answers", hinders="", shown_version=2, at=written
    )


def test_a_stale_phone_form_is_refused_only_when_the_techs_own_words_changed(stopped):
    stopped.move_to(at_local(MONDAY, 9))
    manager = make_user(role="service_manager")
    ann = make_user(name="Ann Archer")
    review = _review(ann)
    reviews.save_notes(manager, review, "Private", expected_version=1)
    # The phone showed version 1; the manager's notes moved it on: not the tech's concern.
    assert reviews.review_the_manager(
        ann, review, helps="Clear plans", hinders="", shown_version=1, at=at_local(MONDAY, 9)
    )
    with pytest.raises(RuleViolation, match="another device"):
        reviews.review_the_manager(
            ann, review, helps="Other words", hinders="", shown_version=2, at=at_local(MONDAY, 9)
        )
