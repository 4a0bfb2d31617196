import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, ShopSettings, db
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


def test_amounts_are_whole_cents_rounded_half_up():
    assert invoicing.amount_cents(90, 12500) == 18750
    assert invoicing.amount_cents(7, 10000) == 1167  # 1166.67
    assert invoicing.amount_cents(1, 9000) == 150


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
    invoicing.adjust_line(manager, line, 90, "Goodwill: 15 minutes off")
    invoicing.write_off(manager, lines_by_sr(invoice)[None], "Warranty work")
    invoicing.mark_reviewed(manager, invoice)
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
        invoicing.write_off(manager, line, " ")
    invoicing.adjust_line(manager, line, None, "checked")
    invoicing.annotate_invoice(manager, invoice, "Send with the UPS receipt")
    invoicing.mark_reviewed(manager, invoice)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == manager.id)
    ).all()
    assert actions == ["invoice_line.adjusted", "invoice.annotated", "invoice.reviewed"]


def test_an_exported_invoice_no_longer_changes():
    manager, tech, _client, sr = approved_week()
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.mark_reviewed(manager, invoice)
    invoicing.mark_exported(manager, [invoice])
    make_entry(tech, at(3, 9), 30, sr=sr)
    [invoice] = invoicing.regenerate(MONDAY)
    assert lines_by_sr(invoice)[sr.id].logged_minutes == 105
    with pytest.raises(RuleViolation):
        invoicing.adjust_line(manager, lines_by_sr(invoice)[sr.id], 10, "")


def test_invoice_csv_parses_back_with_the_values_and_neutralises_formulas():
    manager, _tech, client, sr = approved_week()
    client.name = "=HYPERLINK(evil)"
    [invoice] = invoicing.regenerate(MONDAY)
    invoicing.adjust_line(manager, lines_by_sr(invoice)[sr.id], 90, "+1 visit")
    invoicing.mark_reviewed(manager, invoice)
    text = exports.invoices_csv([invoice], date(2026, 11, 23))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["Item"] for row in rows] == [sr.number, "Service"]
    first = rows[0]
    assert first["Customer"] == "'=HYPERLINK(evil)"
    assert first["Description"].endswith("(+1 visit)")
    assert (first["Quantity"], first["Rate"], first["Amount"]) == ("1.50", "120.00", "180.00")
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
