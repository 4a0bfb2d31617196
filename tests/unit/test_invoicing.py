import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mspboard.models import AuditEvent, ShopSettings, TimeCard, db
from mspboard.services import exports, invoicing
from mspboard.services.errors import RuleViolation
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card
from tests.field_factories import make_entry as make_field_entry

MONDAY = date(2026, 11, 16)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 16 + day, hour, minute, tzinfo=UTC)


def make_entry(tech, started, minutes, **kwargs):
    entry = make_field_entry(tech, started, minutes, **kwargs)
    entry.synced_at = entry.ended_at
    return entry


def shop(rounding=15, minimum=0, rate=10000):
    settings = ShopSettings.with_defaults("UTC")
    settings.billing_rounding_minutes, settings.minimum_charge_minutes = rounding, minimum
    settings.default_rate_cents = rate
    db.session.add(settings)
    db.session.flush()
    from flask import g

    g.pop("shop_settings", None)


@pytest.mark.parametrize(
    ("minutes", "increment", "billed"),
    [(7, 0, 7), (7, 6, 12), (12, 6, 12), (16, 15, 30), (1, 30, 30), (31, 30, 60), (0, 15, 0)],
)
def test_each_entry_rounds_up_to_the_increment(minutes, increment, billed):
    assert invoicing.rounded(minutes, increment) == billed


def test_amounts_are_the_shown_quantity_times_the_rate_in_whole_cents_half_up():
    assert invoicing.amount_cents(90, 12500) == 18750
    assert invoicing.hours_hundredths(80) == 133  # 1.3333 h shows as 1.33
    assert invoicing.amount_cents(80, 14500) == 19285  # 1.33 x 145.00, not 193.33
    assert invoicing.hours_hundredths(1) == 2  # 0.0167 h rounds half up to 0.02
    assert invoicing.amount_cents(7, 10000) == 1200  # 0.12 h
    assert invoicing.amount_cents(15, 102) == 26  # 0.25 x 1.02 = 0.255: half a cent rounds up
    assert invoicing.amount_cents(15, 101) == 25  # 0.2525 rounds down


def approved_week(rounding=15, minimum=0):
    shop(rounding, minimum)
    manager = make_user(role="service_manager")
    tech = make_user()
    client = make_client("Alder Creek Dental", rate_cents=12000)
    sr = make_sr(client, "Replace UPS battery")
    make_entry(tech, at(0, 9), 50, sr=sr)  # 50 -> 60
    make_entry(tech, at(0, 14), 10, sr=sr)  # 10 -> 15
    make_entry(tech, at(1, 9), 20, sr=sr)  # 20 -> 30, another visit
    make_entry(tech, at(2, 9), 45, client=client)  # no SR
    make_entry(tech, at(2, 11), 120, sr=sr, billable=False)
    make_card(tech, MONDAY, "approved")
    return manager, tech, client, sr


def lines_by_sr(invoice):
    return {line.sr_id: line for line in invoice.lines}


def test_a_client_invoice_has_a_line_per_sr_from_approved_billable_time():
    _manager, _tech, client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    lines = lines_by_sr(invoice)
    assert invoice.client is client
    assert lines[sr.id].logged_minutes == 60 + 15 + 30
    assert lines[None].logged_minutes == 45
    assert lines[sr.id].rate_cents == 12000
    assert invoicing.invoice_total(invoice) == invoicing.amount_cents(150, 12000) == 30000


def test_a_minimum_charge_applies_per_visit():
    _manager, _tech, _client, sr = approved_week(rounding=0, minimum=60)
    lines = lines_by_sr(invoicing.regenerate(MONDAY)[0])
    assert lines[sr.id].logged_minutes == 60 + 60  # Monday 60, Tuesday 20 -> 60


