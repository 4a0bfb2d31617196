"""What a decision leaves behind: who made it, when, the exact message a refusal gives, and
the audit event with its before and after. Written against the mutants mutmut found alive."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, db, utcnow
from mspboard.services import approvals, invoicing
from mspboard.services import time_cards as tc
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card, make_entry, make_schedule_item, make_time_off
from tests.shop_time import at_local

MONDAY = date(2026, 11, 16)


def last_event(action: str) -> AuditEvent:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


def test_a_time_off_decision_is_recorded_with_who_when_and_the_trimmed_note():
    manager, tech = make_user(role="service_manager", name="Mona"), make_user()
    request = make_time_off(tech, MONDAY, MONDAY, status="pending")
    assert (
        approvals.decide_time_off(manager, request, False, "  Busy week  ", expected_version=1)
        == []
    )
    assert (request.status, request.decision_note) == ("denied", "Busy week")
    assert request.decided_by_id == manager.id
    assert abs(request.decided_at - utcnow()) < timedelta(seconds=5)
    event = last_event("time_off.denied")
    assert (event.actor_id, event.entity_id) == (manager.id, request.id)
    assert (event.before["status"], event.after["status"]) == ("pending", "denied")
    assert event.after["decision_note"] == "Busy week"


def test_a_second_time_off_decision_names_who_made_the_first():
    first, second = make_user(role="service_manager", name="Mona"), make_user(role="admin")
    request = make_time_off(make_user(), MONDAY, MONDAY, status="pending")
    approvals.decide_time_off(first, request, True, "", expected_version=1)
    with pytest.raises(approvals.AlreadyDecided) as refused:
        approvals.decide_time_off(second, request, False, "", expected_version=1)
    when = wall_label(request.decided_at, "%a %d %b at %H:%M")
    assert refused.value.message == f"This request was already approved by Mona on {when}."
    unknown = make_time_off(make_user(), MONDAY, MONDAY, status="denied")
    with pytest.raises(approvals.AlreadyDecided) as refused:
        approvals.decide_time_off(second, unknown, True, "", expected_version=1)
    assert refused.value.message == "This request was already denied by someone."


def test_a_time_off_note_over_the_limit_is_refused_by_its_field():
    request = make_time_off(make_user(), MONDAY, MONDAY, status="pending")
    with pytest.raises(RuleViolation) as refused:
        approvals.decide_time_off(
            make_user(role="admin"), request, True, "x" * 2001, expected_version=1
        )
    assert (refused.value.field, refused.value.message) == (
        "note",
        f"Keep the note under {approvals.REASON_MAX} characters.",
    )
    assert request.status == "pending"


def test_schedule_clashes_cover_the_whole_request_and_nothing_after():
    tech = make_user()
    last_day = MONDAY + timedelta(days=1)
    on_last_day = make_schedule_item(tech, at_local(last_day, 15), hours=1)
    make_schedule_item(tech, at_local(last_day + timedelta(days=1), 9), hours=1)  # day after
    make_schedule_item(tech, at_local(MONDAY - timedelta(days=1), 9), hours=1)  # day before
    request = make_time_off(tech, MONDAY, last_day, status="pending")
    assert approvals.schedule_clashes(request) == [on_last_day]
    request.ends_midday = True  # back at work from midday on the last day
    assert approvals.schedule_clashes(request) == []


def test_reopening_needs_a_reason_the_tech_will_read():
    manager = make_user(role="service_manager")
    card = make_card(make_user(), MONDAY, "approved")
    with pytest.raises(RuleViolation) as refused:
        approvals.reopen_card(manager, card, card.version, "  ")
    assert (refused.value.field, refused.value.message) == (
        "reason",
        "Say why you reopen it; the tech sees it.",
    )
    approvals.reopen_card(manager, card, card.version, "Client disputes Thursday")
    assert (card.status, card.reason, card.decided_by_id) == (
        "draft",
        "Client disputes Thursday",
        manager.id,
    )
    event = last_event("timecard.reopened")
    assert (event.actor_id, event.before["status"], event.after["status"]) == (
        manager.id,
        "approved",
        "draft",
    )


def test_a_card_decided_by_nobody_known_says_someone():
    card = make_card(make_user(), MONDAY, "approved")
    assert approvals.already_decided(card).message.startswith(
        "This card was already approved by someone on "
    )
    card.decided_at = None
    assert approvals.already_decided(card).message == "This card was already approved by someone."


def test_submitting_records_the_week_and_its_worked_minutes():
    tech = make_user()
    make_entry(tech, at_local(MONDAY, 9), 90)
    now = at_local(MONDAY + timedelta(days=4), 17)
    card = tc.submit_card(tech, MONDAY, now=now)
    assert (card.status, card.submitted_at) == ("submitted", now)
    event = last_event("timecard.submitted")
    assert (event.actor_id, event.entity_id) == (tech.id, card.id)
    assert event.after == {"status": "submitted", "week_start": "2026-11-16", "total_minutes": 90}


def test_a_running_timer_or_a_future_week_stops_a_submission():
    tech = make_user()
    make_entry(tech, at_local(MONDAY, 9), None)
    with pytest.raises(RuleViolation, match="Stop the running timer"):
        tc.submit_card(tech, MONDAY, now=at_local(MONDAY, 12))
    with pytest.raises(RuleViolation, match="has not started yet"):
        tc.submit_card(make_user(), MONDAY, now=at_local(MONDAY - timedelta(days=1), 12))
    # Whether the week has started is the server's call, whatever moment the phone sends.
    with pytest.raises(RuleViolation, match="has not started yet"):
        tc.submit_card(
            make_user(),
            MONDAY,
            now=at_local(MONDAY - timedelta(days=1), 12),
            at=at_local(MONDAY, 12),
        )
    sent_then = at_local(MONDAY - timedelta(days=1), 12)
    card = tc.submit_card(make_user(), MONDAY, now=at_local(MONDAY, 9), at=sent_then)
    assert card.submitted_at == sent_then


def test_applying_todays_rate_is_audited_by_the_manager_line_by_line():
    manager, tech = make_user(role="service_manager"), make_user()
    client = make_client(rate_cents=10000)
    make_entry(tech, at_local(MONDAY, 9), 60, sr=make_sr(client))
    make_card(tech, MONDAY, "approved")
    [invoice] = invoicing.regenerate(MONDAY)
    client.billing_rate_cents = 12000
    invoicing.apply_current_rate(manager, invoice, expected_version=invoice.version)
    [line] = invoice.lines
    event = last_event("invoice_line.rate_applied")
    assert (event.actor_id, event.entity_id, event.before, event.after) == (
        manager.id,
        line.id,
        {"rate_cents": 10000, "version": 1},
        {"rate_cents": 12000, "version": 2, "invoice_version": invoice.version},
    )
