import csv
import io
from datetime import UTC, date, datetime

from sqlalchemy import select

from mspboard.models import InvoiceLine, ProposedInvoice, User, db
from tests.factories import make_client, make_sr
from tests.field_factories import make_card, make_entry

MONDAY = date(2026, 11, 16)
WEEK = f"/manage/invoices/{MONDAY.isoformat()}"
HTMX = {"HX-Request": "true"}
PROPOSE = f"/manage/invoices/{MONDAY.isoformat()}/propose"


def approved_time(app, people):
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        client = make_client("Kestrel Architects", rate_cents=14500)
        sr = make_sr(client, "Plotter service")
        entry = make_entry(tech, datetime(2026, 11, 17, 9, tzinfo=UTC), minutes=90, sr=sr)
        entry.synced_at = entry.ended_at
        make_card(tech, MONDAY, "approved")
        db.session.commit()
        return sr.number


def first_line(app):
    with app.app_context():
        line = db.session.scalar(select(InvoiceLine))
        return line.id, line.invoice_id


def test_technicians_get_403_on_invoices_and_exports(login_as):
    tech = login_as("technician")
    for path in ("/manage/invoices", WEEK, f"/manage/payroll/{MONDAY.isoformat()}.csv"):
        assert tech.get(path).status_code == 403
    assert tech.post(f"/manage/invoices/{MONDAY.isoformat()}/export").status_code == 403


def test_the_week_shows_each_clients_proposed_invoice(app, login_as, people):
    number = approved_time(app, people)
    manager = login_as("service_manager")
    assert manager.get("/manage/invoices").status_code == 302
    first_look = manager.get(WEEK).get_data(as_text=True)
    assert "No invoices proposed yet" in first_look and "Propose invoices</button>" in first_look
    with app.app_context():
        assert db.session.scalar(select(ProposedInvoice)) is None  # looking wrote nothing
    proposed = manager.post(PROPOSE, follow_redirects=True)
    assert "Proposed invoices are up to date" in proposed.get_data(as_text=True)
    page = manager.get(WEEK).get_data(as_text=True)
    assert 'id="proposal-state"' not in page
    assert "Kestrel Architects" in page and number in page
    assert "217.50" in page  # 1.5 h at 145.00


def proposed_week(app, people, login_as):
    """A manager signed in on a week whose approved time is proposed: (the manager's test
    client, the first line's id, its invoice's id)."""
    approved_time(app, people)
    manager = login_as("service_manager")
    manager.post(PROPOSE)
    return (manager, *first_line(app))


def shown(app, invoice_id) -> dict:
    """The version field an invoice's forms carry, as the page showed it."""
    with app.app_context():
        return {"version": str(db.session.get(ProposedInvoice, invoice_id).version)}