def test_time_on_unapproved_cards_waits_for_the_next_review():
    shop()
    tech = make_user()
    make_entry(tech, at(0, 9), 60, client=make_client("Elm Street Bakery"))
    make_card(tech, MONDAY, "submitted")
    review = invoicing.week_review(MONDAY)
    assert review.invoices == []
    assert [(w.client.name, w.minutes, w.card_status) for w in review.waiting] == [
        ("Elm Street Bakery", 60, "submitted")
    ]


def test_the_managers_edits_survive_regeneration_and_new_time_shows():
    manager, tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    line = lines_by_sr(invoice)[sr.id]
    invoicing.adjust_line(
        manager, line, 90, "Goodwill: 15 minutes off", expected_version=line.invoice.version
    )
    invoicing.write_off(
        manager, lines_by_sr(invoice)[None], "Warranty work", expected_version=invoice.version
    )
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    assert invoice.status == "reviewed"

    make_entry(tech, at(3, 9), 30, sr=sr)  # approved later, after a reopen
    [invoice] = invoicing.regenerate(MONDAY)
    line = lines_by_sr(invoice)[sr.id]
    assert (line.logged_minutes, line.billed_minutes, line.note) == (
        135,
        90,
        "Goodwill: 15 minutes off",
    )
    assert invoicing.line_is_new(line) and line.reviewed_minutes == 105
    assert lines_by_sr(invoice)[None].written_off
    assert invoice.status == "proposed"  # to be reviewed again
    assert invoicing.invoice_total(invoice) == invoicing.amount_cents(90, 12000)


def test_write_off_needs_a_reason_and_every_change_is_audited():
    manager, _tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    line = lines_by_sr(invoice)[sr.id]
    with pytest.raises(RuleViolation):
        invoicing.write_off(manager, line, " ", expected_version=line.invoice.version)
    invoicing.adjust_line(manager, line, None, "checked", expected_version=line.invoice.version)
    invoicing.annotate_invoice(
        manager, invoice, "Send with the UPS receipt", expected_version=invoice.version
    )
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == manager.id)
    ).all()
    assert actions == ["invoice_line.adjusted", "invoice.annotated", "invoice.reviewed"]


def test_an_exported_invoice_no_longer_changes():
    manager, tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    invoicing.mark_exported(manager, [invoice])
    make_entry(tech, at(3, 9), 30, sr=sr)
    [invoice, _late] = invoicing.regenerate(MONDAY)
    assert lines_by_sr(invoice)[sr.id].logged_minutes == 105
    with pytest.raises(RuleViolation):
        invoicing.adjust_line(
            manager, lines_by_sr(invoice)[sr.id], 10, "", expected_version=invoice.version
        )


def test_time_approved_after_its_week_was_exported_goes_on_a_supplementary_invoice():
    manager, _tech, client, sr = approved_week()
    late_tech = make_user()
    make_entry(late_tech, at(1, 13), 5 * 60 + 45, sr=sr)
    card = make_card(late_tech, MONDAY, "submitted")  # reopened, say: not approved yet
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    invoicing.mark_exported(manager, [invoice])
    exported_total = invoicing.invoice_total(invoice)

    card.status, card.decided_at = "approved", at(6, 9)
    [invoice, late] = invoicing.regenerate(MONDAY)
    assert invoicing.invoice_total(invoice) == exported_total  # as sent
    assert (late.client, late.week_start, late.supplement, late.status) == (
        client,
        MONDAY,
        1,
        "proposed",
    )
    assert invoicing.invoice_number(late) == f"INV-2026W47-{client.id:04d}-S1"
    [line] = late.lines
    assert line.logged_minutes == 5 * 60 + 45
    assert invoicing.line_amount(line) == 69000  # 5.75 h x 120.00
    assert line.description == f"{sr.number} Replace UPS battery (worked Tue 17 Nov)"
    # every approved billable minute is on exactly one invoice, however often it is rebuilt
    invoicing.regenerate(MONDAY)
    billed = [entry.id for inv in (invoice, late) for li in inv.lines for entry in li.entries]
    assert len(billed) == len(set(billed)) == 5


