from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from mspboard import inputs
from mspboard.htmx import is_htmx, render
from mspboard.manage.blueprint import bp
from mspboard.models import InvoiceLine, ProposedInvoice, db, utcnow
from mspboard.services import audit_trail, exports, invoicing
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.time_weeks import day_from_text, local_date, monday_of, week_start_of

# A week's line is at most 168 hours; the rule says so, this stops arithmetic on 1e999999.
BILLED_HOURS_MAX = Decimal(168)


def _week(week: str) -> date:
    return day_from_text(week) or abort(404)


def csv_download(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/invoices")
def invoices_default():
    last_week = week_start_of(utcnow()) - timedelta(weeks=1)
    return redirect(url_for("manage.invoices", week=last_week.isoformat()))


@bp.get("/invoices/<week>")
def invoices(week: str):
    week_start = _week(week)
    if week_start != monday_of(week_start):
        return redirect(url_for("manage.invoices", week=monday_of(week_start).isoformat()))
    review = invoicing.week_review(week_start)
    return render(
        "manage/invoices.html",
        review=review,
        histories=audit_trail.invoice_histories(review.invoices),
        previous_week=(week_start - timedelta(weeks=1)).isoformat(),
        next_week=(week_start + timedelta(weeks=1)).isoformat(),
        errors={},
    )


PROPOSE_ATTEMPTS = 3


def _propose(week_start: date) -> list[ProposedInvoice]:
    """Run the week's proposal step and commit it. Two managers (or two tabs) proposing the
    same week at once both insert the first invoice; the one that loses the race to the
    unique constraint starts again and finds the other's invoices, which it then leaves as
    they are (the step is idempotent)."""
    for attempt in range(PROPOSE_ATTEMPTS):
        try:
            invoices = invoicing.regenerate(week_start)
            db.session.commit()
            return invoices
        except IntegrityError:
            db.session.rollback()
            if attempt == PROPOSE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@bp.post("/invoices/<week>/propose")
def propose_invoices(week: str):
    week_start = monday_of(_week(week))
    count = len(_propose(week_start))
    flash(
        f"Proposed invoices are up to date with approved time ({count} invoice"
        f"{'' if count == 1 else 's'}).",
        "success",
    )
    return redirect(url_for("manage.invoices", week=week_start.isoformat()))


def _invoice_fragment(
    invoice: ProposedInvoice,
    errors: dict | None = None,
    status: int = 200,
    kept: dict | None = None,
):
    if not is_htmx():
        if errors:
            flash(" ".join(errors.values()), "error")
        return redirect(url_for("manage.invoices", week=invoice.week_start.isoformat()))
    db.session.refresh(invoice)
    return render(
        "manage/_invoice.html",
        status=status,
        invoice=invoice,
        histories=audit_trail.invoice_histories([invoice]),
        errors=errors or {},
        kept=kept or {},
    )


def _line(line_id: int) -> InvoiceLine:
    return db.session.get(InvoiceLine, line_id) or abort(404)


def _hours_to_minutes(raw: str | None) -> int | None:
    if not (raw or "").strip():
        return None
    hours = inputs.decimal_in_range(raw, Decimal(0), BILLED_HOURS_MAX)
    if hours is None:
        raise RuleViolation(
            f"Enter hours as a number from 0 to {BILLED_HOURS_MAX}, e.g. 1.5.", "billed_hours"
        )
    return int((hours * 60).to_integral_value())


def _note(name: str) -> str:
    return inputs.text(request.form.get(name), name, invoicing.NOTE_MAX)


def _apply(invoice: ProposedInvoice, error_key: str, change) -> Response:
    """Run one change on the invoice as the manager saw it (its version in the form); answer
    with the invoice re-rendered, errors by the field. A stale form gets 409 with the
    invoice as it is now, who changed it, and the manager's own values filled in again."""
    seen = request.form.get("version", type=inputs.db_id)
    try:
        change(seen)
        db.session.flush()
    except RuleViolation as violation:
        db.session.rollback()
        return _invoice_fragment(invoice, {error_key: violation.message}, 422)
    except (EditConflict, StaleDataError):
        db.session.rollback()
        message = EditConflict(invoice, invoicing.changes_since(invoice, seen or 0)).message
        kept = {error_key: {name: request.form.get(name, "") for name in KEPT_FIELDS}}
        return _invoice_fragment(invoice, {error_key: f"Not saved yet. {message}"}, 409, kept)
    db.session.commit()
    return _invoice_fragment(invoice)


# What the manager typed, offered again after a conflict.
KEPT_FIELDS = ("billed_hours", "note", "reason")


@bp.post("/invoices/lines/<int:line_id>")
def adjust_line(line_id: int):
    line = _line(line_id)
    form = request.form
    return _apply(
        line.invoice,
        f"line-{line.id}",
        lambda seen: invoicing.adjust_line(
            current_user,
            line,
            _hours_to_minutes(form.get("billed_hours")),
            _note("note"),
            expected_version=seen,
        ),
    )


@bp.post("/invoices/lines/<int:line_id>/write-off")
def write_off_line(line_id: int):
    line = _line(line_id)
    return _apply(
        line.invoice,
        f"line-{line.id}",
        lambda seen: invoicing.write_off(
            current_user, line, _note("reason"), expected_version=seen
        ),
    )


@bp.post("/invoices/lines/<int:line_id>/restore")
def restore_line(line_id: int):
    line = _line(line_id)
    return _apply(
        line.invoice,
        f"line-{line.id}",
        lambda seen: invoicing.restore(current_user, line, expected_version=seen),
    )


@bp.post("/invoices/<int:invoice_id>/note")
def annotate_invoice(invoice_id: int):
    invoice = db.session.get(ProposedInvoice, invoice_id) or abort(404)
    return _apply(
        invoice,
        "invoice",
        lambda seen: invoicing.annotate_invoice(
            current_user, invoice, _note("note"), expected_version=seen
        ),
    )


@bp.post("/invoices/<int:invoice_id>/rate")
def apply_current_rate(invoice_id: int):
    invoice = db.session.get(ProposedInvoice, invoice_id) or abort(404)
    return _apply(
        invoice,
        "invoice",
        lambda seen: invoicing.apply_current_rate(current_user, invoice, expected_version=seen),
    )


@bp.post("/invoices/<int:invoice_id>/reviewed")
def mark_reviewed(invoice_id: int):
    invoice = db.session.get(ProposedInvoice, invoice_id) or abort(404)
    return _apply(
        invoice,
        "invoice",
        lambda seen: invoicing.mark_reviewed(current_user, invoice, expected_version=seen),
    )


@bp.post("/invoices/<week>/export")
def export_invoices(week: str):
    week_start = _week(week)
    back = url_for("manage.invoices", week=week_start.isoformat())
    reviewed_before = invoicing.reviewed_ids(week_start)
    _propose(week_start)  # export what approved time says now, not what a page showed
    sent_back = reviewed_before - invoicing.reviewed_ids(week_start)
    if sent_back:
        flash(
            "Approved time changed under a reviewed invoice, so it went back to Proposed; "
            "review it and export again.",
            "error",
        )
        return redirect(back)
    plan = invoicing.plan_export(week_start)
    if not plan.invoices:
        flash("Mark invoices reviewed before exporting them.", "error")
        return redirect(back)
    if plan.already_exported and request.form.get("confirm") != "again":
        body = render_template("manage/export_again.html", plan=plan, week_start=week_start)
        return Response(body, status=409)
    invoicing.mark_exported(current_user, plan.invoices)
    body = exports.invoices_csv(plan.invoices, local_date(utcnow()))
    db.session.commit()
    return csv_download(body, f"invoices-{week_start.isoformat()}.csv")


@bp.get("/payroll/<week>.csv")
def payroll(week: str):
    week_start = _week(week)
    return csv_download(exports.payroll_csv(week_start), f"payroll-{week_start.isoformat()}.csv")
