"""The invoice review's records: bounds on what a manager types, who reviewed and exported
what and when, what waits for approval, and what changed after an export. Written against
the mutants mutmut found alive."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, db, utcnow
from mspboard.services import invoicing
from mspboard.services.errors import RuleViolation
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card
from tests.shop_time import at_local
from tests.unit.test_invoicing import MONDAY, approved_week, at, lines_by_sr, make_entry


def events(action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


@pytest.mark.parametrize(("minutes", "allowed"), [(0, True), (10080, True), (10081, False)])
def test_billed_time_is_between_nothing_and_a_whole_week(minutes, allowed):
    manager, _tech, _client, sr = approved_week()
    line = lines_by_sr(invoicing.regenerate(MONDAY)[0])[sr.id]
    if allowed:
        invoicing.adjust_line(manager, line, minutes, "", expected_version=line.invoice.version)
        assert line.billed_minutes == minutes
    else:
        with pytest.raises(RuleViolation) as refused:
            invoicing.adjust_line(manager, line, minutes, "", expected_version=line.invoice.version)
        assert (refused.value.field, line.billed_minutes) == ("billed_hours", None)


def test_a_negative_bill_or_a_long_note_is_refused_by_its_field():
    manager, _tech, _client, sr = approved_week()
    line = lines_by_sr(invoicing.regenerate(MONDAY)[0])[sr.id]
    with pytest.raises(RuleViolation) as refused:
        invoicing.adjust_line(manager, line, -1, "", expected_version=line.invoice.version)
    assert refused.value.message == "Bill between 0 and 168 hours."
    with pytest.raises(RuleViolation) as refused:
        invoicing.adjust_line(
            manager,
            line,
            None,
            "x" * (invoicing.NOTE_MAX + 1),
            expected_version=line.invoice.version,
        )
    assert refused.value.field == "note"
    invoicing.adjust_line(manager, line, 90, "  Goodwill  ", expected_version=line.invoice.version)
    [event] = events("invoice_line.adjusted")
    assert (event.actor_id, event.entity_id) == (manager.id, line.id)
    assert (event.before["billed_minutes"], event.after["billed_minutes"]) == (None, 90)
    assert event.after["note"] == "Goodwill"


def test_reviewing_and_exporting_record_who_and_when():
    manager, _tech, client, _sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoice.status_reason = "left from before"
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    assert (invoice.reviewed_by_id, invoice.status_reason) == (manager.id, "")
    assert invoice.reviewed_client_rate_cents == client.billing_rate_cents
    assert abs(invoice.reviewed_at - utcnow()) < timedelta(seconds=5)
    [reviewed] = events("invoice.reviewed")
    assert (reviewed.before["status"], reviewed.after["status"]) == ("proposed", "reviewed")
    assert reviewed.after["reviewed_by_id"] == manager.id
    assert reviewed.after["version"] == reviewed.before["version"] + 1 == invoice.version
    invoicing.mark_exported(manager, [invoice])
    assert invoice.exported_by_id == manager.id
    assert abs(invoice.exported_at - utcnow()) < timedelta(seconds=5)
    [exported] = events("invoice.exported")
    assert (exported.actor_id, exported.before, exported.after) == (
        manager.id,
        {"status": "reviewed"},
        {"status": "exported"},
    )


def test_a_review_reopened_by_two_changes_gives_both_reasons_and_is_audited():
    manager, tech, client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    make_entry(tech, at(3, 9), 30, sr=sr)
    client.billing_rate_cents = 15000
    [invoice] = invoicing.regenerate(MONDAY)
    assert invoice.status_reason == (
        f"{sr.number} Replace UPS battery: approved time changed from 1.75 h to 2.25 h; "
        "Alder Creek Dental's rate changed from $120.00 to $150.00"
    )
    [event] = events("invoice.review_reopened")
    assert (event.actor_id, event.before, event.after["status"]) == (
        None,
        {"status": "reviewed"},
        "proposed",
    )


def test_a_new_line_after_review_says_so():
    manager, tech, client, _sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    make_entry(tech, at(4, 9), 60, sr=make_sr(client, "New printer"))
    [invoice] = invoicing.regenerate(MONDAY)
    assert invoice.status_reason.endswith("New printer: new approved time (1.00 h)")


def test_time_changed_under_an_exported_invoice_is_listed_and_nothing_else():
    manager, _tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    invoicing.mark_exported(manager, [invoice])
    assert invoicing.week_review(MONDAY).changed_after_export == []
    line = lines_by_sr(invoice)[sr.id]
    line.entries[0].ended_at += timedelta(minutes=30)  # reopened and edited after export
    [change] = invoicing.week_review(MONDAY).changed_after_export
    assert (change.invoice, change.line, change.line.logged_minutes, change.now_minutes) == (
        invoice,
        line,
        105,
        135,
    )


def test_the_week_review_lists_unapproved_time_by_tech_and_client_and_counts_non_billable():
    _manager, _tech, client, _sr = approved_week()
    waiting_tech, draft_tech = make_user(name="Wes"), make_user(name="Dee")
    other = make_client("Birch Lane Vets")
    make_entry(waiting_tech, at(1, 9), 30, client=client)
    make_entry(waiting_tech, at(2, 9), 45, client=client)
    make_entry(draft_tech, at(1, 9), 20, client=other)
    make_entry(draft_tech, at(1, 11), 50, client=other, billable=False)  # not billed anyway
    make_card(waiting_tech, MONDAY, "submitted")
    review = invoicing.week_review(MONDAY)
    assert [(w.client.name, w.tech.name, w.minutes, w.card_status) for w in review.waiting] == [
        ("Alder Creek Dental", "Wes", 75, "submitted"),
        ("Birch Lane Vets", "Dee", 20, "draft"),
    ]
    assert review.non_billable_minutes == 120  # the approved tech's, only


def test_export_takes_reviewed_invoices_with_something_to_bill():
    manager, _tech, _client, _sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    plan = invoicing.plan_export(MONDAY)
    assert (plan.invoices, plan.not_reviewed, plan.already_exported) == ([], [invoice], [])
    for line in invoice.lines:
        invoicing.write_off(manager, line, "Warranty", expected_version=line.invoice.version)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    assert invoicing.plan_export(MONDAY).invoices == []  # nothing left to bill
    for line in invoice.lines:
        invoicing.restore(manager, line, expected_version=line.invoice.version)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    assert invoicing.plan_export(MONDAY).invoices == [invoice]
    invoicing.mark_exported(manager, [invoice])
    plan = invoicing.plan_export(MONDAY)
    assert (plan.invoices, plan.already_exported) == ([invoice], [invoice])


def test_quantities_and_rate_flags():
    assert [invoicing.quantity(m) for m in (1, 80, 6000, 6001)] == [
        "0.02",
        "1.33",
        "100.00",
        "100.02",
    ]
    manager, _tech, client, _sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    invoicing.mark_exported(manager, [invoice])
    client.billing_rate_cents = 15000
    assert not any(invoicing.line_rate_differs(line) for line in invoice.lines)  # as sent


def test_an_entry_at_midnight_starting_monday_belongs_to_the_next_weeks_invoice():
    tech = make_user()
    client = make_client("Alder Creek Dental", rate_cents=6000)
    next_monday = MONDAY + timedelta(days=7)
    sunday = MONDAY + timedelta(days=6)
    make_entry(tech, at_local(sunday, 23, 45), 15, client=client)  # the week's last quarter
    make_entry(tech, at_local(next_monday, 0), 30, client=client)  # the next week's first
    make_card(tech, MONDAY, "approved")
    make_card(tech, next_monday, "approved")
    [this_week] = invoicing.regenerate(MONDAY)
    [next_week] = invoicing.regenerate(next_monday)
    assert [line.logged_minutes for line in this_week.lines] == [15]
    assert [line.logged_minutes for line in next_week.lines] == [30]