def test_a_reviewed_invoice_goes_back_to_proposed_when_its_only_time_is_no_longer_approved():
    manager, tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.adjust_line(
        manager, lines_by_sr(invoice)[sr.id], 120, "", expected_version=invoice.version
    )
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)

    db.session.scalar(select(TimeCard).where(TimeCard.tech_id == tech.id)).status = "draft"
    [invoice] = invoicing.regenerate(MONDAY)
    assert invoice.status == "proposed"
    assert f"{sr.number} Replace UPS battery: its time is no longer approved (was 1.75 h)" in (
        invoice.status_reason
    )
    assert lines_by_sr(invoice)[sr.id].logged_minutes == 0
    assert invoicing.plan_export(MONDAY).invoices == []  # nothing reviewed to export
    reopened = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invoice.review_reopened")
    ).all()
    assert [event.entity_id for event in reopened] == [invoice.id]


def test_a_rate_change_keeps_each_lines_rate_and_sends_a_reviewed_invoice_back():
    manager, _tech, client, _sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    total = invoicing.invoice_total(invoice)

    client.billing_rate_cents = 15000
    [invoice] = invoicing.regenerate(MONDAY)
    assert invoicing.invoice_total(invoice) == total  # never repriced silently
    assert invoice.status == "proposed"
    assert invoice.status_reason == ("Alder Creek Dental's rate changed from $120.00 to $150.00")
    assert all(invoicing.line_rate_differs(line) for line in invoice.lines)

    invoicing.apply_current_rate(manager, invoice, expected_version=invoice.version)
    assert {line.rate_cents for line in invoice.lines} == {15000}
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    [invoice] = invoicing.regenerate(MONDAY)
    assert (invoice.status, invoice.status_reason) == ("reviewed", "")


def test_keeping_the_old_rate_is_a_decision_that_stays():
    manager, _tech, client, _sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    client.billing_rate_cents = 15000
    invoicing.mark_reviewed(
        manager, invoice, expected_version=invoice.version
    )  # reviewed knowing the new rate: keeps 120.00
    [invoice] = invoicing.regenerate(MONDAY)
    assert invoice.status == "reviewed"
    assert {line.rate_cents for line in invoice.lines} == {12000}


def test_regenerating_twice_changes_nothing():
    manager, tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    invoicing.mark_exported(manager, [invoice])
    make_entry(tech, at(3, 9), 30, sr=sr)
    invoicing.regenerate(MONDAY)
    db.session.flush()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    invoicing.regenerate(MONDAY)
    assert not db.session.dirty and not db.session.new and not db.session.deleted
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_invoice_csv_parses_back_with_the_values_and_neutralises_formulas():
    manager, _tech, client, sr = approved_week()
    client.name = "=HYPERLINK(evil)"
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.adjust_line(
        manager, lines_by_sr(invoice)[sr.id], 90, "+1 visit", expected_version=invoice.version
    )
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    text = exports.invoices_csv([invoice], date(2026, 11, 23))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["Item"] for row in rows] == [sr.number, "Service"]
    first = rows[0]
    assert first["Customer"] == "'=HYPERLINK(evil)"
    assert first["Description"].endswith("(+1 visit)")
    assert (first["Quantity"], first["Rate (USD)"], first["Amount (USD)"]) == (
        "1.50",
        "120.00",
        "180.00",
    )
    for row in rows:  # an accounting import that recomputes agrees to the cent
        assert Decimal(row["Quantity"]) * Decimal(row["Rate (USD)"]) == Decimal(row["Amount (USD)"])
    assert first["InvoiceNumber"] == f"INV-2026W47-{client.id:04d}"
    assert first["InvoiceDate"] == "2026-11-23"