def test_adjusting_a_line_returns_the_invoice_fragment(app, login_as, people):
    manager, line_id, invoice_id = proposed_week(app, people, login_as)
    response = manager.post(
        f"/manage/invoices/lines/{line_id}",
        data={"billed_hours": "1.25", "note": "Travel not billed", **shown(app, invoice_id)},
        headers=HTMX,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.lstrip().startswith(
        f'<article id="invoice-{invoice_id}"'
    )
    assert "181.25" in page and "Travel not billed" in page


def test_bad_hours_are_refused_next_to_the_line(app, login_as, people):
    manager, line_id, _invoice_id = proposed_week(app, people, login_as)
    response = manager.post(
        f"/manage/invoices/lines/{line_id}", data={"billed_hours": "lots"}, headers=HTMX
    )
    assert response.status_code == 422
    assert f'id="line-{line_id}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(InvoiceLine, line_id).billed_minutes is None


def test_export_needs_review_then_downloads_and_asks_before_a_second_export(app, login_as, people):
    manager, _line_id, invoice_id = proposed_week(app, people, login_as)
    export = f"/manage/invoices/{MONDAY.isoformat()}/export"
    assert manager.post(export).headers["Location"] == WEEK
    manager.post(
        f"/manage/invoices/{invoice_id}/reviewed", data=shown(app, invoice_id), headers=HTMX
    )
    download = manager.post(export)
    assert download.mimetype == "text/csv"
    assert (
        download.headers["Content-Disposition"] == 'attachment; filename="invoices-2026-11-16.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [(row["Customer"], row["Quantity"], row["Amount (USD)"]) for row in rows] == [
        ("Kestrel Architects", "1.50", "217.50")
    ]
    again = manager.post(export)
    assert again.status_code == 409 and "Export again?" in again.get_data(as_text=True)
    assert manager.post(export, data={"confirm": "again"}).mimetype == "text/csv"
    with app.app_context():
        assert db.session.get(ProposedInvoice, invoice_id).status == "exported"


def test_payroll_csv_downloads_with_a_file_name(app, login_as, people):
    approved_time(app, people)
    response = login_as("service_manager").get(f"/manage/payroll/{MONDAY.isoformat()}.csv")
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="payroll-2026-11-16.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["Hours"] == "1.50"


def test_week_urls_go_to_the_monday(login_as):
    manager = login_as("service_manager")
    assert manager.get("/manage/invoices/2026-11-19").headers["Location"] == WEEK
    assert manager.get("/manage/invoices/soon").status_code == 404


def _approve_later_time(app, people, minutes):
    """A second tech's time on the same client, approved only after the week's export."""
    with app.app_context():
        from tests.factories import make_user

        client = db.session.scalar(select(ProposedInvoice)).client
        late = make_user(name="Lena Late")
        entry = make_entry(late, datetime(2026, 11, 18, 13, tzinfo=UTC), minutes, client=client)
        entry.synced_at = entry.ended_at
        make_card(late, MONDAY, "approved")
        db.session.commit()


def test_time_approved_after_export_shows_as_a_late_supplementary_invoice(app, login_as, people):
    manager, _line_id, invoice_id = proposed_week(app, people, login_as)
    manager.post(f"/manage/invoices/{invoice_id}/reviewed", data=shown(app, invoice_id))
    assert manager.post(f"/manage/invoices/{MONDAY.isoformat()}/export").status_code == 200

    _approve_later_time(app, people, 345)
    stale = manager.get(WEEK).get_data(as_text=True)
    assert "Proposals are out of date" in stale and "Update proposals</button>" in stale
    assert "-S1" not in stale
    manager.post(PROPOSE)
    page = manager.get(WEEK).get_data(as_text=True)
    assert "Late time: approved after this week's invoice was exported" in page
    assert "-S1" in page and "Other work (worked Wed 18 Nov)" in page
    assert "833.75" in page  # 5.75 h at 145.00, billed once, on the supplement


def test_a_rate_change_shows_on_the_invoice_and_is_applied_only_when_asked(app, login_as, people):
    manager, _line_id, invoice_id = proposed_week(app, people, login_as)
    manager.post(f"/manage/invoices/{invoice_id}/reviewed", data=shown(app, invoice_id))
    with app.app_context():
        db.session.get(ProposedInvoice, invoice_id).client.billing_rate_cents = 16000
        db.session.commit()

    assert "Update proposals</button>" in manager.get(WEEK).get_data(as_text=True)
    manager.post(PROPOSE)
    page = manager.get(WEEK).get_data(as_text=True)
    assert (
        "Back to Proposed: Kestrel Architects&#39;s rate changed from $145.00 to $160.00." in page
    )
    assert "217.50" in page and "the client's rate is now $160.00" in page
    assert login_as("technician").post(f"/manage/invoices/{invoice_id}/rate").status_code == 403
    manager = login_as("service_manager")
    fragment = manager.post(
        f"/manage/invoices/{invoice_id}/rate", data=shown(app, invoice_id), headers=HTMX
    )
    assert fragment.status_code == 200
    assert "240.00" in fragment.get_data(as_text=True)  # 1.5 h at 160.00


def test_export_brings_proposals_up_to_date_first_and_says_when_a_review_went_back(
    app, login_as, people
):
    manager, _line_id, invoice_id = proposed_week(app, people, login_as)
    manager.post(f"/manage/invoices/{invoice_id}/reviewed", data=shown(app, invoice_id))
    _approve_later_time(app, people, 60)  # more approved time, after the review
    response = manager.post(f"/manage/invoices/{MONDAY.isoformat()}/export", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "went back to Proposed; review it and export again" in page
    assert "Back to Proposed: Other work: new approved time (1.00 h)" in page
    assert f'id="invoice-history-{invoice_id}"' in page
    assert "marked reviewed the invoice for Kestrel Architects" in page
    assert "The system sent back to Proposed the invoice for Kestrel Architects" in page
    with app.app_context():
        assert db.session.get(ProposedInvoice, invoice_id).status == "proposed"


def test_two_first_proposals_at_once_both_answer_and_make_one_invoice(
    app, login_as, people, monkeypatch
):
    """The second request reads the week before the first one's invoices are committed, then
    meets them at the unique constraint; it answers normally instead of with a 500."""
    import threading

    from mspboard.services import invoicing

    approved_time(app, people)
    manager = login_as("service_manager")
    real = invoicing._week_invoices
    raced = []

    def week_invoices_while_another_request_proposes(week_start):
        found = real(week_start)
        if not raced:
            raced.append(True)

            def other_request():
                with app.app_context():
                    invoicing.regenerate(week_start)
                    db.session.commit()

            thread = threading.Thread(target=other_request)
            thread.start()
            thread.join()
        return found

    monkeypatch.setattr(invoicing, "_week_invoices", week_invoices_while_another_request_proposes)
    response = manager.post(PROPOSE, follow_redirects=True)
    assert response.status_code == 200
    assert raced and "Proposed invoices are up to date" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(ProposedInvoice)).all()) == 1
        assert len(db.session.scalars(select(InvoiceLine)).all()) == 1


