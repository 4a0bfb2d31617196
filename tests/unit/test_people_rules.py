"""The rules of goals and certifications (services/people): the target inside the goal's
period, decided_at when a goal is decided, the phone's moves that never undo a decision,
expiry flags with day 60 included and day 61 not, and the certification earned from its goal
in one call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, Certification, GoalKind, GoalPeriod, GoalStatus, db, utcnow
from mspboard.services.errors import RuleViolation
from mspboard.services.people import certifications as certs
from mspboard.services.people import goals
from mspboard.services.people.certifications import CertificationFields
from mspboard.services.people.goals import GoalFields
from tests.factories import make_user
from tests.shop_time import today_local


@pytest.fixture
def team():
    return make_user(role="technician", name="Elena Ruiz"), make_user(role="service_manager")


def _goal(tech, manager, **kwargs):
    kwargs.setdefault("period", GoalPeriod.QUARTER)
    kwargs.setdefault("starts", today_local())
    kwargs.setdefault("title", "Close 40 SRs")
    return goals.add_goal(tech, by=manager, **kwargs)


def _fields(goal, **changes) -> GoalFields:
    values = {
        "title": goal.title,
        "measure": goal.measure,
        "target_on": goal.target_on,
        "status": goal.status,
    }
    return GoalFields(**{**values, **changes})


def test_a_goal_targets_a_day_inside_its_own_quarter(team):
    tech, manager = team
    start = goals.quarter_start(today_local())
    end = goals.next_quarter_start(start) - timedelta(days=1)
    assert _goal(tech, manager, target_on=start).target_on == start
    assert _goal(tech, manager, target_on=end).target_on == end
    for outside in (start - timedelta(days=1), end + timedelta(days=1)):
        with pytest.raises(RuleViolation) as refused:
            _goal(tech, manager, target_on=outside)
        assert refused.value.field == "target_on"


def test_a_title_is_needed_and_at_most_200_characters(team):
    tech, manager = team
    assert len(_goal(tech, manager, title="x" * 200).title) == 200
    for bad in ("x" * 201, "   "):
        with pytest.raises(RuleViolation) as refused:
            _goal(tech, manager, title=bad)
        assert refused.value.field == "title"


def test_deciding_a_goal_writes_decided_at_and_reopening_clears_it(team, stopped):
    tech, manager = team
    goal = _goal(tech, manager)
    goals.edit_goal(manager, goal, _fields(goal, status="met"), expected_version=goal.version)
    assert goal.status == "met" and goal.decided_at == utcnow()
    stopped.shift(timedelta(hours=1))
    # Still met after an edit of the title: it keeps the moment it was decided.
    goals.edit_goal(
        manager, goal, _fields(goal, title="Close 45 SRs"), expected_version=goal.version
    )
    assert goal.decided_at == utcnow() - timedelta(hours=1)
    goals.edit_goal(manager, goal, _fields(goal, status="at_risk"), expected_version=goal.version)
    assert goal.decided_at is None


def test_a_save_that_changes_nothing_writes_nothing(team):
    tech, manager = team
    goal = _goal(tech, manager)
    version = goal.version
    assert goals.edit_goal(manager, goal, _fields(goal), expected_version=version) == {}
    assert goal.version == version
    edited = select(AuditEvent).where(AuditEvent.action == "goal.edited")
    assert db.session.scalars(edited).all() == []


def test_the_phone_note_and_status_move_carry_the_phone_moment(team, stopped):
    tech, manager = team
    goal = _goal(tech, manager)
    moment = utcnow() - timedelta(minutes=40)
    note, moved = goals.update_from_phone(
        tech, goal, body="Half way", status="on_track", moment=moment
    )
    assert moved and goal.status == "on_track"
    assert note.created_at == moment and note.stored_at == utcnow() and note.author is tech
    _note, moved = goals.update_from_phone(tech, goal, body="", status="met", moment=moment)
    assert goal.decided_at == moment


def test_a_late_phone_move_never_undoes_a_later_decision(team, stopped):
    tech, manager = team
    goal = _goal(tech, manager)
    made_offline = utcnow() - timedelta(minutes=5)
    goals.edit_goal(manager, goal, _fields(goal, status="dropped"), expected_version=goal.version)
    with pytest.raises(RuleViolation) as refused:
        goals.update_from_phone(tech, goal, body="", status="at_risk", moment=made_offline)
    assert refused.value.field == "status" and goal.status == "dropped"
    # A move made after the decision goes through.
    goals.update_from_phone(tech, goal, body="", status="at_risk", moment=utcnow())
    assert goal.status == "at_risk" and goal.decided_at is None


def test_a_phone_update_needs_a_note_or_a_new_status_and_only_on_ones_own_goal(team):
    tech, manager = team
    goal = _goal(tech, manager)
    with pytest.raises(RuleViolation):
        goals.update_from_phone(tech, goal, body="  ", status="open", moment=utcnow())
    other = make_user(role="technician")
    with pytest.raises(goals.NotYourGoal):
        goals.update_from_phone(other, goal, body="Mine now", status="", moment=utcnow())


def _cert(tech, manager, expires_in: int | None, earned_days_ago: int = 400):
    today = today_local()
    return certs.add_certification(
        manager,
        tech,
        CertificationFields(
            name="CompTIA Security+",
            issuer="CompTIA",
            earned_on=today - timedelta(days=earned_days_ago),
            expires_on=None if expires_in is None else today + timedelta(days=expires_in),
        ),
    )


def test_day_60_is_flagged_day_61_is_not_and_past_expiry_is_expired(team):
    tech, manager = team
    today = today_local()
    day_60, day_61 = _cert(tech, manager, 60), _cert(tech, manager, 61)
    expired, today_cert = _cert(tech, manager, -1), _cert(tech, manager, 0)
    never = _cert(tech, manager, None)
    assert certs.flag(day_60, today) == "expiring"
    assert certs.flag(day_61, today) is None
    assert certs.flag(today_cert, today) == "expiring"
    assert certs.flag_words(today_cert, today) == "Expires today"
    assert certs.flag(expired, today) == "expired"
    assert certs.flag_words(expired, today) == "Expired 1 day ago"
    assert certs.flag(never, today) is None
    assert certs.expiring(today) == [expired, today_cert, day_60]


def test_a_certification_expires_after_it_was_earned_and_is_not_earned_in_the_future(team):
    tech, manager = team
    with pytest.raises(RuleViolation) as refused:
        _cert(tech, manager, expires_in=-400, earned_days_ago=400)
    assert refused.value.field == "expires_on"
    with pytest.raises(RuleViolation) as refused:
        _cert(tech, manager, expires_in=30, earned_days_ago=-1)
    assert refused.value.field == "earned_on"


def test_earning_a_planned_certification_records_it_and_meets_the_goal_once(team, stopped):
    tech, manager = team
    goal = _goal(tech, manager, title="Earn Azure Administrator", kind=GoalKind.CERTIFICATION)
    fields = CertificationFields("Azure Administrator", "Microsoft", today_local(), None)
    cert = certs.earn_from_goal(manager, goal, fields)
    assert cert.goal is goal and cert.user is tech
    assert goal.status == GoalStatus.MET and goal.decided_at == utcnow()
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"certification.added", "goal.certification_earned"} <= actions
    with pytest.raises(RuleViolation):
        certs.earn_from_goal(manager, goal, fields)
    assert len(db.session.scalars(select(Certification)).all()) == 1


def test_only_a_certification_goal_records_a_certification(team):
    tech, manager = team
    goal = _goal(tech, manager)
    fields = CertificationFields("Azure Administrator", "Microsoft", today_local(), None)
    with pytest.raises(RuleViolation):
        certs.earn_from_goal(manager, goal, fields)