def test_payroll_csv_has_each_approved_techs_days():
    _manager, tech, _client, _sr = approved_week()
    unapproved = make_user()
    make_entry(unapproved, at(0, 9), 60, client=make_client())
    rows = list(csv.DictReader(io.StringIO(exports.payroll_csv(MONDAY))))
    assert {row["Email"] for row in rows} == {tech.email}
    monday = next(row for row in rows if row["Date"] == "2026-11-16")
    assert (monday["Hours"], monday["BillableHours"], monday["NonBillableHours"]) == (
        "1.00",
        "1.00",
        "0.00",
    )
    wednesday = next(row for row in rows if row["Date"] == "2026-11-18")
    assert (wednesday["Hours"], wednesday["NonBillableHours"]) == ("2.75", "2.00")


def test_formula_like_values_become_text():
    assert [exports.inert(v) for v in ("=1+1", "+1", "-2", "@cmd", "plain", 5)] == [
        "'=1+1",
        "'+1",
        "'-2",
        "'@cmd",
        "plain",
        "5",
    ]


def test_writing_off_and_restoring_a_line_is_audited_and_changes_what_it_bills():
    manager, _tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    line = lines_by_sr(invoice)[sr.id]
    invoicing.write_off(manager, line, "  Warranty work  ", expected_version=line.invoice.version)
    assert (line.written_off, line.write_off_reason) == (True, "Warranty work")
    assert invoicing.line_billed(line) == 0
    invoicing.restore(manager, line, expected_version=line.invoice.version)
    assert (line.written_off, line.write_off_reason) == (False, "")
    assert invoicing.line_billed(line) == 105
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == manager.id).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.entity_id) for e in events] == [
        ("invoice_line.written_off", line.id),
        ("invoice_line.restored", line.id),
    ]
    assert (events[0].before["written_off"], events[0].after["written_off"]) == (False, True)
    assert events[0].after["write_off_reason"] == "Warranty work"
    assert (events[1].before["written_off"], events[1].after["written_off"]) == (True, False)


def test_an_invoice_note_is_trimmed_bounded_and_audited():
    manager, _tech, _client, _sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    with pytest.raises(RuleViolation) as refused:
        invoicing.annotate_invoice(
            manager, invoice, "x" * (invoicing.NOTE_MAX + 1), expected_version=invoice.version
        )
    assert refused.value.field == "note" and invoice.note == ""
    invoicing.annotate_invoice(
        manager, invoice, "x" * invoicing.NOTE_MAX, expected_version=invoice.version
    )  # exactly the limit
    invoicing.annotate_invoice(
        manager, invoice, "  Send with the receipt ", expected_version=invoice.version
    )
    assert invoice.note == "Send with the receipt"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invoice.annotated").order_by(AuditEvent.id)
    ).all()[-1]
    assert (event.entity_id, event.before, event.after) == (
        invoice.id,
        {"note": "x" * invoicing.NOTE_MAX, "version": invoice.version - 1},
        {"note": "Send with the receipt", "version": invoice.version},
    )


def test_nothing_on_an_exported_invoice_can_change():
    manager, _tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    line = lines_by_sr(invoice)[sr.id]
    invoicing.write_off(
        manager, lines_by_sr(invoice)[None], "Warranty work", expected_version=invoice.version
    )
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    invoicing.mark_exported(manager, [invoice])
    for change in (
        lambda: invoicing.write_off(manager, line, "late", expected_version=line.invoice.version),
        lambda: invoicing.restore(
            manager, lines_by_sr(invoice)[None], expected_version=invoice.version
        ),
        lambda: invoicing.annotate_invoice(
            manager, invoice, "late", expected_version=invoice.version
        ),
        lambda: invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version),
        lambda: invoicing.apply_current_rate(manager, invoice, expected_version=invoice.version),
    ):
        with pytest.raises(RuleViolation, match="exported"):
            change()
    assert not line.written_off and invoice.note == "" and invoice.status == "exported"