def _another_manager_bills(app, line_id, minutes, note):
    from mspboard.services import invoicing
    from tests.factories import make_user

    with app.app_context():
        priya = make_user(role="service_manager", name="Priya Shah")
        line = db.session.get(InvoiceLine, line_id)
        invoicing.adjust_line(priya, line, minutes, note, expected_version=line.invoice.version)
        db.session.commit()


def test_marking_reviewed_an_invoice_changed_since_it_was_shown_is_refused(app, login_as, people):
    manager, line_id, invoice_id = proposed_week(app, people, login_as)
    seen = shown(app, invoice_id)
    _another_manager_bills(app, line_id, 60, "Goodwill")

    refused = manager.post(f"/manage/invoices/{invoice_id}/reviewed", data=seen, headers=HTMX)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Not saved yet. Priya Shah changed the billed minutes to 60 min" in page
    with app.app_context():
        assert db.session.get(ProposedInvoice, invoice_id).status == "proposed"
    # The invoice shown now carries its new version: one more click reviews what was seen.
    again = manager.post(
        f"/manage/invoices/{invoice_id}/reviewed", data=shown(app, invoice_id), headers=HTMX
    )
    assert again.status_code == 200
    with app.app_context():
        assert db.session.get(ProposedInvoice, invoice_id).status == "reviewed"


def test_a_stale_line_edit_keeps_the_typed_values_to_save_again(app, login_as, people):
    manager, line_id, invoice_id = proposed_week(app, people, login_as)
    seen = shown(app, invoice_id)
    _another_manager_bills(app, line_id, 60, "Goodwill")

    path = f"/manage/invoices/lines/{line_id}"
    refused = manager.post(
        path, data={"billed_hours": "2.00", "note": "Two visits", **seen}, headers=HTMX
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert 'value="2.00"' in page and 'value="Two visits"' in page
    with app.app_context():
        assert db.session.get(InvoiceLine, line_id).billed_minutes == 60
    assert (
        manager.post(
            path,
            data={"billed_hours": "2.00", "note": "Two visits", **shown(app, invoice_id)},
            headers=HTMX,
        ).status_code
        == 200
    )
    with app.app_context():
        assert db.session.get(InvoiceLine, line_id).billed_minutes == 120


def test_new_approved_time_makes_an_open_invoice_page_stale(app, login_as, people):
    manager, _line_id, invoice_id = proposed_week(app, people, login_as)
    seen = shown(app, invoice_id)
    _approve_later_time(app, people, 60)
    manager.post(PROPOSE)
    refused = manager.post(f"/manage/invoices/{invoice_id}/reviewed", data=seen, headers=HTMX)
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(ProposedInvoice, invoice_id).status == "proposed"
